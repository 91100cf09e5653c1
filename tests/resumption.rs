//! `connect --resume` against a real redis-server: the second connection resumes the first one's
//! session (TLS 1.3 PSK, TLS 1.2 ticket), skips steps 3–5 and says why; and what happens when
//! the server does not resume.

mod common;

use common::*;
use tlsviz::diagnose::ErrorKind;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::events::{Event, HandshakeMessage, Step};
use tlsviz::lab::{AuthClients, LabOptions};
use tlsviz::model::steps::StepStatus;
use tlsviz::model::{Model, Outcome};
use tlsviz::report::metrics;

fn sharing(target: tlsviz::engine::Target) -> tlsviz::engine::Target {
    tlsviz::target::sharing_sessions(target).expect("a TLS target")
}

fn client_hello(model: &Model) -> &tlsviz::engine::events::HelloResumption {
    match &model.client_hello {
        Some(HandshakeMessage::ClientHello {
            resumption: Some(r),
            ..
        }) => r,
        other => panic!("no resumption offer in {other:?}"),
    }
}

fn saw_certificates(model: &Model) -> bool {
    model
        .events
        .iter()
        .any(|e| matches!(e.event, Event::ServerCertificates { .. }))
}

fn note(model: &Model, step: Step) -> String {
    model
        .step(step)
        .and_then(|r| r.note.clone())
        .unwrap_or_default()
}

/// The second connection resumed: steps 3–5 skipped with the reason, no certificate, one
/// round trip.
fn assert_resumed(first: &Model, second: &Model) {
    assert_eq!(first.outcome, Outcome::Ok, "{:?}", first.diagnosis);
    assert!(!first.resumed());
    assert_eq!(second.outcome, Outcome::Ok, "{:?}", second.diagnosis);
    assert!(second.resumed(), "{:?}", note(second, Step::Handshake));
    assert!(second.tls.as_ref().is_some_and(|t| t.resumed));
    for step in [
        Step::ServerCertificate,
        Step::Verify,
        Step::ClientCertificate,
    ] {
        let row = second.step(step).expect("row");
        assert_eq!(row.status, StepStatus::Skipped, "step {step}");
        assert!(row.result.starts_with("resumed: "), "{}", row.result);
    }
    assert!(second
        .step(Step::ServerCertificate)
        .unwrap()
        .result
        .contains("no certificate was sent or checked"));
    assert!(second
        .step(Step::Verify)
        .unwrap()
        .result
        .contains("not re-checked"));
    assert!(saw_certificates(first));
    assert!(
        !saw_certificates(second),
        "a resumed run received a certificate"
    );
    assert_eq!(
        metrics::round_trips(first),
        Some(if first.is_tls13() { 1 } else { 2 })
    );
    assert_eq!(metrics::round_trips(second), Some(1));
    // The summary says so; an ordinary run's says false.
    let json = serde_json::to_value(tlsviz::report::to_json::summary(second)).unwrap();
    assert_eq!(json["resumed"], true);
    let json = serde_json::to_value(tlsviz::report::to_json::summary(first)).unwrap();
    assert_eq!(json["resumed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_resumes_with_a_psk_from_a_new_session_ticket() {
    let lab = lab(LabOptions::default());
    let target = sharing(target(&lab, &Client::default()));
    let (first, second) = tlsviz::runner::run_pair_to_models(&target).await;
    let second = second.expect("a second connection");
    assert!(metrics::tickets_received(&first) >= 1);
    assert_resumed(&first, &second);
    // The ClientHello names the PSK and its binder; the ServerHello accepts identity 0.
    let offer = client_hello(&second);
    let psk = offer.pre_shared_key.as_ref().expect("pre_shared_key");
    assert_eq!(psk.identities.len(), 1);
    assert_eq!(
        psk.binders,
        [48],
        "SHA-384 binder of TLS_AES_256_GCM_SHA384"
    );
    assert_eq!(offer.psk_key_exchange_modes, ["psk_dhe_ke"]);
    assert!(!offer.early_data, "tlsviz never sends 0-RTT data");
    let step2 = note(&second, Step::Handshake);
    assert!(step2.contains("pre_shared_key"), "{step2}");
    assert!(step2.contains("accepted identity 0"), "{step2}");
    // The PSK does not replace the key exchange: fresh key shares crossed too.
    assert!(note(&second, Step::KeyExchange).contains("psk_dhe_ke"));
    lab.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_resumes_with_a_session_ticket() {
    let lab = lab(LabOptions::default());
    let client = Client {
        versions: TlsVersions::Only12,
        ..Client::default()
    };
    let target = sharing(target(&lab, &client));
    let (first, second) = tlsviz::runner::run_pair_to_models(&target).await;
    let second = second.expect("a second connection");
    assert_resumed(&first, &second);
    let offer = client_hello(&second);
    assert!(offer.session_ticket.is_some_and(|len| len > 0), "{offer:?}");
    assert!(offer.pre_shared_key.is_none());
    let step2 = note(&second, Step::Handshake);
    assert!(step2.contains("echoed the session id"), "{step2}");
    lab.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_forgot_its_ticket_keys_does_a_full_handshake_and_the_evidence_says_so() {
    let lab = lab(LabOptions::default());
    let shared = sharing(target(&lab, &Client::default()));
    let first = run(&shared).await;
    assert_eq!(first.outcome, Outcome::Ok, "{:?}", first.diagnosis);
    // Any CONFIG SET of a tls-* option makes Redis build a new TLS context, with new ticket keys:
    // the ticket the client holds can no longer be opened (as after a restart).
    let mut reconfigure = target(&lab, &Client::default());
    reconfigure.command = ["CONFIG", "SET", "tls-session-cache-timeout", "301"]
        .map(String::from)
        .to_vec();
    let configured = run(&reconfigure).await;
    assert_eq!(configured.redis.reply.as_deref(), Some("OK"));
    let second = run(&shared).await;
    assert_eq!(second.outcome, Outcome::Ok, "{:?}", second.diagnosis);
    assert!(!second.resumed());
    assert!(client_hello(&second).pre_shared_key.is_some(), "it offered");
    let step2 = note(&second, Step::Handshake);
    assert!(step2.contains("no pre_shared_key extension"), "{step2}");
    assert!(step2.contains("a full handshake follows"), "{step2}");
    assert!(saw_certificates(&second));
    assert_eq!(
        second.step(Step::Verify).map(|r| r.status),
        Some(StepStatus::Done)
    );
    let said = tlsviz::report::resume::verdict(&first, Some(&second)).join(" ");
    assert!(said.starts_with("Not resumed."), "{said}");
    lab.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_caching_off_with_client_certificates_refuses_the_offer() {
    // Redis 7.0 with tls-session-caching no still sends tickets; with client certificates
    // required, OpenSSL then fails any handshake that offers one ("session id context
    // uninitialized" in its log). The second connection fails at step 2 and the verdict says
    // why. (The built-in server, with caching off, sends no tickets: nothing is offered.)
    let lab = lab(LabOptions {
        session_caching: Some(false),
        ..LabOptions::default()
    });
    assert!(lab.conf_lines.iter().any(|l| l == "tls-session-caching no"));
    let target = sharing(target(&lab, &Client::default()));
    let (first, second) = tlsviz::runner::run_pair_to_models(&target).await;
    let second = second.expect("a second connection");
    assert_eq!(first.outcome, Outcome::Ok, "{:?}", first.diagnosis);
    assert!(!second.resumed());
    let said = tlsviz::report::resume::verdict(&first, Some(&second)).join(" ");
    if lab.is_real_redis() {
        assert_eq!(second.outcome, Outcome::Failed);
        let d = second.diagnosis.as_ref().expect("diagnosis");
        // Named for what the events show: an offer to resume, refused with an alert before
        // any ServerHello; the alert alone is not claimed as proof of the cause.
        assert_eq!(
            (d.step, d.kind),
            (Step::Handshake, ErrorKind::ResumptionRefused)
        );
        assert_eq!(
            d.message,
            "the server refused the resumed handshake (alert internal_error (80))"
        );
        assert!(d.explanation.contains("a PSK (pre_shared_key"), "{d:?}");
        assert!(d.explanation.contains("does not name the cause"), "{d:?}");
        assert!(d.fix.contains("tls-session-caching yes"), "{d:?}");
        assert!(d.fix.contains("drop --resume"), "{d:?}");
        assert!(d
            .redis_cli
            .as_deref()
            .is_some_and(|r| r.contains("never offers to resume")));
        let evidence: Vec<&str> = d.evidence.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            evidence,
            ["alert", "offered", "the offered session", "ServerHello"]
        );
        // The first connection, which offered nothing, is no such failure.
        assert!(first.diagnosis.is_none());
        assert!(
            said.contains("refused the connection that offered to resume (alert internal_error (80) before any ServerHello)"),
            "{said}"
        );
        assert!(said.contains("diagnosis (resumption_refused)"), "{said}");
    } else {
        assert_eq!(second.outcome, Outcome::Ok);
        assert!(said.contains("offered nothing to resume"), "{said}");
    }
    let json = serde_json::to_value(tlsviz::report::to_json::summary(&second)).unwrap();
    assert_eq!(json["resumed"], false);
    if lab.is_real_redis() {
        assert_eq!(json["error"]["kind"], "resumption_refused");
        assert_eq!(json["failed_step"], 2);
    }
    lab.stop().await;
}

#[test]
fn connect_resume_json_names_the_refused_resumption() {
    // Through the binary: the second run's JSON summary carries the kind, the plain trace the
    // diagnosis and the verdict.
    let lab = lab(LabOptions {
        session_caching: Some(false),
        ..LabOptions::default()
    });
    if !lab.is_real_redis() {
        // The built-in server sends no tickets with caching off: nothing is offered.
        return;
    }
    let args = lab_connect_args(&lab, &["--resume", "--json", "--no-cross-check"]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let summaries: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|l| l["type"] == "summary")
        .collect();
    assert_eq!(summaries.len(), 2, "{}", ran.stdout);
    assert_eq!(summaries[0]["outcome"], "ok");
    assert_eq!(summaries[0]["error"], serde_json::Value::Null);
    let error = &summaries[1]["error"];
    assert_eq!(error["kind"], "resumption_refused", "{error}");
    assert!(error["fix"]
        .as_str()
        .is_some_and(|f| f.contains("tls-session-caching yes")));

    let args = lab_connect_args(&lab, &["--resume", "--plain", "--no-cross-check"]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("failed at step 2 (TLS handshake begins): resumption_refused"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("cause: the server refused the resumed handshake"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("redis-cli never offers to resume"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_caching_off_without_client_certificates_still_resumes_from_tickets() {
    // What `tls-session-caching no` turns off is Redis's session cache, not its tickets.
    let lab = lab(LabOptions {
        session_caching: Some(false),
        auth_clients: AuthClients::No,
        ..LabOptions::default()
    });
    let client = Client {
        no_client_cert: true,
        ..Client::default()
    };
    let target = sharing(target(&lab, &client));
    let (first, second) = tlsviz::runner::run_pair_to_models(&target).await;
    let second = second.expect("a second connection");
    if lab.is_real_redis() {
        assert_resumed(&first, &second);
    } else {
        assert!(!second.resumed());
    }
    lab.stop().await;
}

#[test]
fn connect_resume_prints_two_runs_each_with_its_summary() {
    let lab = lab(LabOptions::default());
    let args = lab_connect_args(&lab, &["--resume", "--json", "--no-cross-check"]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let summaries: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["type"] == "summary")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(summaries.len(), 2, "{}", ran.stdout);
    assert_eq!(
        summaries[1],
        lines.len() - 1,
        "the stream ends with a summary"
    );
    assert_eq!(lines[summaries[0]]["resumed"], false);
    assert_eq!(lines[summaries[1]]["resumed"], true);
    assert_eq!(lines[summaries[1]]["outcome"], "ok");
    let second = &lines[summaries[0] + 1..];
    assert!(!second.iter().any(|l| l["type"] == "server_certificates"));
    assert!(lines[..summaries[0]]
        .iter()
        .any(|l| l["type"] == "server_certificates"));
    let skipped: Vec<u64> = second
        .iter()
        .filter(|l| l["type"] == "step" && l["status"] == "skipped")
        .filter_map(|l| l["step"].as_u64())
        .collect();
    assert_eq!(skipped, [3, 4, 5]);
    // The ClientHello's decoded messages name the PSK and its binder.
    let hello = second
        .iter()
        .find(|l| l["type"] == "record" && l["messages"][0]["message"] == "client_hello")
        .expect("a ClientHello");
    let psk = &hello["messages"][0]["resumption"]["pre_shared_key"];
    assert_eq!(psk["identities"].as_array().map(Vec::len), Some(1));
    assert_eq!(psk["binders"][0], 48);

    // The plain trace ends with the verdict.
    let args = lab_connect_args(&lab, &["--resume", "--plain", "--no-cross-check"]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("connection 2 of 2"), "{}", ran.stdout);
    assert!(ran
        .stdout
        .contains("[3/9] Server sends certificate — skipped"));
    assert!(ran
        .stdout
        .contains("\nResumed: the second connection offered a PSK"));
    assert!(
        ran.stdout.contains("1 → 1 round trip(s) before data"),
        "{}",
        ran.stdout
    );
}

#[test]
fn resume_needs_tls() {
    let ran = tlsviz_bin(&["connect", "-p", "1", "--resume", "--plain"], &[]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("--resume"), "{}", ran.stderr);
}

/// `connect` arguments reaching `lab` by name with its client certificate, then `extra`.
fn lab_connect_args(lab: &tlsviz::lab::Lab, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["connect".to_string()];
    args.extend(lab.connect_args());
    args.extend(["--sni".to_string(), "localhost".to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}
