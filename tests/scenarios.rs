//! Every shipped scenario against a real redis-server (or the project's fault servers):
//! outcome, step and kind as expected, with an explanation and a fix for every failure.

mod common;

use tlsviz::scenario::{self, ExpectedOutcome};

/// The scenario sweeps start many labs at once; on a 2-core machine two sweeps side by side
/// would make the 1-second timeouts of some scenarios a race. One sweep at a time.
static SWEEP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_scenario_does_what_it_says() {
    let _one_at_a_time = SWEEP.lock().await;
    let server = common::server_choice();
    let scenarios = scenario::all();
    assert_eq!(
        scenarios.len(),
        scenario::SHIPPED.len(),
        "a shipped scenario does not parse"
    );
    assert!(scenarios.len() >= 25);
    let clusters = scenarios.iter().filter(|s| s.lab.cluster).count();
    assert!(clusters >= 2, "the two cluster traps are shipped");
    // Cluster scenarios need redis-server (common::server_choice already failed loudly under
    // TLSVIZ_REQUIRE_REDIS=1 if it is missing).
    let scenarios: Vec<_> = scenarios
        .into_iter()
        .filter(|s| !s.lab.cluster || server == tlsviz::lab::ServerChoice::Redis)
        .collect();
    let mut failures = Vec::new();
    for result in scenario::run_all(scenarios, server).await {
        let checked = result.expect("scenario runs");
        let name = &checked.scenario.name;
        if !checked.matches() {
            failures.push(format!(
                "{name}: expected {}, got {} ({:?})",
                checked.scenario.expect.describe(),
                checked.got(),
                checked.model.diagnosis.as_ref().map(|d| &d.message)
            ));
            continue;
        }
        if let Some(report) = &checked.topology {
            // The expected topology kind (and node kind) were matched above; the summary's
            // diagnosis must also say why and how to fix it, with evidence.
            if checked.scenario.expect.outcome == ExpectedOutcome::Failed {
                let d = report.diagnosis.as_ref().unwrap();
                if d.explanation.trim().is_empty()
                    || d.fix.trim().is_empty()
                    || d.evidence.is_empty()
                {
                    failures.push(format!("{name}: empty explanation, fix or evidence: {d:?}"));
                }
                assert_eq!(report.nodes.len(), 3, "{name}: a 3-node cluster");
            }
            continue;
        }
        if checked.scenario.expect.outcome == ExpectedOutcome::Failed {
            let d = checked.model.diagnosis.as_ref().unwrap();
            if d.explanation.trim().is_empty()
                || d.fix.trim().is_empty()
                || d.message.trim().is_empty()
            {
                failures.push(format!("{name}: empty message, explanation or fix: {d:?}"));
            }
        }
        if checked.scenario.server.fault.is_none() && checked.scenario.server.tls {
            assert!(
                !checked.conf_lines.is_empty(),
                "{name}: no redis.conf lines"
            );
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnoses_carry_their_evidence() {
    let _one_at_a_time = SWEEP.lock().await;
    let server = common::server_choice();
    let run = |name: &str| {
        let s = scenario::load(name).unwrap();
        async move { scenario::run_scenario(&s, server).await.unwrap() }
    };
    let evidence = |c: &scenario::Checked, label: &str| -> String {
        let d = c.model.diagnosis.as_ref().unwrap();
        d.evidence
            .iter()
            .find(|e| e.label == label)
            .map(|e| e.value.clone())
            .unwrap_or_else(|| panic!("no {label:?} in {:?}", d.evidence))
    };
    let expired = run("expired").await;
    assert!(evidence(&expired, "not after").contains("UTC"));
    assert!(expired
        .model
        .diagnosis
        .as_ref()
        .unwrap()
        .explanation
        .contains("3 days ago"));

    let mismatch = run("hostname-mismatch").await;
    assert_eq!(evidence(&mismatch, "name requested"), "localhost");
    assert!(evidence(&mismatch, "names in the certificate").contains("redis.internal.example"));
    assert!(mismatch
        .model
        .diagnosis
        .as_ref()
        .unwrap()
        .redis_cli
        .is_some());

    let by_ip = run("ip-without-ip-san").await;
    assert!(by_ip
        .model
        .diagnosis
        .as_ref()
        .unwrap()
        .explanation
        .contains("IP address"));

    let missing = run("missing-client-cert").await;
    // Redis (OpenSSL) sends no CA names in its CertificateRequest; the evidence says so.
    let accepted = evidence(&missing, "CAs the server accepts");
    assert!(
        accepted.contains("tls-ca-cert-file") || accepted.contains("tlsviz Lab CA"),
        "{accepted}"
    );

    let http = run("http-server").await;
    assert!(evidence(&http, "first bytes (text)").starts_with("HTTP/1.1 400"));

    let intermediate = run("missing-intermediate").await;
    assert!(evidence(&intermediate, "issuer not found").contains("Intermediate"));

    let plaintext = run("tls-to-plaintext-port").await;
    assert!(evidence(&plaintext, "plain PING answered").contains("PONG"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_scenario_does_what_it_says_on_the_built_in_server_too() {
    let _one_at_a_time = SWEEP.lock().await;
    // The fallback for machines without redis-server must teach the same lessons.
    let mut failures = Vec::new();
    // Cluster scenarios have no built-in stand-in (they need redis-server's cluster mode).
    let scenarios = scenario::all()
        .into_iter()
        .filter(|s| !s.lab.cluster)
        .collect();
    for result in scenario::run_all(scenarios, tlsviz::lab::ServerChoice::Builtin).await {
        let checked = result.expect("scenario runs");
        if !checked.matches() {
            failures.push(format!(
                "{}: expected {}, got {}",
                checked.scenario.name,
                checked.scenario.expect.describe(),
                checked.got()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
