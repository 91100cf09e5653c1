//! `--bytes` on bytes alone: the in-memory rustls pair of `tap_tests`, with the capture on.

use super::tests::{records, Pair, ServerOptions, TLS12, TLS13};
use crate::engine::annotate::{explain, tiles};
use crate::engine::events::{Direction, Epoch, Event, RecordInfo};
use std::sync::Arc;

fn capturing(mut pair: Pair) -> Pair {
    let old = std::mem::replace(
        &mut pair.tap,
        super::Tap::new(
            crate::engine::pace::EventSink::channel().0,
            Arc::new(crate::engine::hooks::HookState::default()),
        ),
    );
    pair.tap = old.with_capture(true);
    pair
}

/// Every record kept, its fields and its plaintext's tiling, every name explained.
fn check_all(events: &[Event]) -> Vec<&RecordInfo> {
    let all: Vec<&RecordInfo> = [Direction::Out, Direction::In]
        .into_iter()
        .flat_map(|d| records(events, d))
        .collect();
    for record in &all {
        let bytes = record.bytes.as_ref().expect("captured");
        assert!(tiles(&bytes.fields, bytes.hex.len()), "{:?}", bytes.fields);
        let decrypted = bytes.decrypted.iter();
        for field in bytes.fields.iter().chain(decrypted.flat_map(|d| &d.fields)) {
            assert!(explain(&field.name).is_some(), "{}", field.name);
        }
        if let Some(d) = &bytes.decrypted {
            assert!(tiles(&d.fields, d.plaintext.len()), "{:?}", d.fields);
        }
        if record.encrypted {
            assert!(bytes.decrypted.is_some(), "not opened: {record:?}");
        }
    }
    all
}

fn inner_messages(records: &[&RecordInfo]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| r.bytes.as_ref()?.decrypted.as_ref())
        .flat_map(|d| d.fields.iter())
        .filter(|f| f.name == "handshake.msg_type")
        .map(|f| f.value.clone())
        .collect()
}

#[test]
fn a_key_update_starts_application_1() {
    let mut pair = capturing(Pair::tls13());
    pair.handshake();
    pair.server.refresh_traffic_keys().expect("key update");
    pair.server_replies(b"+PONG\r\n");
    let events = pair.events();
    check_all(&events);
    let received = records(&events, Direction::In);
    let epochs: Vec<(String, u64)> = received
        .iter()
        .filter_map(|r| r.bytes.as_ref()?.decrypted.as_ref())
        .map(|d| (d.epoch.to_string(), d.seq))
        .collect();
    let last = epochs.last().expect("opened records");
    assert_eq!(last, &("application_1".to_string(), 0), "{epochs:?}");
    assert!(inner_messages(&received).contains(&"key_update (24)".to_string()));
    assert_eq!(
        received
            .last()
            .and_then(|r| r.bytes.as_ref()?.decrypted.as_ref())
            .map(|d| d.epoch),
        Some(Epoch::Application { updated: 1 })
    );
}

#[test]
fn a_hello_retry_request_is_named_as_one() {
    let mut pair = capturing(Pair::new(
        TLS13,
        ServerOptions {
            versions: TLS13,
            groups: Some(vec![rustls::crypto::ring::kx_group::SECP384R1]),
        },
    ));
    pair.handshake();
    let events = pair.events();
    check_all(&events);
    let first = records(&events, Direction::In)[0];
    let names: Vec<&str> = first
        .bytes
        .as_ref()
        .expect("captured")
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert!(names.contains(&"hello_retry_request.random"), "{names:?}");
    assert!(
        names.contains(&"hello_retry_request.extensions.key_share.selected_group"),
        "{names:?}"
    );
}

#[test]
fn a_packed_tls12_flight_is_named_message_by_message_and_its_finished_opened() {
    let mut pair = capturing(Pair::new(
        TLS12,
        ServerOptions {
            versions: TLS12,
            groups: None,
        },
    ));
    pair.pack_server_flights = true;
    pair.handshake();
    let events = pair.events();
    check_all(&events);
    let received = records(&events, Direction::In);
    let types: Vec<&str> = received[0]
        .bytes
        .as_ref()
        .expect("captured")
        .fields
        .iter()
        .filter(|f| f.name == "handshake.msg_type")
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "server_hello (2)",
            "certificate (11)",
            "server_key_exchange (12)",
            "server_hello_done (14)"
        ]
    );
    // Both Finished were opened with keys from the master secret (rustls's ring provider
    // chose a GCM suite: 8 explicit nonce bytes in the record).
    let finished: Vec<String> = [Direction::Out, Direction::In]
        .into_iter()
        .flat_map(|d| inner_messages(&records(&events, d)))
        .collect();
    assert_eq!(finished, ["finished (20)", "finished (20)"]);
}
