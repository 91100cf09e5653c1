//! The question before a step and its choices: what this kind of step can do in this run.

use super::{shuffled, Choice, Happening, Prediction};
use crate::engine::step::Step;
use crate::model::Model;

/// The question before `step`, its choices in an order that differs per step and per run.
pub fn ask(model: &Model, step: Step) -> Prediction {
    use Happening as H;
    let c = |text: &str, happening| Choice {
        text: text.into(),
        happening,
    };
    let (question, choices) = match step {
        Step::Connect => (
            "Step 1 · what crosses the network?".to_string(),
            vec![
                c(
                    "TCP packets only: the connection opens, no TLS yet",
                    H::TcpOpened,
                ),
                c(
                    "The ClientHello, in clear, in the first TCP packet",
                    H::Never(1),
                ),
                c(
                    "The server's certificate, as soon as TCP connects",
                    H::Never(2),
                ),
                c(
                    "Nothing gets through: refused, no such host, silence",
                    H::NoConnection,
                ),
            ],
        ),
        Step::Handshake => (
            format!(
                "Step 2 · the client offers {}. What comes back?",
                offered(model)
            ),
            vec![
                c(
                    "A ServerHello choosing TLS 1.3; the handshake goes on encrypted",
                    H::ServerHello13,
                ),
                c(
                    "A ServerHello choosing TLS 1.2: clear until step 7",
                    H::ServerHello12,
                ),
                c(
                    "The server's certificate, before any ServerHello",
                    H::Never(3),
                ),
                c(
                    "No ServerHello comes back: the handshake fails here",
                    H::NoServerHello,
                ),
            ],
        ),
        Step::ServerCertificate => (
            "Step 3 · the server sends its certificate. How does it cross?".to_string(),
            vec![
                c(
                    "In clear: anyone on the path can read it",
                    H::CertificateClear,
                ),
                c(
                    "Encrypted, under keys from the hellos' key shares",
                    H::CertificateEncrypted,
                ),
                c(
                    "It does not: the client must send its own first",
                    H::Never(4),
                ),
                c(
                    "It never comes: the handshake fails before it",
                    H::NoCertificate,
                ),
            ],
        ),
        Step::Verify => (
            format!(
                "Step 4 · the client checks the certificate for {}. The verdict?",
                if model.run.server_name.is_empty() {
                    "the server"
                } else {
                    &model.run.server_name
                }
            ),
            vec![
                c(
                    "Accepted: a trusted CA, in date, the right name",
                    H::Accepted,
                ),
                c("Refused: the handshake stops before any data", H::Refused),
                c(
                    "Not checked at all: any certificate is taken",
                    H::NotChecked,
                ),
                c(
                    "The server checks it and sends back its verdict",
                    H::Never(5),
                ),
            ],
        ),
        Step::ClientCertificate => (
            "Step 5 · what does the client send about its own certificate?".to_string(),
            vec![
                c(
                    "Its certificate, in clear: anyone can read it",
                    H::ClientCertificateClear,
                ),
                c(
                    "Its certificate, encrypted, with its Finished",
                    H::ClientCertificateEncrypted,
                ),
                c(
                    "An empty certificate message, with no certificate",
                    H::EmptyCertificate,
                ),
                c("Nothing: the server never asked for one", H::NotAsked),
            ],
        ),
        Step::KeyExchange => (
            "Step 6 · the keys are made. What crosses the network now?".to_string(),
            vec![
                c(
                    "The client's key share (ClientKeyExchange), in clear",
                    H::KeyShareClear,
                ),
                c(
                    "Nothing: the key shares crossed in the hellos",
                    H::NothingCrosses,
                ),
                c(
                    "The shared secret itself, encrypted for the server",
                    H::Never(6),
                ),
                c(
                    "The server's key share, sent once more to confirm",
                    H::Never(7),
                ),
            ],
        ),
        Step::Encrypted => {
            let mut choices = vec![
                c(
                    "Both sides' Finished, each one encrypted",
                    H::FinishedBothWays,
                ),
                c(
                    "Only the client's Finished, encrypted",
                    H::ClientFinishedOnly,
                ),
                c(
                    "None: both crossed earlier in the handshake",
                    H::FinishedEarlier,
                ),
            ];
            choices.push(if model.is_tls13() {
                c(
                    "Both sides' Finished, in clear for all to check",
                    H::Never(8),
                )
            } else {
                c(
                    "No Finished comes back: the handshake fails here",
                    H::Failed,
                )
            });
            (
                "Step 7 · the Finished messages: which cross the network now?".to_string(),
                choices,
            )
        }
        Step::Data => (
            format!(
                "Step 8 · the client sends {}. What happens?",
                commands(model)
            ),
            vec![
                c(
                    "It leaves encrypted, and Redis answers it",
                    H::ReplyEncrypted,
                ),
                c("It leaves in clear, and Redis answers it", H::ReplyClear),
                c(
                    if model.run.tls {
                        "Redis answers with an error: TLS itself worked"
                    } else {
                        "Redis answers with an error, in clear"
                    },
                    H::RedisError,
                ),
                c("No Redis reply comes back: the step fails", H::Failed),
            ],
        ),
        Step::Close => (
            "Step 9 · how does the connection end?".to_string(),
            vec![
                c(
                    "An encrypted close_notify alert, then TCP closes",
                    H::CloseNotify,
                ),
                c("TCP just closes: no TLS message is sent", H::TcpCloseOnly),
                c(
                    "A close_notify in clear, so the path sees the end",
                    H::Never(9),
                ),
                c("Closing fails: an error on the connection", H::Failed),
            ],
        ),
    };
    let seed =
        u64::from(model.run.port) ^ u64::from(step.number()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Prediction {
        step,
        question,
        choices: shuffled(choices, seed),
        given: None,
    }
}

fn offered(model: &Model) -> String {
    match model.run.tls_versions.as_slice() {
        [] => "TLS".into(),
        many => crate::engine::wire::join(many, " and "),
    }
}

fn commands(model: &Model) -> String {
    let command = if model.run.command.is_empty() {
        "its command"
    } else {
        &model.run.command
    };
    if model.run.password_given {
        format!("AUTH, then {command}")
    } else {
        command.to_string()
    }
}
