//! End to end: `tlsviz --scenario cluster-announced-ip` in tmux starts a real 3-node TLS
//! cluster, shows the node table with every node failing by IP, Enter opens a node's nine steps,
//! Esc returns to the table, q quits with 1 (a node failed); no redis-server or lab folder is
//! left behind.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server, killed when dropped (also when the test fails).
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Self {
            socket: format!("tlsviz-topo-{}-{nanos}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "tui"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "tui"];
        args.extend_from_slice(keys);
        let _ = self.run(&args);
    }

    fn wait_for(&self, what: &str, within: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Let tlsviz stop its lab before tmux goes.
            self.keys(&["C-c"]);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !self.screen().contains("TLSVIZ-EXIT=") {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.run(&["kill-server"]);
    }
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg(if program == "tmux" { "-V" } else { "--version" })
        .output()
        .is_ok_and(|o| o.status.success())
}

/// redis-server processes serving one of `ports` (redis shows `redis-server 127.0.0.1:PORT`).
fn redis_on(ports: &[String]) -> Vec<u32> {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c).replace('\0', " ");
                c.contains("redis-server") && ports.iter().any(|p| c.contains(&format!(":{p}")))
            })
        })
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.split_whitespace().nth(2) != Some("Z"))
        })
        .collect()
}

#[test]
fn the_dns_only_cluster_in_the_tui_enter_on_a_node_esc_back_q_quits() {
    if !have("tmux") {
        eprintln!("!!! tmux not found: THE TOPOLOGY TUI TEST DID NOT RUN !!!");
        return;
    }
    if !have("redis-server") {
        assert!(
            std::env::var("TLSVIZ_REQUIRE_REDIS").as_deref() != Ok("1"),
            "TLSVIZ_REQUIRE_REDIS=1 but redis-server is not installed"
        );
        eprintln!("!!! redis-server not found: THE TOPOLOGY TUI TEST DID NOT RUN !!!");
        return;
    }
    let scratch =
        Scratch(std::env::temp_dir().join(format!("tlsviz-topo-e2e-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).unwrap();
    let tmux = Tmux::new();
    let command = format!(
        "TLSVIZ_LAB_DIR={} {} --scenario cluster-announced-ip; echo TLSVIZ-EXIT=$?; sleep 60",
        scratch.0.display(),
        env!("CARGO_BIN_EXE_tlsviz")
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success(), "tmux starts");

    let table = tmux.wait_for("three failing nodes", Duration::from_secs(30), |s| {
        s.matches("✗ hostname_mismatch (step 4)").count() == 3
            && s.contains("announced_endpoint_not_in_certificate")
    });
    assert!(table.contains("scenario cluster-announced-ip"), "{table}");
    assert!(table.contains("announced as"), "{table}");
    assert!(table.contains("✓ ok"), "the seed works by name:\n{table}");
    let folders: Vec<_> = std::fs::read_dir(&scratch.0).unwrap().flatten().collect();
    assert_eq!(folders.len(), 1, "one lab folder while it runs");
    let ports: Vec<String> = table
        .split("127.0.0.1:")
        .skip(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .filter(|p: &String| !p.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ports.len(), 3, "three node ports on screen:\n{table}");
    assert_eq!(redis_on(&ports).len(), 3, "three nodes while it runs");

    // The first node's nine steps, one key away.
    tmux.keys(&["Down", "Enter"]);
    let steps = tmux.wait_for("the node's steps", Duration::from_secs(5), |s| {
        s.contains("REPLAY node 127.0.0.1:") && s.contains("Client verifies certificate")
    });
    assert!(steps.contains("✗"), "step 4 failed:\n{steps}");
    assert!(
        steps.contains("q back"),
        "the footer says q goes back to the table:\n{steps}"
    );
    tmux.keys(&["6"]);
    tmux.wait_for("the certificate view", Duration::from_secs(5), |s| {
        s.contains("6 · Certificates") && s.contains("127.0.0.1")
    });

    tmux.keys(&["Escape"]);
    tmux.wait_for("the table again", Duration::from_secs(5), |s| {
        s.contains("announced as") && !s.contains("REPLAY")
    });
    tmux.keys(&["q"]);
    let end = tmux.wait_for("the exit code", Duration::from_secs(15), |s| {
        s.contains("TLSVIZ-EXIT=")
    });
    assert!(
        end.contains("TLSVIZ-EXIT=1"),
        "a failing cluster exits 1:\n{end}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !redis_on(&ports).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(redis_on(&ports).is_empty(), "redis-server left behind");
    let left: Vec<_> = std::fs::read_dir(&scratch.0).unwrap().flatten().collect();
    assert!(left.is_empty(), "lab folder left: {left:?}");
}
