//! Mode 5, the wire: every record as it crossed (direction, state as a glyph and a word, type,
//! length), and for the selected one its first bytes in hex, its decoded fields, and for a Redis
//! command the plaintext RESP beside the record that carried it. The detail pane scrolls.

use super::records::{self, LEGEND};
use super::{cell, clip_words, labelled, mode_title, panel, scrolled};
use crate::engine::events::{Direction, Event, HandshakeMessage, RecordInfo};
use crate::engine::resp;
use crate::engine::wire::{self, ContentType};
use crate::model::Model;
use crate::ui::app::{App, Mode};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// A record and what it carried, where the events tell.
pub struct WireRow<'a> {
    pub at_us: u64,
    pub info: &'a RecordInfo,
    /// The Redis command (redacted) and its plaintext size, for the record that carried it.
    pub command: Option<(&'a str, usize)>,
    /// Whether that command was handed to TLS to be encrypted (false: a plaintext connection).
    pub command_encrypted: bool,
    /// The reply read once this record arrived.
    pub reply: Option<&'a str>,
}

/// The records in order, each paired with the plaintext it carried.
pub fn rows(model: &Model) -> Vec<WireRow<'_>> {
    let mut out: Vec<WireRow> = Vec::new();
    let mut pending: Option<(&str, usize, bool)> = None;
    for stamped in &model.events {
        match &stamped.event {
            Event::DataSent {
                command,
                plaintext_len,
                encrypted,
            } => pending = Some((command.as_str(), *plaintext_len, *encrypted)),
            Event::Record(info) => {
                let sent = if info.direction == Direction::Out {
                    pending.take()
                } else {
                    None
                };
                out.push(WireRow {
                    at_us: stamped.at_us,
                    info,
                    command: sent.map(|(c, len, _)| (c, len)),
                    command_encrypted: sent.is_some_and(|(_, _, e)| e),
                    reply: None,
                })
            }
            Event::DataReceived { reply, .. } => {
                if let Some(row) = out
                    .iter_mut()
                    .rev()
                    .find(|r| r.info.direction == Direction::In)
                {
                    row.reply = Some(reply.as_str());
                }
            }
            _ => {}
        }
    }
    out
}

/// Draws the legend, the record list and the selected record's details.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Wire));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &app.theme;
    let model = app.shown();
    let rows = rows(model);
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new(labelled(
                "",
                "No record yet. The first one, the ClientHello, leaves at step 2.",
                inner.width.saturating_sub(1),
                t.dim(),
                t.dim(),
            )),
            inner,
        );
        return;
    }
    let selected = app
        .record
        .filter(|i| *i < rows.len())
        .unwrap_or(rows.len() - 1);
    if super::bytes::explorer_on(model) {
        super::bytes::render(f, app, inner, &rows, selected);
        return;
    }
    let list_h = (inner.height / 2).max(5);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
    draw_list(f, app, &rows, selected, list_area, "↑↓ choose");
    if let Some(row) = rows.get(selected) {
        let d = detail_lines(app, row, selected + 1, detail_area.width, model.is_tls13());
        let block = Block::default().borders(Borders::TOP).border_style(t.dim());
        let room = block.inner(detail_area).height;
        let d = scrolled(d, app.scroll(Mode::Wire), room, t, "PgUp/PgDn");
        f.render_widget(Paragraph::new(d).block(block), detail_area);
    }
}

/// The legend, the column heads and the record list, the window keeping `selected` in view;
/// `keys` says how to move when the list does not fit.
pub fn draw_list(
    f: &mut Frame,
    app: &App,
    rows: &[WireRow],
    selected: usize,
    list_area: Rect,
    keys: &str,
) {
    let t = &app.theme;
    let model = app.shown();
    let w = usize::from(list_area.width);
    let timed = w >= 100;
    let mut head = String::from("  #  ");
    if timed {
        head.push_str("      time ");
    }
    head.push_str("dir state        type               bytes  what");
    let mut lines = vec![
        Line::from(Span::styled(
            format!(" {}", clip_words(LEGEND, w.saturating_sub(1))),
            t.dim(),
        )),
        Line::from(Span::styled(cell(&head, w), t.bold())),
    ];
    // Every record's line; the window keeps the selected one in view and says what is not.
    let visible = usize::from(list_area.height.saturating_sub(2));
    let body = if rows.len() > visible {
        visible.saturating_sub(1)
    } else {
        visible
    };
    let start = (selected + 1).saturating_sub(body);
    let mut list = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let info = row.info;
        let base = if i == selected {
            t.highlight()
        } else {
            Style::default()
        };
        let kind_style = records::style(info, t);
        let mut spans = vec![
            Span::styled(if i == selected { "▶" } else { " " }, base),
            Span::styled(format!("{:>3} ", i + 1), base),
        ];
        if timed {
            spans.push(Span::styled(
                format!("{:>8.1}ms ", row.at_us as f64 / 1000.0),
                base,
            ));
        }
        spans.extend([
            Span::styled(
                if info.direction == Direction::Out {
                    " →  "
                } else {
                    " ←  "
                },
                base,
            ),
            Span::styled(cell(records::state(info), 13), kind_style.patch(base)),
            Span::styled(cell(info.content_type.name(), 19), kind_style.patch(base)),
            Span::styled(format!("{:>5}  ", info.length), base),
        ]);
        // What is left of the line: a summary cut at a word, ending in "…"; the detail below
        // has it whole.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let what = summary(row, model.is_tls13());
        spans.push(Span::styled(
            cell(
                &clip_words(&what, w.saturating_sub(used)),
                w.saturating_sub(used),
            ),
            base,
        ));
        list.push(Line::from(spans));
    }
    lines.extend(scrolled(list, start as u16, visible as u16, t, keys));
    f.render_widget(Paragraph::new(lines), list_area);
}

fn summary(row: &WireRow, tls13: bool) -> String {
    if let Some((command, _)) = row.command {
        return if row.command_encrypted && row.info.encrypted {
            format!("carries {command}, encrypted")
        } else {
            format!("carries {command} in clear")
        };
    }
    if let Some(reply) = row.reply {
        return format!("carries the reply {reply}");
    }
    let info = row.info;
    if info.encrypted
        && info.messages.is_empty()
        && (tls13 || info.content_type != ContentType::Handshake)
    {
        // The bytes column has the size; say what is inside, where a hook told.
        return info
            .note
            .clone()
            .unwrap_or_else(|| "contents hidden".into());
    }
    records::label(info, tls13)
}

/// The record's bytes as rows of 16, grouped in pairs.
pub fn hex_rows(hex: &str) -> Vec<String> {
    let bytes: Vec<&str> = hex
        .as_bytes()
        .chunks(2)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    bytes.chunks(16).map(|chunk| chunk.join(" ")).collect()
}

/// Why the ciphertext is longer than the plaintext it carries.
fn overhead_words(record: usize, plaintext: usize, tls13: bool) -> String {
    let extra = record.saturating_sub(plaintext);
    let why = match (tls13, extra) {
        (true, 17) => {
            "1 B for the record's real type, hidden inside, and a 16 B authentication tag"
        }
        (false, 24) => "an 8 B explicit nonce and a 16 B authentication tag",
        (_, 16) => "a 16 B authentication tag",
        _ => "the authentication tag and the cipher's framing",
    };
    format!("{record} B of ciphertext for {plaintext} B of plaintext: {extra} B more, {why}.")
}

fn detail_lines<'a>(
    app: &App,
    row: &WireRow,
    number: usize,
    width: u16,
    tls13: bool,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let info = row.info;
    let w = width.saturating_sub(1);
    let plaintext = info.content_type == ContentType::Plaintext;
    let head = if plaintext {
        format!(
            "Record {number} · {} · no TLS: {} B of plaintext · {}",
            info.direction,
            info.length,
            records::state(info)
        )
    } else {
        format!(
            "Record {number} · {} · {} · {} B body · {} · {}",
            info.direction,
            info.content_type,
            info.length,
            records::state(info),
            info.version_text()
        )
    };
    let mut lines = labelled("", &head, w, t.accent(), t.accent());
    for (i, r) in hex_rows(&info.head_hex).into_iter().enumerate() {
        let label = if i == 0 { "bytes    " } else { "         " };
        lines.push(Line::from(vec![
            Span::styled(label, t.dim()),
            Span::styled(r, Style::default()),
        ]));
    }
    let about_bytes = if plaintext {
        "not a TLS record: these are the command's own bytes, as anyone on the path sees them"
    } else {
        "the first 5 bytes are the record header: type, version, length; --bytes keeps every byte and names each one"
    };
    lines.extend(labelled(
        "         ",
        &format!("({about_bytes})"),
        w,
        t.dim(),
        t.dim(),
    ));
    if let Some((command, len)) = row.command {
        // The RESP is rebuilt from the (redacted) command line; shown only when it is exactly
        // what was sent, which its size proves.
        let args = crate::ui::app::split_command(command);
        let encoded = resp::encode(&args);
        let plain = if command.contains("***") {
            "(the secret is never shown)".to_string()
        } else if encoded.len() == len {
            escape(&encoded)
        } else {
            "(not shown)".to_string()
        };
        lines.extend(labelled(
            "plain    ",
            &format!("{command} as RESP: {plain} ({len} B)"),
            w,
            t.dim(),
            t.good(),
        ));
        if row.command_encrypted && info.encrypted {
            lines.extend(labelled(
                "wire     ",
                &overhead_words(info.length, len, tls13),
                w,
                t.dim(),
                t.encrypted(),
            ));
        } else {
            lines.extend(labelled(
                "wire     ",
                &format!(
                    "the same {} B, in clear: no TLS, nothing added and nothing hidden",
                    info.length
                ),
                w,
                t.dim(),
                t.bad(),
            ));
        }
    }
    if let Some(reply) = row.reply {
        let how = if info.encrypted {
            "decrypted, the server's answer reads"
        } else {
            "in clear, the server's answer reads"
        };
        lines.extend(labelled(
            "reply    ",
            &format!("{how}: {reply}"),
            w,
            t.dim(),
            t.good(),
        ));
    }
    if let Some(note) = &info.note {
        let label = if plaintext { "text     " } else { "inside   " };
        lines.extend(labelled(label, note, w, t.dim(), Style::default()));
    }
    for m in &info.messages {
        for (label, value) in fields(m) {
            lines.extend(labelled(
                &format!("{label:<9}"),
                &value,
                w,
                t.dim(),
                Style::default(),
            ));
        }
    }
    if info.encrypted && info.messages.is_empty() && row.command.is_none() && row.reply.is_none() {
        lines.extend(labelled(
            "         ",
            "Only the two endpoints can read this record: its type and content are ciphertext.",
            w,
            t.dim(),
            t.dim(),
        ));
    }
    lines
}

/// The decoded fields of a handshake message sent in clear.
fn fields(m: &HandshakeMessage) -> Vec<(&'static str, String)> {
    match m {
        HandshakeMessage::ClientHello {
            versions,
            cipher_suites,
            groups,
            key_shares,
            sni,
            alpn,
            signature_algorithms,
            ..
        } => vec![
            ("message", "ClientHello".into()),
            ("versions", wire::join(versions, ", ")),
            ("suites", cipher_suites.join(", ")),
            ("groups", groups.join(", ")),
            ("shares", key_shares.join(", ")),
            ("SNI", sni.clone().unwrap_or_else(|| "none".into())),
            (
                "ALPN",
                if alpn.is_empty() {
                    "none".into()
                } else {
                    alpn.join(", ")
                },
            ),
            ("sig algs", signature_algorithms.join(", ")),
        ],
        HandshakeMessage::ServerHello {
            version,
            cipher_suite,
            key_share_group,
            ..
        } => vec![
            ("message", "ServerHello".into()),
            ("version", version.to_string()),
            ("suite", cipher_suite.clone()),
            (
                "share",
                key_share_group.clone().unwrap_or_else(|| "none".into()),
            ),
        ],
        HandshakeMessage::Certificate { count } => {
            vec![("message", format!("Certificate: {count} in the chain"))]
        }
        other => vec![("message", other.name())],
    }
}

/// RESP with its CR LF made visible.
fn escape(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::step::Step;
    use crate::ui::testing::{fixture, model_after};

    #[test]
    fn the_command_is_paired_with_the_record_that_carried_it() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Data);
        let rows = rows(&model);
        let carrier: Vec<_> = rows.iter().filter(|r| r.command.is_some()).collect();
        assert_eq!(carrier.len(), 1);
        assert_eq!(carrier[0].command, Some(("PING", 14)));
        assert!(carrier[0].command_encrypted);
        assert!(carrier[0].info.encrypted);
        assert_eq!(carrier[0].info.direction, Direction::Out);
        let replies: Vec<_> = rows.iter().filter_map(|r| r.reply).collect();
        assert_eq!(replies, ["PONG"]);
    }

    #[test]
    fn a_cut_summary_ends_in_an_ellipsis_inside_the_panel() {
        use crate::ui::testing::{app, render};
        let mut a = app(
            model_after(&fixture("tls13-mutual-ok"), Step::Close),
            Mode::Wire,
        );
        // Record 10: the client's Certificate, CertificateVerify and Finished.
        a.record = Some(9);
        let terminal = render(&a, 80, 24);
        let text = terminal.backend().to_string();
        let row = text
            .lines()
            .find(|l| l.contains("  637  "))
            .unwrap_or_default()
            .to_string();
        // The backend quotes each row (and notes wide symbols after the quote).
        let inside = row.split('"').nth(1).unwrap_or_default();
        assert!(inside.trim_end_matches(['│', ' ']).ends_with('…'), "{row}");
    }

    #[test]
    fn hex_in_rows_of_sixteen() {
        let rows = hex_rows(&"ab".repeat(20));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], "ab ab ab ab");
    }
}
