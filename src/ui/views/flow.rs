//! Mode 1, the flow: a client │ server sequence diagram. Each record appears as it crosses the
//! wire, its state written as a glyph and a word (🔒 encrypted, 🔓 clear) beside the colour;
//! what happened inside each side is written between the lines.

use super::records::{self, LEGEND};
use super::{clip_words, mode_title, panel, scrolled_tail, width_of, wrap_paragraph};
use crate::engine::events::{Direction, Event};
use crate::engine::step::Step;
use crate::model::arrivals::secret_words;
use crate::model::steps;
use crate::model::Model;
use crate::ui::app::{App, Mode};
use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the sequence diagram, following the newest message unless scrolled up.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Flow));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let model = app.shown();
    let t = &app.theme;
    let w = usize::from(inner.width);
    let mut lines = head(model, t, w);
    lines.push(Line::from(Span::styled(
        format!(" {}", clip_words(LEGEND, w.saturating_sub(1))),
        t.dim(),
    )));
    let body = diagram(model, t, w);
    if body.is_empty() {
        lines.extend(
            wrap_paragraph(
                "Nothing has crossed the wire yet. Press space: the client opens the connection.",
                w.saturating_sub(1),
            )
            .into_iter()
            .map(|l| Line::from(Span::styled(format!(" {l}"), t.dim()))),
        );
    }
    let room = inner.height.saturating_sub(lines.len() as u16);
    lines.extend(scrolled_tail(
        body,
        app.scroll(Mode::Flow),
        room,
        t,
        "↑↓ scroll",
    ));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The two ends on one line, or on two when their addresses do not fit side by side.
fn head<'a>(model: &Model, t: &Theme, w: usize) -> Vec<Line<'a>> {
    let (client, server) = ends(model);
    let (cw, sw) = (width_of(&client), width_of(&server));
    if cw + sw + 3 <= w {
        let gap = w - cw - sw - 2;
        return vec![Line::from(vec![
            Span::styled(format!(" {client}"), t.bold()),
            Span::raw(" ".repeat(gap)),
            Span::styled(format!("{server} "), t.bold()),
        ])];
    }
    let right = w.saturating_sub(sw + 1);
    vec![
        Line::from(Span::styled(
            format!(" {}", clip_words(&client, w.saturating_sub(1))),
            t.bold(),
        )),
        Line::from(Span::styled(
            format!(
                "{}{} ",
                " ".repeat(right),
                clip_words(&server, w.saturating_sub(1))
            ),
            t.bold(),
        )),
    ]
}

fn ends(model: &Model) -> (String, String) {
    let mut client = "client".to_string();
    let mut server = if model.events.is_empty() {
        "server".to_string()
    } else {
        format!(
            "server {}",
            crate::engine::host_port(&model.run.host, model.run.port)
        )
    };
    for e in &model.events {
        if let Event::TcpConnected { peer, local } = &e.event {
            client = format!("client {local}");
            server = format!("server {peer}");
        }
    }
    (client, server)
}

/// Columns taken by the two lifelines and their margins.
const LIFELINES: usize = 8;

/// Text between the two lifelines, wrapped (never cut) over as many lines as it needs.
fn between<'a>(text: &str, style: Style, w: usize, t: &Theme) -> Vec<Line<'a>> {
    let inner = w.saturating_sub(LIFELINES);
    wrap_paragraph(text, inner)
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let body = if i == 0 { body } else { format!("  {body}") };
            let body = super::clip(&body, inner);
            let pad = inner.saturating_sub(width_of(&body));
            Line::from(vec![
                Span::styled("  │ ", t.dim()),
                Span::styled(format!("{body}{}", " ".repeat(pad)), style),
                Span::styled(" │", t.dim()),
            ])
        })
        .collect()
}

/// An arrow from one lifeline to the other, labelled; a label too long for the arrow goes on
/// under it, word by word.
fn arrow<'a>(
    direction: Direction,
    label: &str,
    style: Style,
    w: usize,
    t: &Theme,
) -> Vec<Line<'a>> {
    let inner = w.saturating_sub(LIFELINES);
    let room = inner.saturating_sub(8);
    let mut parts = wrap_paragraph(label, room).into_iter();
    let first = parts.next().unwrap_or_default();
    let fill = inner.saturating_sub(width_of(&first) + 5);
    let text = match direction {
        Direction::Out => format!("── {first} {}▶", "─".repeat(fill)),
        Direction::In => format!("◀{} {first} ──", "─".repeat(fill)),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("  │ ", t.dim()),
        Span::styled(text, style),
        Span::styled(" │", t.dim()),
    ])];
    let rest: Vec<String> = parts.collect();
    if !rest.is_empty() {
        // Each line of the label carries the record's glyph, so a wrapped line still says
        // whether what it names crossed encrypted.
        let glyph = label.split(' ').next().unwrap_or_default();
        for line in between(&rest.join(" "), style, w.saturating_sub(3), t) {
            let mut spans = line.spans;
            let pad = 3usize.saturating_sub(width_of(glyph));
            spans.insert(
                1,
                Span::styled(format!("{glyph}{}", " ".repeat(pad)), style),
            );
            lines.push(Line::from(spans));
        }
    }
    lines
}

fn step_rule<'a>(step: Step, w: usize, t: &Theme) -> Line<'a> {
    let label = format!(" step {step} · {} ", steps::action(step));
    let fill = w.saturating_sub(label.chars().count() + 3);
    Line::from(Span::styled(
        format!(" ──{label}{}", "─".repeat(fill)),
        t.accent(),
    ))
}

fn diagram<'a>(model: &Model, t: &Theme, w: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for stamped in &model.events {
        match &stamped.event {
            Event::StepStarted { step } => lines.push(step_rule(*step, w, t)),
            Event::StepSkipped { step, reason } => {
                lines.push(step_rule(*step, w, t));
                lines.extend(between(&format!("– skipped: {reason}"), t.dim(), w, t));
            }
            Event::TcpConnected { peer, .. } => lines.extend(arrow(
                Direction::Out,
                &format!("TCP connect to {peer} (SYN, SYN-ACK, ACK)"),
                Style::default(),
                w,
                t,
            )),
            Event::Record(info) => {
                let label = format!(
                    "{} · {}",
                    records::state(info),
                    records::label(info, model.is_tls13())
                );
                lines.extend(arrow(info.direction, &label, records::style(info, t), w, t));
            }
            Event::CertificateRequested(req) => lines.extend(between(
                &if req.ca_names.is_empty() {
                    "server asks for a client certificate (its request names no CA)".to_string()
                } else {
                    format!(
                        "server asks for a client certificate from: {}",
                        req.ca_names.join("; ")
                    )
                },
                t.warn(),
                w,
                t,
            )),
            Event::ClientCertificate { chosen, subject } => lines.extend(between(
                &if *chosen {
                    format!(
                        "client picks its certificate: {}",
                        subject.clone().unwrap_or_default()
                    )
                } else {
                    "client has no certificate to offer".to_string()
                },
                t.dim(),
                w,
                t,
            )),
            Event::ServerCertificates { chain, .. } => lines.extend(between(
                &format!(
                    "client holds the chain: {}",
                    chain
                        .iter()
                        .map(|c| crate::model::results::short_name(&c.subject))
                        .collect::<Vec<_>>()
                        .join(" ← ")
                ),
                t.dim(),
                w,
                t,
            )),
            Event::CertificateVerdict {
                verified,
                insecure,
                reason,
                ..
            } => {
                let (text, style) = if *insecure {
                    (
                        "⚠ certificate NOT verified (--insecure)".to_string(),
                        t.bad(),
                    )
                } else if *verified {
                    ("✓ certificate verified by the client".to_string(), t.good())
                } else {
                    (
                        format!(
                            "✗ certificate rejected: {}",
                            reason.clone().unwrap_or_default()
                        ),
                        t.bad(),
                    )
                };
                lines.extend(between(&text, style, w, t));
            }
            Event::SecretDerived { label } => lines.extend(between(
                &format!("key derived: {} (value never shown)", secret_words(label)),
                t.dim(),
                w,
                t,
            )),
            Event::KeySchedule(k) => lines.extend(between(
                &format!(
                    "key schedule recomputed: {} values, {} confirmed (K shows it)",
                    k.entries.len(),
                    k.entries.iter().filter(|e| e.check.confirmed()).count()
                ),
                t.dim(),
                w,
                t,
            )),
            Event::HandshakeComplete(p) => lines.extend(between(
                &format!("✓ handshake complete: {} {}", p.version, p.cipher_suite),
                t.good(),
                w,
                t,
            )),
            Event::DataSent {
                command,
                plaintext_len,
                encrypted,
            } => lines.extend(between(
                &format!(
                    "client writes {command} ({plaintext_len} B of RESP{})",
                    if *encrypted {
                        ", to be encrypted"
                    } else {
                        ", IN CLEAR"
                    }
                ),
                if *encrypted { t.dim() } else { t.bad() },
                w,
                t,
            )),
            Event::DataReceived { reply, error, .. } => lines.extend(between(
                &format!("client reads the reply: {reply}"),
                if *error { t.bad() } else { t.good() },
                w,
                t,
            )),
            Event::Alert {
                direction,
                level,
                description,
                code,
            } => lines.extend(arrow(
                *direction,
                &format!("alert: {level} {description} ({code})"),
                t.bad(),
                w,
                t,
            )),
            Event::SignatureNotChecked { reason } => lines.extend(between(
                &format!("--insecure: handshake signature NOT checked ({reason})"),
                t.bad(),
                w,
                t,
            )),
            Event::Closed { close_notify_sent } => lines.extend(between(
                if *close_notify_sent {
                    "connection closed after close_notify"
                } else {
                    "connection closed"
                },
                t.dim(),
                w,
                t,
            )),
            Event::Failed(_) => {
                if let Some(d) = &model.diagnosis {
                    lines.extend(between(
                        &format!("✗ step {} failed: {}", d.step, d.headline()),
                        t.bad(),
                        w,
                        t,
                    ));
                }
            }
            Event::Probe(p) => lines.extend(between(
                &format!(
                    "probe: a plain PING on a second connection got {}",
                    if p.reply_text.is_empty() {
                        "nothing".to_string()
                    } else {
                        p.reply_text.clone()
                    }
                ),
                t.warn(),
                w,
                t,
            )),
            Event::CrossCheck(c) => lines.extend(between(
                &crate::report::plain::cross_check_line(c),
                t.dim(),
                w,
                t,
            )),
            Event::PeerChainSeenByOpenssl { chain, error } => lines.extend(between(
                &crate::report::plain::peer_chain_line(chain, error.as_deref()),
                t.dim(),
                w,
                t,
            )),
            Event::RunStarted(_) | Event::Waiting { .. } | Event::StepCompleted { .. } => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use crate::engine::events::{Event, Stamped};
    use crate::engine::step::Step;
    use crate::ui::app::Mode;
    use crate::ui::testing::{app, fixture, model_after, render};

    #[test]
    fn long_addresses_take_two_lines_rather_than_being_cut() {
        let mut model = model_after(&fixture("tls13-mutual-ok"), Step::Connect);
        model.apply(Stamped {
            event: Event::TcpConnected {
                peer: "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:6379".into(),
                local: "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:54321".into(),
            },
            at_us: 2_000,
        });
        let text = render(&app(model, Mode::Flow), 80, 24)
            .backend()
            .to_string();
        assert!(
            text.contains("client [2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:54321"),
            "{text}"
        );
        assert!(
            text.contains("server [2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:6379 │"),
            "{text}"
        );
    }
}
