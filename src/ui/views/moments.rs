//! Mode 7, key moments: the lesson's insights, each tied to the step it explains; the ones
//! about the step on screen are marked, and a "what if…" runs the scenario that shows it.

use super::{cell, labelled, mode_title, panel};
use crate::ui::app::{App, Mode};
use crate::ui::lesson::Lesson;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Draws the list of moments and the chosen one in full.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Moments));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &app.theme;
    let moments = &Lesson::get().key_moments;
    let model = app.shown();
    let now = (!model.events.is_empty()).then(|| model.focus_step());
    let list_h = (moments.len() as u16).min(inner.height * 2 / 5).max(3);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
    let selected = app.moment.min(moments.len().saturating_sub(1));
    let visible = usize::from(list_h);
    let start = (selected + 1).saturating_sub(visible);
    let w = usize::from(inner.width);
    let list: Vec<Line> = moments
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .map(|(i, m)| {
            let base = if i == selected {
                t.highlight()
            } else {
                Style::default()
            };
            let marker = if Some(m.step) == now {
                "◆ now "
            } else {
                "      "
            };
            Line::from(vec![
                Span::styled(if i == selected { "▶ " } else { "  " }, base),
                Span::styled(format!("step {} ", m.step), t.dim().patch(base)),
                Span::styled(marker, t.warn().patch(base)),
                Span::styled(cell(&m.title, w.saturating_sub(16)), base),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(list), list_area);
    let Some(m) = moments.get(selected) else {
        return;
    };
    let dw = detail_area.width.saturating_sub(1);
    let mut lines = vec![Line::from(Span::styled(
        format!("Step {} · {}", m.step, m.title),
        t.accent(),
    ))];
    lines.extend(labelled("", &m.text, dw, t.dim(), Style::default()));
    if !m.what_if.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(labelled(
            "Try it: ",
            &m.what_if_text,
            dw,
            t.warn(),
            Style::default(),
        ));
        let how = if app.is_replay() {
            format!("run `tlsviz --scenario {}` to see it live", m.what_if)
        } else {
            format!("⏎ Enter runs the scenario '{}'", m.what_if)
        };
        lines.push(Line::from(Span::styled(how, t.accent())));
    }
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::TOP).border_style(t.dim())),
        detail_area,
    );
}
