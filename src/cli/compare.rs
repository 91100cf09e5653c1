//! `tlsviz compare`: the same server twice, forced to TLS 1.2 then to TLS 1.3, shown aligned by
//! the nine steps. Without -h, -p or -u it starts a lab and compares against it.

use super::args::ConnectArgs;
use super::lesson::start_lab;
use super::run::{face, ui_options, Face, Termination};
use super::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::engine::events::Failure;
use crate::engine::pace::Pace;
use crate::engine::Target;
use crate::errors::UsageError;
use crate::lab::{Lab, LabOptions};
use crate::model::{Model, Outcome};
use crate::report::compare::Comparison;
use crate::report::json::JsonReporter;
use crate::report::Reporter;
use crate::runner;
use crate::target::{self, TargetSpec};

pub async fn compare(args: &ConnectArgs) -> Result<i32, UsageError> {
    refuse_flags(args)?;
    let lab_mode = args.host.is_none() && args.port.is_none() && args.uri.is_none();
    let (spec, lab) = if lab_mode {
        let lab = start_lab(LabOptions::default()).await?;
        if let Some(notice) = &lab.notice {
            tell!("tlsviz: notice: {notice}");
        }
        let mut spec = crate::scenario::ClientSpec::default().target_spec(&lab);
        if !args.command.is_empty() {
            spec.command = args.command.clone();
        }
        spec.timeout = Some(args.timeout.clone());
        spec.keylog = args.keylog.clone();
        spec.bytes = args.bytes;
        (spec, Some(lab))
    } else {
        let mut spec = args.spec();
        if spec.pass.is_none() && args.uri.as_deref().is_none_or(|u| !u.contains('@')) {
            // As `connect` (and redis-cli) do: a password from the environment.
            spec.pass = std::env::var("REDISCLI_AUTH")
                .ok()
                .filter(|p| !p.is_empty());
        }
        (spec, None)
    };
    compare_on(args, &spec, lab).await
}

/// Flags that make no sense here: each side's version is forced, and there are two runs.
fn refuse_flags(args: &ConnectArgs) -> Result<(), UsageError> {
    let refuse = |flag: &str, hint: &str| {
        Err(UsageError::new(
            flag,
            "does not go with `tlsviz compare`",
            hint,
        ))
    };
    if args.tls_version.is_some() {
        return refuse("--tls-version", "compare runs TLS 1.2 and TLS 1.3 itself");
    }
    if args.repeat.is_some() {
        return refuse("--repeat", "compare once");
    }
    if args.resume {
        return refuse("--resume", "use tlsviz connect --resume");
    }
    if args.output.record.is_some() {
        return refuse("--record", "record one run with tlsviz connect --record");
    }
    if args.pcap.is_some() || args.pcap_secrets {
        return refuse("--pcap", "capture one run with tlsviz connect --pcap");
    }
    let lab_mode = args.host.is_none() && args.port.is_none() && args.uri.is_none();
    let target_flags = args.cacert.is_some()
        || args.cacertdir.is_some()
        || args.cert.is_some()
        || args.key.is_some()
        || args.sni.is_some()
        || args.insecure
        || args.user.is_some()
        || args.pass.is_some()
        || args.db.is_some();
    if lab_mode && target_flags {
        return Err(UsageError::new(
            "compare",
            "server flags without a server: with no -h, -p or -u, compare uses its own lab",
            "name the server with -h HOST -p PORT (or -u rediss://…)",
        ));
    }
    Ok(())
}

/// Both runs against `spec`'s server, then the comparison; `lab` (if any) is stopped at the end.
async fn compare_on(
    args: &ConnectArgs,
    spec: &TargetSpec,
    lab: Option<Lab>,
) -> Result<i32, UsageError> {
    let mut stop = Termination::install();
    let with_version = |version: &str| {
        let mut spec = spec.clone();
        spec.tls_version = Some(version.into());
        target::build_noted(&spec)
    };
    let tls12 = with_version("1.2")?;
    let tls13 = with_version("1.3")?.target;
    if tls13.tls.is_none() {
        return Err(UsageError::new(
            "compare",
            "there is no TLS to compare on a plaintext connection",
            "add --tls (or use a rediss:// URL)",
        ));
    }
    for note in &tls12.notes {
        tell!("tlsviz: note: {note}");
    }
    let server = match &lab {
        Some(lab) => format!(
            "the lab's {} on {}",
            lab.server_description,
            crate::engine::host_port(&tls13.host, tls13.port)
        ),
        None => crate::engine::host_port(&tls13.host, tls13.port),
    };
    let face = face(&args.output);
    if face == Face::Tui {
        let source = crate::ui::CompareSource {
            targets: [tls12.target, tls13],
            server,
            lab,
        };
        return crate::ui::run_compare(source, ui_options(&args.output)).await;
    }
    let json = face == Face::Json;
    let first = run_side(tls12.target, json, &mut stop).await;
    let second = if cancelled(&first) {
        None
    } else {
        Some(run_side(tls13, json, &mut stop).await)
    };
    if let Some(lab) = lab {
        lab.stop().await;
    }
    let Some(second) = second.filter(|s| !cancelled(s)) else {
        return Ok(EXIT_INTERRUPTED);
    };
    let comparison = Comparison::new(&first, &second);
    if json {
        let line = crate::report::compare_out::to_json(&comparison);
        let _ = crate::report::json::write_line(std::io::stdout(), &line);
    } else {
        for line in crate::report::compare_out::plain(&comparison, &server) {
            say!("{line}");
        }
    }
    Ok(
        if first.outcome == Outcome::Ok && second.outcome == Outcome::Ok {
            EXIT_OK
        } else {
            EXIT_FAILED
        },
    )
}

/// One side in auto mode; with `--json` its lines are printed as they come.
async fn run_side(target: Target, json: bool, stop: &mut Termination) -> Model {
    let run = runner::Run::start(target, Pace::Auto);
    if !json {
        return runner::fold(run, stop.wait(), |_, _| {}).await;
    }
    let mut out = JsonReporter::new(std::io::stdout());
    let mut output_ok = true;
    let model = runner::fold(run, stop.wait(), |model, event| {
        if output_ok && out.event(model, event).is_err() {
            output_ok = false;
        }
    })
    .await;
    if output_ok {
        let _ = out.finish(&model);
    }
    model
}

fn cancelled(model: &Model) -> bool {
    matches!(model.failure, Some(Failure::Cancelled { .. }))
}
