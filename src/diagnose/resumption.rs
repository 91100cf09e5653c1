//! A server that refuses a handshake offering to resume: the ClientHello offered a session (a
//! TLS 1.3 PSK, a TLS 1.2 ticket or id) and the server answered it with an alert, before any
//! ServerHello. The alert alone does not prove the offer is the cause, so the diagnosis says
//! what is known and how: the offer, the alert, and that the offered session comes from an
//! earlier connection whose handshake completed (rustls keeps a session only then, and tlsviz
//! shares sessions only between connections made with the same flags).

use super::builder::Builder;
use super::{Diagnosis, ErrorKind};
use crate::engine::step::Step;
use crate::model::{resumption, Model};

/// `resumption_refused`, when the run's events show the pattern; `None` otherwise (the
/// ordinary alert diagnosis stands).
pub(super) fn refused(model: &Model, step: Step, description: &str, code: u8) -> Option<Diagnosis> {
    if step != Step::Handshake || model.server_hello.is_some() {
        return None;
    }
    let offer = resumption::offer(model)?;
    let offered = resumption::describe_offer(offer);
    let alert = format!("alert {description} ({code})");
    Some(
        Builder::new(
            ErrorKind::ResumptionRefused,
            Step::Handshake,
            format!("the server refused the resumed handshake ({alert})"),
        )
        .explain(format!(
            "At step 2 the ClientHello offered to resume an earlier session ({offered}) and the \
             server answered with {alert} instead of a ServerHello. The session came from an \
             earlier connection to this server, made with the same flags, whose handshake \
             completed; the difference is the offer. The alert alone does not name the cause: \
             the server's log does."
        ))
        .fix(
            "On the server, let it resume: with Redis and client certificates (tls-auth-clients \
             yes or optional), set tls-session-caching yes (with caching off, Redis 7.0 still \
             hands out tickets but fails every handshake that offers one; its log says \
             \"session id context uninitialized\"). On the client, stop offering resumption \
             (drop --resume; a client library's session reuse off).",
        )
        .evidence(
            "alert",
            format!("{description} ({code}) from the server, in answer to the ClientHello"),
        )
        .evidence("offered", offered)
        .evidence(
            "the offered session",
            "from an earlier connection with the same flags whose handshake completed",
        )
        .evidence("ServerHello", "none: the alert came instead")
        .redis_cli(
            "redis-cli never offers to resume a session: it makes a full handshake each time \
             and connects, so it does not see this failure.",
        )
        .done(),
    )
}
