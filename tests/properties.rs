//! Property tests: the parsers that read what peers and users send never panic, whatever the
//! bytes, and the record splitter gives back exactly the records it was fed, however cut.

use proptest::prelude::*;
use tlsviz::engine::events::Direction;
use tlsviz::engine::records::{describe, split_complete, split_handshake_messages, RecordSplitter};

fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn splitter_survives_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096), cut in 1usize..64) {
        let mut splitter = RecordSplitter::new();
        for chunk in bytes.chunks(cut) {
            splitter.push(chunk);
            while let Ok(Some(r)) = splitter.next_record() {
                let _ = describe(Direction::In, &r, false);
            }
        }
    }

    #[test]
    fn splitter_returns_what_it_was_fed(
        bodies in prop::collection::vec((20u8..=24, prop::collection::vec(any::<u8>(), 0..600)), 1..8),
        cuts in prop::collection::vec(1usize..300, 1..20),
    ) {
        let records: Vec<Vec<u8>> = bodies.iter().map(|(t, b)| record(*t, b)).collect();
        let wire = records.concat();
        let mut splitter = RecordSplitter::new();
        let mut got = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while at < wire.len() {
            let n = cuts[i % cuts.len()].min(wire.len() - at);
            splitter.push(&wire[at..at + n]);
            at += n;
            i += 1;
            while let Some(r) = splitter.next_record().unwrap() {
                got.push(r);
            }
        }
        prop_assert_eq!(got, records.clone());
        prop_assert_eq!(split_complete(&wire), records);
    }

    #[test]
    fn decoding_handshake_records_never_panics(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        let r = record(22, &body);
        let _ = describe(Direction::In, &r, false);
        let _ = describe(Direction::Out, &r, false);
    }

    #[test]
    fn splitting_handshake_messages_keeps_every_byte(body in prop::collection::vec(any::<u8>(), 0..1024)) {
        let r = record(22, &body);
        let parts = split_handshake_messages(&r);
        let rejoined: Vec<u8> = parts.iter().flat_map(|p| p[5..].to_vec()).collect();
        prop_assert_eq!(rejoined, body);
    }

    #[test]
    fn resp_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = tlsviz::engine::resp::parse(&bytes);
    }

    #[test]
    fn scenario_parser_never_panics(text in "\\PC{0,400}") {
        let _ = tlsviz::scenario::parse(&text, "prop.toml");
    }

    #[test]
    fn scenario_parser_reports_a_location_for_broken_shipped_files(
        index in 0usize..tlsviz::scenario::SHIPPED.len(),
        cut in 0usize..2000,
    ) {
        let text = tlsviz::scenario::SHIPPED[index].1;
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) { cut -= 1; }
        if let Err(e) = tlsviz::scenario::parse(&text[..cut], "cut.toml") {
            prop_assert!(e.to_string().starts_with("cut.toml"));
        }
    }
}
