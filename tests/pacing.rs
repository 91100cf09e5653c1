//! Manual pacing really holds the protocol: nothing reaches the socket before "next".

mod common;

use std::time::Duration;
use tlsviz::engine::events::{Event, Step};
use tlsviz::engine::pace::{EventSink, Pace};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<tlsviz::engine::events::Stamped>,
    want: impl Fn(&Event) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("event in time")
            .expect("engine still running");
        if want(&event.event) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_client_hello_before_step_2_is_allowed() {
    // A plain listener stands in for the server so we can watch every byte that arrives.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let lab = common::lab(Default::default()); // only for its client material
    let mut target = common::target(&lab, &common::Client::default());
    target.port = port;

    let (pace, stepper) = Pace::manual();
    let (sink, mut rx) = EventSink::channel();
    let engine = tokio::spawn(async move { tlsviz::engine::run(&target, pace, sink).await });

    // Before any permit: the engine waits for step 1 and has not even connected.
    wait_for(&mut rx, |e| {
        matches!(
            e,
            Event::Waiting {
                step: Step::Connect
            }
        )
    })
    .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), listener.accept())
            .await
            .is_err()
    );

    stepper.next();
    let (mut server_side, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("connect after step 1's permit")
        .unwrap();
    wait_for(&mut rx, |e| {
        matches!(
            e,
            Event::Waiting {
                step: Step::Handshake
            }
        )
    })
    .await;

    // Connected, holding before step 2: not one byte of ClientHello on the wire.
    let mut buf = [0u8; 512];
    let early = tokio::time::timeout(Duration::from_millis(300), server_side.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "bytes arrived before step 2 was allowed: {early:?}"
    );

    stepper.next();
    let n = tokio::time::timeout(Duration::from_secs(5), server_side.read(&mut buf))
        .await
        .expect("ClientHello after step 2's permit")
        .unwrap();
    assert!(n > 5);
    assert_eq!(buf[0], 22, "a handshake record");
    assert_eq!(buf[5], 1, "a ClientHello");

    drop(stepper); // cancels the run at its next wait
    drop(server_side);
    let ok = tokio::time::timeout(Duration::from_secs(10), engine)
        .await
        .expect("engine ends")
        .unwrap();
    assert!(!ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_run_against_redis_completes_step_by_step() {
    let lab = common::lab(Default::default());
    let target = common::target(&lab, &common::Client::default());
    let (pace, stepper) = Pace::manual();
    let (sink, mut rx) = EventSink::channel();
    let engine = tokio::spawn(async move { tlsviz::engine::run(&target, pace, sink).await });
    let mut model = tlsviz::model::Model::new();
    let mut permits = 0;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
    {
        if let Event::Waiting { step } = &event.event {
            // Each step is allowed only once the previous one is done.
            assert_eq!(model.steps_done(), step.index());
            permits += 1;
            stepper.next();
        }
        model.apply(event);
    }
    assert!(engine.await.unwrap());
    assert_eq!(permits, 9);
    assert_eq!(model.outcome, tlsviz::model::Outcome::Ok);
}
