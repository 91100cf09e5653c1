//! Mode 1, the flow: a client │ server sequence diagram. Each record appears as it crosses the
//! wire, encrypted ones marked; what happened inside each side is written between the lines.

use super::{clip, mode_title, panel, tail};
use crate::engine::events::{Direction, Event, RecordInfo};
use crate::engine::step::Step;
use crate::model::steps;
use crate::model::Model;
use crate::report::words::{self, Length};
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
    let (client, server) = ends(model);
    let gap = w.saturating_sub(client.chars().count() + server.chars().count() + 2);
    let head = Line::from(vec![
        Span::styled(format!(" {client}"), t.bold()),
        Span::raw(" ".repeat(gap)),
        Span::styled(format!("{server} "), t.bold()),
    ]);
    let body = diagram(model, t, w);
    let mut lines = vec![head];
    if body.is_empty() {
        lines.push(Line::from(Span::styled(
            " Nothing has crossed the wire yet. Press space: the client opens the connection.",
            t.dim(),
        )));
    }
    lines.extend(tail(
        &body,
        app.scroll(Mode::Flow),
        inner.height.saturating_sub(1),
    ));
    f.render_widget(Paragraph::new(lines), inner);
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

/// One line between the two lifelines.
fn between<'a>(text: &str, style: Style, w: usize, t: &Theme) -> Line<'a> {
    let inner = w.saturating_sub(LIFELINES);
    let body = clip(text, inner);
    let pad = inner.saturating_sub(super::width_of(&body));
    Line::from(vec![
        Span::styled("  │ ", t.dim()),
        Span::styled(format!("{body}{}", " ".repeat(pad)), style),
        Span::styled(" │", t.dim()),
    ])
}

/// Columns taken by the two lifelines and their margins.
const LIFELINES: usize = 8;

/// An arrow from one lifeline to the other, labelled.
fn arrow<'a>(direction: Direction, label: &str, style: Style, w: usize, t: &Theme) -> Line<'a> {
    let inner = w.saturating_sub(LIFELINES);
    let label = clip(label, inner.saturating_sub(8));
    let fill = inner.saturating_sub(super::width_of(&label) + 5);
    let text = match direction {
        Direction::Out => format!("── {label} {}▶", "─".repeat(fill)),
        Direction::In => format!("◀{} {label} ──", "─".repeat(fill)),
    };
    Line::from(vec![
        Span::styled("  │ ", t.dim()),
        Span::styled(text, style),
        Span::styled(" │", t.dim()),
    ])
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
                lines.push(between(&format!("– skipped: {reason}"), t.dim(), w, t));
            }
            Event::TcpConnected { peer, .. } => lines.push(arrow(
                Direction::Out,
                &format!("TCP connect to {peer} (SYN, SYN-ACK, ACK)"),
                Style::default(),
                w,
                t,
            )),
            Event::Record(info) => {
                let style = if info.encrypted {
                    t.encrypted()
                } else if info.content_type == "plaintext" {
                    t.bad()
                } else {
                    Style::default()
                };
                let label = record_label(info, model.is_tls13());
                lines.push(arrow(info.direction, &label, style, w, t));
            }
            Event::CertificateRequested(req) => lines.push(between(
                &format!(
                    "server asks for a client certificate ({})",
                    words::accepted_cas(&req.ca_names)
                ),
                t.warn(),
                w,
                t,
            )),
            Event::ClientCertificate { chosen, subject } => lines.push(between(
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
            Event::ServerCertificates { chain, .. } => lines.push(between(
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
                lines.push(between(&text, style, w, t));
            }
            Event::SecretDerived { label } => lines.push(between(
                &format!("key derived: {label} (value never shown)"),
                t.dim(),
                w,
                t,
            )),
            Event::HandshakeComplete(p) => lines.push(between(
                &format!("✓ handshake complete: {} {}", p.version, p.cipher_suite),
                t.good(),
                w,
                t,
            )),
            Event::DataSent {
                command,
                plaintext_len,
                encrypted,
            } => lines.push(between(
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
            Event::DataReceived { reply, error } => lines.push(between(
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
            } => lines.push(arrow(
                *direction,
                &format!("alert: {level} {description} ({code})"),
                t.bad(),
                w,
                t,
            )),
            Event::SignatureNotChecked { reason } => lines.push(between(
                &format!("--insecure: handshake signature NOT checked ({reason})"),
                t.bad(),
                w,
                t,
            )),
            Event::Closed { close_notify_sent } => lines.push(between(
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
                    lines.push(between(
                        &format!("✗ step {} failed: {}", d.step, d.headline()),
                        t.bad(),
                        w,
                        t,
                    ));
                }
            }
            Event::Probe(p) => lines.push(between(
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
            Event::CrossCheck(c) => lines.push(between(
                &crate::report::plain::cross_check_line(c),
                t.dim(),
                w,
                t,
            )),
            Event::PeerChainSeenByOpenssl { chain, error } => lines.push(between(
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

/// A record in a few words: its messages, or that it is encrypted.
pub fn record_label(info: &RecordInfo, tls13: bool) -> String {
    if info.content_type == "plaintext" {
        return format!(
            "IN CLEAR {} B{}",
            info.length,
            info.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    if !info.messages.is_empty() {
        let names = words::handshake_messages(&info.messages, Length::Compact);
        return format!("{names} · {} B", info.length);
    }
    if info.encrypted && !tls13 && info.content_type == "handshake" {
        // TLS 1.2: the only encrypted handshake message is the Finished after ChangeCipherSpec.
        return format!("encrypted Finished · {} B", info.length);
    }
    if info.encrypted {
        return format!(
            "encrypted {} B{}",
            info.length,
            info.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    match info.content_type.as_str() {
        "change_cipher_spec" if tls13 => {
            format!(
                "ChangeCipherSpec · {} B (ignored: compatibility only)",
                info.length
            )
        }
        "change_cipher_spec" => format!(
            "ChangeCipherSpec · {} B: what follows is encrypted",
            info.length
        ),
        other => format!("{other} · {} B", info.length),
    }
}
