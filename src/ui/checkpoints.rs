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

/// The tracker right after `step`, if that step has ended: what the client knew then. A step a
/// later failure is attributed to keeps the tracker it completed with (under TLS 1.3 the client
/// finished step 5 believing all was well; the refusal arrived at step 8), and the step where
/// the failure was noticed shows it.
pub fn after(model: &Model, step: Step) -> Option<Tracker> {
    let row = model.step(step)?;
    match row.status {
        StepStatus::Done | StepStatus::Skipped => row.tracker_after.clone(),
        StepStatus::Failed | StepStatus::Interrupted => row
            .completed_tracker
            .clone()
            .or_else(|| row.tracker_after.clone()),
        StepStatus::Pending | StepStatus::Waiting | StepStatus::Running => None,
    }
}

/// One row of the tracker's history: a step, its status and the tracker right after it.
pub struct HistoryRow {
    pub step: Step,
    pub status: StepStatus,
    pub tracker: Option<Tracker>,
    /// The run's failure belongs to this step but was noticed at a later one (this one).
    pub noticed_later: Option<Step>,
}

/// The tracker after every step, in the order the steps happened.
pub fn history(model: &Model) -> Vec<HistoryRow> {
    let noticed = model.failure.as_ref().map(|f| f.step());
    let cause = model.diagnosis.as_ref().map(|d| d.step);
    model
        .steps
        .iter()
        .map(|row| HistoryRow {
            step: row.step,
            status: row.status,
            tracker: after(model, row.step),
            noticed_later: match (cause, noticed) {
                (Some(c), Some(n)) if c == row.step && n > c => Some(n),
                _ => None,
            },
        })
        .collect()
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
    fn a_late_rejection_reads_in_order_nothing_connected_after_failed() {
        let model = model_after(&fixture("missing-client-cert"), Step::Close);
        let rows = history(&model);
        let state = |i: usize| {
            rows[i]
                .tracker
                .as_ref()
                .map(|t| t.connection_state.to_string())
                .unwrap_or_default()
        };
        assert_eq!(state(0), "TCP connected");
        assert_eq!(
            state(4),
            "Certificate verified",
            "step 5 completed: all looked well"
        );
        assert_eq!(rows[4].status, StepStatus::Failed);
        assert_eq!(rows[4].noticed_later, Some(Step::Data));
        assert_eq!(state(5), "Keys established");
        assert_eq!(state(6), "Encrypted and connected");
        assert_eq!(state(7), "Failed", "the alert arrived at step 8");
        let first_failed = (0..9).find(|&i| state(i) == "Failed");
        assert_eq!(first_failed, Some(7));
        assert!((7..9).all(|i| !state(i).contains("connected")));
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
