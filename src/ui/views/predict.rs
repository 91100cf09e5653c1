//! Predict first (`p`): over the bottom of the mode panel, the last prediction marked against
//! what the step really did, and the question about the step that waits, with its lettered
//! choices.

use super::{labelled, labelled_clipped};
use crate::model::Outcome;
use crate::ui::app::App;
use crate::ui::lesson::index_letter;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Draws the prediction box at the bottom of `area` (the mode panel), as tall as it needs.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let predict = &app.predict;
    let w = area.width.saturating_sub(2);
    let mut lines: Vec<Line> = Vec::new();
    let last = predict
        .graded
        .last()
        .filter(|g| predict.pending.as_ref().is_none_or(|p| p.step > g.step));
    if let Some(g) = last {
        let given = index_letter(g.given);
        let (head, style) = match g.right {
            Some(r) if r == g.given => (format!("Step {} ✓ right: {given}. ", g.step), t.good()),
            Some(r) => (
                format!(
                    "Step {} ✗ you said {given}; it was {}. ",
                    g.step,
                    index_letter(r)
                ),
                t.bad(),
            ),
            None => (
                format!("Step {}: none of the choices happened: ", g.step),
                t.warn(),
            ),
        };
        lines.extend(labelled_clipped(&head, &g.happened, w, 2, style, style));
    }
    match &predict.pending {
        Some(p) => {
            lines.extend(labelled("", &p.question, w, t.bold(), t.bold()));
            for (i, choice) in p.choices.iter().enumerate() {
                let chosen = p.given == Some(i);
                let style = if chosen {
                    t.highlight()
                } else {
                    Style::default()
                };
                let mark = if chosen { "▶" } else { " " };
                lines.extend(labelled(
                    &format!("{mark}{}. ", index_letter(i)),
                    &choice.text,
                    w,
                    t.accent().patch(style),
                    style,
                ));
            }
            let hint = match p.given {
                None => "a b c d: the class's prediction · p: predict off".to_string(),
                Some(_) => format!(
                    "space: step {} really happens, then the answer · a–d: change",
                    p.step
                ),
            };
            lines.push(Line::from(Span::styled(hint, t.dim())));
        }
        None if app.model.outcome != Outcome::Running => {
            let (right, scored) = predict.score();
            lines.push(Line::from(Span::styled(
                format!(
                    "Predictions this run: {right} of {scored} right · r runs it again · p: off"
                ),
                t.accent(),
            )));
        }
        None => lines.push(Line::from(Span::styled(
            format!(
                "⏳ step {} is happening; the next question comes when it is over",
                app.model.focus_step()
            ),
            t.warn(),
        ))),
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let [_, boxed] = Layout::vertical([Constraint::Min(0), Constraint::Length(h)]).areas(area);
    let (right, scored) = predict.score();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(
            " Predict first: what will happen? ",
            t.accent(),
        ))
        .title(
            Line::from(Span::styled(
                format!(" {right}/{scored} right "),
                t.accent(),
            ))
            .right_aligned(),
        );
    let inner = block.inner(boxed);
    // The newest lines matter most: the question and its choices stay when room is short.
    let skip = lines.len().saturating_sub(usize::from(inner.height));
    let shown: Vec<Line> = lines.into_iter().skip(skip).collect();
    f.render_widget(Clear, boxed);
    f.render_widget(block, boxed);
    f.render_widget(Paragraph::new(shown), inner);
}
