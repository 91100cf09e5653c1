//! What each command does: start a lab if needed, run the engine, feed the model and a face.

use super::args::{ConnectArgs, OutputArgs, ReplayArgs};
use super::{target, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::engine::events::{Event, Failure};
use crate::engine::pace::{EventSink, Pace};
use crate::engine::{self, Target};
use crate::errors::UsageError;
use crate::model::{Model, Outcome};
use crate::report::json::JsonReporter;
use crate::report::plain::PlainReporter;
use crate::report::record::Preamble;
use crate::report::Reporter;
use std::io::IsTerminal;
use std::path::Path;

/// How a run is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Plain,
    Json,
    Tui,
}

pub fn face(out: &OutputArgs) -> Face {
    if out.json {
        Face::Json
    } else if out.plain || !std::io::stdout().is_terminal() {
        Face::Plain
    } else {
        Face::Tui
    }
}

fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// 0 success, 130 stopped by Ctrl-C or SIGTERM, 1 any other failure.
pub(super) fn exit_code(model: &Model) -> i32 {
    match (&model.outcome, &model.failure) {
        (Outcome::Ok, _) => EXIT_OK,
        (_, Some(Failure::Cancelled { .. })) => EXIT_INTERRUPTED,
        _ => EXIT_FAILED,
    }
}

fn reporter(face: Face) -> Box<dyn Reporter + Send> {
    match face {
        Face::Json => Box::new(JsonReporter::new(std::io::stdout())),
        _ => Box::new(PlainReporter::new(std::io::stdout(), color_wanted())),
    }
}

/// Run one connection in auto mode and show it headless.
pub async fn drive(
    target: Target,
    face: Face,
    record: Option<&Path>,
    label: Option<&str>,
    preamble: Option<&Preamble>,
    stop: &mut Termination,
) -> Model {
    let (sink, mut rx) = EventSink::channel();
    // Our own handle on the run's clock, for the one event the engine cannot tell: a cancel.
    let mut own_sink = Some(sink.clone());
    let mut engine = tokio::spawn(async move { engine::run(&target, Pace::Auto, sink).await });
    let mut engine_done = false;
    let mut model = Model::new();
    let mut out = reporter(face);
    let mut output_ok = true;
    let mut cancelled = false;
    loop {
        tokio::select! {
            // Once the engine is done, only its queued events remain: let the channel close.
            _ = &mut engine, if !engine_done => {
                engine_done = true;
                own_sink = None;
            }
            event = rx.recv() => {
                let Some(event) = event else { break };
                model.apply(event.clone());
                // A closed stdout (| head) must not stop the run or its clean-up.
                if output_ok && out.event(&model, &event).is_err() {
                    output_ok = false;
                }
            }
            // Ctrl-C or SIGTERM: the engine stops, the events it sent are still shown, then the
            // cancel, and the output ends properly (the JSON with its summary).
            _ = stop.wait(), if !cancelled => {
                cancelled = true;
                engine.abort();
                let step = model.current_step.or(model.waiting_for).unwrap_or_else(|| model.focus_step());
                if let Some(own) = own_sink.take() {
                    own.emit(Event::Failed(Failure::Cancelled { step }));
                }
            }
        }
    }
    if !engine_done {
        let _ = engine.await;
    }
    if output_ok {
        let _ = out.finish(&model);
    }
    if let Some(path) = record {
        if let Err(e) = crate::report::record::write_with(path, label, preamble, &model.events) {
            tell!("tlsviz: --record {}: cannot write: {e}", path.display());
        }
    }
    model
}

pub async fn connect(args: &ConnectArgs) -> Result<i32, UsageError> {
    let mut stop = Termination::install();
    let mut args = args.clone();
    if args.pass.is_none() && args.uri.as_deref().is_none_or(|u| !u.contains('@')) {
        // As redis-cli does: a password from the environment stays out of shell history. Only
        // here, for a server the user names, never for the lab's own runs.
        args.pass = std::env::var("REDISCLI_AUTH")
            .ok()
            .filter(|p| !p.is_empty());
    }
    let args = &args;
    let target = target::build(args)?;
    // Warnings only once the flags are known to be valid: an error comes alone.
    for warning in target::warnings(args) {
        tell!("tlsviz: warning: {warning}");
    }
    if let Some(path) = &args.output.record {
        crate::report::record::check_writable(path)?;
    }
    if let Some(n) = args.repeat {
        if n == 0 {
            return Err(UsageError::new(
                "--repeat 0",
                "nothing to repeat",
                "give a count of 1 or more",
            ));
        }
        if args.output.record.is_some() {
            return Err(UsageError::new(
                "--record",
                "does not go with --repeat",
                "record one run without --repeat",
            ));
        }
        return repeat(target, n, args.output.json, &mut stop).await;
    }
    let face = face(&args.output);
    if face == Face::Tui {
        let redis_cli = redis_cli_line(args);
        let opener: crate::ui::Opener = std::sync::Arc::new(move |_scenario| {
            let target = target.clone();
            let redis_cli = redis_cli.clone();
            Box::pin(async move {
                Ok(crate::ui::LiveSession {
                    target,
                    lab: None,
                    scenario: None,
                    conf_lines: Vec::new(),
                    redis_cli,
                    notice: None,
                })
            })
        });
        let source = crate::ui::Source::Live {
            opener,
            first: None,
            cards: Vec::new(),
        };
        return crate::ui::run(source, ui_options(&args.output)).await;
    }
    let model = drive(
        target,
        face,
        args.output.record.as_deref(),
        None,
        None,
        &mut stop,
    )
    .await;
    Ok(exit_code(&model))
}

pub fn ui_options(out: &OutputArgs) -> crate::ui::UiOptions {
    crate::ui::UiOptions {
        light: out.theme == super::args::Theme::Light,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        record: out.record.clone(),
    }
}

/// The redis-cli command equivalent to these flags (password masked).
pub(super) fn redis_cli_line(args: &ConnectArgs) -> String {
    let mut parts = vec!["redis-cli".to_string()];
    let mut push = |flag: &str, value: Option<String>| {
        if let Some(v) = value {
            parts.push(flag.to_string());
            parts.push(v);
        }
    };
    push("-h", args.host.clone());
    push("-p", args.port.clone());
    push("-u", args.uri.as_deref().map(target::mask_uri_password));
    push("--sni", args.sni.clone());
    push(
        "--cacert",
        args.cacert.as_ref().map(|p| p.display().to_string()),
    );
    push(
        "--cacertdir",
        args.cacertdir.as_ref().map(|p| p.display().to_string()),
    );
    push(
        "--cert",
        args.cert.as_ref().map(|p| p.display().to_string()),
    );
    push("--key", args.key.as_ref().map(|p| p.display().to_string()));
    push("--user", args.user.clone());
    push("-a", args.pass.as_ref().map(|_| "***".to_string()));
    if args.tls {
        parts.insert(1, "--tls".into());
    }
    if args.insecure {
        parts.push("--insecure".into());
    }
    parts.extend(args.command.iter().cloned());
    parts.join(" ")
}

/// Ctrl-C and SIGTERM, caught from the moment this is made (not from the first wait), so a
/// signal that arrives while a lab starts still stops it cleanly.
pub struct Termination {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Termination {
    pub fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    pub async fn wait(&mut self) {
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => {}
            _ = next(&mut self.terminate) => {}
        }
    }
}

pub async fn replay(args: &ReplayArgs) -> Result<i32, UsageError> {
    let recording = crate::report::record::read_recording(&args.file)?;
    let (scenario, events) = (recording.scenario, recording.events);
    let face = face(&args.output);
    if face != Face::Tui {
        if let Some(p) = &recording.preamble {
            super::lesson::print_preamble(face, p);
        }
    }
    if face == Face::Tui {
        let source = crate::ui::Source::Replay {
            events,
            label: scenario,
        };
        return crate::ui::run(source, ui_options(&args.output)).await;
    }
    let mut model = Model::new();
    let mut out = reporter(face);
    // A closed stdout stops the printing, not the replay: the exit code tells the run's outcome.
    let mut output_ok = true;
    for event in events {
        model.apply(event.clone());
        if output_ok && out.event(&model, &event).is_err() {
            output_ok = false;
        }
    }
    if output_ok {
        let _ = out.finish(&model);
    }
    Ok(exit_code(&model))
}

/// Run one connection in auto mode with no output, folding every event into a model.
pub async fn run_to_model(target: &Target) -> Model {
    /// Dropping the run (a cancelled `check`) stops its engine too.
    struct AbortOnDrop(tokio::task::JoinHandle<bool>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let (sink, mut rx) = EventSink::channel();
    let t = target.clone();
    let engine = AbortOnDrop(tokio::spawn(async move {
        engine::run(&t, Pace::Auto, sink).await
    }));
    let mut model = Model::new();
    while let Some(event) = rx.recv().await {
        model.apply(event);
    }
    drop(engine);
    model
}

/// `--repeat N`: N full runs in one process. Progress (open files, resident size) goes to
/// stderr every 100 runs; stdout gets one result line (JSON with `--json`).
async fn repeat(
    target: Target,
    n: u32,
    json: bool,
    stop: &mut Termination,
) -> Result<i32, UsageError> {
    let mut ok = 0u32;
    let mut last_failure = None;
    let started = std::time::Instant::now();
    let (files_before, rss_before) = (open_files(), resident_kib());
    let mut runs = 0;
    let mut interrupted = false;
    for i in 1..=n {
        let model = tokio::select! {
            model = run_to_model(&target) => model,
            _ = stop.wait() => {
                interrupted = true;
                break;
            }
        };
        runs = i;
        if model.outcome == Outcome::Ok {
            ok += 1;
        } else {
            last_failure = model.diagnosis.map(|d| d.headline());
        }
        if i % 100 == 0 || i == n {
            tell!(
                "{i:>6} runs  {ok:>6} ok  open files {:>4}  rss {:>6} KiB  {:.1} s",
                open_files(),
                resident_kib(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    let (files_after, rss_after) = (open_files(), resident_kib());
    if json {
        let line = serde_json::json!({
            "type": "repeat_summary",
            "at_us": u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "runs": runs,
            "interrupted": interrupted,
            "ok": ok,
            "failed": runs - ok,
            "last_failure": last_failure,
            "open_files": { "before": files_before, "after": files_after },
            "rss_kib": { "before": rss_before, "after": rss_after },
            "seconds": started.elapsed().as_secs_f64(),
        });
        say!("{line}");
    } else {
        say!(
            "{ok} of {runs} runs ok{} in {:.1} s; open files {files_before} → {files_after}; rss {rss_before} → {rss_after} KiB",
            if interrupted { " (interrupted)" } else { "" },
            started.elapsed().as_secs_f64()
        );
        if let Some(f) = &last_failure {
            say!("last failure: {f}");
        }
    }
    Ok(if interrupted {
        EXIT_INTERRUPTED
    } else if ok == n {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

pub fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

pub fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
