//! The event loop: one `select!` over the keyboard, the engine's events, a session being opened
//! and (only while autoplay is on) a tick. It owns the engine session and the terminal; it draws
//! only when something changed.

use super::app::{Action, App, Origin, Secrets};
use super::capture::{self, Ask, RunCapture};
use super::keys::handle_key;
use super::replay::Replay;
use super::session::{LiveSession, Opener, Source, UiOptions};
use super::theme::Theme;
use super::views;
use crate::engine::events::{Failure, Stamped};
use crate::engine::pace::{Pace, Stepper};
use crate::errors::UsageError;
use crate::runner::Run;
use crate::signals::{HangUp, Termination};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::future::BoxFuture;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use std::time::Duration;
use tokio::time::Instant;

/// A run in progress against a live session.
struct LiveRun {
    session: LiveSession,
    stepper: Stepper,
    /// `None` once the run's story is complete.
    run: Option<Run>,
    /// What `w` needs: the start time, the run's own key log.
    capture: RunCapture,
}

struct Loop {
    app: App,
    options: UiOptions,
    opener: Option<Opener>,
    /// The scenario of the run on screen (`None`: the default).
    current: Option<String>,
    /// The scenario being opened.
    wanted: Option<String>,
    live: Option<LiveRun>,
    opening: Option<BoxFuture<'static, Result<LiveSession, String>>>,
    replay: Option<Replay>,
    /// Something wrote to the terminal behind our back (a lab notice): repaint everything.
    repaint: bool,
    /// Runs opened so far (the one on screen is this one).
    runs: u64,
    /// The run `w` last wrote to `--pcap FILE` (then it is not written again at exit).
    pcap_written: Option<u64>,
    /// `W` was pressed once on the lab: the notice is on screen, a second `W` writes.
    secrets_armed: bool,
}

fn terminal_error(e: std::io::Error) -> UsageError {
    UsageError::new("terminal", e.to_string(), "use --plain")
}

/// Returns the exit code and a line for stderr once the terminal is restored (where the
/// `--pcap FILE` capture went, or why it was not written).
pub async fn run(
    terminal: &mut DefaultTerminal,
    source: Source,
    options: UiOptions,
) -> Result<(i32, Option<String>), UsageError> {
    let theme = Theme::new(options.light, options.no_color);
    let secrets = if options.show_secrets {
        Secrets::Flag
    } else {
        Secrets::Hidden
    };
    let mut this = match source {
        Source::Live {
            opener,
            first,
            cards,
        } => {
            let mut app = App::new(Origin::Live, theme);
            app.cards = cards;
            app.secrets = secrets;
            let mut this = Loop::new(app, options, Some(opener), None);
            this.open(first).await;
            this
        }
        Source::Replay { events, label } => {
            let mut app = App::new(Origin::Replay { label }, theme);
            app.secrets = secrets;
            let mut this = Loop::new(app, options, None, Some(Replay::new(&events)));
            this.next(false);
            this
        }
    };
    let result = this.run_loop(terminal).await;
    // `--pcap FILE`: the run on screen, unless `w` wrote it already.
    let note = match this.pcap_written {
        Some(run) if run == this.runs => None,
        _ => capture::write_at_exit(
            &this.app,
            this.live.as_ref().map(|l| &l.capture),
            &this.options,
        ),
    };
    this.stop_live().await;
    let code = match result? {
        // The user quit (q, Ctrl-C): not a failure, whatever the lesson was showing.
        Ended::Quit => 0,
        Ended::Signal => EXIT_INTERRUPTED,
    };
    Ok((code, note))
}

/// How the TUI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// q or Ctrl-C (a key in raw mode).
    Quit,
    /// SIGTERM, SIGINT from elsewhere, a hang-up, or the keyboard went away.
    Signal,
}

/// 128 + SIGINT, as the headless commands exit when stopped.
const EXIT_INTERRUPTED: i32 = 130;

async fn recv_live(live: &mut Option<LiveRun>) -> Option<Stamped> {
    match live.as_mut().and_then(|l| l.run.as_mut()) {
        Some(run) => run.next_event().await,
        None => std::future::pending().await,
    }
}

async fn next_opened(
    opening: &mut Option<BoxFuture<'static, Result<LiveSession, String>>>,
) -> Result<LiveSession, String> {
    match opening.as_mut() {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

impl Loop {
    fn new(app: App, options: UiOptions, opener: Option<Opener>, replay: Option<Replay>) -> Self {
        Self {
            app,
            options,
            opener,
            current: None,
            wanted: None,
            live: None,
            opening: None,
            replay,
            repaint: false,
            runs: 0,
            pcap_written: None,
            secrets_armed: false,
        }
    }

    async fn run_loop(&mut self, terminal: &mut DefaultTerminal) -> Result<Ended, UsageError> {
        let mut keys = EventStream::new();
        let mut dirty = true;
        let mut next_tick = Instant::now();
        let mut ticking = false;
        // Ctrl-C arrives as a key in raw mode; SIGTERM (or SIGINT from elsewhere) ends us too.
        let mut signals = Termination::install();
        // The terminal went away (window closed, tmux killed): stop the lab all the same.
        let mut hangup = HangUp::install();
        loop {
            if self.repaint {
                terminal.clear().map_err(terminal_error)?;
                self.repaint = false;
                dirty = true;
            }
            if dirty {
                self.app.now_unix = now_unix();
                terminal
                    .draw(|f| views::draw(f, &self.app))
                    .map_err(terminal_error)?;
                dirty = false;
            }
            if self.app.autoplay && !ticking {
                next_tick = Instant::now() + Duration::from_millis(self.app.autoplay_ms());
            }
            ticking = self.app.autoplay;
            tokio::select! {
                key = keys.next() => match key {
                    Some(Ok(TermEvent::Key(k))) => {
                        dirty = true;
                        let action = handle_key(&mut self.app, k);
                        if let Some(scenario) = cluster_scenario(&action) {
                            // A whole cluster: its node table, then back to the lesson.
                            if self.show_cluster(terminal, &scenario).await? {
                                return Ok(Ended::Signal);
                            }
                            continue;
                        }
                        if self.perform(action).await {
                            return Ok(Ended::Quit);
                        }
                    }
                    Some(Ok(TermEvent::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(terminal_error(e)),
                    None => return Ok(Ended::Signal),
                },
                event = recv_live(&mut self.live) => {
                    dirty = true;
                    match event {
                        Some(stamped) => {
                            self.app.apply(stamped);
                            // Take whatever else is already there before drawing.
                            if let Some(run) = self.live.as_mut().and_then(|l| l.run.as_mut()) {
                                while let Some(more) = run.try_next() {
                                    self.app.apply(more);
                                }
                            }
                        }
                        None => self.run_ended(),
                    }
                },
                opened = next_opened(&mut self.opening) => {
                    dirty = true;
                    self.opening = None;
                    self.opened(opened);
                },
                _ = tokio::time::sleep_until(next_tick), if ticking => {
                    dirty = true;
                    self.next(true);
                    next_tick = Instant::now() + Duration::from_millis(self.app.autoplay_ms());
                },
                _ = signals.wait() => return Ok(Ended::Signal),
                _ = hangup.wait() => return Ok(Ended::Signal),
            }
        }
    }

    /// A cluster scenario from the picker: the lesson's run and lab stop, the cluster's node
    /// table takes the screen until q, then the lesson's scenario opens again. True when a
    /// signal ended it.
    async fn show_cluster(
        &mut self,
        terminal: &mut DefaultTerminal,
        scenario: &crate::scenario::Scenario,
    ) -> Result<bool, UsageError> {
        self.stop_live().await;
        self.app.reset_run();
        self.app.status = Some(format!("starting {}: a 3-node TLS cluster…", scenario.name));
        terminal
            .draw(|f| views::draw(f, &self.app))
            .map_err(terminal_error)?;
        let ended = super::topology_loop::run_picked(terminal, scenario, &self.options).await;
        self.repaint = true;
        self.open(self.current.clone()).await;
        match ended {
            Ok(super::topology_loop::Ended::Signal) => return Ok(true),
            Ok(_) => self.app.status = Some(format!("back from {}", scenario.name)),
            Err(e) => self.app.status = Some(format!("could not open {}: {e}", scenario.name)),
        }
        Ok(false)
    }

    /// Carry out a key's effect. True when the TUI should quit.
    async fn perform(&mut self, action: Action) -> bool {
        // `W`'s notice holds only until the next key.
        let armed = std::mem::take(&mut self.secrets_armed);
        match action {
            Action::None => {}
            Action::Quit => return true,
            Action::Next => self.next(false),
            Action::Restart => {
                if let Some(replay) = self.replay.as_mut() {
                    replay.rewind();
                    self.app.reset_run();
                    self.next(false);
                    self.app.status = Some("the recording starts again".into());
                } else {
                    self.open(self.current.clone()).await;
                }
            }
            Action::Open(scenario) => self.open(scenario).await,
            Action::Console(args) => match &self.live {
                Some(run) => run.stepper.console(args),
                None => self.app.status = Some("no connection".into()),
            },
            Action::Export => self.export(),
            Action::Capture { secrets } => self.capture(secrets, armed),
        }
        false
    }

    /// `w` / `W`: write the run on screen as a capture. `W` on the lab shows a one-line
    /// notice first and writes the secrets on the second press.
    fn capture(&mut self, secrets: bool, armed: bool) {
        let run = self.live.as_ref().map(|l| &l.capture);
        let ask = if secrets && !self.options.pcap_secrets && !self.app.is_replay() {
            if let Some(why) = capture::secrets_refused(run, &self.options) {
                self.app.status = Some(why.into());
                return;
            }
            if !armed {
                self.secrets_armed = true;
                self.app.status = Some(capture::SECRETS_NOTICE.into());
                return;
            }
            Ask::Secrets
        } else {
            Ask::Plain
        };
        let (said, written) = capture::write_shown(&self.app, run, &self.options, ask);
        if written && self.options.pcap.is_some() {
            self.pcap_written = Some(self.runs);
        }
        self.app.status = Some(said);
    }

    /// Space: let the engine take its next step, or reveal the recording's next step.
    /// `quiet`: from the autoplay tick, which says nothing when there is nothing to do.
    fn next(&mut self, quiet: bool) {
        if quiet && self.app.look_back.is_some() {
            // Autoplay waits while the class looks back.
            return;
        }
        if self.app.predict.blocks_next() {
            // Autoplay waits for the class's prediction too.
            if !quiet {
                self.app.status = Some(self.app.why_predict_first());
            }
            return;
        }
        if let Some(replay) = self.replay.as_mut() {
            if replay.at_end() {
                if !quiet {
                    self.app.status = Some(self.app.why_no_step());
                }
                self.app.autoplay = false;
                return;
            }
            let events = replay.reveal().to_vec();
            for e in events {
                self.app.apply(e);
            }
            return;
        }
        if self.app.take_permit() {
            if let Some(run) = &self.live {
                run.stepper.next();
            }
        } else if !quiet {
            self.app.status = Some(self.app.why_no_step());
        }
    }

    /// Stop the run on screen and its lab, then open a fresh session.
    async fn open(&mut self, scenario: Option<String>) {
        let Some(opener) = self.opener.clone() else {
            return;
        };
        self.stop_live().await;
        self.app.reset_run();
        self.app.opening = true;
        self.wanted = scenario.clone();
        self.opening = Some(opener(scenario));
    }

    fn opened(&mut self, result: Result<LiveSession, String>) {
        // On success, `opening` stays set until the engine's first event arrives.
        self.app.opening = result.is_ok();
        // Whatever the lab printed while starting is under our screen now.
        self.repaint = true;
        match result {
            Ok(session) => {
                self.current = self.wanted.take();
                self.app.scenario = session.scenario.clone();
                self.app.conf_lines = session.conf_lines.clone();
                self.app.redis_cli = session.redis_cli.clone();
                if session.lab.is_some() && self.app.secrets == Secrets::Hidden {
                    // The lab's lesson: throwaway keys, shown after a notice (issue 11).
                    self.app.secrets = Secrets::Lab {
                        acknowledged: false,
                    };
                }
                if let Some(notice) = &session.notice {
                    self.app.status = Some(format!("notice: {notice}"));
                }
                let (pace, stepper) = Pace::manual();
                // Every run keeps its records' bytes (a handshake's worth) for `w`, and its
                // own key log where secrets may be written: a new run, a new key log.
                let mut target = session.target.clone();
                let capture = RunCapture::arm(
                    &mut target,
                    session.lab.is_some(),
                    self.options.pcap_secrets,
                );
                self.runs += 1;
                // The second opinion runs beside the lesson, as in the headless trace; its
                // event arrives whenever the other tool answers.
                let run = Run::start_with(target, pace, session.cross_check.clone());
                self.live = Some(LiveRun {
                    session,
                    stepper,
                    run: Some(run),
                    capture,
                });
            }
            Err(message) => {
                let name = self
                    .wanted
                    .take()
                    .unwrap_or_else(|| "the default lesson".into());
                self.app.status = Some(format!(
                    "could not open {name}: {message} (r tries the previous one again)"
                ));
            }
        }
    }

    /// The engine has finished: the run's story is complete.
    fn run_ended(&mut self) {
        if let Some(live) = self.live.as_mut() {
            live.run = None;
        }
        let cancelled = matches!(self.app.model.failure, Some(Failure::Cancelled { .. }));
        if let Some(path) = &self.options.record {
            if !cancelled && !self.app.model.events.is_empty() {
                let events = capture::for_recording(
                    &self.app.model.events,
                    self.live.as_ref().map(|l| &l.capture),
                );
                self.app.status = Some(
                    match crate::report::record::write(path, self.current.as_deref(), &events) {
                        Ok(()) => format!("run recorded to {}", path.display()),
                        Err(e) => format!("--record {}: cannot write: {e}", path.display()),
                    },
                );
            }
        }
    }

    /// Cancel the run (dropping the stepper), wait for the engine, then stop the lab. A session
    /// still being opened is waited for and stopped too, so no lab outlives the TUI.
    async fn stop_live(&mut self) {
        if let Some(opening) = self.opening.take() {
            if let Ok(Ok(session)) = tokio::time::timeout(Duration::from_secs(15), opening).await {
                session.close().await;
            }
        }
        let Some(run) = self.live.take() else {
            return;
        };
        let LiveRun {
            session,
            stepper,
            run,
            capture: _,
        } = run;
        drop(stepper);
        // A waiting engine stops at once; one blocked on the network is cut off.
        if let Some(run) = run {
            run.stop(Duration::from_secs(1)).await;
        }
        session.close().await;
    }

    fn export(&mut self) {
        let stamp = time::OffsetDateTime::now_utc();
        let name = stamp
            .format(time::macros::format_description!(
                "tlsviz-transcript-[year][month][day]-[hour][minute][second].md"
            ))
            .unwrap_or_else(|_| "tlsviz-transcript.md".into());
        let generated = stamp
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_default();
        let class =
            super::transcript::classwork(&self.app.predict, &self.app.questions, &self.app.quiz);
        let md = super::transcript::markdown(
            self.app.shown(),
            self.app.scenario.as_ref().map(|c| c.name.as_str()),
            &generated,
            &class,
        );
        let path = std::env::current_dir()
            .map(|d| d.join(&name))
            .unwrap_or_else(|_| name.clone().into());
        self.app.status = Some(match std::fs::write(&path, md) {
            Ok(()) => format!("transcript saved to {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        });
    }
}

/// The cluster scenario a key asks to open (the picker's Enter), if it is one.
fn cluster_scenario(action: &Action) -> Option<crate::scenario::Scenario> {
    match action {
        Action::Open(Some(name)) => crate::scenario::load(name).ok().filter(|s| s.lab.cluster),
        _ => None,
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
