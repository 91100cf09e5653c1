//! Steps 3–7 of a resumed handshake (rustls said `HandshakeKind::Resumed` once it processed the
//! ServerHello). No certificate crosses either way and none is checked: steps 3–5 are skipped,
//! with the reason, and never waited for.
//!
//! TLS 1.3 (a PSK from a NewSessionTicket, with a fresh key share: psk_dhe_ke): the server's
//! flight is EncryptedExtensions and Finished, then the client's Finished. TLS 1.2 (a session
//! ticket or id): the server speaks first, NewSessionTicket?, ChangeCipherSpec and Finished,
//! then the client's ChangeCipherSpec and Finished.

use super::driver::TlsDriver;
use super::events::{Event, Failure};
use super::gate;
use super::pace::{EventSink, Pace};
use super::step::Step;
use super::wire::ContentType;

/// Why steps 3, 4 and 5 do not happen on a resumed connection.
pub fn skipped(tls13: bool) -> [(Step, String); 3] {
    let secret = if tls13 {
        "the PSK from the first connection (its binder in the ClientHello proves the client holds \
         it too)"
    } else {
        "the master secret of the first connection's session (sealed in the ticket it issued)"
    };
    [
        (
            Step::ServerCertificate,
            format!(
                "resumed: the server proved who it is by knowing {secret}; no certificate was \
                 sent or checked"
            ),
        ),
        (
            Step::Verify,
            "resumed: not re-checked: the chain, its dates and the name were verified in the first \
             connection only; a certificate revoked or expired since would go unnoticed until the \
             next full handshake"
                .into(),
        ),
        (
            Step::ClientCertificate,
            "resumed: the server asked for no certificate; the client's identity proven in the \
             first connection is carried by the session"
                .into(),
        ),
    ]
}

pub async fn flight(
    s: &mut TlsDriver,
    tls13: bool,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    for (step, reason) in skipped(tls13) {
        sink.emit(Event::StepSkipped { step, reason });
    }

    // Step 6: under TLS 1.3 the application keys come from the PSK and the fresh key shares of
    // step 2, once the server's Finished is processed; the client's Finished exists then.
    // Under TLS 1.2 the keys were derived from the session's master secret and the two new
    // randoms when the ServerHello was processed: nothing crosses here.
    s.step = Step::KeyExchange;
    gate(Step::KeyExchange, pace, sink).await?;
    if tls13 {
        while !s
            .held
            .iter()
            .any(|r| ContentType::of(r) == ContentType::ApplicationData)
        {
            s.read_and_process().await?;
        }
    }
    sink.emit(Event::StepCompleted {
        step: Step::KeyExchange,
    });

    // Step 7: Finished both ways.
    s.step = Step::Encrypted;
    gate(Step::Encrypted, pace, sink).await?;
    if tls13 {
        s.send_all_held(Some("client Finished (encrypted)")).await?;
    } else {
        while s.conn()?.is_handshaking() {
            s.read_and_process().await?;
        }
        s.send_all_held(None).await?;
    }
    Ok(())
}
