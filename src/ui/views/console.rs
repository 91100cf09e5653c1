//! The Redis console (`:`): commands typed here travel over the encrypted channel; the panel
//! shows each one in plaintext, the ciphertext record that carried it, and the reply.

use super::{clip, wire};
use crate::ui::app::{masked_input, App};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Draws the console over the bottom of the mode panel.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(
            " Redis console · over the encrypted channel · ⏎ send · Esc close ",
            t.accent(),
        ));
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    for row in wire::rows(&app.model) {
        if let Some((command, len)) = row.command {
            lines.push(Line::from(vec![
                Span::styled("> ", t.accent()),
                Span::raw(clip(command, w.saturating_sub(40))),
                Span::styled(
                    format!(
                        "  {len} B plaintext → {} B encrypted record",
                        row.info.length
                    ),
                    t.encrypted(),
                ),
            ]));
        }
        if let Some(reply) = row.reply {
            lines.push(Line::from(vec![
                Span::styled("< ", t.accent()),
                Span::styled(clip(reply, w.saturating_sub(2)), t.good()),
            ]));
        }
    }
    let input = app.console.as_deref().unwrap_or("");
    let history_h = usize::from(inner.height.saturating_sub(1));
    let skip = lines.len().saturating_sub(history_h);
    let mut shown: Vec<Line> = lines.into_iter().skip(skip).collect();
    while shown.len() < history_h {
        shown.insert(0, Line::raw(""));
    }
    shown.push(Line::from(vec![
        Span::styled("redis> ", t.bold()),
        Span::raw(masked_input(input)),
        Span::styled("█", t.accent()),
    ]));
    f.render_widget(Paragraph::new(shown), inner);
}
