//! `tlsviz cluster` and `tlsviz sentinel`: the seed's trace as `connect` prints it, then one
//! line per node and a summary. Exit 0 when every node is fine, 1 when anything failed (and was
//! diagnosed), 2 on bad input, 130 on Ctrl-C / SIGTERM.

use super::args::{ConnectArgs, LessonArgs, SentinelArgs};
use super::run::{face, reporter, Face, Termination};
use super::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::diagnose::topology::SetupKind;
use crate::engine::Target;
use crate::errors::UsageError;
use crate::model::Model;
use crate::report::record::Preamble;
use crate::target;
use crate::topology::{cluster, output, sentinel, CheckOptions, TopologyReport};

const SENTINEL_PORT: &str = "26379";

pub async fn cluster(args: &ConnectArgs) -> Result<i32, UsageError> {
    run(args, SetupKind::Cluster, None).await
}

pub async fn sentinel(args: &SentinelArgs) -> Result<i32, UsageError> {
    let mut connect = args.connect.clone();
    if connect.port.is_none() && connect.uri.is_none() {
        connect.port = Some(SENTINEL_PORT.into());
    }
    if args.master.trim().is_empty() {
        return Err(UsageError::new(
            "--master",
            "needs the master's name",
            "the NAME of the sentinel's `sentinel monitor NAME host port quorum` line",
        ));
    }
    run(&connect, SetupKind::Sentinel, Some(&args.master)).await
}

async fn run(args: &ConnectArgs, kind: SetupKind, master: Option<&str>) -> Result<i32, UsageError> {
    let mut stop = Termination::install();
    let mut args = args.clone();
    if args.pass.is_none() && args.uri.as_deref().is_none_or(|u| !u.contains('@')) {
        args.pass = std::env::var("REDISCLI_AUTH")
            .ok()
            .filter(|p| !p.is_empty());
    }
    let command = match kind {
        SetupKind::Cluster => "cluster",
        SetupKind::Sentinel => "sentinel",
    };
    for (given, flag) in [
        (args.output.record.is_some(), "--record"),
        (args.pcap.is_some(), "--pcap"),
        (args.repeat.is_some(), "--repeat"),
    ] {
        if given {
            return Err(UsageError::new(
                flag,
                format!("does nothing for `tlsviz {command}`"),
                "record or repeat one server with tlsviz connect",
            ));
        }
    }
    let spec = args.spec();
    let target::Loaded { target, notes } = target::build_noted(&spec)?;
    let warnings = target::warnings(&spec);
    for warning in &warnings {
        tell!("tlsviz: warning: {warning}");
    }
    for note in &notes {
        tell!("tlsviz: note: {note}");
    }
    let listed: Vec<String> = warnings
        .into_iter()
        .chain(notes.iter().map(|n| format!("note: {n}")))
        .collect();
    let face = face(&args.output);
    let sni_given = spec.sni.is_some();
    // The seed gets the second opinion `connect` gets (redis-cli, else openssl, same flags).
    let cross_check = (!args.no_cross_check).then(|| target::cross_check_spec(&spec, &target));
    if face == Face::Tui {
        let source = crate::ui::TopologySource {
            kind,
            master: master.map(str::to_string),
            target,
            sni_given,
            cross_check,
            scenario: None,
            conf_lines: Vec::new(),
            lab: None,
        };
        return crate::ui::run_topology(source, super::run::ui_options(&args.output)).await;
    }
    let options = CheckOptions {
        sni_given,
        cross_check,
        progress: Default::default(),
    };
    let report = tokio::select! {
        report = check(&target, &options, kind, master) => report,
        // Dropping the checks stops their engines; nothing of ours is left running.
        _ = stop.wait() => {
            tell!("tlsviz: stopped");
            return Ok(EXIT_INTERRUPTED);
        }
    };
    show_seed(face, &listed, None, &report.seed);
    let shown = match face {
        Face::Json => output::write_json(std::io::stdout(), &report),
        _ => output::write_plain(std::io::stdout(), &report),
    };
    // A closed stdout does not change the verdict.
    let _ = shown;
    Ok(exit_code(&report))
}

/// Check a cluster (from its seed) or a sentinel setup (`master`).
pub async fn check(
    target: &Target,
    options: &CheckOptions,
    kind: SetupKind,
    master: Option<&str>,
) -> TopologyReport {
    match (kind, master) {
        (SetupKind::Sentinel, Some(name)) => sentinel::check_sentinel(target, options, name).await,
        _ => cluster::check_cluster(target, options).await,
    }
}

/// The seed's run, as `connect` prints it (replayed from its events); in plain text a
/// disagreement with the second opinion comes first, as `connect` puts it.
pub fn show_seed(face: Face, warnings: &[String], preamble: Option<&Preamble>, seed: &Model) {
    if face == Face::Plain {
        if let Some(line) = crate::diagnose::opinion::compare(seed).and_then(|c| c.disagreement) {
            for part in crate::report::plain::wrap(&format!("! {line}"), 100) {
                say!("{part}");
            }
            say!();
        }
    }
    let mut out = reporter(face, warnings);
    if let Some(p) = preamble {
        if out.preamble(p).is_err() {
            return;
        }
    }
    let mut model = Model::new();
    for event in &seed.events {
        model.apply(event.clone());
        if out.event(&model, event).is_err() {
            return;
        }
    }
    let _ = out.finish(&model);
}

fn exit_code(report: &TopologyReport) -> i32 {
    if report.all_fine() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// `tlsviz --scenario NAME` for a cluster scenario: its cluster started by the lab, checked from
/// the first node as `tlsviz cluster` checks one (TUI: the node table; headless: the seed's
/// trace, the node lines and the summary), then stopped. No second opinion: tlsviz made the lab.
pub async fn scenario(
    args: &LessonArgs,
    scenario: &crate::scenario::Scenario,
) -> Result<i32, UsageError> {
    let refused = [
        (args.output.record.is_some(), "--record"),
        (args.pcap.is_some(), "--pcap"),
        (args.bytes, "--bytes"),
        (args.output.show_secrets, "--show-secrets"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
        return Err(UsageError::new(
            *flag,
            format!("does nothing for the cluster scenario {}", scenario.name),
            "it checks a whole cluster; use the flag with tlsviz connect on one node",
        ));
    }
    let mut stop = Termination::install();
    let face = face(&args.output);
    let server = super::lesson::server_choice(args.server);
    let session = tokio::select! {
        session = crate::scenario::start_cluster(scenario, server) => session?,
        // Dropping the start stops every node it had started and removes the folder.
        _ = stop.wait() => return Ok(EXIT_INTERRUPTED),
    };
    let kind = SetupKind::Cluster;
    if face == Face::Tui {
        let source = crate::ui::TopologySource {
            kind,
            master: None,
            target: session.target,
            sni_given: session.spec.sni.is_some(),
            cross_check: None,
            scenario: Some(super::lesson::card(scenario)),
            conf_lines: session.lab.conf_lines.clone(),
            lab: Some(session.lab),
        };
        return crate::ui::run_topology(source, super::run::ui_options(&args.output)).await;
    }
    let options = CheckOptions {
        sni_given: session.spec.sni.is_some(),
        cross_check: None,
        progress: Default::default(),
    };
    let report = tokio::select! {
        report = check(&session.target, &options, kind, None) => report,
        _ = stop.wait() => {
            session.lab.stop().await;
            tell!("tlsviz: stopped");
            return Ok(EXIT_INTERRUPTED);
        }
    };
    let preamble = Preamble {
        name: scenario.name.clone(),
        title: scenario.title.clone(),
        summary: scenario.summary.clone(),
        lesson: scenario.lesson.trim().to_string(),
        redis_conf: session.lab.conf_lines.clone(),
        server: Some("redis-server (3-node cluster)".into()),
    };
    session.lab.stop().await;
    show_seed(face, &[], Some(&preamble), &report.seed);
    let _ = match face {
        Face::Json => output::write_json(std::io::stdout(), &report),
        _ => output::write_plain(std::io::stdout(), &report),
    };
    Ok(exit_code(&report))
}
