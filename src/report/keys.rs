//! The key schedule as the plain trace shows it (`--show-secrets`), and the words that warn
//! whenever secret values are printed.

use crate::engine::keyschedule::{KeyCheck, KeySchedule};

/// The banner: the plain trace's first line, and again above the key schedule.
pub const BANNER: &str = "!!! SECRETS SHOWN (--show-secrets): this output holds the \
    connection's private key and traffic secrets; with a capture of the connection anyone who \
    has it can decrypt everything that was sent. Keep it to lab servers and throwaway keys.";

/// The JSON summary's `warnings` entry when a `key_schedule` line held values.
pub const WARNING: &str = "secret values shown (--show-secrets): the key_schedule line holds \
    this connection's private key and traffic secrets; with a capture of the connection anyone \
    who has it can decrypt everything that was sent";

/// Hex digits per value line, so a line stays within the trace's 100 columns.
const HEX_PER_LINE: usize = 64;

/// How a line looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Banner,
    Head,
    Confirmed,
    Mismatch,
    Unchecked,
    Formula,
    Value,
}

/// One line of the block: a prefix (wrapped lines hang under the text) and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub prefix: String,
    pub text: String,
    pub look: Look,
}

fn line(prefix: &str, text: String, look: Look) -> Line {
    Line {
        prefix: prefix.to_string(),
        text,
        look,
    }
}

/// The check as a mark and words: `✓ matches keylog`, `✗ mismatch`, `· derived`.
pub fn mark(check: KeyCheck) -> (&'static str, Look) {
    match check {
        KeyCheck::Mismatch => ("✗", Look::Mismatch),
        KeyCheck::Derived => ("·", Look::Unchecked),
        _ => ("✓", Look::Confirmed),
    }
}

/// The whole block: the banner (when values are shown), a head line, then per value its check,
/// its formula, what it protected, and the value itself (or, in a replay, that recordings hold
/// no values).
pub fn block(k: &KeySchedule) -> Vec<Line> {
    let mut out = Vec::new();
    if k.entries.iter().any(|e| e.value.is_some()) {
        out.push(line("", BANNER.to_string(), Look::Banner));
    }
    let confirmed = k.entries.iter().filter(|e| e.check.confirmed()).count();
    let group = k.group.as_deref().unwrap_or("no key exchange");
    out.push(line(
        "",
        format!(
            "key schedule: {} values recomputed by tlsviz, {confirmed} checked ✓ ({}, {}, {group})",
            k.entries.len(),
            k.version,
            k.cipher_suite,
        ),
        Look::Head,
    ));
    for e in &k.entries {
        let (symbol, look) = mark(e.check);
        out.push(line(
            &format!("{symbol} "),
            format!(
                "{} — {}: {}",
                e.name,
                e.check.as_str().replace('_', " "),
                e.note
            ),
            look,
        ));
        out.push(line("    ", e.formula.clone(), Look::Formula));
        if !e.protects.is_empty() {
            out.push(line(
                "    ",
                format!("protected: {}", e.protects.join(", ")),
                Look::Formula,
            ));
        }
        match &e.value {
            Some(value) => {
                let hex = value.expose();
                for (i, start) in (0..hex.len()).step_by(HEX_PER_LINE).enumerate() {
                    let end = (start + HEX_PER_LINE).min(hex.len());
                    let prefix = if i == 0 { "    = " } else { "      " };
                    out.push(line(prefix, hex[start..end].to_string(), Look::Value));
                }
            }
            None => out.push(line(
                "    = ",
                "(not shown: recordings never hold secret values)".into(),
                Look::Formula,
            )),
        }
    }
    if let Some(missing) = &k.missing {
        out.push(line(
            "! ",
            format!("not recomputed: {missing}"),
            Look::Unchecked,
        ));
    }
    out
}
