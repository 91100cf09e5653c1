//! The `tlsviz cluster` / `tlsviz sentinel` screen: a title, the node table
//! ([`super::nodes`]), the summary ([`super::topology_summary`]), a status line and the keys.

use super::{clip, nodes, topology_summary, MIN_HEIGHT, MIN_WIDTH};
use crate::ui::topology::TopologyApp;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw the whole screen.
pub fn draw(f: &mut Frame, app: &TopologyApp) {
    let t = &app.theme;
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The node table needs {MIN_WIDTH}×{MIN_HEIGHT} (this is {}×{}). q quits; \
             --plain prints it.",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    // The table gets what it needs, up to half the screen; the summary the rest.
    let table = nodes::height(app).min(area.height / 2).max(6);
    let [title, table_area, summary, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(table),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let width = usize::from(area.width);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            clip(&format!(" {}", app.title()), width),
            t.banner(),
        ))),
        title,
    );
    nodes::render(f, app, table_area);
    topology_summary::render(f, app, summary);
    let said = app.status.clone().unwrap_or_else(|| match app.done() {
        true => "Enter shows the selected run's nine steps".into(),
        false => "checking… the table fills in as each verdict arrives".into(),
    });
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            clip(&format!(" {said}"), width),
            t.dim(),
        ))),
        status,
    );
    let mut spans = Vec::new();
    for (key, what) in [
        ("↑↓", "select"),
        ("Enter", "nine steps"),
        ("r", "check again"),
        ("PgDn", "summary"),
        ("?", "help"),
        ("q", app.quit_word),
    ] {
        spans.push(Span::styled(format!(" {key} "), t.highlight()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), keys);
}
