//! `w` / `W`: the run on screen as a pcapng capture (written by `report::pcap`), and with
//! `--pcap FILE` the run on screen at exit. Each live run keeps its records' bytes (one
//! handshake's worth) and, where secrets may be written, its own in-memory key log.

use super::app::App;
use super::session::UiOptions;
use crate::engine::events::{Event, Stamped};
use crate::engine::hooks::MemoryKeyLog;
use crate::engine::Target;
use crate::report::pcap::PcapError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// What one live run keeps so that it can be written as a capture.
pub struct RunCapture {
    /// The wall clock at the run's start (the capture's times are this plus `at_us`).
    pub started: SystemTime,
    /// This run's TLS key log: with `--pcap-secrets`, or on the lab (its keys are throwaway
    /// keys, and `W` may write them). A new run gets a new one.
    keylog: Option<Arc<MemoryKeyLog>>,
    /// `--bytes` was asked for: recordings keep the bytes (otherwise they are left out of
    /// them, as before the TUI kept bytes for `w`).
    pub bytes_asked: bool,
    /// The run is against tlsviz's own lab.
    lab: bool,
}

impl RunCapture {
    /// Turns capture on in `target` for one run, with a fresh key log where secrets may be
    /// written.
    pub fn arm(target: &mut Target, lab: bool, pcap_secrets: bool) -> RunCapture {
        let bytes_asked = target.capture_bytes;
        target.capture_bytes = true;
        let keylog = target.tls.as_mut().and_then(|tls| {
            (pcap_secrets || lab).then(|| {
                let memory = Arc::new(MemoryKeyLog::default());
                tls.keylog_memory = Some(memory.clone());
                memory
            })
        });
        RunCapture {
            started: SystemTime::now(),
            keylog,
            bytes_asked,
            lab,
        }
    }
}

/// What `w` (or `W`) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `w`: secrets only with `--pcap-secrets`.
    Plain,
    /// `W` confirmed (or `--pcap-secrets`): with this run's secrets.
    Secrets,
}

/// The one line `W` shows first on the lab, before anything is written (whole at 80 columns).
pub const SECRETS_NOTICE: &str =
    "W again writes the TLS secrets too: whoever has the file decrypts it";

/// Whether `W` may add secrets here, and if not, why (one line).
pub fn secrets_refused(run: Option<&RunCapture>, options: &UiOptions) -> Option<&'static str> {
    match run {
        _ if options.pcap_secrets => None,
        Some(run) if run.lab => None,
        _ => Some(
            "W writes TLS secrets only for the lab's runs: for this server, start with --pcap FILE --pcap-secrets",
        ),
    }
}

/// Writes the shown run (the live one, or the moment looked back at). Returns the status
/// line (where it went, or why not) and whether a file was written.
pub fn write_shown(
    app: &App,
    run: Option<&RunCapture>,
    options: &UiOptions,
    ask: Ask,
) -> (String, bool) {
    let refused = |line: &str| (line.to_string(), false);
    if app.is_replay() {
        return refused(
            "a replay has no connection to capture: w writes a live run (tlsviz, tlsviz connect)",
        );
    }
    let model = app.shown();
    let Some(run) = run.filter(|_| !model.events.is_empty()) else {
        return refused("nothing crossed the wire yet: no capture written");
    };
    if !model.run.tls {
        return refused(
            "a plaintext connection: tlsviz keeps none of its bytes, so no capture written",
        );
    }
    let with_secrets = options.pcap_secrets || ask == Ask::Secrets;
    let dest = match &options.pcap {
        Some(path) => Dest::File(path),
        None => Dest::Fresh(stem(app, run.lab)),
    };
    match write(&dest, run, &model.events, with_secrets) {
        Ok((path, secrets)) => {
            let shown = path.display();
            let line = match (secrets, with_secrets) {
                (true, _) => format!(
                    "capture WITH TLS secrets written to {shown}: it opens decrypted, keep it private"
                ),
                (false, true) => {
                    format!("capture written to {shown} (no TLS secrets yet: none before step 2)")
                }
                (false, false) if run.lab => {
                    format!("capture written to {shown} (no TLS secrets; W adds the lab's)")
                }
                (false, false) => format!("capture written to {shown} (no TLS secrets in it)"),
            };
            (line, true)
        }
        Err((e, path)) => (why_not(&e, path.as_deref()), false),
    }
}

/// With `--pcap FILE`: the run on screen, whole, at exit. A line for stderr (after the
/// terminal is restored), `None` without `--pcap`.
pub fn write_at_exit(app: &App, run: Option<&RunCapture>, options: &UiOptions) -> Option<String> {
    let path = options.pcap.as_ref()?;
    let flag = format!("--pcap {}", path.display());
    let Some(run) = run.filter(|_| !app.model.events.is_empty()) else {
        return Some(format!(
            "tlsviz: {flag}: not written: nothing crossed the wire"
        ));
    };
    if !app.model.run.tls {
        return Some(format!(
            "tlsviz: {flag}: not written: a plaintext connection (tlsviz keeps none of its bytes)"
        ));
    }
    Some(
        match write(
            &Dest::File(path),
            run,
            &app.model.events,
            options.pcap_secrets,
        ) {
            Ok((_, true)) => format!(
                "tlsviz: capture with TLS secrets written to {}",
                path.display()
            ),
            Ok((_, false)) => format!("tlsviz: capture written to {}", path.display()),
            Err((e, _)) => format!("tlsviz: {flag}: not written: {}", why_not(&e, None)),
        },
    )
}

enum Dest<'a> {
    File(&'a Path),
    Fresh(String),
}

/// Writes; on success the path and whether secrets went in.
fn write(
    target: &Dest<'_>,
    run: &RunCapture,
    events: &[Stamped],
    with_secrets: bool,
) -> Result<(PathBuf, bool), (PcapError, Option<PathBuf>)> {
    let keylog = with_secrets
        .then(|| run.keylog.as_ref().map(|k| k.contents()))
        .flatten()
        .filter(|k| !k.is_empty());
    let keylog = keylog.as_ref().map(|k| k.as_slice());
    let secrets = keylog.is_some();
    match target {
        Dest::File(path) => crate::report::pcap::write(path, run.started, events, keylog)
            .map(|()| (path.to_path_buf(), secrets))
            .map_err(|e| (e, Some(path.to_path_buf()))),
        Dest::Fresh(stem) => {
            crate::report::pcap::write_fresh(Path::new("."), stem, run.started, events, keylog)
                .map(|path| (path, secrets))
                .map_err(|e| (e, None))
        }
    }
}

fn why_not(e: &PcapError, path: Option<&Path>) -> String {
    match (e, path) {
        (PcapError::NotConnected, _) => {
            "nothing crossed the wire yet (no TCP connection): no capture written".into()
        }
        (PcapError::NoBytes, _) => "this run kept no record bytes: no capture written".into(),
        (PcapError::Io(e), Some(path)) => format!("cannot write {}: {e}", path.display()),
        (PcapError::Io(e), None) => format!("cannot write a capture in the current folder: {e}"),
    }
}

/// `tlsviz-<scenario, "lesson" or host>-<UTC time>`: a name that says what it holds.
pub fn stem(app: &App, lab: bool) -> String {
    let label = match &app.scenario {
        Some(card) => card.name.clone(),
        None if lab => "lesson".into(),
        None => app.model.run.host.clone(),
    };
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let time = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    format!("tlsviz-{}-{time}", label.trim_matches('-'))
}

/// A run's events for `--record`: the records' bytes left out unless `--bytes` was asked for
/// (the TUI keeps them for `w`, recordings stay as they were).
pub fn for_recording(events: &[Stamped], run: Option<&RunCapture>) -> Vec<Stamped> {
    let keep = run.is_none_or(|r| r.bytes_asked);
    events
        .iter()
        .cloned()
        .map(|mut stamped| {
            if let (false, Event::Record(info)) = (keep, &mut stamped.event) {
                info.bytes = None;
            }
            stamped
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::app::{Mode, Origin};
    use crate::ui::testing::{app, fixture, model_after_presses};

    fn run() -> RunCapture {
        RunCapture {
            started: SystemTime::now(),
            keylog: None,
            bytes_asked: false,
            lab: true,
        }
    }

    #[test]
    fn nothing_is_written_for_a_replay_an_empty_run_or_a_plaintext_one() {
        let options = UiOptions::default();
        let mut replay = app(
            model_after_presses(&fixture("tls13-mutual-ok"), 9),
            Mode::Wire,
        );
        replay.origin = Origin::Replay { label: None };
        let (line, written) = write_shown(&replay, Some(&run()), &options, Ask::Plain);
        assert!(
            !written && line.starts_with("a replay has no connection"),
            "{line}"
        );

        let empty = app(crate::model::Model::new(), Mode::Wire);
        let (line, written) = write_shown(&empty, Some(&run()), &options, Ask::Plain);
        assert!(
            !written && line.starts_with("nothing crossed the wire yet"),
            "{line}"
        );

        let plain = app(model_after_presses(&fixture("plaintext-ok"), 9), Mode::Wire);
        let (line, written) = write_shown(&plain, Some(&run()), &options, Ask::Plain);
        assert!(
            !written && line.starts_with("a plaintext connection"),
            "{line}"
        );
    }

    #[test]
    fn capital_w_adds_secrets_only_on_the_lab_or_with_the_flag() {
        let options = UiOptions::default();
        assert_eq!(secrets_refused(Some(&run()), &options), None);
        let foreign = RunCapture {
            lab: false,
            ..run()
        };
        assert!(secrets_refused(Some(&foreign), &options)
            .is_some_and(|why| why.contains("--pcap-secrets")));
        let flagged = UiOptions {
            pcap_secrets: true,
            ..UiOptions::default()
        };
        assert_eq!(secrets_refused(Some(&foreign), &flagged), None);
    }

    #[test]
    fn recordings_keep_bytes_only_when_bytes_were_asked_for() {
        let mut events = fixture("tls13-mutual-ok");
        for e in &mut events {
            if let Event::Record(info) = &mut e.event {
                info.bytes = Some(Box::new(crate::engine::events::RecordBytes {
                    hex: vec![0x16, 3, 3, 0, 0],
                    fields: Vec::new(),
                    decrypted: None,
                }));
            }
        }
        let has_bytes = |events: &[Stamped]| {
            events
                .iter()
                .any(|e| matches!(&e.event, Event::Record(i) if i.bytes.is_some()))
        };
        assert!(!has_bytes(&for_recording(&events, Some(&run()))));
        let asked = RunCapture {
            bytes_asked: true,
            ..run()
        };
        assert!(has_bytes(&for_recording(&events, Some(&asked))));
        assert_eq!(for_recording(&events, Some(&asked)), events);
    }

    #[test]
    fn a_fresh_name_says_what_it_holds() {
        let mut a = app(crate::model::Model::new(), Mode::Wire);
        assert!(stem(&a, true).starts_with("tlsviz-lesson-"));
        a.model = model_after_presses(&fixture("tls13-mutual-ok"), 1);
        assert!(stem(&a, false).starts_with("tlsviz-localhost-"));
        a.scenario = Some(crate::ui::ScenarioCard {
            name: "expired".into(),
            ..Default::default()
        });
        assert!(stem(&a, true).starts_with("tlsviz-expired-"));
    }
}
