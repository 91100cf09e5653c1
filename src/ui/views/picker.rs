//! The scenario picker (`s`): the default lesson, then each scenario with its one-line summary.

use super::{clip, clip_words};
use crate::ui::app::App;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Draws the picker over the screen.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let selected = app.picker.unwrap_or(0);
    let w = area.width.saturating_sub(8).min(100);
    let h = area.height.saturating_sub(4);
    let r = super::centered(area, w, h);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut entries: Vec<(String, String)> = vec![(
        "default lesson".into(),
        "mutual TLS against the lab: every step succeeds".into(),
    )];
    entries.extend(app.cards.iter().map(|c| {
        (
            c.name.clone(),
            if c.summary.is_empty() {
                c.title.clone()
            } else {
                c.summary.clone()
            },
        )
    }));
    // The chosen scenario in full at the bottom: its title, summary and what to notice.
    let detail = selected
        .checked_sub(1)
        .and_then(|i| app.cards.get(i))
        .map(|c| {
            let mut text = c.title.clone();
            if !c.summary.is_empty() {
                text.push_str(": ");
                text.push_str(&c.summary);
            }
            if !c.lesson.is_empty() {
                text.push(' ');
                text.push_str(&c.lesson);
            }
            text
        });
    // The whole of it when there is room; at most half the box, its last line ending in "…".
    let detail_lines: Vec<Line> = detail
        .map(|d| {
            super::labelled_clipped(
                "",
                &d,
                w.saturating_sub(4),
                usize::from(h / 2).max(3),
                t.dim(),
                t.dim(),
            )
        })
        .unwrap_or_default();
    let visible = usize::from(h.saturating_sub(2)).saturating_sub(detail_lines.len() + 1);
    let start = (selected + 1).saturating_sub(visible);
    let mut lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .map(|(i, (name, summary))| {
            let base = if i == selected {
                t.highlight()
            } else {
                Style::default()
            };
            Line::from(vec![
                Span::styled(if i == selected { "▶ " } else { "  " }, base),
                Span::styled(format!("{:<26}", clip(name, 26)), t.accent().patch(base)),
                Span::styled(clip_words(summary, inner_w.saturating_sub(28)), base),
            ])
        })
        .collect();
    if app.cards.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (no other scenarios in this build)",
            t.dim(),
        )));
    }
    if !detail_lines.is_empty() {
        while lines.len() < visible {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        lines.extend(detail_lines);
    }
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.accent())
                .title(Span::styled(
                    " Scenarios · ↑↓ choose · ⏎ run · Esc close ",
                    t.accent(),
                )),
        ),
        r,
    );
}
