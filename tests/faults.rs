//! Faults on the wire, from the project's own fault servers: each ends with a diagnosis within
//! the timeout plus one second, never a hang, never a crash.

mod common;

use std::time::{Duration, Instant};
use tlsviz::diagnose::ErrorKind;
use tlsviz::lab::{Fault, Lab, LabOptions};

const TIMEOUT: Duration = Duration::from_secs(1);

async fn against(fault: Fault) -> (tlsviz::diagnose::Diagnosis, Duration) {
    let lab = Lab::start(LabOptions {
        fault: Some(fault),
        ..LabOptions::default()
    })
    .expect("fault server starts");
    let target = common::target(
        &lab,
        &common::Client {
            timeout: Some(TIMEOUT),
            ..common::Client::default()
        },
    );
    let started = Instant::now();
    let model = tokio::time::timeout(Duration::from_secs(10), common::run(&target))
        .await
        .unwrap_or_else(|_| panic!("{fault:?}: the run hung"));
    let elapsed = started.elapsed();
    let diagnosis = model
        .diagnosis
        .clone()
        .unwrap_or_else(|| panic!("{fault:?}: no diagnosis, outcome {:?}", model.outcome));
    assert!(!diagnosis.explanation.is_empty() && !diagnosis.fix.is_empty());
    assert!(
        elapsed <= TIMEOUT + Duration::from_secs(1),
        "{fault:?} took {elapsed:?} (timeout {TIMEOUT:?})"
    );
    (diagnosis, elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_diagnosed_in_time() {
    let cases = [
        (Fault::Silent, ErrorKind::HandshakeTimeout, 2),
        (Fault::SlowDrip, ErrorKind::HandshakeTimeout, 2),
        (Fault::CloseAtOnce, ErrorKind::PeerClosed, 2),
        (Fault::Reset, ErrorKind::PeerClosed, 2),
        (Fault::Http, ErrorKind::NotTls, 2),
        (Fault::RandomBytes, ErrorKind::NotTls, 2),
        (Fault::OversizedRecord, ErrorKind::BadRecord, 2),
        (Fault::TruncatedRecord, ErrorKind::PeerClosed, 2),
        (Fault::StopMidHandshake, ErrorKind::HandshakeTimeout, 3),
        (Fault::NothingListening, ErrorKind::ConnectionRefused, 1),
    ];
    let mut wrong = Vec::new();
    for (fault, kind, step) in cases {
        let (d, elapsed) = against(fault).await;
        // A reset can beat connect() to its return: then it is noticed at step 1.
        let step_ok = d.step.number() == step
            || (fault == Fault::Reset && d.step == tlsviz::engine::step::Step::Connect);
        if d.kind != kind || !step_ok {
            wrong.push(format!(
                "{fault:?}: expected {kind}@{step}, got {}@{} ({}) in {elapsed:?}",
                d.kind, d.step, d.message
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_record_is_called_what_it_is() {
    let (d, _) = against(Fault::TruncatedRecord).await;
    assert!(d.message.contains("middle of a record"), "{}", d.message);
}
