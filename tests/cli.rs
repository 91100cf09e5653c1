//! The real binary: JSON contract, exit codes, one-line errors.

mod common;

use serde_json::Value;
use tlsviz::lab::LabOptions;

fn tlsviz(args: &[&str]) -> common::Ran {
    common::tlsviz_bin(args, &[])
}

fn lab_args(lab: &tlsviz::lab::Lab) -> Vec<String> {
    lab.connect_args()
}

fn json_lines(out: &common::Ran) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn json_output_follows_the_contract() {
    let lab = common::lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--json".into()];
    args.extend(lab_args(&lab));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tlsviz(&args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines = json_lines(&out);
    assert!(lines.iter().all(|l| l["type"].is_string()));
    let steps: Vec<&Value> = lines.iter().filter(|l| l["type"] == "step").collect();
    assert_eq!(
        steps
            .iter()
            .map(|s| s["step"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );
    assert_eq!(
        steps[7]["tracker"]["connection_state"],
        "Encrypted and connected"
    );
    assert_eq!(steps[7]["tracker"]["encryption_status"], "Active");
    assert_eq!(steps[7]["tracker"]["certificate_validity"], "Verified");
    assert_eq!(steps[3]["action"], "Client verifies certificate");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["outcome"], "ok");
    assert_eq!(summary["failed_step"], Value::Null);
    assert_eq!(summary["error"], Value::Null);
    assert_eq!(summary["tls"]["version"], "TLS 1.3");
    assert_eq!(summary["redis"]["reply"], "PONG");
    assert!(
        summary["server_certificate"]["sha256"]
            .as_str()
            .unwrap()
            .len()
            == 95
    );
    // No secret values anywhere: labels only.
    let text = out.stdout.clone();
    assert!(text.contains("CLIENT_TRAFFIC_SECRET_0"));
    assert!(!text.contains("PRIVATE KEY"));
}

#[test]
fn refused_connection_exits_1_with_a_diagnosis() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tlsviz(&["connect", "--json", "--tls", "-p", &port.to_string()]);
    assert_eq!(out.code, Some(1));
    let summary = json_lines(&out).pop().unwrap();
    assert_eq!(summary["outcome"], "failed");
    assert_eq!(summary["failed_step"], 1);
    assert_eq!(summary["error"]["kind"], "connection_refused");
    assert!(!summary["error"]["fix"].as_str().unwrap().is_empty());
}

#[test]
fn plain_trace_fits_100_columns_and_says_the_result() {
    let lab = common::lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--plain".into()];
    args.extend(lab_args(&lab));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tlsviz(&args);
    let text = out.stdout.clone();
    assert_eq!(out.code, Some(0), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(!text.contains('\x1b'), "colour without a terminal");
    assert!(text.contains("[9/9] Connection closed"));
    assert!(text.contains("✓ success"));
}

#[test]
fn plaintext_connection_says_nothing_is_encrypted() {
    let lab = common::lab(LabOptions {
        tls: false,
        ..LabOptions::default()
    });
    let out = tlsviz(&[
        "connect",
        "--plain",
        "-h",
        "127.0.0.1",
        "-p",
        &lab.port.to_string(),
    ]);
    let text = out.stdout.clone();
    assert_eq!(out.code, Some(0), "{text}");
    assert!(
        text.contains("Nothing on this connection is encrypted"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    for args in [
        vec!["connect", "-p", "99999"],
        vec!["connect", "-p", "abc"],
        vec!["connect", "-h", ""],
        vec!["connect", "-u", "http://example.com"],
        vec!["connect", "--tls", "--tls-version", "1.1"],
        vec!["connect", "--timeout", "-3"],
        vec!["connect", "--tls", "--cacert", "/nonexistent/ca.pem"],
        vec!["connect", "--tls", "--cert", "/etc/hostname"],
        vec!["connect", "--no-such-flag"],
    ] {
        let out = tlsviz(&args);
        let err = out.stderr;
        assert_eq!(out.code, Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("hint"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_database_number_is_selected_after_auth() {
    for server in [
        tlsviz::lab::ServerChoice::Auto,
        tlsviz::lab::ServerChoice::Builtin,
    ] {
        let lab = tlsviz::lab::Lab::start(LabOptions {
            server: if server == tlsviz::lab::ServerChoice::Auto {
                common::server_choice()
            } else {
                server
            },
            ..LabOptions::default()
        })
        .unwrap();
        let base = lab_args(&lab);
        let run = |extra: &[&str]| {
            let mut args: Vec<String> = vec!["connect".into(), "--json".into()];
            args.extend(base.iter().cloned());
            args.extend(extra.iter().map(|s| s.to_string()));
            let out = common::tlsviz_bin(&args, &[]);
            assert_eq!(out.code, Some(0), "{}", out.stderr);
            json_lines(&out).pop().unwrap()["redis"]["reply"].clone()
        };
        assert_eq!(run(&["-n", "3", "SET", "dbkey", "three"]), "OK");
        assert_eq!(run(&["-n", "3", "GET", "dbkey"]), "\"three\"");
        assert_eq!(run(&["GET", "dbkey"]), "(nil)");
    }
}

#[test]
fn a_replay_prints_what_the_live_run_printed() {
    let dir = std::env::temp_dir().join(format!("tlsviz-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for face in ["--plain", "--json"] {
        let rec = dir.join(format!("run{face}.ndjson"));
        let rec_s = rec.display().to_string();
        let live = tlsviz(&["--scenario", "expired", face, "--record", &rec_s]);
        assert_eq!(live.code, Some(1), "{}", live.stderr);
        let replay = tlsviz(&["replay", &rec_s, face]);
        assert_eq!(replay.code, Some(1), "{}", replay.stderr);
        assert_eq!(
            replay.stdout, live.stdout,
            "{face}: the replay differs from the live run"
        );
        assert!(live.stdout.contains("certificate_expired"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tlsviz scenarios --json` lists every shipped scenario file, with what each expects, the
/// resuming and cluster ones included.
#[test]
fn scenarios_json_lists_every_shipped_file_with_its_expectation() {
    let ran = tlsviz(&["scenarios", "--json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines = json_lines(&ran);
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "toml"))
        })
        .count();
    assert_eq!(lines.len(), files);
    let by_name = |name: &str| -> Value {
        lines
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed"))
            .clone()
    };
    assert!(lines.iter().all(|l| l["type"] == "scenario"));
    assert_eq!(by_name("resumption")["expect"]["resumed"], true);
    let cluster = by_name("cluster-announced-ip");
    assert_eq!(
        cluster["expect"]["topology"],
        "announced_endpoint_not_in_certificate"
    );
    assert_eq!(cluster["expect"]["node_kind"], "hostname_mismatch");
    assert_eq!(by_name("expired")["expect"]["kind"], "certificate_expired");
    assert!(by_name("expired")["expect"].get("topology").is_none());
}
