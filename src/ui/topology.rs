//! `tlsviz cluster` / `tlsviz sentinel` on a terminal: the state of the node table. It fills in
//! from what the running check has found ([`Found`]): the seed's verdict, the announced nodes,
//! then each node's verdict as it arrives, and the summary once the whole check is over.
//! Keys change it in [`TopologyApp::key`]; the loop in `topology_loop` carries out the effects.

use super::session::ScenarioCard;
use super::theme::Theme;
use crate::crosscheck::CrossCheckSpec;
use crate::diagnose::topology::SetupKind;
use crate::engine::Target;
use crate::model::{Model, Outcome};
use crate::topology::read::Announced;
use crate::topology::{output, Found, TopologyReport};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What the topology TUI checks: the seed's target and how, and (for a scenario) the lab it
/// runs against, stopped when the TUI ends.
pub struct TopologySource {
    pub kind: SetupKind,
    /// `--master NAME` (Sentinel).
    pub master: Option<String>,
    pub target: Target,
    pub sni_given: bool,
    pub cross_check: Option<CrossCheckSpec>,
    pub scenario: Option<ScenarioCard>,
    /// The lab's redis.conf lines (a scenario), shown under the summary.
    pub conf_lines: Vec<String>,
    pub lab: Option<crate::lab::cluster::ClusterLab>,
}

/// A node's verdict as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Checking,
    Ok,
    /// The failure's kind and step.
    Failed {
        kind: String,
        step: u8,
    },
}

impl Verdict {
    pub fn of(model: &Model) -> Verdict {
        match (&model.outcome, &model.diagnosis) {
            (Outcome::Ok, _) => Verdict::Ok,
            (_, Some(d)) => Verdict::Failed {
                kind: d.kind.to_string(),
                step: d.step.number(),
            },
            _ => Verdict::Failed {
                kind: "failed".into(),
                step: model.focus_step().number(),
            },
        }
    }
}

/// One row of the node table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub address: String,
    pub announced_as: &'static str,
    pub role: &'static str,
    pub slots: String,
    /// How the seed lists it (`CLUSTER SHARDS` health or `CLUSTER NODES` flags, Sentinel's
    /// flags), when it was read.
    pub state: Option<String>,
    pub verdict: Verdict,
}

/// The keys, as `?` tells them.
pub const HELP: &str = "↑↓ select the seed or a node · Enter its nine steps (Esc or q back) · \
                        r check again · PgUp/PgDn scroll the summary · q quit";

/// What a key asks the loop to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopologyAction {
    None,
    Quit,
    /// Show this row's run in the nine-mode viewer (0: the seed, then the nodes).
    Open(usize),
    /// Check the whole setup again.
    Recheck,
}

pub struct TopologyApp {
    pub kind: SetupKind,
    pub seed_address: String,
    pub master: Option<String>,
    /// The seed's check, once over.
    pub seed: Option<Model>,
    /// The nodes the seed announced, once read.
    pub nodes: Vec<Announced>,
    /// Each node's check, as it arrives (same order as `nodes`).
    pub checks: Vec<Option<Model>>,
    /// The whole check, once over.
    pub report: Option<TopologyReport>,
    /// The selected row: 0 the seed, 1… the nodes.
    pub selected: usize,
    /// The summary panel scrolled this many lines down.
    pub scroll: u16,
    pub status: Option<String>,
    pub theme: Theme,
    pub scenario: Option<ScenarioCard>,
    pub conf_lines: Vec<String>,
    /// The second opinion was asked for the seed.
    pub cross_check: bool,
    /// What q does, as the keys line says it ("quit", or "back to the lesson" from the picker).
    pub quit_word: &'static str,
}

impl TopologyApp {
    pub fn new(kind: SetupKind, seed_address: String, theme: Theme) -> Self {
        TopologyApp {
            kind,
            seed_address,
            master: None,
            seed: None,
            nodes: Vec::new(),
            checks: Vec::new(),
            report: None,
            selected: 0,
            scroll: 0,
            status: None,
            theme,
            scenario: None,
            conf_lines: Vec::new(),
            cross_check: false,
            quit_word: "quit",
        }
    }

    /// A fresh check starts (`r`): everything found so far goes, the selection stays.
    pub fn reset(&mut self) {
        self.seed = None;
        self.nodes.clear();
        self.checks.clear();
        self.report = None;
        self.scroll = 0;
    }

    pub fn apply(&mut self, found: Found) {
        match found {
            Found::Seed(model) => self.seed = Some(*model),
            Found::Nodes(nodes) => {
                self.checks = vec![None; nodes.len()];
                self.nodes = nodes;
            }
            Found::Node { index, model } => {
                if let Some(slot) = self.checks.get_mut(index) {
                    *slot = Some(*model);
                }
            }
        }
    }

    /// The whole check is over: its report is what the table shows from now on.
    pub fn finish(&mut self, report: TopologyReport) {
        self.seed = Some(report.seed.clone());
        self.nodes = report.nodes.iter().map(|n| n.announced.clone()).collect();
        self.checks = report.nodes.iter().map(|n| Some(n.model.clone())).collect();
        self.report = Some(report);
        self.selected = self.selected.min(self.nodes.len());
    }

    pub fn done(&self) -> bool {
        self.report.is_some()
    }

    /// How many node verdicts have arrived.
    pub fn checked(&self) -> usize {
        self.checks.iter().filter(|c| c.is_some()).count()
    }

    pub fn rows(&self) -> Vec<Row> {
        self.nodes
            .iter()
            .zip(&self.checks)
            .map(|(a, check)| Row {
                address: crate::engine::host_port(&a.host, a.port),
                announced_as: output::announced_word(a.announced_as),
                role: output::role_word(a.role),
                slots: if a.slots.is_empty() {
                    "-".into()
                } else {
                    a.slots.clone()
                },
                state: a.state.clone(),
                verdict: check.as_ref().map_or(Verdict::Checking, Verdict::of),
            })
            .collect()
    }

    /// The run behind row `index` (0: the seed), once it is over.
    pub fn run_of(&self, index: usize) -> Option<&Model> {
        match index {
            0 => self.seed.as_ref(),
            i => self.checks.get(i - 1).and_then(Option::as_ref),
        }
    }

    /// The address of row `index`.
    pub fn address_of(&self, index: usize) -> String {
        match index {
            0 => self.seed_address.clone(),
            i => self
                .nodes
                .get(i - 1)
                .map(|a| crate::engine::host_port(&a.host, a.port))
                .unwrap_or_default(),
        }
    }

    /// Handle one key. Pure: the state changes here, effects are returned.
    pub fn key(&mut self, key: KeyEvent) -> TopologyAction {
        if key.kind == KeyEventKind::Release {
            return TopologyAction::None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
            return TopologyAction::Quit;
        }
        self.status = None;
        let last = self.nodes.len();
        match key.code {
            KeyCode::Char('q') => TopologyAction::Quit,
            KeyCode::Esc => {
                self.status = Some("Esc closes overlays · q quits".into());
                TopologyAction::None
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                TopologyAction::None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(last);
                TopologyAction::None
            }
            KeyCode::Home => {
                self.selected = 0;
                TopologyAction::None
            }
            KeyCode::End => {
                self.selected = last;
                TopologyAction::None
            }
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(5).min(500);
                TopologyAction::None
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(5);
                TopologyAction::None
            }
            KeyCode::Enter | KeyCode::Right | KeyCode::Char(' ') => {
                if self.run_of(self.selected).is_some() {
                    TopologyAction::Open(self.selected)
                } else {
                    self.status = Some(format!(
                        "{} is still being checked: its steps open once its verdict is in",
                        self.address_of(self.selected)
                    ));
                    TopologyAction::None
                }
            }
            KeyCode::Char('r') => {
                if self.done() {
                    TopologyAction::Recheck
                } else {
                    self.status = Some("the check is still running: r once it is over".into());
                    TopologyAction::None
                }
            }
            KeyCode::Char('?') => {
                self.status = Some(HELP.into());
                TopologyAction::None
            }
            _ => TopologyAction::None,
        }
    }

    /// What the title says is being checked.
    pub fn title(&self) -> String {
        let what = match self.kind {
            SetupKind::Cluster => format!("tlsviz cluster · seed {}", self.seed_address),
            SetupKind::Sentinel => format!(
                "tlsviz sentinel · {} · master {}",
                self.seed_address,
                self.master.as_deref().unwrap_or("?")
            ),
        };
        match &self.scenario {
            Some(card) => format!("{what} · scenario {}", card.name),
            None => what,
        }
    }
}

#[cfg(test)]
#[path = "topology_tests.rs"]
mod tests;
