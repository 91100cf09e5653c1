//! Who decides when the next step may happen, and where events go.
//!
//! In manual mode every step waits for a permit; a permit is given by [`Stepper::next`] (the TUI's
//! space bar). The waits are real: nothing for the step is written to the socket before it.

use super::events::{Event, Stamped};
use super::step::Step;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Semaphore};

/// The engine was told to stop while it waited for a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

#[derive(Clone)]
pub enum Pace {
    /// No waiting and no sleeps: each step follows the previous one at once.
    Auto,
    /// Each step waits for a permit from the matching [`Stepper`].
    Manual(Gate),
}

impl Pace {
    /// A manual pace and the handle that lets its steps go.
    pub fn manual() -> (Pace, Stepper) {
        let sem = Arc::new(Semaphore::new(0));
        let (console_tx, console_rx) = mpsc::unbounded_channel();
        (
            Pace::Manual(Gate {
                sem: sem.clone(),
                console: Arc::new(tokio::sync::Mutex::new(console_rx)),
            }),
            Stepper { sem, console_tx },
        )
    }

    /// The next command typed in the Redis console, if paced by hand and one arrives.
    /// Never resolves in auto mode.
    pub async fn console_command(&self) -> Option<Vec<String>> {
        match self {
            Pace::Auto => std::future::pending().await,
            Pace::Manual(gate) => gate.console.lock().await.recv().await,
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(self, Pace::Manual(_))
    }

    /// Wait (asynchronously) until step `step` may happen.
    pub async fn wait(&self, step: Step, sink: &EventSink) -> Result<(), Cancelled> {
        match self {
            Pace::Auto => Ok(()),
            Pace::Manual(gate) => {
                sink.emit(Event::Waiting { step });
                let permit = gate.sem.acquire().await.map_err(|_| Cancelled)?;
                permit.forget();
                Ok(())
            }
        }
    }

    /// Wait from inside a synchronous rustls callback. The engine only calls rustls on a
    /// blocking thread in manual mode, so parking this thread holds the handshake, nothing else.
    pub fn wait_blocking(&self, step: Step, sink: &EventSink) -> Result<(), Cancelled> {
        match self {
            Pace::Auto => Ok(()),
            Pace::Manual(gate) => {
                sink.emit(Event::Waiting { step });
                let permit =
                    futures::executor::block_on(gate.sem.acquire()).map_err(|_| Cancelled)?;
                permit.forget();
                Ok(())
            }
        }
    }
}

#[derive(Clone)]
pub struct Gate {
    sem: Arc<Semaphore>,
    console: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Vec<String>>>>,
}

/// The "next" button. Dropping it cancels a run that is waiting.
pub struct Stepper {
    sem: Arc<Semaphore>,
    console_tx: mpsc::UnboundedSender<Vec<String>>,
}

impl Stepper {
    /// Send a command over the encrypted channel (the TUI's Redis console). It is sent while
    /// the engine holds before step 9; at other times it waits until then.
    pub fn console(&self, args: Vec<String>) {
        let _ = self.console_tx.send(args);
    }

    /// Let the next step happen.
    pub fn next(&self) {
        self.sem.add_permits(1);
    }

    /// Stop the run at its next wait.
    pub fn cancel(&self) {
        self.sem.close();
    }
}

impl Drop for Stepper {
    fn drop(&mut self) {
        self.sem.close();
    }
}

/// Where the engine's events go, each stamped with the time since the run started.
#[derive(Clone)]
pub struct EventSink {
    tx: mpsc::UnboundedSender<Stamped>,
    start: Instant,
}

impl EventSink {
    pub fn channel() -> (EventSink, mpsc::UnboundedReceiver<Stamped>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            EventSink {
                tx,
                start: Instant::now(),
            },
            rx,
        )
    }

    pub fn emit(&self, event: Event) {
        let at_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        // A receiver that has gone away (the user quit) is not the engine's problem.
        let _ = self.tx.send(Stamped { at_us, event });
    }
}
