//! The lab-backed commands: the default lesson (and `--scenario`), and `tlsviz lab`.

use super::args::{LabArgs, LessonArgs, ServerArg};
use super::run::{drive, exit_code, face, ui_options, Face};
use super::EXIT_OK;
use crate::errors::UsageError;
use crate::lab::{Lab, LabOptions, ServerChoice};
use crate::report::record::Preamble;
use crate::signals::Termination;
use crate::target;

/// A fresh lab and the session that reaches it: the default lesson, or a scenario. A scenario
/// whose client resumes gets a target sharing its sessions; with `prime`, its first connection
/// is made now (silently), so what follows is the resumed one (the TUI). `show_secrets`: the
/// run recomputes the key schedule and carries its values (the lab's keys are throwaway keys).
pub async fn open_lab_session(
    server: ServerArg,
    scenario: Option<String>,
    bytes: bool,
    prime: bool,
    show_secrets: bool,
) -> Result<crate::ui::LiveSession, UsageError> {
    let scenario = scenario.as_deref().map(crate::scenario::load).transpose()?;
    let options = match &scenario {
        Some(s) => s.lab_options(server_choice(server)),
        None => LabOptions {
            server: server_choice(server),
            ..LabOptions::default()
        },
    };
    let lab = start_lab(options).await?;
    let mut spec = match &scenario {
        Some(s) => s.target_spec(&lab),
        None => crate::scenario::ClientSpec::default().target_spec(&lab),
    };
    spec.bytes = bytes;
    let mut target = target::build(&spec)?;
    if let Some(tls) = target.tls.as_mut() {
        tls.show_secrets = show_secrets;
    }
    let mut notice = lab.notice.clone();
    if scenario.as_ref().is_some_and(|s| s.client.resume) {
        target = target::sharing_sessions(target)?;
        if prime && super::resume::prime(&target).await.is_none() {
            notice = Some("the first connection failed: nothing to resume".into());
        }
    }
    let conf_lines = lab.conf_lines.clone();
    Ok(crate::ui::LiveSession {
        target,
        conf_lines,
        redis_cli: spec.redis_cli_line(),
        scenario: scenario.map(|s| card(&s)),
        notice,
        // The lab's lesson needs no second opinion: tlsviz made the lab.
        cross_check: None,
        lab: Some(lab),
    })
}

pub fn card(s: &crate::scenario::Scenario) -> crate::ui::ScenarioCard {
    crate::ui::ScenarioCard {
        name: s.name.clone(),
        title: s.title.clone(),
        summary: s.summary.clone(),
        lesson: s.lesson.trim().to_string(),
    }
}

/// What a scenario session shows before its trace.
fn preamble_of(session: &crate::ui::LiveSession) -> Option<Preamble> {
    let card = session.scenario.as_ref()?;
    Some(Preamble {
        name: card.name.clone(),
        title: card.title.clone(),
        summary: card.summary.clone(),
        lesson: card.lesson.clone(),
        redis_conf: session.conf_lines.clone(),
        server: session.lab.as_ref().map(|l| l.server_description.clone()),
    })
}

pub fn server_choice(arg: ServerArg) -> ServerChoice {
    match arg {
        ServerArg::Auto => ServerChoice::Auto,
        ServerArg::Redis => ServerChoice::Redis,
        ServerArg::Builtin => ServerChoice::Builtin,
    }
}

pub async fn start_lab(options: LabOptions) -> Result<Lab, UsageError> {
    Lab::start_async(options)
        .await
        .map_err(|e| UsageError::new("lab", e.to_string(), e.hint()))
}

/// `tlsviz` with no command: the default lesson on a fresh lab.
pub async fn lesson(args: &LessonArgs) -> Result<i32, UsageError> {
    if let Some(name) = &args.scenario {
        // Fail on a bad name before anything starts.
        let scenario = crate::scenario::load(name)?;
        if scenario.lab.cluster {
            return super::topology::scenario(args, &scenario).await;
        }
        for (given, flag) in [
            (args.output.record.is_some(), "--record"),
            (args.pcap.is_some(), "--pcap"),
        ] {
            if scenario.client.resume && given {
                return Err(UsageError::new(
                    flag,
                    "does not go with a scenario that resumes (two connections)",
                    "record or capture a scenario with one connection",
                ));
            }
        }
    }
    if let Some(path) = &args.output.record {
        crate::report::record::check_writable(path)?;
    }
    let face = face(&args.output);
    if let Some(path) = &args.pcap {
        crate::report::record::check_writable_as("--pcap", path, "capture.pcapng")?;
    }
    if face == Face::Tui {
        let server = args.server;
        // The TUI lesson is the teaching mode: its runs keep every byte (the byte explorer,
        // mode 5) and recompute the key schedule (`K`) against the lab's throwaway keys. The
        // values stay in this process: the view shows them after a notice (or at once with
        // --show-secrets), and recordings never hold them.
        let opener: crate::ui::Opener = std::sync::Arc::new(move |scenario| {
            Box::pin(async move {
                open_lab_session(server, scenario, true, true, true)
                    .await
                    .map_err(|e| e.to_string())
            })
        });
        let cards = crate::scenario::all().iter().map(card).collect();
        let source = crate::ui::Source::Live {
            opener,
            first: args.scenario.clone(),
            cards,
        };
        // `w` writes the run on screen there, and the run on screen is written at exit.
        let options = crate::ui::UiOptions {
            pcap: args.pcap.clone(),
            pcap_secrets: args.pcap_secrets,
            ..ui_options(&args.output)
        };
        return crate::ui::run(source, options).await;
    }
    let mut stop = Termination::install();
    let session = open_lab_session(
        args.server,
        args.scenario.clone(),
        args.bytes,
        false,
        args.output.show_secrets,
    )
    .await?;
    if let Some(notice) = &session.notice {
        tell!("tlsviz: notice: {notice}");
    }
    let preamble = preamble_of(&session);
    let label = session
        .scenario
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "mutual-tls13".into());
    let (mut target, lab) = (session.target, session.lab);
    if target.tls.as_ref().is_some_and(|t| t.sessions.is_some()) {
        // A resuming scenario: two connections, each shown in full.
        let story = super::run::Story {
            label: Some(&label),
            preamble: preamble.as_ref(),
            warnings: &[],
            ..super::run::Story::default()
        };
        let code = super::resume::drive_pair(target, None, face, story, &mut stop).await;
        if let Some(lab) = lab {
            lab.stop().await;
        }
        return Ok(code);
    }
    let pcap = super::pcap::prepare(args.pcap.as_deref(), args.pcap_secrets, &mut target, face)?;
    let model = drive(
        target,
        None,
        face,
        args.output.record.as_deref(),
        super::run::Story {
            label: Some(&label),
            preamble: preamble.as_ref(),
            warnings: &[],
            pcap: pcap.as_ref(),
        },
        &mut stop,
    )
    .await;
    let code = exit_code(&model);
    if let Some(lab) = lab {
        lab.stop().await;
    }
    Ok(code)
}

pub async fn lab(args: &LabArgs) -> Result<i32, UsageError> {
    let mut stop = Termination::install();
    if args.cluster {
        return cluster_lab(&mut stop, Default::default()).await;
    }
    let scenario = args
        .scenario
        .as_deref()
        .map(crate::scenario::load)
        .transpose()?;
    if let Some(s) = scenario.as_ref().filter(|s| s.lab.cluster) {
        return cluster_lab(&mut stop, s.lab.node_certificates.cluster_options()).await;
    }
    let mut options = match &scenario {
        Some(s) => s.lab_options(server_choice(args.server)),
        None => LabOptions {
            server: server_choice(args.server),
            ..LabOptions::default()
        },
    };
    if let Some(bind) = &args.bind {
        options.bind = bind.parse().map_err(|_| {
            UsageError::new(
                format!("--bind {bind}"),
                "not an IP address",
                "e.g. --bind 0.0.0.0 (every interface) or --bind 192.0.2.10",
            )
        })?;
        if !options.bind.is_loopback() {
            tell!(
                "tlsviz: warning: the lab listens on {bind}: other machines can reach it (its keys are lab keys; never reuse them)"
            );
        }
    }
    let lab = start_lab(options).await?;
    if let Some(notice) = &lab.notice {
        tell!("tlsviz: notice: {notice}");
    }
    let pid = lab
        .redis_pid()
        .map(|p| format!(" (pid {p})"))
        .unwrap_or_default();
    say!(
        "tlsviz lab: {}{pid} on {}:{}",
        lab.server_description,
        lab.host,
        lab.port
    );
    say!("folder (removed on exit): {}", lab.dir().display());
    say!();
    say!("redis.conf TLS lines:");
    for line in &lab.conf_lines {
        say!("  {line}");
    }
    say!();
    say!("reach it with:");
    say!("  {}", lab.redis_cli_command());
    say!("  {}", lab.tlsviz_command());
    say!();
    say!("Ctrl-C stops the server and removes the folder.");
    stop.wait().await;
    lab.stop().await;
    tell!("tlsviz lab: stopped, folder removed");
    Ok(EXIT_OK)
}

/// `tlsviz lab --cluster`: three TLS nodes, formed and serving, until Ctrl-C or SIGTERM.
async fn cluster_lab(
    stop: &mut Termination,
    options: crate::lab::cluster::ClusterOptions,
) -> Result<i32, UsageError> {
    use crate::lab::cluster::ClusterLab;
    let started = tokio::select! {
        lab = ClusterLab::start(options) => lab,
        // Dropping the start stops every node it had started and removes the folder.
        _ = stop.wait() => return Ok(super::EXIT_INTERRUPTED),
    };
    let lab = started.map_err(|e| {
        let hint = e.hint();
        UsageError::new("lab --cluster", e.to_string(), hint)
    })?;
    let pids: Vec<String> = lab.pids().iter().map(u32::to_string).collect();
    say!(
        "tlsviz lab: a {}-node TLS Redis Cluster on 127.0.0.1 ports {} (bus ports + 10000; pids {})",
        lab.ports.len(),
        lab.ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        pids.join(", ")
    );
    say!("folder (removed on exit): {}", lab.files.dir.display());
    say!();
    say!("redis.conf lines of the first node:");
    for line in &lab.conf_lines {
        say!("  {line}");
    }
    say!();
    say!("reach it with:");
    let args = crate::lab::shell_join(&lab.connect_args());
    say!("  redis-cli -c {args}");
    say!("  tlsviz cluster {args}");
    say!();
    say!("Ctrl-C stops every node and removes the folder.");
    stop.wait().await;
    lab.stop().await;
    tell!("tlsviz lab: stopped, folder removed");
    Ok(EXIT_OK)
}
