//! The lesson's texts agree with the wire, against real redis-server and against the built-in
//! server, whose framings differ: Redis sends its Finished in a record of its own (read at
//! step 5), the built-in server sends its whole encrypted flight in one record (read at step 3).
//! The lesson is driven as the TUI drives it (manual pace, one permit per step), and every text
//! that names a step is checked against the step the events put the record in.

mod common;

use std::time::Duration;
use tlsviz::engine::events::{Direction, Event, HandshakeMessage};
use tlsviz::engine::pace::{EventSink, Pace};
use tlsviz::engine::step::Step;
use tlsviz::lab::{LabOptions, ServerChoice};
use tlsviz::model::arrivals::step_at;
use tlsviz::model::tracker::ConnectionState;
use tlsviz::model::{Model, Outcome};
use tlsviz::ui::{checkpoints, lesson, transcript};

/// The servers to check: the built-in one always, real Redis where installed (required in CI).
fn servers() -> Vec<ServerChoice> {
    let mut out = vec![ServerChoice::Builtin];
    if common::server_choice() == ServerChoice::Redis {
        out.push(ServerChoice::Redis);
    }
    out
}

/// What the lesson showed while it waited before each step, and the model at the end.
struct Lesson {
    model: Model,
    /// "press space: step N will …", as shown while waiting for each step.
    hints: Vec<(Step, String)>,
}

/// Drive the real engine with manual pacing, one permit per step, as the TUI does.
async fn lesson_run(server: ServerChoice, client: common::Client) -> Lesson {
    let lab = tlsviz::lab::Lab::start(LabOptions {
        server,
        ..LabOptions::default()
    })
    .expect("lab starts");
    assert_eq!(lab.is_real_redis(), server == ServerChoice::Redis);
    let target = common::target(&lab, &client);
    let (pace, stepper) = Pace::manual();
    let (sink, mut rx) = EventSink::channel();
    let engine = tokio::spawn(async move { tlsviz::engine::run(&target, pace, sink).await });
    let mut model = Model::new();
    let mut hints = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("the engine goes on")
    {
        let waiting = match &event.event {
            Event::Waiting { step } => Some(*step),
            _ => None,
        };
        model.apply(event);
        if let Some(step) = waiting {
            hints.push((step, lesson::will(&model, step)));
            stepper.next();
        }
    }
    let _ = engine.await;
    lab.stop().await;
    Lesson { model, hints }
}

/// The step in which the record carrying `direction`'s Finished crossed, read straight from the
/// named records (the engine opens TLS 1.3 records with the session's keys).
fn finished_step(model: &Model, direction: Direction) -> Step {
    let index = model
        .events
        .iter()
        .position(|e| match &e.event {
            Event::Record(r) => {
                r.direction == direction && r.messages.contains(&HandshakeMessage::Finished)
            }
            _ => false,
        })
        .unwrap_or_else(|| panic!("no {direction:?} record names a Finished"));
    step_at(&model.events, index).expect("inside a step")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_name_the_step_the_servers_finished_really_arrived_at() {
    for server in servers() {
        let run = lesson_run(server, common::Client::default()).await;
        let model = &run.model;
        assert_eq!(
            model.outcome,
            Outcome::Ok,
            "{server:?}: {:?}",
            model.diagnosis
        );
        assert!(model.is_tls13());
        let arrived = finished_step(model, Direction::In);
        let left = finished_step(model, Direction::Out);
        // The two framings this test exists for.
        match server {
            ServerChoice::Builtin => assert_eq!(arrived, Step::ServerCertificate),
            _ => assert_eq!(arrived, Step::ClientCertificate, "{server:?}"),
        }
        assert_eq!(left, Step::ClientCertificate, "a certificate was asked for");

        // Step 7's note, its "About" line and the transcript name those steps.
        let note = model
            .step(Step::Encrypted)
            .and_then(|r| r.note.clone())
            .unwrap_or_default();
        let said = format!("the server's Finished arrived at step {arrived}");
        assert!(note.contains(&said), "{server:?}: {note}");
        assert!(
            note.contains(&format!("the client's Finished left at step {left}")),
            "{server:?}: {note}"
        );
        let about = lesson::this_run(model, Step::Encrypted).unwrap_or_default();
        assert!(about.contains(&said), "{server:?}: {about}");
        let told: String = transcript::paragraphs(model, None)
            .into_iter()
            .map(|p| p.text)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(told.contains(&said), "{server:?}: {told}");
        for step in 1..=9 {
            if step != arrived.number() {
                let wrong = format!("the server's Finished arrived at step {step}");
                assert!(!told.contains(&wrong), "{server:?}: {told}");
            }
        }

        // The hint before step 5 reads the Finished only if it had not arrived yet.
        let hint = run
            .hints
            .iter()
            .find(|(s, _)| *s == Step::ClientCertificate)
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        let still_to_come = arrived >= Step::ClientCertificate;
        assert_eq!(
            hint.contains("read the server's Finished"),
            still_to_come,
            "{server:?}: {hint}"
        );

        // The CertificateRequest's CA names, as the key moment says them.
        let request = model.certificate_request.as_ref().expect("mutual TLS");
        let fact = lesson::moment_fact(model, Step::ClientCertificate).unwrap_or_default();
        if request.ca_names.is_empty() {
            assert!(fact.contains("without naming"), "{server:?}: {fact}");
        } else {
            for name in &request.ca_names {
                assert!(fact.contains(name.as_str()), "{server:?}: {fact}");
            }
        }

        // After step 1 the TCP connection is up, and the tracker says so.
        let after1 = checkpoints::after(model, Step::Connect).expect("step 1 ended");
        assert_eq!(after1.connection_state, ConnectionState::TcpConnected);

        // The closing sentence is the lesson's own exchange.
        assert!(
            told.contains("PING got the answer PONG"),
            "{server:?}: {told}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_refusal_reads_in_order_on_both_servers() {
    for server in servers() {
        let client = common::Client {
            no_client_cert: true,
            ..common::Client::default()
        };
        let run = lesson_run(server, client).await;
        let model = &run.model;
        assert_eq!(model.outcome, Outcome::Failed, "{server:?}");
        let diagnosis = model.diagnosis.as_ref().expect("diagnosed");
        assert_eq!(diagnosis.step, Step::ClientCertificate, "{server:?}");
        let noticed = model.failure.as_ref().map(|f| f.step());
        // The alert arrives after the client finished its side: the first step the client
        // believed failed is the one where the alert was read.
        let rows = checkpoints::history(model);
        let failed_at = rows
            .iter()
            .position(|r| {
                r.tracker
                    .as_ref()
                    .is_some_and(|t| t.connection_state == ConnectionState::Failed)
            })
            .expect("the run failed somewhere");
        assert_eq!(
            Step::from_number(failed_at as u8 + 1),
            noticed,
            "{server:?}: Failed first appears where the failure was noticed"
        );
        assert!(
            rows[failed_at..]
                .iter()
                .all(|r| r.tracker.as_ref().is_none_or(|t| {
                    !matches!(
                        t.connection_state,
                        ConnectionState::EncryptedAndConnected | ConnectionState::KeysEstablished
                    )
                })),
            "{server:?}: nothing connected after Failed"
        );
        let cause = &rows[Step::ClientCertificate.index()];
        assert_eq!(cause.noticed_later, noticed, "{server:?}");
    }
}
