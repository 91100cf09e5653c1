//! `tlsviz compare` through the real binary against real redis-servers: the lab (both sides
//! succeed and differ where TLS 1.2 and 1.3 differ) and a server limited to TLS 1.2 (the TLS 1.3
//! side is refused and diagnosed, the TLS 1.2 side still runs).

mod common;

use common::*;
use serde_json::Value;
use tlsviz::lab::LabOptions;

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The `comparison` line, which must be the last, after two runs each ending with a summary.
fn comparison(lines: &[Value]) -> &Value {
    let last = lines.last().expect("output");
    assert_eq!(last["type"], "comparison");
    let summaries: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["type"] == "summary")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(summaries.len(), 2);
    assert_eq!(summaries[1], lines.len() - 2);
    let versions = |i: usize| lines[i]["tls_versions"].clone();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["type"] == "run_started")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(versions(starts[0]), serde_json::json!(["TLS 1.2"]));
    assert_eq!(versions(starts[1]), serde_json::json!(["TLS 1.3"]));
    last
}

fn row(c: &Value, step: u64) -> &Value {
    let row = &c["rows"][usize::try_from(step - 1).unwrap()];
    assert_eq!(row["step"], step);
    row
}

#[test]
fn compare_against_the_lab_aligns_the_two_versions_step_by_step() {
    // No server named: compare starts (and stops) its own lab.
    let ran = tlsviz_bin(&["compare", "--json"], &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    let c = comparison(&lines);
    assert_eq!(c["rows"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        c["round_trips"],
        serde_json::json!({"tls12": 2, "tls13": 1})
    );
    assert_eq!(
        c["outcome"],
        serde_json::json!({"tls12": "ok", "tls13": "ok"})
    );
    assert_eq!(
        c["errors"],
        serde_json::json!({"tls12": null, "tls13": null})
    );
    for side in ["tls12", "tls13"] {
        for way in ["handshake_out", "handshake_in", "total_out", "total_in"] {
            assert!(c["bytes"][side][way].as_u64().unwrap() > 0, "{side} {way}");
        }
        assert!(c["time_us"][side]["total"].as_u64().unwrap() > 0);
    }
    // Encryption starts with the client's Finished under TLS 1.2, right after the ServerHello
    // (EncryptedExtensions, step 3) under TLS 1.3.
    assert_eq!(
        c["encryption_starts"],
        serde_json::json!({"tls12": 7, "tls13": 3})
    );
    for step in [3, 5, 6] {
        assert_eq!(row(c, step)["differs"], true, "step {step}");
    }
    assert_eq!(row(c, 1)["differs"], false);
    assert_eq!(row(c, 4)["differs"], false);
    // Step 3: the certificate in clear under 1.2, encrypted under 1.3.
    let certificate = |side: &str| {
        row(c, 3)[side]["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["what"] == "Certificate")
            .cloned()
            .unwrap_or_else(|| panic!("no Certificate on the {side} side"))
    };
    assert_eq!(certificate("tls12")["encrypted"], false);
    assert_eq!(certificate("tls13")["encrypted"], true);
    assert!(row(c, 3)["note"]
        .as_str()
        .unwrap()
        .contains("in clear under TLS 1.2"));
    // Step 6: ClientKeyExchange under 1.2, nothing under 1.3.
    assert_eq!(row(c, 6)["tls13"]["records"], serde_json::json!([]));
    assert!(row(c, 6)["note"]
        .as_str()
        .unwrap()
        .contains("ClientKeyExchange"));
    for r in c["rows"].as_array().unwrap() {
        assert!(!r["note"].as_str().unwrap().is_empty());
    }

    let ran = tlsviz_bin(&["compare", "--plain"], &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("≠ [3] Server sends certificate"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("= [1] Client starts connection"));
    assert!(ran
        .stdout
        .lines()
        .any(|l| l.starts_with("round trips before application data") && l.ends_with('1')));
    assert!(
        ran.stdout.lines().all(|l| l.chars().count() <= 100),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_server_limited_to_tls12_refuses_the_tls13_side_and_the_other_still_runs() {
    let lab = lab(LabOptions {
        protocols: Some("TLSv1.2".into()),
        ..LabOptions::default()
    });
    let mut args = vec!["compare".to_string()];
    args.extend(lab.connect_args());
    args.push("--json".into());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    let c = comparison(&lines);
    assert_eq!(
        c["outcome"],
        serde_json::json!({"tls12": "ok", "tls13": "failed"})
    );
    assert_eq!(c["errors"]["tls12"], Value::Null);
    assert_eq!(c["errors"]["tls13"]["step"], 2);
    assert_eq!(c["errors"]["tls13"]["kind"], "protocol_version");
    assert_eq!(
        c["round_trips"],
        serde_json::json!({"tls12": 2, "tls13": null})
    );
    assert_eq!(row(c, 2)["tls13"]["status"], "failed");
    assert!(row(c, 2)["note"]
        .as_str()
        .unwrap()
        .starts_with("TLS 1.3 failed here: protocol_version"));
    assert_eq!(row(c, 8)["tls12"]["status"], "done");
    assert_eq!(row(c, 8)["tls13"]["status"], "pending");

    args.pop();
    args.push("--plain".into());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stdout.contains("TLS 1.3 ✗ failed at step 2"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("fix: "), "{}", ran.stdout);
}

#[test]
fn compare_refuses_flags_that_make_no_sense_for_it() {
    for flags in [
        &["compare", "--tls-version", "1.2"][..],
        &["compare", "--resume"],
        &["compare", "--cacert", "ca.pem"],
        &["compare", "-p", "1", "--plain"],
    ] {
        let ran = tlsviz_bin(flags, &[]);
        assert_eq!(ran.code, Some(2), "{flags:?}: {}", ran.stderr);
        assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    }
}

/// The port in the compare screen's title: `… on localhost:PORT`.
fn port_in_title(screen: &str) -> Option<String> {
    let title = screen.lines().next()?;
    let after = title.split("localhost:").nth(1)?;
    let port: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!port.is_empty()).then_some(port)
}

#[test]
fn the_compare_tui_steps_both_connections_with_one_space_and_quits_cleanly() {
    use common::tmux::{alive, redis_pids, Tui};
    use std::time::{Duration, Instant};
    let tui = Tui::start("compare-tui", "compare", &std::env::temp_dir(), 120, 40);
    let screen = tui.wait_for("the compare screen", Duration::from_secs(30), |s| {
        s.contains("next: step 1, ")
    });
    let port = port_in_title(&screen).expect("the title names the lab's port");
    let pids = if server_choice() == tlsviz::lab::ServerChoice::Redis {
        let pids = redis_pids(&port);
        assert_eq!(pids.len(), 1, "one redis-server on port {port}");
        pids
    } else {
        Vec::new()
    };
    // Each Space lets one step happen on both connections: both columns advance together.
    tui.keys(&["Space"]);
    tui.wait_for("step 1 on both", Duration::from_secs(15), |s| {
        s.contains("next: step 2, ")
    });
    tui.keys(&["Space"]);
    let screen = tui.wait_for("step 2 on both", Duration::from_secs(15), |s| {
        s.contains("next: step 3, ")
    });
    let hellos = screen
        .lines()
        .find(|l| l.contains("→ ClientHello"))
        .unwrap_or_default();
    assert_eq!(hellos.matches("→ ClientHello").count(), 2, "{screen}");
    // Step 3 waits on both: its row is drawn, nothing of it has crossed yet.
    assert!(!screen.contains("← Certificate"), "{screen}");
    assert!(!screen.contains("[4] "), "{screen}");
    tui.keys(&["Space"]);
    let screen = tui.wait_for("step 3 on both", Duration::from_secs(15), |s| {
        s.contains("next: step 4, ")
    });
    // Step 3: the certificate in clear in the left column (TLS 1.2), encrypted in the right.
    let halves: Vec<(String, String)> = screen
        .lines()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let mid = chars.len().min(61);
            (chars[..mid].iter().collect(), chars[mid..].iter().collect())
        })
        .collect();
    assert!(
        halves
            .iter()
            .any(|(left, _)| left.contains("← Certificate ") && left.contains("clear")),
        "{screen}"
    );
    assert!(
        halves
            .iter()
            .any(|(_, right)| right.contains("← Certificate ") && right.contains("enc")),
        "{screen}"
    );
    let screen = tui.space_until("both runs to end", "next: step", |s| {
        s.contains("over: TLS 1.2 ✓, TLS 1.3 ✓")
    });
    assert!(
        screen.contains("round trips before application data"),
        "{screen}"
    );
    let screen = tui.quit();
    assert!(screen.contains("TLSVIZ-EXIT=0"), "{screen}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "redis-server {pids:?} left running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(redis_pids(&port).is_empty());
}
