//! What `connect --resume` concludes from its two connections: whether the second resumed the
//! first one's session, the evidence, and what resuming saved. Every sentence is made from the
//! two runs' events.

use super::metrics;
use crate::diagnose::ErrorKind;
use crate::engine::events::{Failure, TlsErrorDetail};
use crate::model::resumption;
use crate::model::{Model, Outcome};

/// The verdict in a few sentences; `second` is `None` when the first connection failed.
pub fn verdict(first: &Model, second: Option<&Model>) -> Vec<String> {
    let Some(second) = second.filter(|_| first.outcome == Outcome::Ok) else {
        return vec![
            "The first connection failed: there is no session to resume, so no second \
                     connection was made."
                .into(),
        ];
    };
    let offer = resumption::offer(second);
    let mut said = Vec::new();
    if second.resumed() {
        let offered = offer
            .map(resumption::describe_offer)
            .unwrap_or_else(|| "the first connection's session".into());
        said.push(format!(
            "Resumed: the second connection offered {offered} and the server took it. Steps 3–5 \
             did not happen: no certificate was sent, and the chain, its dates and the name were \
             not checked again (they were checked in the first connection)."
        ));
        said.push(savings(first, second));
    } else if second.outcome == Outcome::Failed && offer.is_some() {
        let refused = second
            .diagnosis
            .as_ref()
            .is_some_and(|d| d.kind == ErrorKind::ResumptionRefused);
        let headline = match (refused, &second.failure) {
            (
                true,
                Some(Failure::Tls {
                    detail: TlsErrorDetail::AlertReceived { description, code },
                    ..
                }),
            ) => format!("alert {description} ({code}) before any ServerHello"),
            _ => second
                .diagnosis
                .as_ref()
                .map(|d| d.headline())
                .unwrap_or_else(|| "it failed".into()),
        };
        said.push(format!(
            "The server refused the connection that offered to resume ({headline}), although \
             the first connection, a full handshake with the same flags, succeeded: the offer is \
             what it could not take."
        ));
        if refused {
            said.push(
                "The second run's diagnosis (resumption_refused) gives the evidence, the known \
                 cause and the fix."
                    .into(),
            );
        } else if alert_received(second, "internal_error") {
            said.push(
                "A known cause: Redis with tls-session-caching no and client certificates \
                 (tls-auth-clients yes or optional) still hands out tickets but fails every \
                 handshake that offers one (its log says \"session id context uninitialized\"). \
                 Clients that reuse sessions fail against it; redis-cli, which never does, does \
                 not."
                    .into(),
            );
        }
    } else if let Some(note) = resumption::handshake_note(second) {
        said.push(format!("Not resumed. {note}"));
    } else {
        let tickets = metrics::tickets_received(first);
        let why = if first.is_tls13() {
            format!(
                "the first connection received {tickets} NewSessionTicket{}",
                if tickets == 1 { "" } else { "s" }
            )
        } else {
            "the first connection received no session ticket and no session id".into()
        };
        said.push(format!(
            "Not resumed: the second ClientHello offered nothing to resume; {why}."
        ));
    }
    said
}

/// What resuming saved, first connection → second.
fn savings(first: &Model, second: &Model) -> String {
    let trips = |m: &Model| {
        metrics::round_trips(m)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into())
    };
    let (first_bytes, _) = metrics::bytes(first);
    let (second_bytes, _) = metrics::bytes(second);
    let ms = |m: &Model| {
        metrics::handshake_us(m)
            .map(|us| format!("{:.1} ms", us as f64 / 1000.0))
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "Full → resumed: {} → {} round trip(s) before data; {} → {} bytes from the server and {} \
         → {} from the client before data; handshake done at {} → {}.",
        trips(first),
        trips(second),
        first_bytes.r#in,
        second_bytes.r#in,
        first_bytes.out,
        second_bytes.out,
        ms(first),
        ms(second)
    )
}

/// Whether the run ended on this alert from the server.
fn alert_received(model: &Model, description: &str) -> bool {
    matches!(
        &model.failure,
        Some(Failure::Tls {
            detail: TlsErrorDetail::AlertReceived { description: d, .. },
            ..
        }) if d == description
    )
}
