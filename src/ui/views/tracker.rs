//! Mode 4, the variable tracker: the lesson's checkpoints as a grid, every variable's value
//! after each step (changes marked), and the live details of the connection.

use super::{cell, labelled_clipped, mode_title, panel, scrolled};
use crate::engine::events::HandshakeMessage;
use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::tracker::Tracker;
use crate::model::{Model, Outcome};
use crate::ui::app::{App, Mode};
use crate::ui::checkpoints::{self, checkpoints};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Header and six checkpoint rows.
pub const GRID_HEIGHT: u16 = 7;

const W_LABEL: usize = 10;
/// A mark column, the longest word, a gap.
const W_CONN: usize = 25;
const W_ENC: usize = 21;

/// The connection details: the longest label ("TLS version", "valid until", "client cert") and
/// two spaces, so a label never runs into its value.
const DETAIL_LABEL: usize = 13;
/// A value takes at most this many lines; a longer one ends in "…".
const DETAIL_LINES: usize = 3;

/// Draws the tracker full screen: grid, history, and details (beside them when wide).
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Tracker));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let model = app.shown();
    let t = &app.theme;
    let wide = inner.width >= 118;
    let (main, side) = if wide {
        let [m, s] = Layout::horizontal([Constraint::Length(80), Constraint::Min(0)]).areas(inner);
        (m, Some(s))
    } else {
        (inner, None)
    };
    let mut lines = vec![Line::from(Span::styled(
        "The lesson's checkpoints",
        t.accent(),
    ))];
    lines.extend(grid_lines(app, model));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("After every step", t.accent()),
        Span::styled("   • = changed in this step", t.dim()),
    ]));
    lines.extend(history_lines(app, model, main.width.saturating_sub(1)));
    let details = details_lines(app, model, side.map_or(main.width, |s| s.width));
    if side.is_none() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(app.state_title(), t.accent())));
        lines.extend(details);
    } else if let Some(s) = side {
        let mut d = vec![Line::from(Span::styled(app.state_title(), t.accent()))];
        d.extend(details);
        f.render_widget(Paragraph::new(d), s);
    }
    let visible = scrolled(
        lines,
        app.scroll(Mode::Tracker),
        main.height,
        t,
        "↑↓ scroll",
    );
    f.render_widget(Paragraph::new(visible), main);
}

/// Draws only the checkpoint grid (the table view uses it when there is room).
pub fn render_grid(f: &mut Frame, app: &App, model: &Model, area: Rect) {
    f.render_widget(Paragraph::new(grid_lines(app, model)), area);
}

fn value_spans<'a>(app: &App, tracker: Option<&Tracker>, marks: [bool; 3]) -> Vec<Span<'a>> {
    let t = &app.theme;
    let Some(tr) = tracker else {
        return vec![Span::styled(
            format!("{}{} ·", cell(" ·", W_CONN), cell(" ·", W_ENC)),
            t.dim(),
        )];
    };
    let mark = |on: bool| if on { "•" } else { " " };
    vec![
        Span::styled(
            cell(
                &format!("{}{}", mark(marks[0]), tr.connection_state),
                W_CONN,
            ),
            t.connection(tr.connection_state),
        ),
        Span::styled(
            cell(
                &format!("{}{}", mark(marks[1]), tr.encryption_status),
                W_ENC,
            ),
            t.encryption(tr.encryption_status),
        ),
        Span::styled(
            format!("{}{}", mark(marks[2]), tr.certificate_validity),
            t.validity(tr.certificate_validity),
        ),
    ]
}

/// The lesson's grid: a row per checkpoint, a column per variable.
pub fn grid_lines<'a>(app: &App, model: &Model) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{}{}{}{}",
            cell("", W_LABEL),
            cell(" Connection State", W_CONN),
            cell(" Encryption Status", W_ENC),
            " Certificate Validity"
        ),
        t.bold(),
    ))];
    let cps = checkpoints(model);
    let latest = cps.iter().rposition(|c| c.tracker.is_some());
    for (i, cp) in cps.iter().enumerate() {
        let label_style = if Some(i) == latest {
            t.highlight()
        } else {
            Style::default()
        };
        let mut spans = vec![Span::styled(cell(cp.label, W_LABEL), label_style)];
        spans.extend(value_spans(app, cp.tracker.as_ref(), [false; 3]));
        lines.push(Line::from(spans));
    }
    lines
}

/// One row per step, in the order they happened: the tracker after it, each change marked.
/// A failure noticed later than the step it belongs to is said under that step.
fn history_lines<'a>(app: &App, model: &Model, width: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut previous = (!model.events.is_empty()).then(|| checkpoints::start(model));
    let mut lines = Vec::new();
    for row in checkpoints::history(model) {
        let after = row.tracker;
        let marks = match (&previous, &after) {
            (Some(p), Some(a)) => [
                p.connection_state != a.connection_state,
                p.encryption_status != a.encryption_status,
                p.certificate_validity != a.certificate_validity,
            ],
            _ => [false; 3],
        };
        let mut spans = vec![Span::styled(
            cell(
                &format!("After {} {}", row.step, row.status.symbol()),
                W_LABEL,
            ),
            t.status(row.status),
        )];
        spans.extend(value_spans(app, after.as_ref(), marks));
        lines.push(Line::from(spans));
        if let Some(noticed) = row.noticed_later {
            lines.extend(labelled_clipped(
                &" ".repeat(W_LABEL),
                &format!(
                    "✗ the failure belongs to step {}, but the client learnt of it only at \
                     step {noticed}: until then it went on",
                    row.step
                ),
                width,
                2,
                t.bad(),
                t.bad(),
            ));
        }
        if after.is_some() {
            previous = after;
        }
    }
    lines
}

/// TLS version, cipher suite, group, SNI, the peer certificate and its validity.
pub fn details_lines<'a>(app: &App, model: &Model, width: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let w = width.saturating_sub(1);
    let mut out = Vec::new();
    let mut kv = |label: &str, value: String, style: Style| {
        out.extend(labelled_clipped(
            &format!("{label:<DETAIL_LABEL$}"),
            &value,
            w,
            DETAIL_LINES,
            t.dim(),
            style,
        ));
    };
    let (version, suite, group) = match (&model.tls, &model.server_hello) {
        (Some(p), _) => (
            p.version.to_string(),
            p.cipher_suite.clone(),
            p.key_exchange_group.clone(),
        ),
        (
            None,
            Some(HandshakeMessage::ServerHello {
                version,
                cipher_suite,
                key_share_group,
                ..
            }),
        ) => (
            version.to_string(),
            cipher_suite.clone(),
            key_share_group.clone(),
        ),
        _ => ("—".into(), "—".into(), None),
    };
    if !model.events.is_empty() && !model.run.tls {
        kv("TLS", "none: plaintext connection".into(), t.bad());
    } else {
        kv("TLS version", version, Style::default());
        kv("cipher", suite, Style::default());
        kv(
            "key share",
            group.unwrap_or_else(|| "—".into()),
            Style::default(),
        );
    }
    let sni = if model.events.is_empty() {
        "—".to_string()
    } else {
        crate::report::words::sni(&model.run)
    };
    kv("SNI", sni, Style::default());
    match model.chain.first() {
        Some(leaf) => {
            kv("peer", leaf.subject.clone(), Style::default());
            kv("valid from", leaf.not_before.clone(), Style::default());
            kv("valid until", leaf.not_after.clone(), Style::default());
        }
        None if crate::ui::lesson::skipped_as_resumed(
            model,
            crate::engine::step::Step::ServerCertificate,
        ) =>
        {
            kv("peer", "none (resumed session)".into(), t.dim())
        }
        None => kv("peer", "no certificate yet".into(), t.dim()),
    }
    if let Some(note) = &model.tracker.certificate_note {
        // rustls words it "invalid peer certificate: …"; the label already says certificate.
        let note = match note.strip_prefix("invalid peer certificate: ") {
            Some(rest) => format!("invalid: {rest}"),
            None => note.clone(),
        };
        kv("certificate", note, t.bad());
    }
    kv(
        "client cert",
        client_certificate_words(model),
        Style::default(),
    );
    out
}

/// The client certificate in a few words: asked for or not, and whether it left (which only
/// step 5 tells).
pub fn client_certificate_words(model: &Model) -> String {
    let subject = || model.client_certificate_subject.clone().unwrap_or_default();
    if model.certificate_request.is_none() {
        return if model.steps_done() >= 5 {
            "not asked for".into()
        } else {
            "—".into()
        };
    }
    match model.client_certificate_sent() {
        Some(true) => format!("sent: {}", subject()),
        Some(false) => "asked for; none sent".into(),
        None if model.outcome == Outcome::Failed => {
            let step5 = model.step(Step::ClientCertificate).map(|r| r.status);
            if matches!(
                step5,
                Some(StepStatus::Pending | StepStatus::Waiting) | None
            ) {
                "asked for; the run stopped before step 5".into()
            } else {
                "asked for; the run stopped in step 5".into()
            }
        }
        None => match model.client_certificate_chosen {
            Some(true) => format!("asked for; step 5 will send {}", subject()),
            Some(false) => "asked for; step 5 will send none".into(),
            None => "asked for; step 5 answers".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::{fixture, model_after, model_after_presses};

    #[test]
    fn the_client_certificate_is_sent_only_once_step_5_happened() {
        let stopped = model_after(&fixture("untrusted-ca"), Step::Close);
        assert!(stopped.certificate_request.is_some());
        assert_eq!(
            client_certificate_words(&stopped),
            "asked for; the run stopped before step 5"
        );
        let waiting = model_after_presses(&fixture("tls13-mutual-ok"), 4);
        assert_eq!(waiting.waiting_for, Some(Step::ClientCertificate));
        assert!(client_certificate_words(&waiting).starts_with("asked for; step 5 will send O="));
        let done = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        assert!(client_certificate_words(&done).starts_with("sent: O="));
        let none = model_after(&fixture("missing-client-cert"), Step::Close);
        assert_eq!(client_certificate_words(&none), "asked for; none sent");
    }
}
