//! Mode 8, the quiz: one question at a time, choices A–D, a hint that points at the table or
//! the tracker, the answer with its explanation, and the score.

use super::{labelled, mode_title, panel};
use crate::ui::app::{App, Mode};
use crate::ui::lesson::index_letter;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the question on screen, or the score page.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Quiz));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &app.theme;
    let questions = &app.questions;
    let quiz = &app.quiz;
    let w = inner.width.saturating_sub(1);
    let (right, answered) = quiz.score(questions);
    let mut lines: Vec<Line> = Vec::new();
    if quiz.results {
        let pct = (right * 100).checked_div(answered).unwrap_or(0);
        lines.push(Line::from(Span::styled(
            format!("All {answered} answered: {right} right ({pct}%)."),
            t.accent(),
        )));
        lines.push(Line::raw(""));
        let wrong: Vec<String> = questions
            .iter()
            .zip(&quiz.answers)
            .enumerate()
            .filter_map(|(i, (q, a))| {
                let given = (*a)?;
                (q.answer_index() != Some(given)).then(|| {
                    format!(
                        "Q{}:{}→{}",
                        i + 1,
                        index_letter(given),
                        q.answer_index().map(index_letter).unwrap_or('?'),
                    )
                })
            })
            .collect();
        if wrong.is_empty() {
            lines.push(Line::from(Span::styled("✓ Every answer right.", t.good())));
        } else {
            lines.push(Line::from(Span::styled(
                format!("✗ {} not right (question:yours→the answer):", wrong.len()),
                t.bad(),
            )));
            lines.extend(labelled(
                "  ",
                &wrong.join("  "),
                w,
                t.bad(),
                Style::default(),
            ));
            lines.push(Line::from(Span::styled(
                "↑↓ goes back through the questions, each with its explanation.",
                t.dim(),
            )));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "⏎ Enter starts the quiz again",
            t.dim(),
        )));
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let Some(q) = questions.get(quiz.current) else {
        f.render_widget(Paragraph::new("No questions in this lesson."), inner);
        return;
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!("Question {} of {}", quiz.current + 1, questions.len()),
            t.accent(),
        ),
        Span::styled(
            format!("   score {right}/{answered} answered   ({})", q.kind),
            t.dim(),
        ),
    ]));
    lines.extend(labelled("", &q.question, w, t.dim(), t.bold()));
    lines.push(Line::raw(""));
    let given = quiz.given();
    let correct = q.answer_index();
    for (i, choice) in q.choices.iter().enumerate() {
        let letter = index_letter(i);
        let (mark, style) = match given {
            None => ("  ", Style::default()),
            Some(_) if Some(i) == correct => ("✓ ", t.good()),
            Some(g) if g == i => ("✗ ", t.bad()),
            Some(_) => ("  ", t.dim()),
        };
        let tail = match given {
            Some(g) if g == i && Some(i) == correct => "  ← your answer, right",
            Some(g) if g == i => "  ← your answer",
            Some(_) if Some(i) == correct => "  ← the answer",
            _ => "",
        };
        lines.extend(labelled(
            &format!(" {mark}{letter}. "),
            &format!("{choice}{tail}"),
            w,
            style,
            style,
        ));
    }
    lines.push(Line::raw(""));
    match given {
        Some(g) => {
            let (head, style) = if Some(g) == correct {
                ("✓ Right. ", t.good())
            } else {
                ("✗ Not quite. ", t.bad())
            };
            lines.extend(labelled(head, &q.explanation, w, style, Style::default()));
            lines.push(Line::from(Span::styled("⏎ Enter: next question", t.dim())));
        }
        None => {
            if quiz.hint {
                lines.extend(labelled("Hint: ", &q.hint, w, t.warn(), Style::default()));
            } else {
                lines.push(Line::from(Span::styled(
                    "Press a, b, c or d to answer · h for a hint",
                    t.dim(),
                )));
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
