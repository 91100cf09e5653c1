//! `connect --resume` (and a scenario with `resume = true`): two connections sharing one session
//! store, so the second resumes the first one's session if the server lets it.

use super::run::{drive, exit_code, Face, Story, Termination};
use super::{EXIT_FAILED, EXIT_INTERRUPTED};
use crate::crosscheck::CrossCheckSpec;
use crate::engine::events::Failure;
use crate::engine::Target;
use crate::model::{Model, Outcome};
use crate::report::plain::wrap;
pub use crate::target::sharing_sessions;

/// Run the two connections headless, one after the other, each shown in full (JSON: two runs,
/// each ending with its summary). Returns the exit code: the worse of the two.
pub async fn drive_pair(
    target: Target,
    cross_check: Option<CrossCheckSpec>,
    face: Face,
    story: Story<'_>,
    stop: &mut Termination,
) -> i32 {
    let plain = face == Face::Plain;
    if plain {
        banner("connection 1 of 2: a full handshake; the session it leaves is kept for the second");
    }
    let first = drive(target.clone(), cross_check, face, None, story, stop).await;
    if cancelled(&first) {
        return EXIT_INTERRUPTED;
    }
    let second = if first.outcome == Outcome::Ok {
        if plain {
            say!();
            banner("connection 2 of 2: resuming the first connection's session");
        }
        Some(drive(target, None, face, None, Story::default(), stop).await)
    } else {
        None
    };
    if plain {
        say!();
        for sentence in crate::report::resume::verdict(&first, second.as_ref()) {
            for line in wrap(&sentence, 100) {
                say!("{line}");
            }
        }
    }
    match &second {
        Some(model) if cancelled(model) => EXIT_INTERRUPTED,
        Some(model) => exit_code(model).max(exit_code(&first)),
        None => exit_code(&first).max(EXIT_FAILED),
    }
}

/// Prime a session for the TUI: the first connection runs silently, so the TUI steps through
/// the resumed one. `None` when it did not succeed (the TUI then shows a full handshake).
pub async fn prime(target: &Target) -> Option<Model> {
    let model = crate::runner::run_to_model(target).await;
    (model.outcome == Outcome::Ok).then_some(model)
}

fn cancelled(model: &Model) -> bool {
    matches!(model.failure, Some(Failure::Cancelled { .. }))
}

fn banner(text: &str) {
    say!("── {text} ──");
}
