//! The teaching TUI. Views are pure functions of the state (`app`, the model); the event loop
//! owns the engine session and the terminal.

pub mod app;
pub mod capture;
pub mod checkpoints;
pub mod checks;
mod compare_loop;
pub mod console;
mod event_loop;
pub mod keys;
pub mod lesson;
pub mod predict;
pub mod quiz;
pub mod quiz_run;
pub mod replay;
pub mod session;
pub mod theme;
pub mod topology;
mod topology_loop;
pub mod transcript;
pub mod views;

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bytes;
#[cfg(test)]
mod tests_fixes;

pub use session::{CompareSource, LiveSession, Opener, ScenarioCard, Source, UiOptions};
pub use topology::TopologySource;

use crate::errors::UsageError;

/// Run the TUI until the user quits. Returns the exit code: 0 when the user quit (q, Ctrl-C),
/// whatever the run on screen did (a classroom's quit is not a failure); 130 when a signal
/// (SIGTERM, a hang-up) ended it. The terminal is restored on quit, on error, and (by ratatui's
/// hook) on panic.
pub async fn run(source: Source, options: UiOptions) -> Result<i32, UsageError> {
    let mut terminal = init_terminal()?;
    let result = event_loop::run(&mut terminal, source, options).await;
    ratatui::restore();
    let (code, note) = result?;
    if let Some(note) = note {
        // After the restore, so the line stays on the terminal (where the capture went).
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{note}");
    }
    Ok(code)
}

/// The terminal in raw mode on the alternate screen, or a one-line error (the terminal restored).
fn init_terminal() -> Result<ratatui::DefaultTerminal, UsageError> {
    ratatui::try_init().map_err(|e| {
        ratatui::restore();
        UsageError::new(
            "terminal",
            format!("cannot start the TUI: {e}"),
            "use --plain or --json",
        )
    })
}

/// `tlsviz compare` on a terminal: both connections stepped together. Returns 0 if both
/// succeeded, 1 if not; the terminal is restored and the lab (if any) stopped.
pub async fn run_compare(source: CompareSource, options: UiOptions) -> Result<i32, UsageError> {
    let mut terminal = match init_terminal() {
        Ok(t) => t,
        Err(e) => {
            if let Some(lab) = source.lab {
                lab.stop().await;
            }
            return Err(e);
        }
    };
    let result = compare_loop::run(&mut terminal, source, options).await;
    ratatui::restore();
    result
}

/// `tlsviz cluster` / `tlsviz sentinel` on a terminal: the node table, filled in as verdicts
/// arrive; Enter opens a run in the nine-mode viewer. 0 when the last check found every node
/// fine, 1 otherwise, 130 on a signal; the terminal is restored and a scenario's lab stopped.
pub async fn run_topology(source: TopologySource, options: UiOptions) -> Result<i32, UsageError> {
    let mut terminal = match init_terminal() {
        Ok(t) => t,
        Err(e) => {
            if let Some(lab) = source.lab {
                lab.stop().await;
            }
            return Err(e);
        }
    };
    let result = topology_loop::run(&mut terminal, source, options).await;
    ratatui::restore();
    result
}
