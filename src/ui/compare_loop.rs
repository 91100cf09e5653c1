//! `tlsviz compare` on a terminal: two runs paced by hand, the TLS 1.2 one and the TLS 1.3 one.
//! Space lets the next step happen on both: the step is allowed once both wait for it, and each
//! run gets its permit when it waits (so they move in lockstep even when one is slower).

use super::session::{CompareSource, UiOptions};
use super::theme::Theme;
use super::views::compare::{draw, CompareScreen};
use crate::engine::events::Stamped;
use crate::engine::pace::{Pace, Stepper};
use crate::engine::step::Step;
use crate::errors::UsageError;
use crate::model::{Model, Outcome};
use crate::report::compare::{Comparison, SIDES};
use crate::runner::Run;
use crate::signals::{HangUp, Termination};
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use std::time::Duration;

/// One of the two connections.
struct Side {
    run: Option<Run>,
    stepper: Stepper,
    model: Model,
    /// The last step this run was given its permit for (0: none).
    granted: u8,
}

impl Side {
    fn start(target: crate::engine::Target) -> Side {
        let (pace, stepper) = Pace::manual();
        Side {
            run: Some(Run::start(target, pace)),
            stepper,
            model: Model::new(),
            granted: 0,
        }
    }

    fn over(&self) -> bool {
        self.run.is_none() || self.model.outcome != Outcome::Running
    }

    /// The step this run waits for, if it waits.
    fn waiting(&self) -> Option<Step> {
        self.model.waiting_for.filter(|_| !self.over())
    }

    /// Give the permit for the step it waits for, if that step is allowed and not given yet.
    fn grant(&mut self, allowed: u8) {
        if let Some(step) = self.waiting() {
            if step.number() <= allowed && self.granted < step.number() {
                self.granted = step.number();
                self.stepper.next();
            }
        }
    }
}

async fn recv(run: &mut Option<Run>) -> Option<Stamped> {
    match run.as_mut() {
        Some(run) => run.next_event().await,
        None => std::future::pending().await,
    }
}

pub async fn run(
    terminal: &mut DefaultTerminal,
    source: CompareSource,
    options: UiOptions,
) -> Result<i32, UsageError> {
    let CompareSource {
        targets,
        server,
        lab,
    } = source;
    let theme = Theme::new(options.light, options.no_color);
    let mut sides = targets.map(Side::start);
    let result = drive(terminal, &mut sides, &server, theme).await;
    // Dropping the steppers cancels waiting runs; a run blocked on the network is cut off.
    for side in sides {
        drop(side.stepper);
        if let Some(run) = side.run {
            run.stop(Duration::from_secs(1)).await;
        }
    }
    if let Some(lab) = lab {
        lab.stop().await;
    }
    result
}

async fn drive(
    terminal: &mut DefaultTerminal,
    sides: &mut [Side; 2],
    server: &str,
    theme: Theme,
) -> Result<i32, UsageError> {
    let terminal_error =
        |e: std::io::Error| UsageError::new("terminal", e.to_string(), "use --plain");
    let mut keys = EventStream::new();
    let mut signals = Termination::install();
    let mut hangup = HangUp::install();
    let mut allowed: u8 = 0;
    let mut scroll: u16 = 0;
    loop {
        let status = status(
            [&sides[0].model, &sides[1].model],
            [sides[0].over(), sides[1].over()],
            allowed,
        );
        let comparison = Comparison::new(&sides[0].model, &sides[1].model);
        let screen = CompareScreen {
            server,
            theme,
            status: &status,
            scroll,
        };
        terminal
            .draw(|f| draw(f, &screen, &comparison))
            .map_err(terminal_error)?;
        let [a, b] = sides;
        tokio::select! {
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => match k.code {
                    KeyCode::Char('q') | KeyCode::Esc => break,
                    KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => break,
                    KeyCode::Char(' ') | KeyCode::Right | KeyCode::Char('n') => {
                        // The next step, once every run still going waits for it.
                        let next = allowed + 1;
                        let ready = [&*a, &*b]
                            .iter()
                            .all(|s| s.over() || s.waiting().is_some_and(|w| w.number() == next));
                        if ready && [&*a, &*b].iter().any(|s| !s.over()) {
                            allowed = next;
                            a.grant(allowed);
                            b.grant(allowed);
                            scroll = 0;
                        }
                    }
                    KeyCode::Up => scroll = scroll.saturating_add(1),
                    KeyCode::Down => scroll = scroll.saturating_sub(1),
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(terminal_error(e)),
                None => break,
            },
            event = recv(&mut a.run) => match event {
                Some(stamped) => {
                    a.model.apply(stamped);
                    a.grant(allowed);
                }
                None => a.run = None,
            },
            event = recv(&mut b.run) => match event {
                Some(stamped) => {
                    b.model.apply(stamped);
                    b.grant(allowed);
                }
                None => b.run = None,
            },
            _ = signals.wait() => break,
            _ = hangup.wait() => break,
        }
    }
    let ok = sides.iter().all(|s| s.model.outcome == Outcome::Ok);
    Ok(if ok { 0 } else { 1 })
}

/// What Space will do now, or why it does nothing: from the two models, whether each run is
/// over, and the last step allowed.
pub(super) fn status(models: [&Model; 2], over: [bool; 2], allowed: u8) -> String {
    if over.iter().all(|o| *o) {
        let said: Vec<String> = models
            .iter()
            .zip(SIDES)
            .map(|(m, name)| match m.outcome {
                Outcome::Ok => format!("{name} ✓"),
                _ => format!("{name} ✗"),
            })
            .collect();
        // Short enough to stay whole beside the keys at 80 columns.
        return format!("over: {}", said.join(", "));
    }
    let next = allowed + 1;
    let waits = |i: usize, step: Step| over[i] || models[i].waiting_for == Some(step);
    match Step::from_number(next) {
        Some(step) if waits(0, step) && waits(1, step) => {
            format!("next: step {next}, {}", crate::model::steps::action(step))
        }
        _ => format!("step {allowed} in progress…"),
    }
}
