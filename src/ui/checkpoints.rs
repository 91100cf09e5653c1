//! The lesson's tracker checkpoints (Start, after 3, after 4, after 6, Final) read from a model,
//! plus the close after step 9. Shared by the table, the tracker, the sidebar and the transcript.
//! The last two rows say which step they follow ("Final (8)", "Closed (9)"), so the grid reads
//! in step order.

use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::tracker::{EncryptionStatus, Tracker};
use crate::model::{Model, Outcome};

/// The lesson's final checkpoint: the connection at work, after step 8.
pub const FINAL: &str = "Final (8)";
/// After step 9: the connection closed.
pub const CLOSED: &str = "Closed (9)";

pub struct Checkpoint {
    pub label: &'static str,
    /// `None`: not reached (yet).
    pub tracker: Option<Tracker>,
}

/// The tracker before step 1.
pub fn start(model: &Model) -> Tracker {
    let mut t = Tracker::default();
    if !model.events.is_empty() && !model.run.tls {
        t.encryption_status = EncryptionStatus::Off;
    }
    t
}

/// The tracker right after `step`, if that step has ended.
pub fn after(model: &Model, step: Step) -> Option<Tracker> {
    let row = model.step(step)?;
    match row.status {
        StepStatus::Done | StepStatus::Skipped | StepStatus::Failed => row.tracker_after.clone(),
        _ => None,
    }
}

/// The lesson's five checkpoints and the close. "Final (8)" is the connection at work after step
/// 8 ("Final ✗": where a failed run ended); "Closed (9)" is the connection after step 9.
pub fn checkpoints(model: &Model) -> Vec<Checkpoint> {
    let failed = model.outcome == Outcome::Failed;
    let reached = |step: Step| after(model, step);
    let final_tracker = if failed {
        Some(model.tracker.clone())
    } else {
        reached(Step::Data)
    };
    vec![
        Checkpoint {
            label: "Start",
            tracker: (!model.events.is_empty()).then(|| start(model)),
        },
        Checkpoint {
            label: "After 3",
            tracker: reached(Step::ServerCertificate),
        },
        Checkpoint {
            label: "After 4",
            tracker: reached(Step::Verify),
        },
        Checkpoint {
            label: "After 6",
            tracker: reached(Step::KeyExchange),
        },
        Checkpoint {
            label: if failed { "Final ✗" } else { FINAL },
            tracker: final_tracker,
        },
        Checkpoint {
            label: CLOSED,
            tracker: if failed { None } else { reached(Step::Close) },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::{fixture, model_after};

    #[test]
    fn final_is_the_working_connection_and_after_9_the_close() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let cps = checkpoints(&model);
        let triple = |i: usize| cps[i].tracker.as_ref().map(|t| t.triple());
        let t = |a: &str, b: &str, c: &str| Some((a.into(), b.into(), c.into()));
        assert_eq!(triple(0), t("Disconnected", "None", "Unknown"));
        assert_eq!(
            triple(1),
            t("Handshake started", "Handshake encrypted", "Received")
        );
        assert_eq!(triple(3), t("Keys established", "Established", "Verified"));
        assert_eq!(
            triple(4),
            t("Encrypted and connected", "Active", "Verified")
        );
        assert_eq!(triple(5), t("Closed", "Off", "Verified"));
        let labels: Vec<_> = cps.iter().map(|c| c.label).collect();
        assert_eq!(
            labels,
            [
                "Start",
                "After 3",
                "After 4",
                "After 6",
                "Final (8)",
                "Closed (9)"
            ],
            "the rows name their step, in step order"
        );
    }

    #[test]
    fn a_failed_run_ends_in_failed_and_later_checkpoints_stay_empty() {
        let model = model_after(&fixture("untrusted-ca"), Step::Close);
        let cps = checkpoints(&model);
        assert!(cps[1].tracker.is_some(), "step 3 was reached");
        assert!(cps[3].tracker.is_none(), "step 6 never happened");
        let last = cps[4].tracker.as_ref().map(|t| t.triple());
        assert_eq!(last.map(|t| t.0), Some("Failed".to_string()));
        assert_eq!(cps[4].label, "Final ✗");
        assert!(cps[5].tracker.is_none());
    }
}
