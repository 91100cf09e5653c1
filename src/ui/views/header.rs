//! The header: target, scenario, step count, outcome; and the banners that must not be missed
//! (`--insecure`, no TLS at all, looking back).

use crate::model::Outcome;
use crate::ui::app::{App, Origin};
use crate::ui::lesson::Lesson;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// How many lines the header takes at this width: one, plus the banners' lines.
pub fn height(app: &App, width: u16) -> u16 {
    1 + banners(app, width).len() as u16
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
        crate::engine::host_port(&model.run.host, model.run.port)
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
            model.focus_step().number()
        }
    )));
    match model.outcome {
        Outcome::Ok => spans.push(Span::styled(" ✓ success", t.good())),
        Outcome::Failed => {
            let long = match &model.diagnosis {
                Some(d) => format!(" ✗ failed at step {}", d.step),
                None => " ✗ failed".to_string(),
            };
            // On a narrow screen the short form: the step is already in "step N/9".
            let used: usize = spans.iter().map(|s| super::width_of(&s.content)).sum();
            let text = if used + super::width_of(&long) <= usize::from(area.width) {
                long
            } else {
                " ✗ failed".to_string()
            };
            spans.push(Span::styled(text, t.bad()))
        }
        Outcome::Running => {}
    }
    if app.autoplay {
        spans.push(Span::styled(
            format!(" │ ▶ autoplay {:.1} s", app.autoplay_ms() as f64 / 1000.0),
            t.warn(),
        ));
    }
    let mut lines = vec![Line::from(spans)];
    for (text, style) in banners(app, area.width) {
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The banners' lines: for each, the longest wording that fits the width, wrapped if even the
/// shortest does not.
fn banners(app: &App, width: u16) -> Vec<(String, ratatui::style::Style)> {
    let t = &app.theme;
    let model = app.shown();
    let mut out = Vec::new();
    let mut push = |variants: &[&str], style| {
        for line in fit(variants, width) {
            out.push((pad(&line), style));
        }
    };
    if model.insecure || app.model.insecure {
        push(
            &[
                " ⚠ INSECURE (--insecure): certificate verification is OFF. Anyone on the path could pose as this server. Never in production. ",
                " ⚠ INSECURE (--insecure): certificate checks OFF; anyone on the path could pose as this server. Never in production. ",
                " ⚠ INSECURE (--insecure): NO certificate check; anyone could pose as the server ",
            ],
            t.banner(),
        );
    }
    if !model.events.is_empty() && !model.run.tls {
        push(
            &[
                " ⚠ NO TLS: nothing on this connection is encrypted; commands and passwords cross in clear. ",
                " ⚠ NO TLS: nothing is encrypted; commands and passwords cross in clear. ",
            ],
            t.banner(),
        );
    }
    if let Some(step) = app.look_back {
        let at = if step == 0 {
            "the start, before step 1".to_string()
        } else {
            format!("the end of step {step}")
        };
        let long = format!(
            " ◀ LOOKING BACK at {at}. The connection is not rewound. → forward · Esc: back to now "
        );
        let short_at = if step == 0 {
            "the start".to_string()
        } else {
            at.clone()
        };
        let short = format!(" ◀ LOOKING BACK at {short_at} (not rewound) · → forward · Esc: now ");
        push(&[&long, &short], t.highlight());
    }
    out
}

/// The first variant that fits `width`; else the last one, word-wrapped.
fn fit(variants: &[&str], width: u16) -> Vec<String> {
    let w = usize::from(width);
    if let Some(v) = variants.iter().find(|v| super::width_of(v) <= w) {
        return vec![v.to_string()];
    }
    let last = variants.last().copied().unwrap_or_default();
    super::wrap(last.trim(), width.saturating_sub(2))
        .into_iter()
        .map(|l| format!(" {l}"))
        .collect()
}

/// Banners fill the line, so their background reads as a bar.
fn pad(text: &str) -> String {
    format!("{text:<300}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::step::Step;
    use crate::ui::app::Mode;
    use crate::ui::testing::{app, fixture, model_after};

    #[test]
    fn banners_fit_the_width_without_cutting_a_word() {
        let mut a = app(model_after(&fixture("insecure"), Step::Close), Mode::Table);
        a.look_back = Some(0);
        for width in [80u16, 100, 120, 200] {
            let lines = banners(&a, width);
            assert_eq!(lines.len(), 2, "one line each at {width}");
            for (text, _) in lines {
                let text = text.trim_end();
                assert!(
                    super::super::width_of(text) <= usize::from(width),
                    "{width}: {text}"
                );
            }
        }
        let at_120: Vec<String> = banners(&a, 120).into_iter().map(|(t, _)| t).collect();
        assert!(at_120[0].contains("Never in production."), "{}", at_120[0]);
        let at_80: Vec<String> = banners(&a, 80).into_iter().map(|(t, _)| t).collect();
        assert!(at_80[0].contains("NO certificate check"), "{}", at_80[0]);
    }

    #[test]
    fn a_width_too_narrow_for_any_wording_wraps() {
        let lines = fit(&["one two three four five six seven"], 22);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 22), "{lines:?}");
    }
}
