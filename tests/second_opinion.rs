//! `tlsviz connect` with its second opinion, as a user runs it: the real binary, the lab's real
//! redis-server, the machine's real redis-cli.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tlsviz::lab::{Fault, LabOptions};

fn require_redis_cli() -> bool {
    let have = std::process::Command::new("redis-cli")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have && std::env::var("TLSVIZ_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
        panic!(
            "TLSVIZ_REQUIRE_REDIS=1 but redis-cli is not installed (apt-get install redis-tools)"
        );
    }
    if !have {
        eprintln!("!!! redis-cli not found: the second-opinion tests are SKIPPED !!!");
    }
    have
}

fn summary(stdout: &str) -> serde_json::Value {
    let last = stdout.lines().last().expect("a summary line");
    let value: serde_json::Value = serde_json::from_str(last).expect("JSON");
    assert_eq!(value["type"], "summary", "{last}");
    value
}

/// redis-cli processes whose command line names this port (a leftover second opinion).
fn redis_cli_on_port(port: u16) -> usize {
    let needle = format!("-p\0{port}\0");
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .filter(|cmd| {
                    cmd.starts_with(b"redis-cli")
                        && cmd.windows(needle.len()).any(|w| w == needle.as_bytes())
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn agrees_with_redis_cli_on_the_lab() {
    if !require_redis_cli() {
        return;
    }
    let lab = lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--json".to_string()];
    args.extend(lab.connect_args());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let s = summary(&ran.stdout);
    let check = &s["cross_check"];
    assert_eq!(check["by"], "redis-cli", "{check}");
    assert_eq!(check["verdict"], "ok", "{check}");
    assert_eq!(check["agrees"], true);
    assert!(check["command"]
        .as_str()
        .is_some_and(|c| c.contains("PING") && c.contains("--tls")));
    assert_eq!(s["warnings"], serde_json::json!([]));
}

#[test]
fn a_disagreement_leads_the_plain_trace_and_the_json_warnings() {
    if !require_redis_cli() {
        return;
    }
    // The lab's certificate does not name other.example: rustls refuses the name, redis-cli
    // sends it as SNI but never checks names, and connects.
    let lab = lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--plain".to_string()];
    let mut flags = lab.connect_args();
    flags.extend(["--sni".to_string(), "other.example".to_string()]);
    args.extend(flags.iter().cloned());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stdout);
    let first = ran.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("! tlsviz failed, but redis-cli") && first.contains("CONNECTS"),
        "first line: {first}"
    );
    let flowed = ran.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flowed.contains("never checks that the certificate names the host"),
        "{}",
        ran.stdout
    );

    let mut args = vec!["connect".to_string(), "--json".to_string()];
    args.extend(flags);
    let ran = tlsviz_bin(&args, &[]);
    let s = summary(&ran.stdout);
    assert_eq!(s["error"]["kind"], "hostname_mismatch");
    assert_eq!(s["cross_check"]["verdict"], "ok");
    assert_eq!(s["cross_check"]["agrees"], false);
    let warning = s["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.contains("clients that do check names"), "{warning}");
    assert!(!warning.contains("  "), "a run of spaces in: {warning:?}");
}

/// A password sent to a server that has none: tlsviz stops at the failed AUTH, redis-cli warns
/// and gets PONG. They differ, but not as TLS libraries: the line must not blame rustls.
#[test]
fn a_failed_auth_is_not_blamed_on_the_tls_library() {
    if !require_redis_cli() {
        return;
    }
    let lab = lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--json".to_string()];
    args.extend(lab.connect_args());
    args.extend(["-a".to_string(), "not-needed".to_string()]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stdout);
    let s = summary(&ran.stdout);
    assert_eq!(s["error"]["kind"], "auth_failed", "{s}");
    assert_eq!(s["cross_check"]["verdict"], "ok", "{s}");
    assert_eq!(s["cross_check"]["agrees"], false, "{s}");
    let warning = s["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.contains("AUTH"), "{warning}");
    assert!(
        warning.contains("TLS handshake succeeded in both"),
        "{warning}"
    );
    assert!(!warning.contains("rustls-based"), "{warning}");
    assert!(!ran.stdout.contains("not-needed"), "the password leaked");
}

#[test]
fn a_silent_server_bounds_the_second_opinion_and_leaves_no_process() {
    if !require_redis_cli() {
        return;
    }
    // redis-cli alone would wait forever on a server that never speaks.
    let lab = lab(LabOptions {
        fault: Some(Fault::Silent),
        ..LabOptions::default()
    });
    let mut args = vec![
        "connect".to_string(),
        "--json".to_string(),
        "--timeout".to_string(),
        "1".to_string(),
    ];
    args.extend(lab.connect_args());
    let started = Instant::now();
    let ran = tlsviz_bin(&args, &[]);
    let took = started.elapsed();
    assert_eq!(ran.code, Some(1));
    assert!(
        took < Duration::from_millis(2500),
        "the verdict came after {took:?} (timeout 1 s)"
    );
    let s = summary(&ran.stdout);
    assert_eq!(
        s["cross_check"]["verdict"], "failed",
        "{}",
        s["cross_check"]
    );
    assert_eq!(
        redis_cli_on_port(lab.port),
        0,
        "a redis-cli outlived tlsviz"
    );
}

#[test]
fn no_cross_check_runs_nothing() {
    let lab = lab(LabOptions::default());
    let mut args = vec![
        "connect".to_string(),
        "--json".to_string(),
        "--no-cross-check".to_string(),
    ];
    args.extend(lab.connect_args());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(summary(&ran.stdout)["cross_check"].is_null());
}

/// The tool's version is asked once per build of the tool and remembered: the second run says
/// the same version without a `redis-cli --version` child, and the cache holds nothing else.
#[test]
fn the_tools_version_is_remembered_per_build() {
    if !require_redis_cli() {
        return;
    }
    let asked = std::process::Command::new("redis-cli")
        .arg("--version")
        .output()
        .expect("redis-cli --version");
    let expected = String::from_utf8_lossy(&asked.stdout)
        .split_whitespace()
        .nth(1)
        .expect("redis-cli <version>")
        .to_string();
    let cache = std::env::temp_dir().join(format!("tlsviz-version-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let lab = lab(LabOptions::default());
    let mut args = vec!["connect".to_string(), "--json".to_string()];
    args.extend(lab.connect_args());
    let env = [("TLSVIZ_CACHE_DIR", cache.to_str().expect("utf-8 temp dir"))];
    for run in ["asks", "remembers"] {
        let ran = tlsviz_bin(&args, &env);
        assert_eq!(ran.code, Some(0), "{run}: {}", ran.stderr);
        let check = &summary(&ran.stdout)["cross_check"];
        assert_eq!(check["version"], expected.as_str(), "{run}: {check}");
    }
    let text = std::fs::read_to_string(cache.join("tool-versions.tsv")).expect("the cache file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].starts_with("redis-cli\t/") && lines[0].ends_with(&format!("\t{expected}")));
    // A cache that says another version for this very build is believed: proof that the second
    // run read it rather than asking (the cache is keyed by path, size, mtime and inode).
    std::fs::write(
        cache.join("tool-versions.tsv"),
        lines[0].replace(&expected, "0.0.0-cached"),
    )
    .expect("rewrite the cache");
    let ran = tlsviz_bin(&args, &env);
    assert_eq!(
        summary(&ran.stdout)["cross_check"]["version"],
        "0.0.0-cached"
    );
    let _ = std::fs::remove_dir_all(&cache);
}
