//! The teaching TUI. Views are pure functions of the model; the event loop owns the engine
//! session and the terminal.

pub mod session;

pub use session::{LiveSession, Opener, ScenarioCard, Source, UiOptions};

use crate::errors::UsageError;

/// Run the TUI until the user quits. Returns the exit code.
pub async fn run(_source: Source, _options: UiOptions) -> Result<i32, UsageError> {
    Err(UsageError::new(
        "tui",
        "the TUI is not built yet",
        "use --plain or --json",
    ))
}
