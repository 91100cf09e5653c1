//! The node table's state: it fills in from what the check finds, in whatever order the
//! verdicts arrive, and its keys select, open and re-check only what can be.

use super::*;
use crate::diagnose::topology::{AnnouncedAs, Role};
use crate::engine::step::Step;
use crate::ui::testing::{fixture, model_after};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut TopologyApp, code: KeyCode) -> TopologyAction {
    app.key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn node(port: u16, slots: &str) -> Announced {
    Announced {
        host: "127.0.0.1".into(),
        port,
        announced_as: AnnouncedAs::Ip,
        role: Some(Role::Master),
        slots: slots.into(),
        id: None,
        state: Some("master".into()),
    }
}

fn ok_run() -> Model {
    model_after(&fixture("tls13-mutual-ok"), Step::Close)
}

fn failed_run() -> Model {
    model_after(&fixture("untrusted-ca"), Step::Close)
}

fn app() -> TopologyApp {
    TopologyApp::new(
        SetupKind::Cluster,
        "localhost:7001".into(),
        Theme::new(false, true),
    )
}

#[test]
fn the_table_fills_in_as_verdicts_arrive_in_any_order() {
    let mut app = app();
    assert!(app.rows().is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        TopologyAction::None,
        "no seed verdict yet"
    );
    assert!(app
        .status
        .as_deref()
        .unwrap_or("")
        .contains("still being checked"));
    app.apply(Found::Seed(Box::new(ok_run())));
    app.apply(Found::Nodes(vec![
        node(7001, "0-5460"),
        node(7002, "5461-16383"),
    ]));
    let verdicts =
        |app: &TopologyApp| -> Vec<Verdict> { app.rows().into_iter().map(|r| r.verdict).collect() };
    assert_eq!(verdicts(&app), [Verdict::Checking, Verdict::Checking]);
    // The second node answers first.
    app.apply(Found::Node {
        index: 1,
        model: Box::new(failed_run()),
    });
    assert_eq!(app.checked(), 1);
    let rows = app.rows();
    assert_eq!(rows[0].verdict, Verdict::Checking);
    assert_eq!(
        rows[1].verdict,
        Verdict::Failed {
            kind: "unknown_issuer".into(),
            step: 4
        }
    );
    assert_eq!(rows[1].address, "127.0.0.1:7002");
    assert_eq!((rows[1].announced_as, rows[1].role), ("ip", "master"));
    // A verdict for a node that was never announced is ignored.
    app.apply(Found::Node {
        index: 9,
        model: Box::new(ok_run()),
    });
    assert_eq!(app.checked(), 1);
}

#[test]
fn keys_select_open_and_recheck_only_what_can_be() {
    let mut app = app();
    app.apply(Found::Seed(Box::new(ok_run())));
    app.apply(Found::Nodes(vec![node(7001, "0-5460"), node(7002, "")]));
    app.apply(Found::Node {
        index: 0,
        model: Box::new(ok_run()),
    });
    assert_eq!(press(&mut app, KeyCode::Enter), TopologyAction::Open(0));
    press(&mut app, KeyCode::Down);
    assert_eq!(press(&mut app, KeyCode::Enter), TopologyAction::Open(1));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 2, "the selection stops at the last node");
    assert_eq!(app.rows()[1].slots, "-");
    assert_eq!(press(&mut app, KeyCode::Enter), TopologyAction::None);
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        TopologyAction::None,
        "no re-check while one runs"
    );
    assert_eq!(
        press(&mut app, KeyCode::Esc),
        TopologyAction::None,
        "Esc never quits"
    );
    assert_eq!(press(&mut app, KeyCode::Char('q')), TopologyAction::Quit);
    assert_eq!(
        app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        TopologyAction::Quit
    );
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.status.as_deref(), Some(HELP));
}

#[test]
fn a_table_half_filled_says_which_verdicts_are_in() {
    let mut app = app();
    app.cross_check = true;
    app.apply(Found::Seed(Box::new(ok_run())));
    app.apply(Found::Nodes(vec![
        node(7001, "0-5460"),
        node(7002, "5461-10922"),
        node(7003, "10923-16383"),
    ]));
    app.apply(Found::Node {
        index: 2,
        model: Box::new(failed_run()),
    });
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| crate::ui::views::topology::draw(f, &app))
        .unwrap();
    insta::assert_snapshot!("topology_half_filled_80x24", terminal.backend());
}
