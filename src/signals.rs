//! The signals that end a run: Ctrl-C and SIGTERM (and, for the TUI, a terminal hang-up).
//! Caught from the moment they are installed, so a signal that arrives while a lab starts still
//! stops it cleanly.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// Ctrl-C and SIGTERM.
pub struct Termination {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Termination {
    pub fn install() -> Self {
        Self {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Resolves at the next Ctrl-C or SIGTERM.
    pub async fn wait(&mut self) {
        tokio::select! {
            _ = next(&mut self.interrupt) => {}
            _ = next(&mut self.terminate) => {}
        }
    }
}

/// The terminal went away (window closed, tmux killed): whoever owns a lab must stop it anyway.
pub struct HangUp(Option<Signal>);

impl HangUp {
    pub fn install() -> Self {
        Self(signal(SignalKind::hangup()).ok())
    }

    pub async fn wait(&mut self) {
        next(&mut self.0).await
    }
}

/// The next delivery of a signal; never, when it could not be installed.
async fn next(signal: &mut Option<Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
