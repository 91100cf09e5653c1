//! The one loop that runs the engine and folds its events: used by `connect`, the lesson,
//! `check`, the scenarios and the TUI alike.
//!
//! A [`Run`] owns the engine's task and its event stream. Dropping it stops the engine, so a
//! cancelled `check` or a TUI that quits leaves no connection behind.

use crate::crosscheck::{self, CrossCheckSpec, PeerChainSpec, TlsVersionChoice};
use crate::engine::config::TlsVersions;
use crate::engine::events::{Event, Failure, Stamped, Step, TlsErrorDetail};
use crate::engine::pace::{EventSink, Pace};
use crate::engine::{self, Target};
use crate::model::Model;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

/// One connection in progress.
pub struct Run {
    events: UnboundedReceiver<Stamped>,
    engine: Option<JoinHandle<bool>>,
    /// Our own handle on the run's clock, for the one event the engine cannot tell: a cancel.
    /// Dropped once the engine is done, so the stream ends after its last event.
    own_sink: Option<EventSink>,
    /// The second opinion running beside the engine; its event ends the stream if it is last.
    cross_check: Option<JoinHandle<()>>,
    /// Where `openssl s_client` would find the server tlsviz dialled (TLS runs only).
    peer_chain_spec: Option<PeerChainSpec>,
    /// Armed with the second opinion: the deadline for fetching the server's chain with
    /// openssl after a step-2 handshake_failure (the run's own timeout).
    peer_chain_deadline: Option<tokio::time::Instant>,
    /// That fetch, once started; like the second opinion, its event may end the stream.
    peer_chain: Option<JoinHandle<()>>,
}

impl Run {
    /// Start the engine on `target`, paced by `pace` (auto, or manual with its `Stepper`).
    pub fn start(target: Target, pace: Pace) -> Run {
        Self::start_with(target, pace, None)
    }

    /// As [`Run::start`], and with `cross_check` also ask the machine's OpenSSL-based client
    /// (redis-cli, else openssl) for its verdict with the same flags. Its child process is
    /// started before the engine, so the two run side by side and the slower one (usually the
    /// other process) sets the wall time. It is bounded by the spec's timeout and dies with
    /// this run.
    ///
    /// The second opinion also arms the certificate fetch: should the server answer the
    /// ClientHello with a handshake_failure alert, `openssl s_client -showcerts` asks it for its
    /// chain (rustls never saw it), within the same timeout, and the chain becomes an event.
    pub fn start_with(target: Target, pace: Pace, cross_check: Option<CrossCheckSpec>) -> Run {
        let (sink, events) = EventSink::channel();
        let own_sink = Some(sink.clone());
        let peer_chain_spec = peer_chain_spec(&target);
        let mut peer_chain_deadline = None;
        let cross_check = cross_check.map(|spec| {
            peer_chain_deadline = Some(tokio::time::Instant::now() + spec.timeout);
            let started = crosscheck::start(&spec);
            let sink = sink.clone();
            tokio::spawn(async move {
                let check = started.finish().await;
                sink.emit(Event::CrossCheck(check));
            })
        });
        let engine = tokio::spawn(async move { engine::run(&target, pace, sink).await });
        Run {
            events,
            engine: Some(engine),
            own_sink,
            cross_check,
            peer_chain_spec,
            peer_chain_deadline,
            peer_chain: None,
        }
    }

    /// The next event, in order; `None` once every event was delivered: the engine's own, then
    /// the second opinion's and a certificate fetch's.
    pub async fn next_event(&mut self) -> Option<Stamped> {
        if let Some(event) = self.next_engine_event().await {
            return Some(event);
        }
        // The engine is done: what comes now is the second opinion's and the certificate
        // fetch's, until their tasks end and the channel closes.
        let event = self.events.recv().await;
        if let Some(event) = &event {
            self.observe(event);
        }
        event
    }

    /// The next event of the engine's own story; `None` once the engine is done and its events
    /// were delivered, while the second opinion and a certificate fetch may still be running
    /// (their events come later through [`Run::next_event`] or [`fold_into`]).
    pub async fn next_engine_event(&mut self) -> Option<Stamped> {
        loop {
            let engine = &mut self.engine;
            if engine.is_none() {
                return None;
            }
            tokio::select! {
                // Events first, as in `next_event`: when the engine's end is seen, every event
                // it sent before ending has been delivered.
                biased;
                event = self.events.recv() => {
                    if let Some(event) = &event {
                        self.observe(event);
                    }
                    return event;
                }
                _ = finished(engine) => {
                    self.engine = None;
                    self.own_sink = None;
                }
            }
        }
    }

    /// An event that is already waiting, without waiting for one.
    pub fn try_next(&mut self) -> Option<Stamped> {
        let event = self.events.try_recv().ok()?;
        self.observe(&event);
        Some(event)
    }

    /// Start the certificate fetch when the engine reports a step-2 handshake_failure alert
    /// and the fetch is armed. The engine is still running or its sink is still ours: its
    /// last events are delivered before the stream can end.
    fn observe(&mut self, stamped: &Stamped) {
        let handshake_failure = matches!(
            &stamped.event,
            Event::Failed(Failure::Tls {
                step: Step::Handshake,
                detail: TlsErrorDetail::AlertReceived { code: 40, .. },
                ..
            })
        );
        if !handshake_failure || self.peer_chain.is_some() {
            return;
        }
        let (Some(spec), Some(deadline), Some(sink)) = (
            self.peer_chain_spec.clone(),
            self.peer_chain_deadline,
            self.own_sink.clone(),
        ) else {
            return;
        };
        self.peer_chain = Some(tokio::spawn(async move {
            let openssl = crosscheck::Tools::discover().openssl;
            let seen = crosscheck::fetch_peer_chain(&spec, openssl.as_deref(), deadline).await;
            sink.emit(Event::PeerChainSeenByOpenssl {
                chain: seen.chain,
                error: seen.error,
            });
        }));
    }

    /// Stop the engine now (Ctrl-C, SIGTERM): the events it sent are still delivered, then a
    /// `Cancelled` failure at `step`, then the end of the stream.
    pub fn cancel(&mut self, step: Step) {
        if let Some(engine) = self.engine.take() {
            engine.abort();
        }
        if let Some(check) = self.cross_check.take() {
            check.abort();
        }
        if let Some(fetch) = self.peer_chain.take() {
            fetch.abort();
        }
        if let Some(own) = self.own_sink.take() {
            own.emit(Event::Failed(Failure::Cancelled { step }));
        }
    }

    /// Give a run whose pacing was cancelled (its `Stepper` dropped) `grace` to end by itself,
    /// then cut it off: a waiting engine stops at once, one blocked on the network does not.
    pub async fn stop(mut self, grace: Duration) {
        if let Some(engine) = self.engine.as_mut() {
            if tokio::time::timeout(grace, &mut *engine).await.is_err() {
                engine.abort();
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(engine) = &self.engine {
            engine.abort();
        }
        if let Some(check) = &self.cross_check {
            check.abort();
        }
        if let Some(fetch) = &self.peer_chain {
            fetch.abort();
        }
    }
}

/// The server as tlsviz's hello reached it: SNI only where tlsviz sent one (not for an IP
/// address), the same forced TLS version.
fn peer_chain_spec(target: &Target) -> Option<PeerChainSpec> {
    let tls = target.tls.as_ref()?;
    // As `Target::run_info`'s `sni_sent`: rustls sends no SNI for an IP address.
    let sni_sent = target.server_name.parse::<std::net::IpAddr>().is_err();
    Some(PeerChainSpec {
        host: engine::bare_host(&target.host).to_string(),
        port: target.port,
        sni: sni_sent.then(|| target.server_name.clone()),
        tls_version: match tls.versions {
            TlsVersions::Only12 => Some(TlsVersionChoice::V1_2),
            TlsVersions::Only13 => Some(TlsVersionChoice::V1_3),
            TlsVersions::Both => None,
        },
    })
}

/// Resolves when the engine's task ends; never once it has.
async fn finished(engine: &mut Option<JoinHandle<bool>>) {
    match engine {
        Some(handle) => {
            let _ = handle.await;
        }
        None => std::future::pending().await,
    }
}

/// Run one connection in auto mode, folding every event into a model and showing each to
/// `on_event` as it arrives. When `stop` resolves (Ctrl-C, SIGTERM) the run is cancelled at the
/// step it was in; the events so far and the cancel are still folded and shown.
pub async fn fold<F>(run: Run, stop: F, on_event: impl FnMut(&Model, &Stamped)) -> Model
where
    F: Future<Output = ()>,
{
    fold_into(Model::new(), run, stop, on_event).await
}

/// [`fold`], into a model that already holds the run's first events (see
/// [`Run::next_engine_event`]).
pub async fn fold_into<F>(
    mut model: Model,
    mut run: Run,
    stop: F,
    mut on_event: impl FnMut(&Model, &Stamped),
) -> Model
where
    F: Future<Output = ()>,
{
    let mut cancelled = false;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            event = run.next_event() => {
                let Some(event) = event else { break };
                model.apply(event.clone());
                on_event(&model, &event);
            }
            _ = &mut stop, if !cancelled => {
                cancelled = true;
                let step = model
                    .current_step
                    .or(model.waiting_for)
                    .unwrap_or_else(|| model.focus_step());
                run.cancel(step);
            }
        }
    }
    model
}

/// Run one connection in auto mode with no output. Dropping the future (a cancelled `check`)
/// stops its engine too.
pub async fn run_to_model(target: &Target) -> Model {
    let run = Run::start(target.clone(), Pace::Auto);
    fold(run, std::future::pending(), |_, _| {}).await
}

/// Two connections in auto mode, one after the other, sharing `target`'s session store (see
/// `target::sharing_sessions`): the second resumes the first one's session if the server lets
/// it. There is no second when the first failed.
pub async fn run_pair_to_models(target: &Target) -> (Model, Option<Model>) {
    let first = run_to_model(target).await;
    if first.outcome != crate::model::Outcome::Ok {
        return (first, None);
    }
    let second = run_to_model(target).await;
    (first, Some(second))
}
