//! What each command does: start a lab if needed, run the engine, feed the model and a face.

use super::args::{ConnectArgs, OutputArgs, ReplayArgs};
use super::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::crosscheck::CrossCheckSpec;
use crate::engine::events::Failure;
use crate::engine::pace::Pace;
use crate::engine::Target;
use crate::errors::UsageError;
use crate::model::{Model, Outcome};
use crate::report::json::JsonReporter;
use crate::report::plain::PlainReporter;
use crate::report::record::Preamble;
use crate::report::schema::commands::{BeforeAfter, RepeatLine, RepeatSummaryJson};
use crate::report::Reporter;
use crate::runner;
pub use crate::signals::Termination;
use crate::target;
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

pub(super) fn color_wanted() -> bool {
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

pub(super) fn reporter(face: Face, warnings: &[String]) -> Box<dyn Reporter + Send> {
    match face {
        Face::Json => {
            Box::new(JsonReporter::new(std::io::stdout()).with_warnings(warnings.to_vec()))
        }
        _ => Box::new(PlainReporter::new(std::io::stdout(), color_wanted())),
    }
}

/// Plain output held back until the run is over, so a disagreement with the second opinion
/// can be its first line.
#[derive(Clone, Default)]
struct HeldOutput(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for HeldOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut held) => held.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a headless run shows besides its events: the scenario's label and preamble, and the
/// warnings and notes `connect` printed before it (listed again in the JSON summary).
#[derive(Default)]
pub struct Story<'a> {
    pub label: Option<&'a str>,
    pub preamble: Option<&'a Preamble>,
    pub warnings: &'a [String],
    /// `--pcap`: the capture written from the finished run.
    pub pcap: Option<&'a super::pcap::PcapOut>,
}

/// Run one connection in auto mode and show it headless; with `cross_check`, the second
/// opinion runs beside it and is part of the run's story.
pub async fn drive(
    target: Target,
    cross_check: Option<CrossCheckSpec>,
    face: Face,
    record: Option<&Path>,
    story: Story<'_>,
    stop: &mut Termination,
) -> Model {
    let Story {
        label,
        preamble,
        warnings,
        pcap,
    } = story;
    let held = (face == Face::Plain && cross_check.is_some()).then(HeldOutput::default);
    let mut out: Box<dyn Reporter + Send> = match &held {
        Some(held) => Box::new(PlainReporter::new(held.clone(), color_wanted())),
        None => reporter(face, warnings),
    };
    // Secret values will be printed: say so first, before anything else.
    if face == Face::Plain && target.tls.as_ref().is_some_and(|t| t.show_secrets) {
        for part in crate::report::plain::wrap(crate::report::keys::BANNER, 100) {
            say!("{part}");
        }
    }
    // A closed stdout (| head) must not stop the run or its clean-up.
    let mut output_ok = true;
    if let Some(p) = preamble {
        output_ok = out.preamble(p).is_ok();
    }
    let run = runner::Run::start_with(target, Pace::Auto, cross_check);
    let model = runner::fold(run, stop.wait(), |model, event| {
        if output_ok && out.event(model, event).is_err() {
            output_ok = false;
        }
    })
    .await;
    if output_ok {
        let _ = out.finish(&model);
    }
    if let Some(held) = held {
        if let Some(line) = crate::diagnose::opinion::compare(&model).and_then(|c| c.disagreement) {
            for part in crate::report::plain::wrap(&format!("! {line}"), 100) {
                say!("{part}");
            }
            say!();
        }
        let bytes = match held.0.lock() {
            Ok(held) => held.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(&bytes);
    }
    if let Some(path) = record {
        if let Err(e) = crate::report::record::write_with(path, label, preamble, &model.events) {
            tell!("tlsviz: --record {}: cannot write: {e}", path.display());
        }
    }
    if let Some(pcap) = pcap {
        pcap.write(&model.events);
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
    let spec = args.spec();
    let target::Loaded { mut target, notes } = target::build_noted(&spec)?;
    if args.output.show_secrets {
        if args.repeat.is_some() {
            return Err(UsageError::new(
                "--show-secrets",
                "does not go with --repeat",
                "show the secrets of one run, without --repeat",
            ));
        }
        match target.tls.as_mut() {
            Some(tls) => tls.show_secrets = true,
            None => tell!("tlsviz: warning: --show-secrets does nothing without --tls"),
        }
    }
    // Warnings only once the flags are known to be valid: an error comes alone.
    let warnings = target::warnings(&spec);
    for warning in &warnings {
        tell!("tlsviz: warning: {warning}");
    }
    for note in &notes {
        tell!("tlsviz: note: {note}");
    }
    // The JSON summary lists both under `warnings`, notes prefixed "note: ".
    let listed: Vec<String> = warnings
        .into_iter()
        .chain(notes.iter().map(|n| format!("note: {n}")))
        .collect();
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
        for (given, flag) in [
            (args.output.record.is_some(), "--record"),
            (args.pcap.is_some(), "--pcap"),
        ] {
            if given {
                return Err(UsageError::new(
                    flag,
                    "does not go with --repeat",
                    "record or capture one run without --repeat",
                ));
            }
        }
        if args.resume {
            return Err(UsageError::new(
                "--resume",
                "does not go with --repeat",
                "resume once, without --repeat",
            ));
        }
        return repeat(target, n, args.output.json, &mut stop).await;
    }
    let face = face(&args.output);
    if args.resume {
        for (given, flag) in [
            (args.output.record.is_some(), "--record"),
            (args.pcap.is_some(), "--pcap"),
        ] {
            if given {
                return Err(UsageError::new(
                    flag,
                    "does not go with --resume (two connections)",
                    "record or capture one connection without --resume",
                ));
            }
        }
        target = super::resume::sharing_sessions(target)?;
        if face != Face::Tui {
            let cross_check =
                (!args.no_cross_check).then(|| target::cross_check_spec(&spec, &target));
            let story = Story {
                warnings: &listed,
                ..Story::default()
            };
            return Ok(
                super::resume::drive_pair(target, cross_check, face, story, &mut stop).await,
            );
        }
        // The TUI steps through the resumed connection: the first one runs silently now.
        if super::resume::prime(&target).await.is_none() {
            tell!("tlsviz: the first connection failed: nothing to resume; the TUI shows a full handshake");
        }
    }
    let pcap = super::pcap::prepare(args.pcap.as_deref(), args.pcap_secrets, &mut target, face)?;
    let cross_check = (!args.no_cross_check).then(|| target::cross_check_spec(&spec, &target));
    if face == Face::Tui {
        let redis_cli = spec.redis_cli_line();
        let opener: crate::ui::Opener = std::sync::Arc::new(move |_scenario| {
            let target = target.clone();
            let redis_cli = redis_cli.clone();
            let cross_check = cross_check.clone();
            Box::pin(async move {
                Ok(crate::ui::LiveSession {
                    target,
                    lab: None,
                    scenario: None,
                    conf_lines: Vec::new(),
                    redis_cli,
                    notice: None,
                    cross_check,
                })
            })
        });
        let source = crate::ui::Source::Live {
            opener,
            first: None,
            cards: Vec::new(),
        };
        let options = crate::ui::UiOptions {
            pcap: args.pcap.clone(),
            pcap_secrets: args.pcap_secrets,
            ..ui_options(&args.output)
        };
        return crate::ui::run(source, options).await;
    }
    let model = drive(
        target,
        cross_check,
        face,
        args.output.record.as_deref(),
        Story {
            warnings: &listed,
            pcap: pcap.as_ref(),
            ..Story::default()
        },
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
        show_secrets: out.show_secrets,
        pcap: None,
        pcap_secrets: false,
    }
}

pub async fn replay(args: &ReplayArgs) -> Result<i32, UsageError> {
    let recording = crate::report::record::read_recording(&args.file)?;
    let (scenario, events) = (recording.scenario, recording.events);
    let face = face(&args.output);
    if face == Face::Tui {
        let source = crate::ui::Source::Replay {
            events,
            label: scenario,
        };
        return crate::ui::run(source, ui_options(&args.output)).await;
    }
    let mut model = Model::new();
    let mut out = reporter(face, &[]);
    // A closed stdout stops the printing, not the replay: the exit code tells the run's outcome.
    let mut output_ok = true;
    if let Some(p) = &recording.preamble {
        output_ok = out.preamble(p).is_ok();
    }
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
            model = runner::run_to_model(&target) => model,
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
        let line = RepeatLine::RepeatSummary(RepeatSummaryJson {
            at_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            runs,
            interrupted,
            ok,
            failed: runs - ok,
            last_failure,
            open_files: BeforeAfter {
                before: files_before,
                after: files_after,
            },
            rss_kib: BeforeAfter {
                before: rss_before,
                after: rss_after,
            },
            seconds: started.elapsed().as_secs_f64(),
        });
        // Like say!: a closed stdout is not an error worth more than the exit code.
        let _ = crate::report::json::write_line(std::io::stdout(), &line);
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
