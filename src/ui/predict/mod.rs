//! Predict first (`p`): before each step the class says what will happen, then space lets the
//! step really happen and the prediction is marked.
//!
//! The choices are what this kind of step can do in this run (its TLS version, what the server
//! asked for), worded before the step. Which one is right is decided only afterwards, from the
//! events the step produced: each choice names a [`Happening`], and the step's events are read
//! into one. When none of the choices happened, the prediction is not scored and the step's own
//! result says what did.

mod ask;
mod happened;

pub use ask::ask;
pub use happened::happened;

use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::{Model, Outcome};

/// What a step did, as far as the predictions tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    TcpOpened,
    NoConnection,
    ServerHello13,
    ServerHello12,
    NoServerHello,
    CertificateClear,
    CertificateEncrypted,
    NoCertificate,
    Accepted,
    Refused,
    NotChecked,
    ClientCertificateClear,
    ClientCertificateEncrypted,
    EmptyCertificate,
    NotAsked,
    KeyShareClear,
    NothingCrosses,
    FinishedBothWays,
    ClientFinishedOnly,
    FinishedEarlier,
    ReplyEncrypted,
    ReplyClear,
    RedisError,
    Failed,
    CloseNotify,
    TcpCloseOnly,
    /// A wrong idea the lesson corrects: it never happens (the number tells them apart).
    Never(u8),
}

/// One lettered choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub text: String,
    pub happening: Happening,
}

/// The question on screen before a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub step: Step,
    pub question: String,
    pub choices: Vec<Choice>,
    /// The class's answer (0 = A); it may change until space is pressed.
    pub given: Option<usize>,
}

/// A prediction once its step has happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub step: Step,
    pub question: String,
    pub choices: Vec<String>,
    pub given: usize,
    /// The choice that happened (`None`: none of them did).
    pub right: Option<usize>,
    /// What the step's events showed (`None`: none of the things asked about).
    pub happening: Option<Happening>,
    /// What happened, in words: the right choice, or the step's own result.
    pub happened: String,
}

impl Graded {
    pub fn is_right(&self) -> bool {
        self.right == Some(self.given)
    }
}

/// Predict mode's state: on or off, the question on screen, the marked ones of this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Predict {
    pub on: bool,
    pub pending: Option<Prediction>,
    pub graded: Vec<Graded>,
}

impl Predict {
    /// (right, scored): predictions whose step did one of the choices.
    pub fn score(&self) -> (usize, usize) {
        let scored = self.graded.iter().filter(|g| g.right.is_some());
        let right = scored.clone().filter(|g| g.is_right()).count();
        (right, scored.count())
    }

    /// Whether space must wait: a question is on screen and nobody answered it.
    pub fn blocks_next(&self) -> bool {
        self.on && self.pending.as_ref().is_some_and(|p| p.given.is_none())
    }

    /// Take an answer for the question on screen; false when there is none or no such choice.
    pub fn answer(&mut self, choice: usize) -> bool {
        match self.pending.as_mut() {
            Some(p) if choice < p.choices.len() => {
                p.given = Some(choice);
                true
            }
            _ => false,
        }
    }

    pub fn toggle(&mut self, model: &Model) {
        self.on = !self.on;
        self.pending = None;
        self.sync(model);
    }

    /// A new run: nothing asked, nothing marked.
    pub fn reset(&mut self) {
        self.pending = None;
        self.graded.clear();
    }

    /// After each event: mark the question whose step has ended (from that step's events),
    /// then ask about the step the engine now waits for.
    pub fn sync(&mut self, model: &Model) {
        if let Some(p) = self.pending.take() {
            if !ended(model, p.step) {
                self.pending = Some(p);
            } else if let Some(given) = p.given {
                self.graded.push(grade(model, p, given));
            }
        }
        if !self.on || self.pending.is_some() || model.outcome != Outcome::Running {
            return;
        }
        if let Some(step) = model.waiting_for {
            if !self.graded.iter().any(|g| g.step == step) {
                self.pending = Some(ask(model, step));
            }
        }
    }
}

/// The step is over: done, skipped, failed or cut short, or the run ended without it.
fn ended(model: &Model, step: Step) -> bool {
    match model.step(step).map(|r| r.status) {
        Some(StepStatus::Pending | StepStatus::Waiting) | None => model.outcome != Outcome::Running,
        Some(StepStatus::Running) => false,
        Some(_) => true,
    }
}

fn grade(model: &Model, p: Prediction, given: usize) -> Graded {
    let happening = happened(model, p.step);
    let right = p
        .choices
        .iter()
        .position(|c| Some(c.happening) == happening);
    let happened = match right.and_then(|i| p.choices.get(i)) {
        Some(c) => c.text.clone(),
        None => model
            .step(p.step)
            .map(|r| r.result.trim_start_matches("✗ ").to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "the step did not happen".into()),
    };
    Graded {
        step: p.step,
        question: p.question,
        choices: p.choices.into_iter().map(|c| c.text).collect(),
        given,
        right,
        happening,
        happened,
    }
}

/// A fixed shuffle (xorshift, Fisher–Yates): the same run asks the same way, and no letter is
/// where the likely answer always sits.
pub fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    // splitmix64 first: nearby seeds (ports, step numbers) must not give nearby orders.
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x = (x ^ (x >> 31)) | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

#[cfg(test)]
mod tests;
