//! What the TUI is given to show: a live session (opened on demand, so `r` restarts and the
//! scenario picker switches) or a recording.

use crate::crosscheck::CrossCheckSpec;
use crate::engine::events::Stamped;
use crate::engine::Target;
use crate::lab::Lab;
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::sync::Arc;

/// A scenario as the picker and the header show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioCard {
    pub name: String,
    pub title: String,
    pub summary: String,
    /// What to notice, which step matters.
    pub lesson: String,
}

/// One connection ready to run: the target, and the lab serving it (stopped when dropped).
pub struct LiveSession {
    pub target: Target,
    pub lab: Option<Lab>,
    pub scenario: Option<ScenarioCard>,
    /// The lab server's redis.conf TLS lines (mode 2, Sample), empty for a foreign server.
    pub conf_lines: Vec<String>,
    /// The equivalent redis-cli command line (mode 2).
    pub redis_cli: String,
    /// Something the user must know about this session (the lab fell back to the built-in
    /// server), shown in the status line.
    pub notice: Option<String>,
    /// The second opinion to ask beside the run (`connect` without `--no-cross-check`; never
    /// for the lab's own lesson and scenarios).
    pub cross_check: Option<CrossCheckSpec>,
}

impl LiveSession {
    /// Stop the session's lab (if any) off the async threads.
    pub async fn close(self) {
        if let Some(lab) = self.lab {
            lab.stop().await;
        }
    }
}

/// Opens a fresh session: `None` for the default (or the same target again), `Some(name)` for a
/// scenario. Errors are one line for the status bar.
pub type Opener =
    Arc<dyn Fn(Option<String>) -> BoxFuture<'static, Result<LiveSession, String>> + Send + Sync>;

pub enum Source {
    Live {
        opener: Opener,
        /// The scenario to open first (`None`: the default).
        first: Option<String>,
        /// What the scenario picker lists.
        cards: Vec<ScenarioCard>,
    },
    Replay {
        events: Vec<Stamped>,
        label: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub light: bool,
    /// NO_COLOR is set: no colour at all, meaning carried by symbols and words.
    pub no_color: bool,
    /// `--record FILE`: where each finished run's events are written.
    pub record: Option<PathBuf>,
    /// `--show-secrets`: runs recompute the key schedule and carry its values (in this process
    /// only; recordings never hold them). A view that shows them says so on screen.
    pub show_secrets: bool,
    /// `--pcap FILE`: where `w` writes the run's capture (replacing the file; without it, a
    /// fresh name in the current folder), and where the run on screen is written at exit
    /// unless `w` already wrote it.
    pub pcap: Option<PathBuf>,
    /// `--pcap-secrets`: captures carry the run's TLS key log.
    pub pcap_secrets: bool,
}

/// `tlsviz compare` on a terminal: the same server with TLS 1.2 and with TLS 1.3, stepped
/// together (each Space lets the next step really happen on both connections).
pub struct CompareSource {
    /// `[TLS 1.2, TLS 1.3]`.
    pub targets: [Target; 2],
    /// Where they connect, as the title says it.
    pub server: String,
    /// The lab serving them, stopped when the TUI ends.
    pub lab: Option<Lab>,
}
