//! Snapshots of `tlsviz compare`'s side-by-side screen, built from real recorded runs: TLS 1.2
//! and TLS 1.3 against one lab (mid-way and at the end), and against a lab limited to TLS 1.2
//! (the TLS 1.3 side refused at step 2, the other still running), at 120×40 and 80×24.

use super::compare_loop::status;
use super::testing::{fixture, model_after_presses};
use super::theme::Theme;
use super::views::compare::{draw, CompareScreen};
use crate::model::{Model, Outcome};
use crate::report::compare::Comparison;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Both sides after `presses` presses of space (each press allows the next step on both).
fn pair(tls12: &str, tls13: &str, presses: usize) -> [Model; 2] {
    [
        model_after_presses(&fixture(tls12), presses),
        model_after_presses(&fixture(tls13), presses),
    ]
}

fn lab(presses: usize) -> [Model; 2] {
    pair("compare-tls12", "compare-tls13", presses)
}

fn limited(presses: usize) -> [Model; 2] {
    pair("compare-limited-tls12", "compare-limited-tls13", presses)
}

/// The screen as the compare loop draws it, with its status line.
fn screen(models: &[Model; 2], presses: usize, width: u16, height: u16) -> Terminal<TestBackend> {
    let [a, b] = models;
    let over = [a, b].map(|m| m.outcome != Outcome::Running);
    let allowed = u8::try_from(presses.min(9)).unwrap_or(9);
    let status = status([a, b], over, allowed);
    let port = a.run.port;
    let server = format!("the lab's redis-server 7.0.15 on localhost:{port}");
    let shown = CompareScreen {
        server: &server,
        theme: Theme::new(false, false),
        status: &status,
        scroll: 0,
    };
    let comparison = Comparison::new(a, b);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, &shown, &comparison)).unwrap();
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn side_by_side_mid_way_and_at_the_end() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mid = screen(&lab(3), 3, w, h);
        insta::assert_snapshot!(format!("compare_{w}x{h}_after_step_3"), mid.backend());
        let end = screen(&lab(9), 9, w, h);
        insta::assert_snapshot!(format!("compare_{w}x{h}_end"), end.backend());
    }
    // What the screens say, read like the lesson: step 3 differs (the certificate in clear
    // under TLS 1.2, encrypted under TLS 1.3) and space offers step 4 on both.
    let mid = text(&screen(&lab(3), 3, 120, 40));
    assert!(mid.contains("≠ [3] Server sends certificate"), "{mid}");
    assert!(
        mid.contains("next: step 4, Client verifies certificate"),
        "{mid}"
    );
    // Step 4 waits on both: its row says so, with no same/different mark (nothing has run
    // yet), and nothing later is drawn.
    assert!(mid.contains("\"  [4] Client verifies certificate"), "{mid}");
    assert!(!mid.contains("= [4]") && !mid.contains("≠ [4]"), "{mid}");
    assert!(mid.contains("(waiting: not run yet)"), "{mid}");
    assert!(!mid.contains("not reached"), "{mid}");
    assert!(!mid.contains("[5] "), "{mid}");
    for presses in 0..3 {
        let early = text(&screen(&lab(presses), presses, 120, 40));
        assert!(!early.contains("not reached"), "{early}");
    }
    let end = text(&screen(&lab(9), 9, 120, 40));
    assert!(end.contains("over: TLS 1.2 ✓, TLS 1.3 ✓"), "{end}");
}

#[test]
fn a_server_limited_to_tls12_refuses_one_side_and_the_other_runs_on() {
    // After two presses the TLS 1.3 side has failed at step 2; the TLS 1.2 side waits for 3.
    let early = limited(2);
    assert_eq!(early[1].outcome, Outcome::Failed);
    assert_eq!(early[0].outcome, Outcome::Running);
    let said = text(&screen(&early, 2, 120, 40));
    assert!(said.contains("next: step 3"), "{said}");
    for (w, h) in [(120, 40), (80, 24)] {
        let end = screen(&limited(9), 9, w, h);
        insta::assert_snapshot!(format!("compare_{w}x{h}_tls13_refused"), end.backend());
    }
    let end = text(&screen(&limited(9), 9, 120, 40));
    assert!(end.contains("over: TLS 1.2 ✓, TLS 1.3 ✗"), "{end}");
}
