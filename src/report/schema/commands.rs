//! Lines of the commands that are not one run: `scenarios --json`, `check --json` and
//! `connect --repeat N --json`. Unlike a run's lines, the first two carry no `at_us`.

use crate::diagnose::ErrorKind;
use serde::Serialize;

/// `tlsviz scenarios --json`: one line per shipped scenario.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScenariosLine<'a> {
    Scenario(ScenarioListingJson<'a>),
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioListingJson<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub expect: ExpectJson,
}

/// What a scenario expects of its run.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectJson {
    pub outcome: ExpectedOutcomeJson,
    /// The step a failure belongs to; `null` for `ok`.
    pub step: Option<u8>,
    pub kind: Option<ErrorKind>,
    /// A resuming scenario: whether its second connection resumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed: Option<bool>,
    /// A cluster scenario: the topology summary's diagnosis kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topology: Option<crate::diagnose::topology::TopologyKind>,
    /// A cluster scenario: the kind every failing node shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_kind: Option<ErrorKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedOutcomeJson {
    Ok,
    Failed,
}

/// `tlsviz check --json`: one `check` line per scenario, then a `check_summary`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CheckLine<'a> {
    Check(CheckJson<'a>),
    CheckSummary(CheckSummaryJson),
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckJson<'a> {
    /// The scenario ran.
    Ran {
        name: &'a str,
        /// `ok`, or `step:kind` (e.g. `4:certificate_expired`).
        expected: String,
        /// The same form, for what happened (`incomplete` if the run did not end).
        got: String,
        #[serde(rename = "match")]
        matched: bool,
        ms: u64,
    },
    /// The scenario could not run (e.g. its lab did not start); always `"match":false`.
    NotRun {
        error: String,
        #[serde(rename = "match")]
        matched: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckSummaryJson {
    pub scenarios: usize,
    pub mismatched: usize,
    pub seconds: f64,
    /// The Redis servers the labs ran, e.g. `redis-server 7.0.15`.
    pub servers: Vec<String>,
}

/// `connect --repeat N --json`: one line at the end.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RepeatLine {
    RepeatSummary(RepeatSummaryJson),
}

#[derive(Debug, Clone, Serialize)]
pub struct RepeatSummaryJson {
    pub at_us: u64,
    /// Runs made (fewer than asked when interrupted).
    pub runs: u32,
    pub interrupted: bool,
    pub ok: u32,
    pub failed: u32,
    /// The last failure's headline, `kind: message`.
    pub last_failure: Option<String>,
    /// Open file descriptors before and after: a leak shows as growth.
    pub open_files: BeforeAfter<usize>,
    pub rss_kib: BeforeAfter<u64>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct BeforeAfter<T> {
    pub before: T,
    pub after: T,
}
