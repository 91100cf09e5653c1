//! Mode 7, key moments: the lesson's insights, each tied to the step it explains; the ones
//! about the step on screen are marked, and a "what if…" runs the scenario that shows it.

use super::{cell, clip_words, labelled, mode_title, panel, scrolled};
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
    let body = if moments.len() > visible {
        visible.saturating_sub(1)
    } else {
        visible
    };
    let start = (selected + 1).saturating_sub(body);
    let w = usize::from(inner.width);
    let list: Vec<Line> = moments
        .iter()
        .enumerate()
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
                Span::styled(
                    cell(
                        &clip_words(&m.title, w.saturating_sub(16)),
                        w.saturating_sub(16),
                    ),
                    base,
                ),
            ])
        })
        .collect();
    let list = scrolled(list, start as u16, list_h, t, "↑↓ choose");
    f.render_widget(Paragraph::new(list), list_area);
    let Some(m) = moments.get(selected) else {
        return;
    };
    let dw = detail_area.width.saturating_sub(1);
    let mut lines = labelled(
        "",
        &format!("Step {} · {}", m.step, m.title),
        dw,
        t.accent(),
        t.accent(),
    );
    lines.extend(labelled("", &m.text, dw, t.dim(), Style::default()));
    if let Some(fact) = crate::ui::lesson::moment_fact(model, m.step) {
        lines.extend(labelled(
            "In this run: ",
            &fact,
            dw,
            t.warn(),
            Style::default(),
        ));
    }
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
        lines.extend(labelled("", &how, dw, t.accent(), t.accent()));
    }
    let block = Block::default().borders(Borders::TOP).border_style(t.dim());
    let room = block.inner(detail_area).height;
    let lines = scrolled(lines, app.scroll(Mode::Moments), room, t, "PgUp/PgDn");
    f.render_widget(Paragraph::new(lines).block(block), detail_area);
}
