//! Part of `tests/topology.rs` (its helpers, `super::*`): clusters that are broken — a bus
//! that never comes up, read after the lab's settle time; a seed that forgot its peers; a seed
//! whose own check fails, so no topology is read.

use super::*;

/// The peers the first node lists in `handshake`, and how many nodes it lists.
async fn seed_view(lab: &ClusterLab) -> (usize, usize) {
    let reply = lab
        .command(0, &["CLUSTER", "NODES"])
        .await
        .expect("CLUSTER NODES");
    let text = tlsviz::lab::nodes::reply_text(&reply);
    let flags: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let stuck = flags.iter().filter(|f| f.contains("handshake")).count();
    (stuck, flags.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_bus_is_read_after_the_settle_time_when_a_healthy_one_is_up() {
    if !have_redis() {
        return;
    }
    // "Peers stuck in handshake" must not be what any freshly met cluster shows: with the same
    // wait, healthy certificates leave the seed with every peer out of handshake...
    let healthy = ClusterLab::start(ClusterOptions {
        wait_ok: false,
        ..ClusterOptions::default()
    })
    .await
    .expect("nodes start");
    assert_eq!(
        seed_view(&healthy).await,
        (0, 3),
        "the bus is up when the lab returns"
    );
    let pids = healthy.pids();
    healthy.stop().await;
    gone(&pids);
    // ...while serverAuth-only ones still have them there after BUS_SETTLE.
    let started = Instant::now();
    let broken = ClusterLab::start(ClusterOptions {
        cert: NodeCert::ServerAuthOnly,
        wait_ok: false,
        ..ClusterOptions::default()
    })
    .await
    .expect("nodes start");
    let waited = started.elapsed();
    let settle = tlsviz::lab::cluster::BUS_SETTLE;
    assert!(waited >= settle, "read after {waited:?}, before {settle:?}");
    assert!(waited < settle + Duration::from_secs(3), "{waited:?}");
    assert_eq!(seed_view(&broken).await, (2, 3), "both peers stuck");
    let pids = broken.pids();
    broken.stop().await;
    gone(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_that_forgot_its_peers_is_no_all_clear() {
    if !have_redis() {
        return;
    }
    // cluster-node-timeout 1 s: the seed forgets the peers stuck in handshake after 1 s (5 s
    // with the lab's default), leaving a 3-node cluster whose seed knows only itself.
    let lab = ClusterLab::start(ClusterOptions {
        cert: NodeCert::ServerAuthOnly,
        wait_ok: false,
        node_timeout_ms: 1000,
        ..ClusterOptions::default()
    })
    .await
    .expect("nodes start");
    let deadline = Instant::now() + Duration::from_secs(10);
    while seed_view(&lab).await.1 != 1 {
        assert!(Instant::now() < deadline, "the seed never forgot its peers");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = tlsviz("cluster", &lab.connect_args(), &["--no-cross-check"]).await;
    assert_eq!(out.code, 1);
    let summary = out.summary();
    assert_eq!(
        (summary["nodes"].as_u64(), summary["ok"].as_u64()),
        (Some(1), Some(1)),
        "{summary}"
    );
    assert_eq!(summary["cluster_state"], "fail");
    let d = &summary["diagnosis"];
    assert_eq!(d["kind"], "cluster_bus_tls", "{summary}");
    let message = d["message"].as_str().unwrap_or("");
    for said in [
        "no peer left in handshake",
        "the seed knows only itself (cluster_known_nodes:1)",
        "sees 5461 of 16384 slots assigned",
    ] {
        assert!(message.contains(said), "{said:?} not in {message}");
    }
    let why = d["explanation"].as_str().unwrap_or("");
    assert!(!why.contains("Clients reach every node"), "{why}");
    assert!(
        why.contains("only it was checked (1 of 1 check passed)"),
        "{why}"
    );
    assert!(why.contains("The seed is in cluster_state:fail"), "{why}");
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_seed_reads_no_topology_and_says_so() {
    if !have_redis() {
        return;
    }
    let lab = ClusterLab::start(ClusterOptions::default())
        .await
        .expect("cluster forms");
    let seed = format!("localhost:{}", lab.ports[0]);
    // The nodes require a client certificate; none given. Then the right one, a wrong name.
    let trust_only: Vec<String> = lab.connect_args()[..7].to_vec();
    assert_eq!(trust_only[5], "--cacert");
    let mut wrong_name = lab.connect_args();
    wrong_name.extend(["--sni".into(), "foo.example".into()]);
    for (args, step, kind) in [
        (&trust_only, 5, "client_certificate_required"),
        (&wrong_name, 4, "hostname_mismatch"),
    ] {
        let (code, plain) = tlsviz_plain("cluster", args, &["--no-cross-check"]).await;
        assert_eq!(code, 1, "{plain}");
        let said = format!(
            "Cluster topology not read: the seed {seed} failed at step {step} ({kind}), so it \
             could not be asked for its nodes."
        );
        assert!(
            plain.replace('\n', " ").contains(&said),
            "{said:?} not in:\n{plain}"
        );
        for absent in [
            "Cluster seen from",
            "0 of 0",
            "announced as",
            "every node is fine",
        ] {
            assert!(!plain.contains(absent), "{absent:?} in:\n{plain}");
        }
        let json = tlsviz("cluster", args, &["--no-cross-check"]).await;
        assert_eq!(json.code, 1);
        assert!(json.of_type("node").is_empty());
        let summary = json.summary();
        assert_eq!(summary["topology_read"], false, "{summary}");
        assert_eq!(summary["nodes"], 0);
        assert_eq!(summary["diagnosis"]["kind"], kind, "{summary}");
        let message = summary["diagnosis"]["message"].as_str().unwrap_or("");
        assert!(
            message.starts_with(&format!("the seed itself failed at step {step}: ")),
            "{message}"
        );
    }
    // The TUI's table and summary say the same, with no empty table and no "0 of 0".
    let failed = check_lab_with(&lab, false).await;
    assert!(!failed.topology_read);
    let [wide, narrow] = node_table(&lab, failed);
    for screen in [&wide, &narrow] {
        let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Nodes (topology not read)"), "{screen}");
        assert!(
            flat.contains("no node list: the seed failed at step 5 (client_certificate_required)"),
            "{screen}"
        );
        assert!(
            flat.contains("Cluster topology not read: the seed localhost:17001 failed at step 5"),
            "{screen}"
        );
        for absent in ["0 of 0", "announced", "(0)"] {
            assert!(!screen.contains(absent), "{absent:?} in:\n{screen}");
        }
    }
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}
