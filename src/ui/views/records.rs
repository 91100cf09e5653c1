//! A record in words, shared by the flow (mode 1) and the wire (mode 5): what it carried, and
//! its state as a glyph and a word, so that nothing rests on colour.

use crate::engine::events::RecordInfo;
use crate::engine::wire::ContentType;
use crate::report::words::{self, Length};
use crate::ui::theme::Theme;
use ratatui::style::Style;

/// The glyph and word of an encrypted record (🔒 takes two columns).
pub const ENCRYPTED: &str = "🔒 encrypted";
/// The glyph and word of a record anyone on the path can read.
pub const CLEAR: &str = "🔓 clear";

/// The legend both views show.
pub const LEGEND: &str =
    "🔒 encrypted: only the two ends read it · 🔓 clear: anyone on the path can";

/// The record's state: glyph and word.
pub fn state(info: &RecordInfo) -> &'static str {
    if info.encrypted {
        ENCRYPTED
    } else {
        CLEAR
    }
}

/// The colour of a record's line; the glyph and word carry the same meaning without it.
pub fn style(info: &RecordInfo, t: &Theme) -> Style {
    if info.encrypted {
        t.encrypted()
    } else if info.content_type == ContentType::Plaintext {
        t.bad()
    } else {
        Style::default()
    }
}

/// What a record carried in a few words (its state is said apart, by [`state`]).
pub fn label(info: &RecordInfo, tls13: bool) -> String {
    let note = || {
        info.note
            .as_ref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default()
    };
    if info.content_type == ContentType::Plaintext {
        return format!("no TLS, {} B of plaintext{}", info.length, note());
    }
    if !info.messages.is_empty() {
        let names = words::handshake_messages(&info.messages, Length::Compact);
        return format!("{names} · {} B", info.length);
    }
    if info.encrypted && !tls13 && info.content_type == ContentType::Handshake {
        // TLS 1.2: the only encrypted handshake message is the Finished after ChangeCipherSpec.
        return format!("Finished · {} B", info.length);
    }
    if info.encrypted {
        return format!("{} B{}", info.length, note());
    }
    match info.content_type {
        ContentType::ChangeCipherSpec if tls13 => {
            format!(
                "ChangeCipherSpec · {} B (ignored: compatibility only)",
                info.length
            )
        }
        ContentType::ChangeCipherSpec => format!(
            "ChangeCipherSpec · {} B: what follows is encrypted",
            info.length
        ),
        ContentType::Alert
        | ContentType::Handshake
        | ContentType::ApplicationData
        | ContentType::Heartbeat
        | ContentType::Plaintext
        | ContentType::Unknown => format!("{} · {} B", info.content_type.name(), info.length),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::Direction;

    fn record(encrypted: bool, content_type: ContentType) -> RecordInfo {
        RecordInfo {
            direction: Direction::Out,
            content_type,
            version: Some(crate::engine::wire::TlsVersion::Tls12),
            length: 14,
            encrypted,
            messages: Vec::new(),
            head_hex: String::new(),
            note: None,
            bytes: None,
        }
    }

    #[test]
    fn every_record_says_its_state_in_a_glyph_and_a_word() {
        assert_eq!(
            state(&record(true, ContentType::ApplicationData)),
            "🔒 encrypted"
        );
        assert_eq!(state(&record(false, ContentType::Plaintext)), "🔓 clear");
        let plain = label(&record(false, ContentType::Plaintext), false);
        assert!(!plain.contains("encrypted"), "{plain}");
        assert!(LEGEND.contains(ENCRYPTED) && LEGEND.contains(CLEAR));
    }
}
