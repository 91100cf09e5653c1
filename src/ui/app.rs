//! The TUI's state: the mode on screen, the model, looking back, autoplay, the quiz, the
//! console, the overlays. Keys change it in [`super::keys`].

use super::lesson::{Lesson, Question};
use super::predict::Predict;
use super::quiz::Quiz;
use super::session::ScenarioCard;
use super::theme::Theme;
use crate::engine::events::{Event, Stamped};
use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::tracker::ConnectionState;
use crate::model::{Model, Outcome};

/// The nine learning modes, keys 1–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Flow,
    Sample,
    Table,
    Tracker,
    Wire,
    Certs,
    Moments,
    Quiz,
    Transcript,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Flow,
        Mode::Sample,
        Mode::Table,
        Mode::Tracker,
        Mode::Wire,
        Mode::Certs,
        Mode::Moments,
        Mode::Quiz,
        Mode::Transcript,
    ];

    pub fn number(self) -> usize {
        Mode::ALL.iter().position(|m| *m == self).unwrap_or(0) + 1
    }

    pub fn from_key(c: char) -> Option<Mode> {
        let n = c.to_digit(10)? as usize;
        Mode::ALL.get(n.checked_sub(1)?).copied()
    }

    pub fn title(self) -> &'static str {
        match self {
            Mode::Flow => "Flow",
            Mode::Sample => "Sample",
            Mode::Table => "Table",
            Mode::Tracker => "Tracker",
            Mode::Wire => "Wire",
            Mode::Certs => "Certificates",
            Mode::Moments => "Key moments",
            Mode::Quiz => "Quiz",
            Mode::Transcript => "Transcript",
        }
    }

    /// The short name the footer's tabs use.
    pub fn tab(self) -> &'static str {
        match self {
            Mode::Certs => "Certs",
            Mode::Moments => "Moments",
            other => other.title(),
        }
    }

    pub(crate) fn index(self) -> usize {
        self.number() - 1
    }
}

/// Autoplay intervals, slowest first.
pub const SPEEDS_MS: [u64; 5] = [4000, 2500, 1500, 800, 400];

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    /// Let the next step really happen (live) or reveal it (replay).
    Next,
    /// A fresh connection with the same scenario.
    Restart,
    /// A fresh connection for this scenario (`None`: the default lesson).
    Open(Option<String>),
    /// Send this command over the encrypted channel.
    Console(Vec<String>),
    /// Write the transcript as Markdown.
    Export,
    /// Write the run on screen as a pcapng capture (`w`); `secrets`: `W`, with its TLS secrets.
    Capture {
        secrets: bool,
    },
}

/// Where the keys go in Wire mode when the run has bytes (`--bytes`): the record list, the
/// selected record's fields, or the fields of its plaintext as tlsviz opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireFocus {
    #[default]
    Records,
    Fields,
    Opened,
}

/// Who may see the key schedule's values on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrets {
    /// Never (no `--show-secrets`, not the lab): the view draws the ladder with "hidden".
    #[default]
    Hidden,
    /// The lesson against the lab (throwaway keys): shown once the user has acknowledged a
    /// one-line notice (Enter in the key-schedule view).
    Lab { acknowledged: bool },
    /// `--show-secrets`: shown, under a banner.
    Flag,
}

impl Secrets {
    /// Whether values may be drawn now.
    pub fn shown(self) -> bool {
        matches!(self, Secrets::Flag | Secrets::Lab { acknowledged: true })
    }
}

/// Where the run comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Live,
    Replay { label: Option<String> },
}

pub struct App {
    pub mode: Mode,
    /// The live model: everything the run has told us.
    pub model: Model,
    /// Looking back: the checkpoint on screen, as the number of steps it comes after (0: before
    /// step 1, N: right after step N).
    pub look_back: Option<u8>,
    looked: Option<Model>,
    pub autoplay: bool,
    /// Index into [`SPEEDS_MS`].
    pub speed: usize,
    pub quiz: Quiz,
    /// The quiz's questions: this run's own (once it has ended) first, then the lesson's.
    pub questions: Vec<Question>,
    /// How many of `questions` are about this run.
    pub run_questions: usize,
    run_quiz_built: bool,
    /// The Redis console's input line, when the console is open.
    pub console: Option<String>,
    /// What the console says on its prompt line about the input (the limit reached, a quote
    /// left open); cleared by the next key.
    pub console_note: Option<String>,
    /// The console's history scrolled this many lines down (negative: up) from where it
    /// follows the newest command (its first lines in view); 0 follows it.
    pub console_scroll: i32,
    pub help: bool,
    /// The scenario picker's selection, when open (0: the default lesson, then the cards).
    pub picker: Option<usize>,
    /// Where the picker was left: it opens there again.
    pub picker_at: usize,
    pub cards: Vec<ScenarioCard>,
    pub scenario: Option<ScenarioCard>,
    pub conf_lines: Vec<String>,
    pub redis_cli: String,
    pub origin: Origin,
    /// What `q` does here, as the footer says it: "quit", or "back" in a viewer opened from
    /// another screen (a cluster node's run opened from the node table).
    pub q_does: &'static str,
    /// One line for the status bar: what just happened (an export, an error).
    pub status: Option<String>,
    pub theme: Theme,
    /// The clock the certificate view compares against (fixed in tests).
    pub now_unix: i64,
    /// Per mode: how far the view is scrolled.
    pub scroll: [u16; 9],
    /// Key moments: the selected moment.
    pub moment: usize,
    /// Wire: the selected record (index into the shown model's records); `None` follows the
    /// newest.
    pub record: Option<usize>,
    /// A fresh session is being opened (a lab starting).
    pub opening: bool,
    /// The step whose permit was already given, so a double press does not skip a step.
    released: Option<Step>,
    /// Predict first (`p`): the question before each step, and the marked ones.
    pub predict: Predict,
    /// Wire with bytes: where ↑↓ go (records, or a record's fields).
    pub wire_focus: WireFocus,
    /// Wire with bytes: the selected field, as a position in the field tree's walking order.
    pub wire_field: usize,
    /// The key-schedule view (`K`) is over the mode panel.
    pub keys_view: bool,
    /// How far the key-schedule view is scrolled.
    pub keys_scroll: u16,
    /// Who may see the key schedule's values.
    pub secrets: Secrets,
}

impl App {
    pub fn new(origin: Origin, theme: Theme) -> Self {
        Self {
            mode: Mode::Table,
            model: Model::new(),
            look_back: None,
            looked: None,
            autoplay: false,
            speed: 2,
            quiz: Quiz::new(Lesson::get().quiz.len()),
            questions: Lesson::get().quiz.clone(),
            run_questions: 0,
            run_quiz_built: false,
            console: None,
            console_note: None,
            console_scroll: 0,
            help: false,
            picker: None,
            picker_at: 0,
            cards: Vec::new(),
            scenario: None,
            conf_lines: Vec::new(),
            redis_cli: String::new(),
            origin,
            q_does: "quit",
            status: None,
            theme,
            now_unix: 0,
            scroll: [0; 9],
            moment: 0,
            record: None,
            opening: false,
            released: None,
            predict: Predict::default(),
            wire_focus: WireFocus::Records,
            wire_field: 0,
            keys_view: false,
            keys_scroll: 0,
            secrets: Secrets::Hidden,
        }
    }

    pub fn is_replay(&self) -> bool {
        matches!(self.origin, Origin::Replay { .. })
    }

    /// The model on screen: the live one, or the one rebuilt for the step looked back at.
    pub fn shown(&self) -> &Model {
        match (&self.look_back, &self.looked) {
            (Some(_), Some(m)) => m,
            _ => &self.model,
        }
    }

    /// The title over the connection's details: what they show, now or when looking back.
    pub(crate) fn state_title(&self) -> String {
        match self.look_back {
            None => "The connection now".into(),
            Some(0) => "The connection before step 1".into(),
            Some(k) => format!("The connection after step {k}"),
        }
    }

    pub fn apply(&mut self, stamped: Stamped) {
        self.opening = false;
        if matches!(
            stamped.event,
            Event::DataSent { .. } | Event::DataReceived { .. }
        ) {
            // A new command or reply: the console shows it from its first line.
            self.console_scroll = 0;
        }
        self.model.apply(stamped);
        self.predict.sync(&self.model);
        self.refresh_run_quiz();
        if self.model.outcome != Outcome::Running && self.autoplay {
            self.autoplay = false;
            self.status = None;
        }
    }

    /// A new run starts (restart, another scenario, a replay from the top).
    pub fn reset_run(&mut self) {
        self.model = Model::new();
        self.look_back = None;
        self.looked = None;
        self.released = None;
        self.predict.reset();
        self.set_run_questions(Vec::new());
        self.run_quiz_built = false;
        self.record = None;
        self.wire_focus = WireFocus::Records;
        self.wire_field = 0;
        self.keys_scroll = 0;
        self.console = None;
        self.console_note = None;
        self.console_scroll = 0;
        self.autoplay = false;
        self.scroll[Mode::Flow.index()] = 0;
        self.scroll[Mode::Wire.index()] = 0;
        self.scroll[Mode::Transcript.index()] = 0;
    }

    /// Once the run has ended, its own questions join the quiz, first (once per run).
    pub(crate) fn refresh_run_quiz(&mut self) {
        if self.run_quiz_built || self.model.outcome == Outcome::Running {
            return;
        }
        self.run_quiz_built = true;
        let questions = super::quiz_run::questions(&self.model);
        self.set_run_questions(questions);
    }

    fn set_run_questions(&mut self, questions: Vec<Question>) {
        let old = self.run_questions.min(self.questions.len());
        self.quiz.replace_front(old, questions.len());
        self.run_questions = questions.len();
        self.questions.splice(0..old, questions);
    }

    pub fn scroll(&self, mode: Mode) -> u16 {
        self.scroll[mode.index()]
    }

    pub fn autoplay_ms(&self) -> u64 {
        SPEEDS_MS.get(self.speed).copied().unwrap_or(1500)
    }

    /// Whether the engine may be given its next permit now; records that it was.
    pub fn take_permit(&mut self) -> bool {
        match self.model.waiting_for {
            Some(step) if self.released != Some(step) => {
                self.released = Some(step);
                true
            }
            _ => false,
        }
    }

    /// Whether the prediction box is on screen: predict mode on, the live moment shown, and
    /// no quiz or console in its place.
    pub fn predict_shown(&self) -> bool {
        self.predict.on
            && self.look_back.is_none()
            && self.console.is_none()
            && !self.keys_view
            && self.mode != Mode::Quiz
            && !self.model.events.is_empty()
    }

    /// Why space waits while a prediction is unanswered.
    pub fn why_predict_first(&self) -> String {
        if self.mode == Mode::Quiz {
            "predict first: the question waits outside the quiz (1–7, 9), or p turns it off".into()
        } else {
            "predict first: a, b, c or d, then space (p turns predict mode off)".into()
        }
    }

    /// Why nothing happened when next was pressed.
    pub fn why_no_step(&self) -> String {
        if self.model.outcome != Outcome::Running {
            return if self.is_replay() {
                "end of the recording: r plays it again".into()
            } else {
                "the run is over: r runs it again, s picks a scenario".into()
            };
        }
        if self.opening {
            return "opening the connection…".into();
        }
        format!("step {} is still running…", self.model.focus_step())
    }

    /// The Redis console is usable: a live run whose channel is encrypted and still open, held
    /// between step 8 and step 9. The engine reads console commands only there (earlier ones
    /// would wait unseen until step 8 is over), so the console opens only then.
    pub fn console_ready(&self) -> bool {
        self.console_unavailable().is_none()
    }

    /// Why the Redis console cannot open now (`None`: it can).
    pub fn console_unavailable(&self) -> Option<String> {
        let model = &self.model;
        let status = |step: Step| model.step(step).map(|r| r.status);
        if self.is_replay() {
            return Some("a replay has no connection: the console needs a live run".into());
        }
        if model.outcome != Outcome::Running {
            return Some(
                "the run is over and the channel closed: r runs it again, then the console opens after step 8"
                    .into(),
            );
        }
        if !model.events.is_empty() && !model.run.tls {
            return Some(
                "no TLS on this run: the console works only over an encrypted channel".into(),
            );
        }
        if status(Step::Data) != Some(StepStatus::Done) {
            return Some(if model.waiting_for == Some(Step::Data) {
                "the Redis console opens once step 8 is done: press space to run step 8 first"
                    .into()
            } else {
                "the Redis console opens once step 8 is done, and stays until step 9 closes the channel"
                    .into()
            });
        }
        if !matches!(
            status(Step::Close),
            Some(StepStatus::Pending | StepStatus::Waiting)
        ) || model.tracker.connection_state != ConnectionState::EncryptedAndConnected
        {
            return Some("the channel is closing (step 9): the console is off".into());
        }
        None
    }

    pub(crate) fn set_look_back(&mut self, step: Option<u8>) {
        self.look_back = step;
        self.looked = step.map(|k| {
            let end = end_of_step(&self.model.events, k);
            Model::from_events(self.model.events.get(..end).unwrap_or_default())
        });
    }

    pub(crate) fn back(&mut self) {
        let now = last_reached(&self.model);
        let from = self.look_back.unwrap_or(now);
        if from == 0 {
            self.status = Some("nothing earlier to look back at".into());
            return;
        }
        self.set_look_back(Some(from - 1));
    }

    pub(crate) fn forward(&mut self) {
        if let Some(k) = self.look_back {
            if k + 1 >= last_reached(&self.model) {
                self.set_look_back(None);
            } else {
                self.set_look_back(Some(k + 1));
            }
        }
    }

    pub(crate) fn scroll_by(&mut self, delta: i32) {
        let i = self.mode.index();
        // Flow follows the newest message: its scroll counts lines up from the bottom.
        let delta = if self.mode == Mode::Flow {
            -delta
        } else {
            delta
        };
        let v = i32::from(self.scroll[i]) + delta;
        self.scroll[i] = v.clamp(0, 2000) as u16;
    }

    pub(crate) fn picker_len(&self) -> usize {
        self.cards.len() + 1
    }
}

/// The last step whose end is known (0: none yet).
pub fn last_reached(model: &Model) -> u8 {
    model
        .steps
        .iter()
        .filter(|r| r.tracker_after.is_some() || r.status == StepStatus::Failed)
        .map(|r| r.step.number())
        .max()
        .unwrap_or(0)
}

/// How many events make up the run up to the end of `step` (0: up to the first step).
pub fn end_of_step(events: &[Stamped], step: u8) -> usize {
    let ends = |e: &Event| match e {
        Event::StepCompleted { step: s } | Event::StepSkipped { step: s, .. } => s.number() == step,
        _ => false,
    };
    let starts = |e: &Event| matches!(e, Event::StepStarted { .. });
    let found = if step == 0 {
        events.iter().position(|s| starts(&s.event))
    } else {
        events.iter().position(|s| ends(&s.event)).map(|i| i + 1)
    };
    found.unwrap_or(events.len())
}

/// Split a command line into arguments, leniently (a quote left open runs to the end): for
/// showing commands already sent. The console sends only what [`super::console::split_command`]
/// accepts.
pub fn split_command(line: &str) -> Vec<String> {
    super::console::split_lenient(line)
}
