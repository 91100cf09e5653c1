//! A terminal too small for the lesson says so, and how big it must be.

use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::ui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Draws the "too small" message in whatever space there is.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let lines = vec![
        Line::from(Span::styled("Terminal too small", t.bad())),
        Line::raw(format!(
            "This is {}×{}; tlsviz needs at least {MIN_WIDTH}×{MIN_HEIGHT} (best 120×40).",
            area.width, area.height
        )),
        Line::raw("Enlarge the window, or quit (q) and use tlsviz --plain."),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
