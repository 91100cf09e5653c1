//! The line above the footer: what space will do next, or what just happened.

use crate::engine::step::Step;
use crate::model::steps;
use crate::model::Outcome;
use crate::ui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the prompt (or the latest status message).
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let (text, style) = match &app.status {
        Some(status) => (format!(" » {status}"), t.accent()),
        None => prompt(app, usize::from(area.width)),
    };
    // One line: what does not fit ends in "…" rather than mid-word at the edge.
    let text = super::clip_words(&text, usize::from(area.width));
    f.render_widget(Paragraph::new(Line::from(Span::styled(text, style))), area);
}

fn prompt(app: &App, width: usize) -> (String, ratatui::style::Style) {
    let t = &app.theme;
    let model = &app.model;
    if app.opening {
        return (
            " ⏳ opening a fresh connection (starting the lab)…".into(),
            t.warn(),
        );
    }
    if let Some(step) = app.look_back {
        return (
            format!(" ◀ looking back at step {step}: ← earlier · → later · Esc: now"),
            t.warn(),
        );
    }
    if model.events.is_empty() {
        return if app.is_replay() {
            (" the recording is empty".into(), t.dim())
        } else {
            (
                " no connection: r opens it again, s picks a scenario".into(),
                t.warn(),
            )
        };
    }
    match model.outcome {
        Outcome::Ok => {
            return (
                format!(
                    " ✓ done: {}. r runs it again · s another scenario · 9 the transcript",
                    model
                        .step(Step::Data)
                        .map(|r| r.result.as_str())
                        .unwrap_or_default()
                ),
                t.good(),
            )
        }
        Outcome::Failed => {
            let (step, kind) = model
                .diagnosis
                .as_ref()
                .map(|d| (d.step.to_string(), d.kind.to_string()))
                .unwrap_or(("?".into(), "failed".into()));
            return (
                format!(
                    " ✗ step {step} failed: {kind} · {} · r runs it again",
                    if app.mode == crate::ui::app::Mode::Table {
                        "the diagnosis is below"
                    } else {
                        "3 shows the diagnosis"
                    }
                ),
                t.bad(),
            );
        }
        Outcome::Running => {}
    }
    if let Some(step) = model.waiting_for {
        let will = crate::ui::lesson::will(model, step);
        let mut text = format!(" ⏸ press space: step {step} will {will}");
        // The console's hint when it fits; the footer names it too.
        if step == Step::Close && app.console_ready() {
            for hint in [" · : Redis console", " · : console"] {
                if super::width_of(&text) + super::width_of(hint) <= width {
                    text.push_str(hint);
                    break;
                }
            }
        }
        return (text, t.warn());
    }
    let step = model.focus_step();
    (
        format!(" ⏳ step {step}: {}…", steps::action(step)),
        t.warn(),
    )
}
