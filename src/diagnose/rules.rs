//! The diagnosis rules: one `match` over the failure, evidence from the model. Certificate,
//! client-certificate and alert rules are in `tls.rs`.

use super::builder::{target, Builder};
use super::tls::{client_certificate_verdict, tls_failure};
use super::{Diagnosis, ErrorKind};
use crate::engine::events::Failure;
use crate::engine::resp::Lookalike;
use crate::engine::step::Step;
use crate::model::Model;

/// The kind, step, explanation and fix of `failure`, from the evidence in `model`.
pub fn diagnose(failure: &Failure, model: &Model) -> Diagnosis {
    let secs = model.run.timeout_ms as f64 / 1000.0;
    match failure {
        Failure::HostNotFound { host, message } => {
            Builder::new(ErrorKind::HostNotFound, Step::Connect, format!("cannot resolve {host:?}: {message}"))
                .explain(format!(
                    "Step 1 never started: the name {host:?} has no address this machine can find."
                ))
                .fix("Check the spelling of -h (or the host in -u), and that DNS works from this machine.")
                .evidence("host", host.clone())
                .done()
        }
        Failure::ConnectRefused { address } => Builder::new(
            ErrorKind::ConnectionRefused,
            Step::Connect,
            format!("connection refused by {address}"),
        )
        .explain(format!(
            "At step 1 the machine at {address} answered that nothing listens on that port."
        ))
        .fix("Check -h and -p (Redis serves TLS on its tls-port, often 6380 beside 6379) and that redis-server is running.")
        .evidence("address", address.clone())
        .done(),
        Failure::ConnectTimeout { address } => Builder::new(
            ErrorKind::ConnectTimeout,
            Step::Connect,
            format!("no answer from {address} within {secs} s"),
        )
        .explain("At step 1 the TCP connection got no answer at all: packets are dropped on the way.")
        .fix("Check firewalls and security groups between here and the server, and the host and port.")
        .evidence("address", address.clone())
        .done(),
        Failure::ConnectIo { address, message } => Builder::new(
            ErrorKind::NetworkError,
            Step::Connect,
            format!("cannot connect to {address}: {message}"),
        )
        .explain("At step 1 the operating system could not open a TCP connection.")
        .fix("Check that this machine has a route to the server (VPN, network, address family).")
        .evidence("address", address.clone())
        .done(),
        Failure::Timeout { step, partial } if *step == Step::Handshake => silent_hello(model, secs, *partial),
        Failure::Timeout { step, .. } if *step >= Step::Data => Builder::new(
            ErrorKind::ReplyTimeout,
            Step::Data,
            format!("no reply to the command within {secs} s"),
        )
        .explain("The channel was up and at step 8 the command went out encrypted, but Redis did not answer in time.")
        .fix("Check that the server is not blocked (a long command, a busy server) or raise --timeout.")
        .done(),
        Failure::Timeout { step, .. } => Builder::new(
            ErrorKind::HandshakeTimeout,
            *step,
            format!("the server went silent during the handshake ({secs} s)"),
        )
        .explain(format!(
            "At step {step} tlsviz waited for the server's next handshake message and none came."
        ))
        .fix("Check the server's logs; a proxy in the path may be holding the connection. Raise --timeout for slow links.")
        .done(),
        Failure::NotTls {
            step,
            first_bytes_hex,
            first_bytes_text,
        } => not_tls(model, *step, first_bytes_hex, first_bytes_text),
        Failure::RecordOverflow { step, length } => Builder::new(
            ErrorKind::BadRecord,
            *step,
            format!("a record announced {length} bytes, more than TLS allows (18432)"),
        )
        .explain(format!("At step {step} the peer sent a record header no TLS implementation may send: it does not speak TLS correctly."))
        .fix("Make sure -p points at the TLS port of a real Redis server and nothing rewrites the traffic.")
        .evidence("declared length", length.to_string())
        .done(),
        Failure::PeerClosed {
            step,
            reset,
            bytes_received,
            partial_record,
        } => peer_closed(model, *step, *reset, *bytes_received, *partial_record),
        Failure::Tls { step, error, detail } => tls_failure(model, *step, error, detail),
        Failure::RedisError {
            reply, during_auth, ..
        } => redis_error(model, reply, *during_auth),
        Failure::NotRedis {
            step,
            first_bytes_hex,
            first_bytes_text,
            lookalike,
        } => not_redis(model, *step, first_bytes_hex, first_bytes_text, *lookalike),
        Failure::Io { step, message } => Builder::new(ErrorKind::IoError, *step, message.clone())
            .explain(format!("An input/output error stopped the run at step {step}."))
            .fix("Try again; if it persists, check the network path to the server.")
            .done(),
        Failure::Cancelled { step } => Builder::new(ErrorKind::Cancelled, *step, "stopped by the user")
            .explain(format!("The run was stopped by the user (Ctrl-C, SIGTERM or quit) during step {step}."))
            .fix("Run it again and let it finish (in the TUI, Space lets each step happen).")
            .done(),
    }
}

fn silent_hello(model: &Model, secs: f64, partial: usize) -> Diagnosis {
    if let Some(probe) = model.probe.as_ref().filter(|p| p.redis_reply) {
        return plaintext_port(model, &probe.reply_text);
    }
    if partial > 0 {
        return Builder::new(
            ErrorKind::HandshakeTimeout,
            Step::Handshake,
            format!("only {partial} bytes of the server's answer arrived within {secs} s"),
        )
        .explain(format!(
            "At step 2 the server started to answer the ClientHello but its bytes trickled in too \
             slowly: after {secs} s the first record was still incomplete ({partial} bytes)."
        ))
        .fix("Check the network path and the server's load (a saturated link or a proxy that throttles); raise --timeout for very slow links.")
        .evidence("bytes of the unfinished record", partial.to_string())
        .done();
    }
    Builder::new(
        ErrorKind::HandshakeTimeout,
        Step::Handshake,
        format!("no answer to the ClientHello within {secs} s"),
    )
    .explain(format!(
        "At step 2 the ClientHello reached {} but nothing came back: the server accepts connections \
         and never answers them.",
        target(model)
    ))
    .fix(match model.probe.as_ref() {
        Some(p) if !p.timed_out && p.error.is_none() => format!(
            "Check that the port is a TLS port and that the server is healthy; a plain PING on a second connection got {:?}, not a Redis reply.",
            p.reply_text
        ),
        _ => "Check that the port is a TLS port and that the server is healthy; a plain PING on a second connection got no answer either.".to_string(),
    })
    .redis_cli("redis-cli --tls would hang here with no message at all.")
    .done()
}

fn plaintext_port(model: &Model, reply: &str) -> Diagnosis {
    Builder::new(
        ErrorKind::PlaintextPort,
        Step::Handshake,
        format!("{} speaks plaintext Redis, not TLS", target(model)),
    )
    .explain(
        "At step 2 the ClientHello went unanswered: Redis on a plain port reads it as the start of \
         a command and waits for the end of the line. A second, plain connection sent PING and got \
         a Redis reply, so this port has no TLS.",
    )
    .fix(
        "Use the server's TLS port (its tls-port directive), or enable TLS: in redis.conf set \
         tls-port, tls-cert-file, tls-key-file and tls-ca-cert-file. Without TLS, drop --tls \
         (and know that everything travels in clear).",
    )
    .evidence("plain PING answered", reply.to_string())
    .redis_cli("redis-cli --tls hangs forever on a plaintext port; tlsviz stops at --timeout.")
    .done()
}

fn not_tls(model: &Model, step: Step, hex: &str, text: &str) -> Diagnosis {
    // A TLS record (alert 0x15 or handshake 0x16, version 3.x) in answer to a plain command.
    if step == Step::Data && !model.run.tls && (hex.starts_with("1503") || hex.starts_with("1603"))
    {
        return tls_required(
            "the server answered the plaintext command with a TLS record".to_string(),
            "the server answered in TLS",
        );
    }
    let redis_like = text.starts_with('+') || text.starts_with('-');
    if step == Step::Handshake
        && (redis_like || model.probe.as_ref().is_some_and(|p| p.redis_reply))
    {
        return plaintext_port(model, text);
    }
    let looks = if text.starts_with("HTTP/") {
        "an HTTP response: a web server or proxy listens on this port"
    } else if text.starts_with("SSH-") {
        "an SSH banner"
    } else {
        "bytes that are not a TLS record"
    };
    Builder::new(
        ErrorKind::NotTls,
        step,
        format!("the server answered with {looks}"),
    )
    .explain(format!(
        "At step {step} a TLS record was expected, and the first bytes received were {looks}."
    ))
    .fix("Check -h and -p: this port is not a Redis TLS port.")
    .evidence("first bytes (text)", text.to_string())
    .evidence("first bytes (hex)", hex.to_string())
    .done()
}

/// A plaintext client on a port that speaks TLS.
fn tls_required(message: String, what_happened: &str) -> Diagnosis {
    Builder::new(ErrorKind::TlsRequired, Step::Data, message)
        .explain(format!(
            "The command went out in clear at step 8 and {what_happened}: a TLS port expects a TLS \
             handshake first, and nothing on this connection was encrypted."
        ))
        .fix("Add --tls (with --cacert, and --cert/--key if the server wants client certificates).")
        .redis_cli("redis-cli without --tls shows 'Error: Connection reset by peer' or an empty reply here.")
        .done()
}

fn peer_closed(model: &Model, step: Step, reset: bool, bytes: usize, partial: usize) -> Diagnosis {
    let how = if reset { "reset" } else { "closed" };
    if partial > 0 && model.run.tls {
        return Builder::new(
            ErrorKind::PeerClosed,
            step,
            format!(
                "the server {how} the connection in the middle of a record ({partial} bytes of it)"
            ),
        )
        .explain(format!(
            "At step {step} a TLS record started to arrive and the connection ended before it was \
             whole: the peer crashed, or something in the path cut the stream."
        ))
        .fix("Check the server's log and any proxy or load balancer between here and the server.")
        .evidence("bytes of the unfinished record", partial.to_string())
        .done();
    }
    if step >= Step::ClientCertificate && model.run.tls {
        if let Some(d) = client_certificate_verdict(
            model,
            step,
            &format!("the server {how} the connection"),
            None,
        ) {
            return d;
        }
    }
    if step == Step::Data && !model.run.tls && bytes == 0 {
        return tls_required(
            format!("the server {how} the connection without answering the plaintext command"),
            "the server hung up without a reply",
        );
    }
    if step == Step::Connect {
        return Builder::new(ErrorKind::PeerClosed, Step::Connect, format!("the server {how} the connection as soon as it was open"))
            .explain("At step 1 the server accepted the TCP connection and reset it at once, before any TLS: it refuses this client (an allow-list, a connection limit) or is not a Redis server.")
            .fix("Check the server's log and limits (maxclients, firewall rules that reset, a proxy in front).")
            .done();
    }
    let mut b = Builder::new(
        ErrorKind::PeerClosed,
        step,
        format!("the server {how} the connection at step {step} after {bytes} bytes"),
    )
    .explain(format!(
        "At step {step} the server hung up instead of continuing the handshake. A server that \
         closes right after the ClientHello usually refuses something in it, or is not Redis."
    ))
    .fix("Check the server's log for the reason (tls-protocols, tls-ciphers), and that -p is its TLS port.")
    .evidence("bytes received before the close", bytes.to_string());
    if step == Step::Handshake {
        b = b.redis_cli(if model.run.sni_sent {
            "redis-cli sends SNI only with --sni; tlsviz sent it, so a server that routes by SNI got it here"
        } else {
            "No SNI was sent (the host is an IP address). Proxies and managed services that route by SNI drop such hellos: connect by name or pass --sni."
        });
    }
    if let Some(probe) = &model.probe {
        b = b.evidence(
            "plain PING on a second connection",
            match (probe.timed_out, &probe.error) {
                (true, _) => "no answer".to_string(),
                (_, Some(e)) => format!("failed: {e}"),
                _ if probe.reply_text.is_empty() => "closed without a reply".to_string(),
                _ => probe.reply_text.clone(),
            },
        );
    }
    b.done()
}

fn redis_error(model: &Model, reply: &str, during_auth: bool) -> Diagnosis {
    let upper = reply.to_ascii_uppercase();
    if upper.contains("NOAUTH") {
        return Builder::new(ErrorKind::AuthRequired, Step::Data, reply.to_string())
            .explain("The encrypted channel works; at step 8 Redis refused the command because this connection has not authenticated.")
            .fix("Pass the password with -a PASSWORD (and --user NAME for an ACL user), or put it in the rediss:// URL.")
            .done();
    }
    if during_auth {
        let no_password = upper.contains("WITHOUT ANY PASSWORD");
        return Builder::new(ErrorKind::AuthFailed, Step::Data, reply.to_string())
            .explain(if no_password {
                "At step 8 AUTH was sent, but this server has no password configured."
            } else {
                "At step 8 Redis rejected the user name or password sent with AUTH."
            })
            .fix(if no_password {
                "Drop -a/--pass, or set requirepass (or an ACL user) on the server."
            } else {
                "Check the password (-a) and user (--user); with ACLs the user must exist and be on."
            })
            .evidence("user", model.run.user.clone().unwrap_or_else(|| "default".into()))
            .done();
    }
    if upper.contains("NOPERM") {
        return Builder::new(ErrorKind::RedisError, Step::Data, reply.to_string())
            .explain(format!(
                "The connection and the login worked; at step 8 Redis refused the command because \
                 the ACL user {:?} may not run it (or touch that key).",
                model.run.user.clone().unwrap_or_else(|| "default".into())
            ))
            .fix("Grant it on the server (ACL SETUSER NAME +COMMAND ~KEYPATTERN), or connect as a user who may (--user, -a).")
            .done();
    }
    if upper.contains("DENIED") && upper.contains("PROTECTED MODE") {
        return Builder::new(ErrorKind::RedisError, Step::Data, reply.to_string())
            .explain("The connection worked end to end; at step 8 Redis refused to serve a client from another machine because it has no password (protected mode).")
            .fix("On the server: set requirepass (or ACL users) and connect with -a, or keep tls-auth-clients yes and set protected-mode no.")
            .done();
    }
    if let Some(d) = select_from_n(model, reply) {
        return d;
    }
    Builder::new(ErrorKind::RedisError, Step::Data, reply.to_string())
        .explain(
            "The connection worked end to end; at step 8 Redis answered the command with an error.",
        )
        .fix("Check the command and its arguments.")
        .done()
}

/// The SELECT tlsviz sent for `-n N` (or `/N` in the URL), refused: blame the number, not "the
/// command" the user typed.
fn select_from_n(model: &Model, reply: &str) -> Option<Diagnosis> {
    let sent = model.redis.command.as_deref()?;
    let db = sent.strip_prefix("SELECT ")?;
    if sent == model.run.command {
        return None; // the user's own SELECT
    }
    let upper = reply.to_ascii_uppercase();
    let (message, explanation, fix) = match () {
        _ if upper.contains("DB INDEX") => (
            format!("database {db} does not exist on this server (-n {db} sent SELECT {db})"),
            format!(
                "The connection worked end to end; at step 8 tlsviz sent SELECT {db} because of \
                 -n {db} (or /{db} at the end of the URL), and Redis answered that it has no \
                 database {db}: it has fewer databases (the databases setting in redis.conf)."
            ),
            "Use a database number below the server's databases setting (0 to 15 with the \
             default of 16; -n 0 is the default database), or raise databases in redis.conf \
             (takes a restart)."
                .to_string(),
        ),
        _ if upper.contains("CLUSTER") => (
            format!("SELECT {db} (from -n {db}) is refused: this server runs in cluster mode"),
            format!(
                "The connection worked end to end; at step 8 tlsviz sent SELECT {db} because of \
                 -n {db} (or /{db} in the URL), and a Redis Cluster node has only database 0."
            ),
            "Drop -n (and any /N at the end of the URL): a cluster serves database 0 only."
                .to_string(),
        ),
        _ => (
            format!("SELECT {db} (from -n {db}) failed: {reply}"),
            format!(
                "The connection worked end to end; at step 8 tlsviz sent SELECT {db} because of \
                 -n {db} (or /{db} in the URL), and Redis refused it."
            ),
            "Check the database number given with -n (or /N in the URL); -n 0 is the default."
                .to_string(),
        ),
    };
    Some(
        Builder::new(ErrorKind::RedisError, Step::Data, message)
            .explain(explanation)
            .fix(fix)
            .evidence("command", format!("SELECT {db}"))
            .evidence("reply", reply.to_string())
            .redis_cli(format!(
                "redis-cli prints \"SELECT {db} failed: …\" and goes on in database 0; tlsviz \
                 stops, since the command would not reach the database you asked for."
            ))
            .done(),
    )
}

/// A peer that answered the command with something other than RESP, or with the command itself.
fn not_redis(model: &Model, step: Step, hex: &str, text: &str, lookalike: Lookalike) -> Diagnosis {
    let command = model
        .redis
        .command
        .clone()
        .unwrap_or_else(|| "the command".into());
    let over = if model.run.tls {
        "The TLS connection worked"
    } else {
        "The connection worked"
    };
    let (message, explanation, redis_cli) = if lookalike == Lookalike::Echo {
        (
            "the server sent the command back byte for byte: an echo, not Redis".to_string(),
            format!(
                "{over}, and at step 8 the reply to {command} was the command itself, the exact \
                 bytes tlsviz sent. Redis never answers like that: an echo server (or a test \
                 service) listens on this port, not Redis."
            ),
            "redis-cli would likely print the echoed command as if it were Redis's reply (PING \
             shows as \"PING\")."
                .to_string(),
        )
    } else {
        let shown = text
            .chars()
            .next()
            .map(|c| c.to_string())
            .unwrap_or_default();
        (
            format!("the reply is not Redis: it looks like {}", lookalike.describe()),
            format!(
                "{over}, and at step 8 the reply to {command} was not RESP, the Redis protocol \
                 (a Redis reply starts with + - : $ * or another type byte). The first bytes look \
                 like {}: another service likely listens on this port.",
                lookalike.describe()
            ),
            format!("redis-cli likely stops here with: Protocol error, got \"{shown}\" as reply type byte"),
        )
    };
    Builder::new(ErrorKind::NotRedis, step, message)
        .explain(explanation)
        .fix(format!(
            "Check -h and -p: {} is not a Redis server. Redis listens where redis.conf says \
             (port, tls-port); a proxy or load balancer may send this port to another service.",
            target(model)
        ))
        .evidence("looks like", lookalike.describe())
        .evidence("first bytes (text)", text.to_string())
        .evidence("first bytes (hex)", hex.to_string())
        .redis_cli(redis_cli)
        .done()
}
