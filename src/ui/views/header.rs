//! The header: target, scenario, step count, outcome; and the banners that must not be missed
//! (`--insecure`, no TLS at all, looking back).

use crate::model::Outcome;
use crate::ui::app::{App, Origin};
use crate::ui::lesson::Lesson;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// How many lines the header takes: one, plus one per banner.
pub fn height(app: &App) -> u16 {
    1 + banners(app).len() as u16
}

/// Draws the header line and its banners.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let model = app.shown();
    let mut spans = vec![Span::styled(" tlsviz ", t.accent())];
    if area.width >= 110 {
        spans.push(Span::styled(format!("{} ", Lesson::get().title), t.bold()));
    }
    spans.push(Span::styled("│ ", t.dim()));
    let target = if model.events.is_empty() {
        if app.opening {
            "opening…".to_string()
        } else {
            "no connection".to_string()
        }
    } else {
        format!("{}:{}", model.run.host, model.run.port)
    };
    spans.push(Span::raw(target));
    spans.push(Span::styled(" │ ", t.dim()));
    let origin = match &app.origin {
        Origin::Replay { label } => format!(
            "REPLAY {} (no network)",
            label.clone().unwrap_or_else(|| "recording".into())
        ),
        Origin::Live => match &app.scenario {
            Some(card) => format!("scenario {}", card.name),
            None if !app.conf_lines.is_empty() => "default lesson (lab)".into(),
            None => "your server".into(),
        },
    };
    spans.push(Span::raw(origin));
    spans.push(Span::styled(" │ ", t.dim()));
    spans.push(Span::raw(format!(
        "step {}/9",
        if model.events.is_empty() {
            0
        } else {
            model.focus_step()
        }
    )));
    match model.outcome {
        Outcome::Ok => spans.push(Span::styled(" ✓ success", t.good())),
        Outcome::Failed => spans.push(Span::styled(
            format!(
                " ✗ failed at step {}",
                model.diagnosis.as_ref().map(|d| d.step).unwrap_or(0)
            ),
            t.bad(),
        )),
        Outcome::Running => {}
    }
    if app.autoplay {
        spans.push(Span::styled(
            format!(" │ ▶ autoplay {:.1} s", app.autoplay_ms() as f64 / 1000.0),
            t.warn(),
        ));
    }
    let mut lines = vec![Line::from(spans)];
    for (text, style) in banners(app) {
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn banners(app: &App) -> Vec<(String, ratatui::style::Style)> {
    let t = &app.theme;
    let model = app.shown();
    let mut out = Vec::new();
    if model.insecure || app.model.insecure {
        out.push((
            pad(" ⚠ INSECURE (--insecure): certificate verification is OFF. Anyone on the path could pose as this server. Never in production. "),
            t.banner(),
        ));
    }
    if !model.events.is_empty() && !model.run.tls {
        out.push((
            pad(" ⚠ NO TLS: nothing on this connection is encrypted; commands and passwords cross in clear. "),
            t.banner(),
        ));
    }
    if let Some(step) = app.look_back {
        let at = if step == 0 {
            "the start, before step 1".to_string()
        } else {
            format!("the end of step {step}")
        };
        out.push((
            pad(&format!(
                " ◀ LOOKING BACK at {at}. The connection is not rewound. → forward · Esc: back to now "
            )),
            t.highlight(),
        ));
    }
    out
}

/// Banners fill the line, so their background reads as a bar.
fn pad(text: &str) -> String {
    format!("{text:<300}")
}
