//! Running the checks: each one a full run of the engine (the nine steps and a diagnosis),
//! bounded by `--timeout` + 1 s, at most [`PARALLEL`] at a time.

use super::Progress;
use crate::crosscheck::CrossCheckSpec;
use crate::engine::events::Failure;
use crate::engine::pace::Pace;
use crate::engine::resp::Reply;
use crate::engine::Target;
use crate::model::{Model, Outcome};
use crate::runner::{fold, fold_into, Run};
use futures::StreamExt;
use std::time::Duration;

/// How many checks run at once.
pub const PARALLEL: usize = 4;

/// The seed's target, dialled at an announced endpoint. The name checked is the endpoint, as
/// a cluster client checks it, unless `--sni` fixed one name for every node. Each node gets
/// `PING`: the user's command may not belong on every node (MOVED).
pub fn node_target(seed: &Target, host: &str, port: u16, sni_given: bool) -> Target {
    let mut target = seed.clone();
    target.host = host.to_string();
    target.port = port;
    if !sni_given {
        target.server_name = crate::engine::bare_host(host).to_string();
    }
    target.command = vec!["PING".into()];
    target
}

/// The seed's target sending `command` instead of the user's.
pub fn with_command(seed: &Target, command: &[&str]) -> Target {
    let mut target = seed.clone();
    target.command = command.iter().map(|c| c.to_string()).collect();
    target
}

/// One full check with no output, cut off at `--timeout` + 1 s (the engine bounds each wait by
/// `--timeout` already; this is the backstop).
pub async fn check(target: Target) -> Model {
    let limit = target.timeout + Duration::from_secs(1);
    let run = Run::start(target, Pace::Auto);
    let model = fold(run, tokio::time::sleep(limit), |_, _| {}).await;
    cut_off_words(model, limit)
}

/// A check cut off by its backstop says so, with the limit.
fn cut_off_words(mut model: Model, limit: Duration) -> Model {
    if matches!(model.failure, Some(Failure::Cancelled { .. })) {
        if let Some(d) = model.diagnosis.as_mut() {
            d.message = format!(
                "no verdict within --timeout + 1 s ({:.1} s)",
                limit.as_secs_f64()
            );
            d.explanation = "The check was cut off: the node neither answered nor closed.".into();
        }
    }
    model
}

/// The seed's check once its own verdict is in, with its second opinion (and a certificate
/// fetch) possibly still running: the topology goes on from the verdict and collects the rest
/// with [`SeedCheck::finish`], so redis-cli's slower run overlaps the node checks instead of
/// delaying them.
pub struct SeedCheck {
    pub model: Model,
    run: Run,
    deadline: tokio::time::Instant,
    limit: Duration,
}

/// Start the seed's check with its second opinion and return at its verdict (or at
/// `--timeout` + 1 s, cut off as [`check`] does).
pub async fn check_seed(target: Target, cross_check: Option<CrossCheckSpec>) -> SeedCheck {
    let limit = target.timeout + Duration::from_secs(1);
    let deadline = tokio::time::Instant::now() + limit;
    let mut run = Run::start_with(target, Pace::Auto, cross_check);
    let mut model = Model::new();
    loop {
        tokio::select! {
            event = run.next_engine_event() => match event {
                Some(event) => model.apply(event),
                None => break,
            },
            _ = tokio::time::sleep_until(deadline) => {
                let step = model
                    .current_step
                    .or(model.waiting_for)
                    .unwrap_or_else(|| model.focus_step());
                run.cancel(step);
                while let Some(event) = run.try_next() {
                    model.apply(event);
                }
                break;
            }
        }
    }
    SeedCheck {
        model,
        run,
        deadline,
        limit,
    }
}

impl SeedCheck {
    /// The whole check: the verdict and whatever came after it (the second opinion), still
    /// bounded by the same deadline.
    pub async fn finish(self) -> Model {
        let stop = tokio::time::sleep_until(self.deadline);
        let model = fold_into(self.model, self.run, stop, |_, _| {}).await;
        cut_off_words(model, self.limit)
    }
}

/// Every check, [`PARALLEL`] at a time, results in the order given. Each verdict is told to
/// `progress` as it arrives (in whatever order the nodes answer).
pub async fn check_all(targets: Vec<Target>, progress: &Progress) -> Vec<Model> {
    let mut done: Vec<(usize, Model)> = futures::stream::iter(
        targets
            .into_iter()
            .enumerate()
            .map(|(index, target)| async move { (index, check(target).await) }),
    )
    .buffer_unordered(PARALLEL)
    .inspect(|(index, model)| progress.node(*index, model))
    .collect()
    .await;
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, model)| model).collect()
}

/// The parsed reply of a check that reached step 8, error replies included.
pub fn reply(model: &Model) -> Option<&Reply> {
    model.redis.reply_resp.as_ref()
}

/// The reply when it is not an error, from a run that succeeded.
pub fn good_reply(model: &Model) -> Option<&Reply> {
    (model.outcome == Outcome::Ok)
        .then(|| reply(model))
        .flatten()
        .filter(|r| !r.is_error())
}

/// Whether a TCP connection to `host:port` opens within `timeout` (the cluster bus port).
pub async fn tcp_reachable(host: &str, port: u16, timeout: Duration) -> bool {
    let connect = tokio::net::TcpStream::connect((crate::engine::bare_host(host), port));
    matches!(tokio::time::timeout(timeout, connect).await, Ok(Ok(_)))
}
