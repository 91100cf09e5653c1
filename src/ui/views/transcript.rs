//! Mode 9, the transcript: the concept flow and snapshot, then this run told in prose, step by step.
//! `e` exports the same text as a Markdown handout.

use super::{labelled, mode_title, panel, scrolled};
use crate::ui::app::{App, Mode};
use crate::ui::lesson::Lesson;
use crate::ui::transcript::{classwork, concept_flow, paragraphs};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the snapshot and the transcript, scrollable.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Transcript));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &app.theme;
    let w = inner.width.saturating_sub(1);
    let mut lines: Vec<Line> = vec![Line::from(Span::styled("Concept flow", t.accent()))];
    lines.extend(labelled("", &concept_flow(), w, t.bold(), Style::default()));
    lines.extend(labelled(
        "",
        &Lesson::get().concept.summary,
        w,
        t.dim(),
        Style::default(),
    ));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Concept snapshot", t.accent())));
    for p in &Lesson::get().snapshot.points {
        lines.extend(labelled(" • ", p, w, t.dim(), Style::default()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "This run, in words (e saves it as Markdown)",
        t.accent(),
    )));
    let scenario = app.scenario.as_ref().map(|c| c.name.as_str());
    let class = classwork(&app.predict, &app.questions, &app.quiz);
    for p in paragraphs(app.shown(), scenario).into_iter().chain(class) {
        if let Some(h) = &p.heading {
            let style = if p.failed { t.bad() } else { t.bold() };
            let mark = if p.failed { " ✗" } else { "" };
            lines.push(Line::from(Span::styled(format!("{h}{mark}"), style)));
        }
        lines.extend(labelled("", &p.text, w, t.dim(), Style::default()));
        lines.push(Line::raw(""));
    }
    let visible = scrolled(
        lines,
        app.scroll(Mode::Transcript),
        inner.height,
        &app.theme,
        "↑↓ scroll",
    );
    f.render_widget(Paragraph::new(visible), inner);
}
