//! `w` and `W` in the real TUI (tmux) on the lab, every capture read by tshark: the TCP stream
//! raises no analysis flag, and the handshake after the ServerHello (Certificate,
//! CertificateVerify, Finished) is seen decrypted exactly when the file carries the secrets.
//! With `--pcap FILE` the run on screen is written there at exit. Captures go to temp folders
//! removed at the end.

mod common;

use common::tmux::{Scratch, Tui};
use common::tshark::{handshake_types, have_tshark, tshark};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A whole run's capture: the TCP stream opens and closes, no analysis flag; the handshake
/// types tshark decodes include the encrypted ones (11 Certificate, 15 CertificateVerify,
/// 20 Finished) exactly when `secrets`.
fn check(file: &Path, secrets: bool) {
    let summary = tshark(file, &[]);
    assert!(
        summary.contains("[SYN]") && summary.contains("[FIN, ACK]"),
        "{summary}"
    );
    assert_eq!(tshark(file, &["-Y", "tcp.analysis.flags"]), "");
    let types = handshake_types(file);
    assert!(types.contains(&1) && types.contains(&2), "{types:?}");
    for t in [11, 15, 20] {
        assert_eq!(types.contains(&t), secrets, "type {t}: {types:?}");
    }
    let hex = tshark(file, &["-x", "-Y", "tls.app_data"]);
    assert_eq!(hex.contains("PING"), secrets, "{hex}");
}

/// The lesson, spaced through to the end of step 9.
fn to_the_end(tui: &Tui) {
    tui.wait_for("the first step to wait", Duration::from_secs(30), |s| {
        s.contains("press space: step 1")
    });
    tui.space_until("the end of the run", "press space: step", |s| {
        s.contains("✓ done: ")
    });
}

/// The `.pcapng` files in `dir`, oldest name first.
fn captures(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = common::tmux::entries(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pcapng"))
        .collect();
    found.sort();
    found
}

#[test]
fn w_and_capital_w_on_the_lab_write_the_run_without_and_with_its_secrets() {
    if !have_tshark("THE TUI CAPTURE TESTS") {
        return;
    }
    let cwd = Scratch::new("tui-capture-cwd");
    let server = common::tmux::server_flag();
    let tui = Tui::start(
        "tui-capture",
        &format!("--server {server}"),
        &cwd.0,
        120,
        40,
    );
    to_the_end(&tui);
    tui.keys(&["w"]);
    let screen = tui.wait_for("the capture's status", Duration::from_secs(5), |s| {
        s.contains("capture written to ./tlsviz-lesson-")
    });
    assert!(
        screen.contains("no TLS secrets; W adds the lab's"),
        "{screen}"
    );
    let plain = captures(&cwd.0);
    assert_eq!(plain.len(), 1, "{plain:?}");

    // W: first the notice, nothing written; W again writes, with the secrets.
    tui.keys(&["W"]);
    tui.wait_for("the notice", Duration::from_secs(5), |s| {
        s.contains("W again writes the TLS secrets too")
    });
    assert_eq!(captures(&cwd.0).len(), 1, "the notice wrote nothing");
    tui.keys(&["W"]);
    tui.wait_for("the capture with secrets", Duration::from_secs(5), |s| {
        s.contains("capture WITH TLS secrets written to ./tlsviz-lesson-")
    });
    let screen = tui.quit();
    assert!(screen.contains("TLSVIZ-EXIT=0"), "{screen}");

    let all = captures(&cwd.0);
    assert_eq!(all.len(), 2, "{all:?}");
    let with = all
        .iter()
        .find(|p| !plain.contains(p))
        .expect("a second file");
    check(&plain[0], false);
    check(with, true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(with)
            .expect("capture")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a capture with secrets is private");
    }
}

#[test]
fn with_pcap_file_the_run_on_screen_is_written_at_exit() {
    if !have_tshark("THE TUI CAPTURE TESTS") {
        return;
    }
    let out = Scratch::new("tui-capture-file");
    let file = out.0.join("lesson.pcapng");
    let server = common::tmux::server_flag();
    let tui = Tui::start(
        "tui-capture-exit",
        &format!(
            "--server {server} --pcap '{}' --pcap-secrets",
            file.display()
        ),
        &out.0,
        80,
        24,
    );
    to_the_end(&tui);
    assert!(!file.exists(), "nothing is written before w or the exit");
    let screen = tui.quit();
    assert!(screen.contains("TLSVIZ-EXIT=0"), "{screen}");
    // The line may wrap at 80 columns: read the screen joined.
    assert!(
        screen.replace('\n', "").contains(&format!(
            "tlsviz: capture with TLS secrets written to {}",
            file.display()
        )),
        "{screen}"
    );
    check(&file, true);
    assert_eq!(captures(&out.0), vec![file], "only the file named");
}
