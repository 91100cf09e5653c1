//! `tlsviz cluster` / `tlsviz sentinel` on a terminal. The check runs in its own task (the
//! nodes in parallel, as headless), telling what it finds as it goes; the table fills in from
//! that. Enter opens a finished run in the nine-mode viewer, the same `App` and views a replay
//! uses (no network: the run is over), with Esc or q back to the table; `r` checks again.

use super::app::{Action, App, Origin};
use super::keys::handle_key;
use super::replay::Replay;
use super::session::UiOptions;
use super::theme::Theme;
use super::topology::{TopologyAction, TopologyApp, TopologySource};
use super::views;
use crate::diagnose::topology::SetupKind;
use crate::engine::events::Stamped;
use crate::errors::UsageError;
use crate::signals::{HangUp, Termination};
use crate::topology::{cluster, sentinel, CheckOptions, Found, Progress, TopologyReport};
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// 128 + SIGINT, as the headless commands exit when stopped.
const EXIT_INTERRUPTED: i32 = 130;

/// How a screen ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    /// Back to the table (the viewer only).
    Back,
    /// q or Ctrl-C.
    Quit,
    /// SIGTERM, SIGINT from elsewhere, a hang-up, or the keyboard went away.
    Signal,
}

fn terminal_error(e: std::io::Error) -> UsageError {
    UsageError::new("terminal", e.to_string(), "use --plain")
}

/// A check in progress: its task (aborting it drops every engine it runs) and what it found.
struct Checking {
    task: Option<JoinHandle<TopologyReport>>,
    found: UnboundedReceiver<Found>,
}

impl Checking {
    fn start(source: &TopologySource) -> Checking {
        let (progress, found) = Progress::channel();
        let options = CheckOptions {
            sni_given: source.sni_given,
            cross_check: source.cross_check.clone(),
            progress,
        };
        let target = source.target.clone();
        let (kind, master) = (source.kind, source.master.clone());
        let task = tokio::spawn(async move {
            match (kind, master) {
                (SetupKind::Sentinel, Some(name)) => {
                    sentinel::check_sentinel(&target, &options, &name).await
                }
                _ => cluster::check_cluster(&target, &options).await,
            }
        });
        Checking {
            task: Some(task),
            found,
        }
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Checking {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn finished(task: &mut Option<JoinHandle<TopologyReport>>) -> Option<TopologyReport> {
    match task.as_mut() {
        Some(handle) => {
            let report = handle.await.ok();
            *task = None;
            report
        }
        None => std::future::pending().await,
    }
}

/// A cluster scenario picked in the lesson's scenario picker: its cluster started, its node
/// table shown until q (back to the lesson) or a signal, its cluster stopped. `Err`: one line
/// for the lesson's status bar.
pub(super) async fn run_picked(
    terminal: &mut DefaultTerminal,
    scenario: &crate::scenario::Scenario,
    options: &UiOptions,
) -> Result<Ended, String> {
    let session = crate::scenario::start_cluster(scenario, crate::lab::ServerChoice::Auto)
        .await
        .map_err(|e| e.to_string())?;
    let source = TopologySource {
        kind: SetupKind::Cluster,
        master: None,
        sni_given: session.spec.sni.is_some(),
        target: session.target,
        cross_check: None,
        scenario: Some(super::session::ScenarioCard {
            name: scenario.name.clone(),
            title: scenario.title.clone(),
            summary: scenario.summary.clone(),
            lesson: scenario.lesson.trim().to_string(),
        }),
        conf_lines: session.lab.conf_lines.clone(),
        lab: None,
    };
    let theme = Theme::new(options.light, options.no_color);
    let mut app = TopologyApp::new(source.kind, seed_of(&source), theme);
    app.scenario = source.scenario.clone();
    app.conf_lines = source.conf_lines.clone();
    app.quit_word = "back to the lesson";
    let _ = terminal.clear();
    let ended = drive(terminal, &mut app, &source).await;
    session.lab.stop().await;
    ended.map_err(|e| e.to_string())
}

fn seed_of(source: &TopologySource) -> String {
    crate::engine::host_port(&source.target.host, source.target.port)
}

/// Run the topology TUI until the user quits. 0 when the last check found every node fine,
/// 1 when anything failed (or no check finished), 130 on a signal. The lab (a scenario's) is
/// stopped before returning.
pub async fn run(
    terminal: &mut DefaultTerminal,
    mut source: TopologySource,
    options: UiOptions,
) -> Result<i32, UsageError> {
    let theme = Theme::new(options.light, options.no_color);
    let mut app = TopologyApp::new(source.kind, seed_of(&source), theme);
    app.master = source.master.clone();
    app.scenario = source.scenario.clone();
    app.conf_lines = source.conf_lines.clone();
    app.cross_check = source.cross_check.is_some();
    let result = drive(terminal, &mut app, &source).await;
    if let Some(lab) = source.lab.take() {
        lab.stop().await;
    }
    Ok(match result? {
        Ended::Signal => EXIT_INTERRUPTED,
        _ if app.report.as_ref().is_some_and(TopologyReport::all_fine) => 0,
        _ => 1,
    })
}

async fn drive(
    terminal: &mut DefaultTerminal,
    app: &mut TopologyApp,
    source: &TopologySource,
) -> Result<Ended, UsageError> {
    let mut keys = EventStream::new();
    let mut signals = Termination::install();
    let mut hangup = HangUp::install();
    let mut checking = Checking::start(source);
    loop {
        terminal
            .draw(|f| views::topology::draw(f, app))
            .map_err(terminal_error)?;
        tokio::select! {
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) => match app.key(k) {
                    TopologyAction::None => {}
                    TopologyAction::Quit => return Ok(Ended::Quit),
                    TopologyAction::Recheck => {
                        checking.stop();
                        app.reset();
                        app.status = Some("checking again…".into());
                        checking = Checking::start(source);
                    }
                    TopologyAction::Open(index) => {
                        let Some(model) = app.run_of(index) else { continue };
                        let events = model.events.clone();
                        let label = match (index, app.kind) {
                            (0, SetupKind::Cluster) => format!("seed {}", app.address_of(0)),
                            (0, SetupKind::Sentinel) => format!("sentinel {}", app.address_of(0)),
                            (i, _) => format!("node {}", app.address_of(i)),
                        };
                        let ended = view_run(
                            terminal,
                            &mut keys,
                            &mut signals,
                            &mut hangup,
                            &events,
                            label,
                            app.theme,
                        )
                        .await?;
                        if ended != Ended::Back {
                            return Ok(ended);
                        }
                        // Whatever arrived meanwhile is taken below, as it comes.
                        terminal.clear().map_err(terminal_error)?;
                    }
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(terminal_error(e)),
                None => return Ok(Ended::Signal),
            },
            Some(found) = checking.found.recv() => {
                app.apply(found);
                while let Ok(more) = checking.found.try_recv() {
                    app.apply(more);
                }
            },
            report = finished(&mut checking.task) => {
                // Verdicts told before the end are in the report too: take it as the truth.
                while checking.found.try_recv().is_ok() {}
                match report {
                    Some(report) => {
                        app.finish(report);
                        app.status = None;
                    }
                    None => app.status = Some("the check stopped without a report".into()),
                }
            },
            _ = signals.wait() => return Ok(Ended::Signal),
            _ = hangup.wait() => return Ok(Ended::Signal),
        }
    }
}

/// One finished run in the nine-mode viewer, shown whole (← looks back step by step, r plays
/// it again from the top). Esc (with nothing open) or q returns to the table.
async fn view_run(
    terminal: &mut DefaultTerminal,
    keys: &mut EventStream,
    signals: &mut Termination,
    hangup: &mut HangUp,
    events: &[Stamped],
    label: String,
    theme: Theme,
) -> Result<Ended, UsageError> {
    let mut app = App::new(Origin::Replay { label: Some(label) }, theme);
    app.q_does = "back";
    let mut replay = Replay::new(events);
    while !replay.at_end() {
        for e in replay.reveal().to_vec() {
            app.apply(e);
        }
    }
    app.status = Some("the whole run, as it happened · ← looks back · Esc or q: the table".into());
    terminal.clear().map_err(terminal_error)?;
    let mut next_tick = Instant::now();
    loop {
        app.now_unix = now_unix();
        terminal
            .draw(|f| views::draw(f, &app))
            .map_err(terminal_error)?;
        if app.autoplay {
            next_tick = next_tick.max(Instant::now());
        }
        tokio::select! {
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) => {
                    if back_to_table(&app, k) {
                        return Ok(Ended::Back);
                    }
                    match handle_key(&mut app, k) {
                        Action::Quit => return Ok(Ended::Quit),
                        Action::Next => reveal(&mut app, &mut replay),
                        Action::Restart => {
                            replay.rewind();
                            app.reset_run();
                            reveal(&mut app, &mut replay);
                            app.status = Some("the run from its start: space for each step".into());
                        }
                        Action::Open(_) | Action::Console(_) => {
                            app.status = Some("a finished run has no connection: r in the table checks again".into());
                        }
                        Action::Export => {
                            app.status = Some("transcripts come from tlsviz connect on this node".into());
                        }
                        Action::Capture { .. } => {
                            app.status = Some("a node check keeps no bytes: tlsviz connect --pcap FILE on this node writes a capture".into());
                        }
                        Action::None => {}
                    }
                    if app.autoplay {
                        next_tick = Instant::now() + Duration::from_millis(app.autoplay_ms());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(terminal_error(e)),
                None => return Ok(Ended::Signal),
            },
            _ = tokio::time::sleep_until(next_tick), if app.autoplay => {
                reveal(&mut app, &mut replay);
                next_tick = Instant::now() + Duration::from_millis(app.autoplay_ms());
            },
            _ = signals.wait() => return Ok(Ended::Signal),
            _ = hangup.wait() => return Ok(Ended::Signal),
        }
    }
}

/// q, or Esc with nothing open to close: back to the table (Ctrl-C still quits).
fn back_to_table(app: &App, key: KeyEvent) -> bool {
    if key.modifiers.contains(KeyModifiers::CONTROL)
        || key.kind == crossterm::event::KeyEventKind::Release
    {
        return false;
    }
    let nothing_open = !app.help && app.picker.is_none() && app.console.is_none();
    match key.code {
        KeyCode::Char('q') => nothing_open,
        KeyCode::Esc => nothing_open && app.look_back.is_none(),
        _ => false,
    }
}

/// The next step of the run (a replay reveals it), or why there is none.
fn reveal(app: &mut App, replay: &mut Replay) {
    if replay.at_end() {
        app.status = Some(app.why_no_step());
        app.autoplay = false;
        return;
    }
    for e in replay.reveal().to_vec() {
        app.apply(e);
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
