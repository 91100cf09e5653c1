//! Playing a recording: the events are revealed one step at a time, as a live run would show
//! them, with no network.

use crate::engine::events::{Event, Stamped};

/// A recording and how much of it is on screen.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    events: Vec<Stamped>,
    pos: usize,
}

impl Replay {
    pub fn new(events: &[Stamped]) -> Self {
        Self {
            events: with_waits(events),
            pos: 0,
        }
    }

    /// The events up to and including the next hold (a `Waiting`), at least one: what the
    /// engine would emit between two presses of space.
    pub fn reveal(&mut self) -> &[Stamped] {
        let start = self.pos;
        while let Some(stamped) = self.events.get(self.pos) {
            self.pos += 1;
            if matches!(stamped.event, Event::Waiting { .. }) {
                break;
            }
        }
        &self.events[start..self.pos]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.events.len()
    }

    pub fn rewind(&mut self) {
        self.pos = 0;
    }
}

/// A recording made at full speed has no holds; put one before each step, as manual pacing
/// emits it, so the replay pauses where a live run would.
pub fn with_waits(events: &[Stamped]) -> Vec<Stamped> {
    let mut out: Vec<Stamped> = Vec::with_capacity(events.len() + 9);
    for stamped in events {
        if let Event::StepStarted { step } = stamped.event {
            let held = matches!(
                out.last().map(|s| &s.event),
                Some(Event::Waiting { step: w }) if *w == step
            );
            if !held {
                out.push(Stamped {
                    at_us: stamped.at_us,
                    event: Event::Waiting { step },
                });
            }
        }
        out.push(stamped.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::{RunInfo, Step};

    fn at(event: Event) -> Stamped {
        Stamped { at_us: 0, event }
    }

    fn kinds(events: &[Stamped]) -> Vec<String> {
        events
            .iter()
            .map(|s| match &s.event {
                Event::Waiting { step } => format!("wait{step}"),
                Event::StepStarted { step } => format!("start{step}"),
                Event::StepCompleted { step } => format!("done{step}"),
                Event::RunStarted(_) => "run".into(),
                _ => "other".into(),
            })
            .collect()
    }

    #[test]
    fn each_reveal_is_one_step() {
        let events = vec![
            at(Event::RunStarted(RunInfo::default())),
            at(Event::StepStarted {
                step: Step::Connect,
            }),
            at(Event::TcpConnected {
                peer: "p".into(),
                local: "l".into(),
            }),
            at(Event::StepCompleted {
                step: Step::Connect,
            }),
            at(Event::Waiting {
                step: Step::Handshake,
            }),
            at(Event::StepStarted {
                step: Step::Handshake,
            }),
            at(Event::StepCompleted {
                step: Step::Handshake,
            }),
        ];
        let mut replay = Replay::new(&events);
        assert_eq!(kinds(replay.reveal()), ["run", "wait1"]);
        assert_eq!(
            kinds(replay.reveal()),
            ["start1", "other", "done1", "wait2"]
        );
        assert!(!replay.at_end());
        assert_eq!(kinds(replay.reveal()), ["start2", "done2"]);
        assert!(replay.at_end());
        assert!(replay.reveal().is_empty());
        replay.rewind();
        assert_eq!(kinds(replay.reveal()), ["run", "wait1"]);
    }
}
