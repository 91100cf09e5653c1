//! `--plain`: a readable step-by-step trace, at most 100 columns, colour only on a terminal.

use super::keys::Look;
use super::words::{self, Length};
use super::Reporter;
use crate::engine::events::{CertificateInfo, Direction, Event, RecordInfo, Stamped};
use crate::engine::opinion::{CrossCheck, Tool, Verdict};
use crate::engine::step::Step;
use crate::engine::wire::ContentType;
use crate::model::steps::{self, StepStatus};
use crate::model::{Model, Outcome};
use std::io::Write;

pub const WIDTH: usize = 100;
const INDENT: &str = "      ";

#[derive(Clone, Copy)]
enum Tone {
    Good,
    Bad,
    Warn,
    Dim,
    Bold,
}

pub struct PlainReporter<W: Write> {
    out: W,
    color: bool,
}

impl<W: Write> PlainReporter<W> {
    pub fn new(out: W, color: bool) -> Self {
        Self { out, color }
    }

    fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Bad => "31",
            Tone::Warn => "33",
            Tone::Dim => "2",
            Tone::Bold => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Write `text` wrapped to the width, every line after the first indented.
    fn para(&mut self, first_prefix: &str, text: &str, tone: Option<Tone>) -> std::io::Result<()> {
        let lines = wrap(text, WIDTH - INDENT.len() - first_prefix.chars().count());
        for (i, line) in lines.iter().enumerate() {
            let prefix = if i == 0 {
                format!("{INDENT}{first_prefix}")
            } else {
                format!("{INDENT}{}", " ".repeat(first_prefix.chars().count()))
            };
            let body = match tone {
                Some(t) => self.paint(t, line),
                None => line.clone(),
            };
            writeln!(self.out, "{prefix}{body}")?;
        }
        Ok(())
    }
}

impl<W: Write> Reporter for PlainReporter<W> {
    fn preamble(&mut self, p: &super::record::Preamble) -> std::io::Result<()> {
        writeln!(self.out, "scenario {}: {}", p.name, p.title)?;
        for line in wrap(&p.lesson, 96) {
            writeln!(self.out, "  {line}")?;
        }
        if !p.redis_conf.is_empty() {
            writeln!(self.out, "  redis.conf:")?;
            for line in &p.redis_conf {
                writeln!(self.out, "    {line}")?;
            }
        }
        writeln!(self.out)
    }

    fn event(&mut self, model: &Model, stamped: &Stamped) -> std::io::Result<()> {
        match &stamped.event {
            Event::RunStarted(info) => {
                let mode = if info.tls {
                    "TLS"
                } else {
                    "NO TLS (plaintext)"
                };
                let head = format!(
                    "tlsviz → {} over {mode}",
                    crate::engine::host_port(&info.host, info.port)
                );
                writeln!(self.out, "{}", self.paint(Tone::Bold, &head))?;
                if info.tls {
                    let sni = if info.sni_sent {
                        format!("SNI {}", info.server_name)
                    } else {
                        format!("no SNI (IP address); name checked: {}", info.server_name)
                    };
                    self.para(
                        "",
                        &format!(
                            "{sni}; trusting {}; client certificate: {}",
                            info.trust,
                            info.client_certificate
                                .clone()
                                .unwrap_or_else(|| "none".into())
                        ),
                        Some(Tone::Dim),
                    )?;
                } else {
                    self.para("! ", "Nothing on this connection is encrypted: commands, passwords and replies cross the network in clear.", Some(Tone::Warn))?;
                }
                if info.insecure {
                    self.para("! ", "--insecure: certificate verification is OFF; anyone in the path could impersonate the server.", Some(Tone::Bad))?;
                }
            }
            Event::Waiting { .. } | Event::StepCompleted { .. } => {
                if let Event::StepCompleted { step } = &stamped.event {
                    self.step_end(model, *step)?;
                }
            }
            Event::StepStarted { step } => {
                let title = format!("[{step}/9] {}", steps::action(*step));
                writeln!(self.out, "{}", self.paint(Tone::Bold, &title))?;
            }
            Event::StepSkipped { step, reason } => {
                let title = format!("[{step}/9] {} — skipped", steps::action(*step));
                writeln!(self.out, "{}", self.paint(Tone::Dim, &title))?;
                // A reason shared by several steps (no TLS at all) is said once.
                let said_before = model
                    .events
                    .iter()
                    .rev()
                    .skip(1)
                    .find_map(|e| match &e.event {
                        Event::StepSkipped { reason, .. } => Some(reason),
                        _ => None,
                    })
                    .is_some_and(|previous| previous == reason);
                if !said_before {
                    self.para("– ", reason, Some(Tone::Warn))?;
                }
            }
            Event::TcpConnected { peer, local } => {
                self.para("", &format!("TCP {local} → {peer}"), Some(Tone::Dim))?
            }
            Event::Record(info) => {
                // The arrow stands alone so wrapped lines hang under the text.
                let line = record_line(info);
                let (arrow, text) = line.split_once(' ').unwrap_or(("", line.as_str()));
                self.para(&format!("{arrow} "), text, Some(Tone::Dim))?;
            }
            Event::CertificateRequested(req) => {
                let cas = words::accepted_cas(&req.ca_names);
                self.para(
                    "",
                    &format!("server asks for a client certificate from: {cas}"),
                    None,
                )?;
            }
            Event::ClientCertificate {
                chosen: sent,
                subject,
            } => {
                let text = if *sent {
                    format!(
                        "client will send its certificate: {}",
                        subject.clone().unwrap_or_default()
                    )
                } else {
                    "client has no certificate to send".to_string()
                };
                self.para("", &text, None)?;
            }
            Event::ServerCertificates { chain, server_name } => {
                for (i, cert) in chain.iter().enumerate() {
                    let role = if i == 0 { "leaf" } else { "chain" };
                    self.para(
                        &format!("{role}: "),
                        &format!(
                            "{} — issuer {} — {} to {} — {} — SAN {}",
                            cert.subject,
                            cert.issuer,
                            cert.not_before,
                            cert.not_after,
                            cert.key_type,
                            if cert.san.is_empty() {
                                "none".into()
                            } else {
                                cert.san.join(", ")
                            }
                        ),
                        None,
                    )?;
                }
                self.para(
                    "",
                    &format!("name to check: {server_name}"),
                    Some(Tone::Dim),
                )?;
            }
            Event::CertificateVerdict {
                verified,
                insecure,
                reason,
                ..
            } => {
                if *insecure {
                    self.para(
                        "! ",
                        "certificate NOT verified (--insecure)",
                        Some(Tone::Bad),
                    )?;
                } else if !verified {
                    self.para(
                        "✗ ",
                        &format!(
                            "verification failed: {}",
                            reason.clone().unwrap_or_default()
                        ),
                        Some(Tone::Bad),
                    )?;
                }
            }
            Event::SecretDerived { label } => self.para(
                "",
                &format!(
                    "secret derived: {} (value not shown)",
                    crate::model::arrivals::secret_words(label)
                ),
                Some(Tone::Dim),
            )?,
            Event::KeySchedule(schedule) => {
                for line in super::keys::block(schedule) {
                    let tone = match line.look {
                        Look::Banner | Look::Mismatch => Some(Tone::Bad),
                        Look::Head => Some(Tone::Bold),
                        Look::Confirmed => Some(Tone::Good),
                        Look::Unchecked => Some(Tone::Warn),
                        Look::Formula => Some(Tone::Dim),
                        Look::Value => None,
                    };
                    self.para(&line.prefix, &line.text, tone)?;
                }
            }
            Event::HandshakeComplete(_) | Event::Closed { .. } => {}
            Event::SignatureNotChecked { reason } => self.para(
                "! ",
                &format!("--insecure: the handshake signature was not checked either ({reason}); nothing proves the server holds the key of its certificate."),
                Some(Tone::Bad),
            )?,
            Event::DataSent {
                command,
                encrypted,
                plaintext_len,
            } => {
                let how = if *encrypted { "encrypted" } else { "IN CLEAR" };
                self.para(
                    "",
                    &format!("sent {command} ({plaintext_len} bytes of RESP, {how})"),
                    None,
                )?;
            }
            Event::DataReceived { reply, .. } => {
                // Line by line, as redis-cli shows it, each wrapped to the width.
                for (i, line) in reply.lines().enumerate() {
                    self.para(if i == 0 { "reply: " } else { "       " }, line, None)?;
                }
            }
            Event::Alert {
                direction,
                level,
                description,
                code,
            } => {
                let arrow = if *direction == Direction::Out {
                    "→"
                } else {
                    "←"
                };
                self.para(
                    "",
                    &format!("{arrow} {level} alert {description} ({code})"),
                    Some(Tone::Warn),
                )?;
            }
            Event::PeerChainSeenByOpenssl { chain, error } => {
                self.para("", &peer_chain_line(chain, error.as_deref()), Some(Tone::Dim))?
            }
            Event::Failed(_) | Event::Probe(_) | Event::CrossCheck(_) => {}
        }
        Ok(())
    }

    fn finish(&mut self, model: &Model) -> std::io::Result<()> {
        writeln!(self.out)?;
        match (&model.outcome, &model.diagnosis) {
            (Outcome::Ok, _) => {
                let tls = model
                    .tls
                    .as_ref()
                    .map(|p| {
                        let resumed = if p.resumed { ", resumed" } else { "" };
                        format!(" ({}, {}{resumed})", p.version, p.cipher_suite)
                    })
                    .unwrap_or_else(|| " (NOT encrypted)".into());
                let ms = model.duration_us() as f64 / 1000.0;
                let (mark, warning, tone) = if model.insecure {
                    (
                        "!",
                        " — the server was NOT verified (--insecure)",
                        Tone::Bad,
                    )
                } else {
                    ("✓", "", Tone::Good)
                };
                let line = format!(
                    "{mark} success{tls}: {} → {} in {ms:.1} ms{warning}",
                    model.redis.command.clone().unwrap_or_default(),
                    crate::model::results::short(&model.redis.reply.clone().unwrap_or_default())
                );
                for part in wrap(&line, WIDTH) {
                    writeln!(self.out, "{}", self.paint(tone, &part))?;
                }
            }
            (_, Some(d)) => {
                let head = format!(
                    "✗ failed at step {} ({}): {}",
                    d.step,
                    steps::action(d.step),
                    d.kind
                );
                writeln!(self.out, "{}", self.paint(Tone::Bad, &head))?;
                self.para("cause: ", &d.message, None)?;
                self.para("why:   ", &d.explanation, None)?;
                // The evidence under its own label, between the why and the fix.
                for (i, e) in d.evidence.iter().enumerate() {
                    self.para(
                        if i == 0 { "seen:  " } else { "       " },
                        &format!("{}: {}", e.label, e.value),
                        Some(Tone::Dim),
                    )?;
                }
                self.para("fix:   ", &d.fix, Some(Tone::Good))?;
                if let Some(note) = &d.redis_cli {
                    self.para("clients: ", note, Some(Tone::Dim))?;
                }
            }
            _ => writeln!(self.out, "run incomplete")?,
        }
        if let Some(check) = &model.cross_check {
            self.para("", &cross_check_line(check), Some(Tone::Dim))?;
        }
        if let Some(line) = crate::diagnose::opinion::compare(model).and_then(|c| c.disagreement) {
            self.para("! ", &line, Some(Tone::Bad))?;
        }
        self.out.flush()
    }
}

/// What `openssl s_client` saw of the server's chain after a step-2 refusal, in one line.
pub fn peer_chain_line(chain: &[CertificateInfo], error: Option<&str>) -> String {
    match chain.first() {
        Some(leaf) => format!(
            "openssl s_client, asked for the server's certificate, got {} certificate{}: leaf {}, \
             key {}",
            chain.len(),
            if chain.len() == 1 { "" } else { "s" },
            leaf.subject,
            leaf.key_type
        ),
        None => format!(
            "openssl s_client did not get the server's certificate either: {}",
            error.unwrap_or("no reason given")
        ),
    }
}

/// The second opinion in one line, labelled: `second opinion: redis-cli 7.0.15 …`.
pub fn cross_check_line(check: &CrossCheck) -> String {
    format!("second opinion: {}", cross_check_words(check))
}

/// The second opinion without its label (for views that label it themselves): who, what it
/// decided, and its own words.
pub fn cross_check_words(check: &CrossCheck) -> String {
    let who = match (check.by, &check.version) {
        (Some(Tool::RedisCli), Some(version)) => format!("redis-cli {version}"),
        (Some(_), Some(version)) => format!("openssl s_client ({version})"),
        (Some(tool), None) => tool.program().to_string(),
        (None, _) => "OpenSSL".to_string(),
    };
    let reason = check
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    match check.verdict {
        Verdict::Ok => {
            format!("{who} with the same flags connects (PING answered){reason}")
        }
        Verdict::Failed => format!("{who} with the same flags FAILS{reason}"),
        Verdict::Unavailable => match check.by {
            Some(_) => format!("unavailable ({who} could not run{reason})"),
            None => "unavailable (neither redis-cli nor openssl is installed)".to_string(),
        },
        Verdict::Skipped => "skipped (a plaintext connection has no TLS to judge)".to_string(),
    }
}

impl<W: Write> PlainReporter<W> {
    fn step_end(&mut self, model: &Model, step: Step) -> std::io::Result<()> {
        let Some(row) = model.step(step) else {
            return Ok(());
        };
        // --insecure: step 4 "happened", but nothing was verified; it is not a success mark.
        let unverified = step == Step::Verify && model.insecure && row.status == StepStatus::Done;
        let mark = if unverified {
            "! "
        } else if row.status == StepStatus::Done {
            "✓ "
        } else {
            "✗ "
        };
        let tone = if unverified {
            Tone::Bad
        } else if row.status == StepStatus::Done {
            Tone::Good
        } else {
            Tone::Bad
        };
        let result = row.result.clone();
        self.para(mark, &result, Some(tone))?;
        if let Some(note) = row.note.clone() {
            self.para("note: ", &note, Some(Tone::Warn))?;
        }
        if let Some(t) = row.tracker_after.clone() {
            let (c, e, v) = t.triple();
            let extra = t
                .certificate_note
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            self.para(
                "",
                &format!("tracker: {c} · {e} · {v}{extra}"),
                Some(Tone::Dim),
            )?;
        }
        Ok(())
    }
}

/// One record as a line: direction, type, size, what it carries.
pub fn record_line(info: &RecordInfo) -> String {
    let arrow = if info.direction == Direction::Out {
        "→"
    } else {
        "←"
    };
    if info.content_type == ContentType::Plaintext {
        return format!(
            "{arrow} {} bytes IN CLEAR: {}",
            info.length,
            info.note.clone().unwrap_or_default()
        );
    }
    let lock = if info.encrypted { "[encrypted] " } else { "" };
    // What a hook said about an encrypted record beats the names read from it.
    let what = match &info.note {
        Some(note) if info.encrypted || info.messages.is_empty() => note.clone(),
        _ => words::handshake_messages(&info.messages, Length::Full),
    };
    format!(
        "{arrow} {} {} B  {lock}{what}",
        info.content_type, info.length
    )
}

/// Greedy word wrap; words longer than the width are cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_within_width() {
        let text = "a ".repeat(200) + &"x".repeat(150);
        for line in wrap(&text, 60) {
            assert!(line.chars().count() <= 60, "{line}");
        }
    }
}
