//! Mode 3, the execution table: the nine steps (action, details, result) as they really
//! happened, the current step highlighted, notes where the wire differs from the lesson, and a
//! failed step's diagnosis beneath. With room, the tracker's checkpoints below it.

use super::{cell, clip_words, labelled, mode_title, panel, scrolled, wrap};
use crate::model::steps::{self, Step, StepStatus};
use crate::model::{Model, Outcome};
use crate::ui::app::{App, Mode};
use crate::ui::lesson::Lesson;
use crate::ui::theme::status_word;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// From this body height on, the table view carries the tracker grid itself.
pub const ROOMY: u16 = 32;

/// The tracker grid's width.
const GRID_WIDTH: u16 = 76;

/// Draws the execution table, the notes, the diagnosis or the step's explanation, and (with
/// room) the tracker grid.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Table));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let model = app.shown();
    let w = inner.width;
    let show_grid = area.height >= ROOMY;
    // Beside the grid, when there is room: the connection's live details.
    let side_w = w.saturating_sub(GRID_WIDTH + 4);
    let details = if side_w >= 32 {
        super::tracker::details_lines(app, model, side_w)
    } else {
        Vec::new()
    };
    let grid_h = (super::tracker::GRID_HEIGHT + 1).max(details.len() as u16 + 1);
    let table_h = 10u16;
    let below = below_lines(app, model, w);
    let spare = inner
        .height
        .saturating_sub(table_h + if show_grid { grid_h } else { 0 });
    // A diagnosis comes before notes; otherwise the notes share the room with the explanation.
    let reserve = if model.outcome == Outcome::Failed {
        below.len() as u16 + 1
    } else {
        (below.len() as u16 + 1).min(spare / 2)
    };
    let note_budget = spare.saturating_sub(reserve);
    let mut lines = table_lines(app, model, w, note_budget);
    lines.push(Line::raw(""));
    lines.extend(below);
    let [text_area, grid_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(if show_grid { grid_h } else { 0 }),
    ])
    .areas(inner);
    let visible = scrolled(
        lines,
        app.scroll(Mode::Table),
        text_area.height,
        &app.theme,
        "↑↓ scroll",
    );
    f.render_widget(Paragraph::new(visible), text_area);
    if show_grid {
        let [grid_area, side] =
            Layout::horizontal([Constraint::Length(GRID_WIDTH + 4), Constraint::Min(0)])
                .areas(grid_area);
        if !details.is_empty() {
            let mut d = vec![Line::from(Span::styled(
                app.state_title(),
                app.theme.accent(),
            ))];
            d.extend(details);
            f.render_widget(Paragraph::new(d), side);
        }
        let [title, g] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(grid_area);
        f.render_widget(
            Paragraph::new(Span::styled(
                "Variable tracker at the lesson's checkpoints (4: every step)",
                app.theme.accent(),
            )),
            title,
        );
        super::tracker::render_grid(f, app, model, g);
    }
}

/// Column widths: marker, step, status, action, details (wide only), result.
struct Cols {
    status: usize,
    details: usize,
    result: usize,
}

fn cols(width: u16) -> Cols {
    let w = usize::from(width);
    let wide = w >= 130;
    let status = if w >= 100 { 10 } else { 2 };
    let details = if wide { 44 } else { 0 };
    let fixed = 2 + 3 + status + 30 + if wide { details + 1 } else { 0 };
    Cols {
        status,
        details,
        result: w.saturating_sub(fixed),
    }
}

fn table_lines<'a>(app: &App, model: &Model, width: u16, note_budget: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let c = cols(width);
    let focus = (!model.events.is_empty()).then(|| model.focus_step());
    let mut head = format!(
        "  {} {}{}",
        cell("#", 2),
        cell("", c.status),
        cell("Action", 30)
    );
    if c.details > 0 {
        head.push_str(&cell("Details", c.details + 1));
    }
    head.push_str("Result");
    let mut lines = vec![Line::from(Span::styled(head, t.bold()))];
    // The focused step's whole result if the column cut it, then the notes (the focused
    // step's first, then the others in order), while there is room.
    let mut budget = usize::from(note_budget);
    let mut full_result = None;
    if let Some(row) = focus.and_then(|s| model.step(s)) {
        if super::width_of(&row.result) > c.result {
            let extra = wrap(&row.result, width.saturating_sub(8));
            if extra.len() <= budget {
                budget -= extra.len();
                full_result = Some(extra);
            }
        }
    }
    let (noted, hidden) = {
        let fit = |budget: usize| pick_notes(model, focus, width, budget);
        let (noted, hidden) = fit(budget);
        // A note left out is said so on a line of its own: make room for that line first.
        if hidden.is_empty() {
            (noted, hidden)
        } else {
            fit(budget.saturating_sub(1))
        }
    };
    for row in &model.steps {
        let current = focus == Some(row.step);
        let base = if current {
            t.highlight()
        } else {
            ratatui::style::Style::default()
        };
        let symbol = if c.status > 2 {
            format!("{} {}", row.status.symbol(), status_word(row.status))
        } else {
            row.status.symbol().to_string()
        };
        let result_style = match row.status {
            StepStatus::Failed | StepStatus::Interrupted => t.bad(),
            StepStatus::Skipped => t.dim(),
            _ => ratatui::style::Style::default(),
        };
        let mut spans = vec![
            Span::styled(if current { "▶ " } else { "  " }, base),
            Span::styled(format!("{:<2} ", row.step), base),
            Span::styled(cell(&symbol, c.status), t.status(row.status).patch(base)),
            Span::styled(cell(steps::action(row.step), 30), base),
        ];
        if c.details > 0 {
            spans.push(Span::styled(
                cell(steps::details(row.step), c.details + 1),
                t.dim().patch(base),
            ));
        }
        spans.push(Span::styled(
            cell(&clip_words(&row.result, c.result), c.result),
            result_style.patch(base),
        ));
        lines.push(Line::from(spans));
        if current {
            for l in full_result.iter().flatten() {
                lines.push(Line::from(Span::styled(
                    format!("       {l}"),
                    result_style.patch(base),
                )));
            }
        }
        if noted.contains(&row.step) {
            if let Some(note) = &row.note {
                lines.extend(labelled(
                    "       note: ",
                    note,
                    width.saturating_sub(1),
                    t.warn(),
                    t.dim(),
                ));
            }
            if row.step == Step::Verify && model.cross_check.is_some() {
                let (agrees, opinion) = crate::ui::checks::second_opinion(model);
                lines.extend(labelled(
                    "       second opinion: ",
                    &opinion,
                    width.saturating_sub(1),
                    t.warn(),
                    if agrees == Some(false) {
                        t.bad()
                    } else {
                        t.dim()
                    },
                ));
            }
        }
    }
    if !hidden.is_empty() {
        let steps: Vec<String> = hidden.iter().map(|s| s.to_string()).collect();
        let which = if steps.len() == 1 {
            format!("the note on step {}", steps[0])
        } else {
            format!("notes on steps {}", steps.join(", "))
        };
        lines.push(Line::from(Span::styled(
            format!("  … {which} left out for room: 9 Transcript has them"),
            t.dim(),
        )));
    }
    lines
}

/// Which steps' notes fit in `budget` lines (the focused step's first, then the others in
/// order), and which are left out.
fn pick_notes(
    model: &Model,
    focus: Option<Step>,
    width: u16,
    mut budget: usize,
) -> (Vec<Step>, Vec<Step>) {
    let mut noted = Vec::new();
    let mut hidden = Vec::new();
    let order = focus
        .into_iter()
        .chain(Step::ALL.into_iter().filter(|s| Some(*s) != focus));
    for step in order {
        if let Some(note) = row_note(model, step) {
            let n = wrap(&note, width.saturating_sub(12)).len();
            if n <= budget {
                budget -= n;
                noted.push(step);
            } else {
                hidden.push(step);
            }
        }
    }
    hidden.sort();
    (noted, hidden)
}

/// The lines under a row: its note and, on step 4, the second opinion when the run has one.
fn row_note(model: &Model, step: Step) -> Option<String> {
    let note = model.step(step).and_then(|r| r.note.clone());
    let opinion = (step == Step::Verify && model.cross_check.is_some()).then(|| {
        format!(
            "second opinion: {}",
            crate::ui::checks::second_opinion(model).1
        )
    });
    match (note, opinion) {
        (Some(n), Some(o)) => Some(format!("{n}\n{o}")),
        (n, o) => n.or(o),
    }
}

/// Under the table: the diagnosis of a failure, or what the current step is about.
fn below_lines<'a>(app: &App, model: &Model, width: u16) -> Vec<Line<'a>> {
    let mut lines = explanation_lines(app, model, width);
    if let Some(card) = &app.scenario {
        if !card.lesson.is_empty() {
            lines.push(Line::raw(""));
            lines.extend(labelled(
                &format!("Scenario {}: ", card.name),
                &card.lesson,
                width.saturating_sub(1),
                app.theme.accent(),
                app.theme.dim(),
            ));
        }
    }
    lines
}

fn explanation_lines<'a>(app: &App, model: &Model, width: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let w = width.saturating_sub(1);
    if model.outcome == Outcome::Failed {
        if let Some(d) = &model.diagnosis {
            let mut lines = labelled(
                "",
                &format!(
                    "✗ Step {} ({}) failed: {}",
                    d.step,
                    steps::action(d.step),
                    d.kind
                ),
                w,
                t.bad(),
                t.bad(),
            );
            lines.extend(labelled("cause  ", &d.message, w, t.bold(), t.bad()));
            lines.extend(labelled(
                "why    ",
                &d.explanation,
                w,
                t.bold(),
                ratatui::style::Style::default(),
            ));
            // The evidence under its own label, before the fix (as the plain report has it),
            // so no fact reads as part of the fix.
            for (i, e) in d.evidence.iter().enumerate() {
                lines.extend(labelled(
                    if i == 0 { "seen   " } else { "       " },
                    &format!("{}: {}", e.label, e.value),
                    w,
                    t.bold(),
                    t.dim(),
                ));
            }
            lines.extend(labelled("fix    ", &d.fix, w, t.bold(), t.good()));
            if let Some(note) = &d.redis_cli {
                lines.extend(labelled("clients  ", note, w, t.dim(), t.dim()));
            }
            return lines;
        }
    }
    if model.events.is_empty() {
        return vec![Line::from(Span::styled(
            "The table fills in as the steps really happen. Press space to let step 1 go.",
            t.dim(),
        ))];
    }
    let step = model.focus_step();
    let Some(text) = Lesson::get().step(step) else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("About step {step}: {}", text.action),
        t.accent(),
    ))];
    lines.extend(
        wrap(&text.explain, w)
            .into_iter()
            .map(|l| Line::raw(l.to_string())),
    );
    if model.is_tls13() && !text.tls13.is_empty() {
        lines.extend(labelled("TLS 1.3: ", &text.tls13, w, t.warn(), t.dim()));
    }
    if let Some(run) = crate::ui::lesson::this_run(model, step) {
        lines.extend(labelled("This run: ", &run, w, t.warn(), t.dim()));
    }
    lines
}
