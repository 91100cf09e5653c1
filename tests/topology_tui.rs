//! End to end: `tlsviz --scenario cluster-announced-ip` in tmux starts a real 3-node TLS
//! cluster, shows the node table with every node failing by IP, Enter opens a node's nine steps,
//! Esc returns to the table, q quits with 1 (a node failed); no redis-server or lab folder is
//! left behind.

mod common;

use common::tmux::{alive, entries, have, Tui};
use std::time::{Duration, Instant};

/// redis-server processes serving one of `ports`.
fn redis_on(ports: &[String]) -> Vec<u32> {
    let mut pids: Vec<u32> = ports
        .iter()
        .flat_map(|p| common::tmux::redis_pids(p))
        .filter(|pid| alive(*pid))
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

#[test]
fn the_dns_only_cluster_in_the_tui_enter_on_a_node_esc_back_q_quits() {
    if !have("tmux", "-V") {
        eprintln!("!!! tmux not found: THE TOPOLOGY TUI TEST DID NOT RUN !!!");
        return;
    }
    if !have("redis-server", "--version") {
        assert!(
            std::env::var("TLSVIZ_REQUIRE_REDIS").as_deref() != Ok("1"),
            "TLSVIZ_REQUIRE_REDIS=1 but redis-server is not installed"
        );
        eprintln!("!!! redis-server not found: THE TOPOLOGY TUI TEST DID NOT RUN !!!");
        return;
    }
    let cwd = std::env::temp_dir();
    let tmux = Tui::start("topo", "--scenario cluster-announced-ip", &cwd, 120, 40);
    let table = tmux.wait_for("three failing nodes", Duration::from_secs(30), |s| {
        s.matches("✗ hostname_mismatch (step 4)").count() == 3
            && s.contains("announced_endpoint_not_in_certificate")
    });
    assert!(table.contains("scenario cluster-announced-ip"), "{table}");
    assert!(table.contains("announced as"), "{table}");
    assert!(table.contains("✓ ok"), "the seed works by name:\n{table}");
    assert_eq!(
        entries(&tmux.labs.0).len(),
        1,
        "one lab folder while it runs"
    );
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
    // The whole screen, footer included (a capture can land mid-draw): the footer says q goes
    // back to the table.
    let steps = tmux.wait_for(
        "the node's steps, the footer saying q goes back",
        Duration::from_secs(5),
        |s| {
            s.contains("REPLAY node 127.0.0.1:")
                && s.contains("Client verifies certificate")
                && s.contains("q back")
        },
    );
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
    let end = tmux.quit();
    assert!(
        end.contains("TLSVIZ-EXIT=1"),
        "a failing cluster exits 1:\n{end}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !redis_on(&ports).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(redis_on(&ports).is_empty(), "redis-server left behind");
}
