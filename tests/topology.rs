//! `tlsviz cluster` and `tlsviz sentinel` against real TLS setups made here: 3-node Redis
//! Clusters (`tls-cluster yes`) and a master + replica + sentinel. Every process is stopped by
//! the labs' Drop, checked at the end of each test.

use serde_json::Value;
use std::time::{Duration, Instant};
use tlsviz::lab::cluster::{ClusterLab, ClusterOptions};
use tlsviz::lab::nodes::NodeCert;
use tlsviz::lab::sentinel::{SentinelLab, MASTER_NAME};

/// These tests need a real redis-server (cluster mode has no built-in stand-in). Without one
/// they say so loudly and pass, unless TLSVIZ_REQUIRE_REDIS=1 (CI) makes that a failure.
fn have_redis() -> bool {
    let found = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("TLSVIZ_REQUIRE_REDIS").as_deref() != Ok("1"),
            "TLSVIZ_REQUIRE_REDIS=1 but redis-server is not installed"
        );
        eprintln!("!!! redis-server not found: THE CLUSTER TESTS DID NOT RUN !!!");
    }
    found
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

struct Output {
    code: i32,
    lines: Vec<Value>,
    elapsed: Duration,
}

impl Output {
    fn of_type(&self, kind: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["type"] == kind).collect()
    }
    fn summary(&self) -> &Value {
        self.of_type("topology_summary")
            .pop()
            .expect("a topology_summary line")
    }
}

async fn tlsviz(command: &str, args: &[String], extra: &[&str]) -> Output {
    let started = Instant::now();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tlsviz"))
        .arg(command)
        .args(args)
        .args(["--json", "--timeout", "2"])
        .args(extra)
        .kill_on_drop(true)
        .output()
        .await
        .expect("tlsviz runs");
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect();
    Output {
        code: out.status.code().unwrap_or(-1),
        lines,
        elapsed,
    }
}

/// `tlsviz COMMAND … --plain`: the exit code and stdout.
async fn tlsviz_plain(command: &str, args: &[String], extra: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tlsviz"))
        .arg(command)
        .args(args)
        .args(["--plain", "--timeout", "2"])
        .args(extra)
        .kill_on_drop(true)
        .output()
        .await
        .expect("tlsviz runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn gone(pids: &[u32]) {
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "redis-server {pid} outlived its lab"
        );
    }
}

fn assert_node_bounds(out: &Output) {
    // --timeout 2: each node check is bounded by 3 s.
    for node in out.of_type("node") {
        let us = node["duration_us"].as_u64().unwrap_or(u64::MAX);
        assert!(us < 3_000_000, "node check took {us} µs: {node}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_sans_pass_dns_only_fails_by_ip_hostnames_fix_it() {
    if !have_redis() {
        return;
    }
    let lab = ClusterLab::start(ClusterOptions::default())
        .await
        .expect("cluster forms");
    let args = lab.connect_args();

    // 1. Certificates with IP SANs: every node ok, exit 0.
    let ok = tlsviz("cluster", &args, &[]).await;
    assert_eq!(ok.code, 0, "{:?}", ok.lines);
    let nodes = ok.of_type("node");
    assert_eq!(nodes.len(), 3);
    for node in &nodes {
        assert_eq!(node["verdict"], "ok");
        assert_eq!(node["announced_as"], "ip");
        assert_eq!(node["role"], "master");
        // A cluster that says ok: `state` is CLUSTER SHARDS' health (README, the JSON contract).
        assert_eq!(node["state"], "online", "{node}");
        assert!(node["error"].is_null());
        assert!(node["server_certificate"]["san"]
            .to_string()
            .contains("IP:127.0.0.1"));
    }
    let slots: Vec<&str> = nodes.iter().filter_map(|n| n["slots"].as_str()).collect();
    assert!(slots.contains(&"0-5460"), "{slots:?}");
    let summary = ok.summary();
    assert_eq!(summary["kind"], "cluster");
    assert_eq!(summary["nodes"], 3);
    assert_eq!(summary["ok"], 3);
    assert_eq!(summary["cluster_state"], "ok");
    assert_eq!(summary["topology_read"], true);
    assert!(summary["diagnosis"].is_null());
    // The seed's own run comes first, as `connect` prints it, with connect's second opinion
    // (redis-cli, else openssl, with the same flags) in its summary; the nodes get none.
    assert!(ok.of_type("summary").len() == 1 && ok.of_type("step").len() >= 8);
    let seed = ok.of_type("summary")[0].clone();
    let opinion = &seed["cross_check"];
    assert!(
        opinion["by"] == "redis-cli" || opinion["by"] == "openssl",
        "{opinion}"
    );
    assert_eq!(opinion["verdict"], "ok", "{opinion}");
    assert_eq!(opinion["agrees"], true, "{opinion}");
    assert_eq!(
        ok.of_type("cross_check").len(),
        1,
        "one second opinion: the seed's"
    );
    assert_node_bounds(&ok);

    // The whole check against one `connect` (same process start-up cost, and the same second
    // opinion, in both).
    let connect = tlsviz("connect", &args, &[]).await;
    assert_eq!(connect.code, 0);
    eprintln!(
        "timing: tlsviz cluster (3 nodes) {:?}, in-process {} µs; tlsviz connect {:?}",
        ok.elapsed, summary["duration_us"], connect.elapsed
    );
    assert!(
        ok.elapsed < connect.elapsed * 2 + Duration::from_millis(500),
        "cluster {:?} vs connect {:?}",
        ok.elapsed,
        connect.elapsed
    );

    // 2. Every node now serves a certificate naming only `localhost`: the seed works by name,
    //    every node fails by the IP address it is announced by.
    for i in 0..3 {
        lab.replace_cert(i, &names(&["localhost"]), NodeCert::Valid)
            .await
            .expect("certificate replaced");
    }
    let dns = tlsviz("cluster", &args, &["--no-cross-check"]).await;
    assert_eq!(dns.code, 1);
    assert!(dns.of_type("summary")[0]["cross_check"].is_null());
    assert!(dns.of_type("cross_check").is_empty());
    for node in dns.of_type("node") {
        assert_eq!(node["verdict"], "failed");
        assert_eq!(node["error"]["kind"], "hostname_mismatch");
    }
    let d = &dns.summary()["diagnosis"];
    eprintln!("dns-only diagnosis: {d}");
    assert_eq!(d["kind"], "announced_endpoint_not_in_certificate");
    assert!(d["message"].as_str().unwrap_or("").contains("3 of 3 nodes"));
    assert!(d["fix"]
        .as_str()
        .unwrap_or("")
        .contains("cluster-preferred-endpoint-type hostname"));
    assert!(d["explanation"]
        .as_str()
        .unwrap_or("")
        .contains("redis-cli"));
    assert_node_bounds(&dns);
    // The plain table and summary, failing nodes and all, fit in 100 columns (the hint naming
    // the first failing node's nine steps included).
    let (code, plain) = tlsviz_plain("cluster", &args, &["--no-cross-check"]).await;
    assert_eq!(code, 1);
    let topology = plain
        .split_once("\nCluster seen from")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no node table:\n{plain}"));
    assert!(
        topology.contains("(the nine steps of 127.0.0.1:"),
        "{topology}"
    );
    for line in topology.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }

    // 3. The fix, applied: nodes announce `localhost`, clients are sent there, all ok.
    for i in 0..3 {
        lab.command(
            i,
            &[
                "CONFIG",
                "SET",
                "cluster-announce-hostname",
                "localhost",
                "cluster-preferred-endpoint-type",
                "hostname",
            ],
        )
        .await
        .expect("config set");
    }
    let fixed = tlsviz("cluster", &args, &[]).await;
    assert_eq!(fixed.code, 0, "{:?}", fixed.summary());
    for node in fixed.of_type("node") {
        assert_eq!(node["announced_as"], "hostname");
        assert!(node["address"]
            .as_str()
            .unwrap_or("")
            .starts_with("localhost:"));
    }
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_auth_only_node_certificates_break_the_bus() {
    if !have_redis() {
        return;
    }
    let lab = ClusterLab::start(ClusterOptions {
        cert: NodeCert::ServerAuthOnly,
        wait_ok: false,
        ..ClusterOptions::default()
    })
    .await
    .expect("nodes start");
    let out = tlsviz("cluster", &lab.connect_args(), &[]).await;
    assert_eq!(out.code, 1);
    let summary = out.summary();
    assert_eq!(summary["cluster_state"], "fail");
    let d = &summary["diagnosis"];
    eprintln!("bus diagnosis: {d}");
    assert_eq!(d["kind"], "cluster_bus_tls", "{summary}");
    assert!(d["message"]
        .as_str()
        .unwrap_or("")
        .contains("lack clientAuth"));
    assert!(d["fix"]
        .as_str()
        .unwrap_or("")
        .contains("tls-client-cert-file"));
    let evidence = d["evidence"].to_string();
    assert!(evidence.contains("serverAuth"), "{evidence}");
    // Not ok: `state` is the seed's CLUSTER NODES flags (README, the JSON contract).
    let mut states: Vec<&str> = out
        .of_type("node")
        .iter()
        .filter_map(|n| n["state"].as_str())
        .collect();
    states.sort_unstable();
    assert_eq!(states, ["handshake", "handshake", "myself,master"]);
    assert!(d["explanation"]
        .as_str()
        .unwrap_or("")
        .contains("only at loglevel verbose"));
    assert_node_bounds(&out);
    // The lab's nodes run at loglevel verbose, so the line the explanation names is in the
    // peers' logs (at the default notice it would not be).
    let logs: String = (2..=3)
        .map(|n| {
            std::fs::read_to_string(lab.files.dir.join(format!("node{n}.log"))).unwrap_or_default()
        })
        .collect();
    assert!(
        logs.contains("Error accepting cluster node connection"),
        "not in the peers' logs:\n{logs}"
    );
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_node_and_a_foreign_ca_node_are_named() {
    if !have_redis() {
        return;
    }
    let lab = ClusterLab::start(ClusterOptions::default())
        .await
        .expect("cluster forms");
    let all = names(&["localhost", "127.0.0.1"]);
    lab.replace_cert(1, &all, NodeCert::Expired)
        .await
        .expect("replaced");
    lab.replace_cert(2, &all, NodeCert::OtherCa)
        .await
        .expect("replaced");
    let out = tlsviz("cluster", &lab.connect_args(), &[]).await;
    assert_eq!(out.code, 1);
    let by_port = |port: u16| {
        out.of_type("node")
            .into_iter()
            .find(|n| n["address"] == format!("127.0.0.1:{port}"))
            .cloned()
            .expect("node listed")
    };
    assert_eq!(by_port(lab.ports[0])["verdict"], "ok");
    assert_eq!(
        by_port(lab.ports[1])["error"]["kind"],
        "certificate_expired"
    );
    assert_eq!(by_port(lab.ports[2])["error"]["kind"], "unknown_issuer");
    let summary = out.summary();
    assert_eq!(
        (summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(1), Some(2))
    );
    let d = &summary["diagnosis"];
    assert_eq!(d["kind"], "mixed_node_certificates");
    let message = d["message"].as_str().unwrap_or("");
    assert!(message.contains(&format!("127.0.0.1:{} (certificate_expired)", lab.ports[1])));
    assert!(message.contains(&format!("127.0.0.1:{} (unknown_issuer)", lab.ports[2])));
    assert!(!message.contains(&lab.ports[0].to_string()), "{message}");
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_master_and_replica_by_announced_address() {
    if !have_redis() {
        return;
    }
    let lab = SentinelLab::start(&names(&["localhost", "127.0.0.1"]))
        .await
        .expect("sentinel setup starts");
    let mut args = vec![
        "-h".to_string(),
        "localhost".into(),
        "-p".into(),
        lab.sentinel_port.to_string(),
    ];
    args.extend(lab.files.tls_args());
    args.extend(["--master".into(), MASTER_NAME.into()]);
    let ok = tlsviz("sentinel", &args, &[]).await;
    assert_eq!(ok.code, 0, "{:?}", ok.summary());
    let nodes = ok.of_type("node");
    let roles: Vec<&str> = nodes.iter().filter_map(|n| n["role"].as_str()).collect();
    assert_eq!(roles, ["master", "replica"]);
    // Sentinel: no state for the master, SENTINEL REPLICAS' flags for a replica.
    assert!(nodes[0]["state"].is_null(), "{}", nodes[0]);
    // (`slave`, or `slave,disconnected` while the sentinel has not reached it yet.)
    let flags = nodes[1]["state"].as_str().unwrap_or("");
    assert!(flags.split(',').any(|f| f == "slave"), "{}", nodes[1]);
    assert_eq!(
        nodes[0]["address"],
        format!("127.0.0.1:{}", lab.master_port)
    );
    assert_eq!(
        nodes[1]["address"],
        format!("127.0.0.1:{}", lab.replica_port)
    );
    assert_eq!(ok.summary()["kind"], "sentinel");
    assert!(ok.summary()["cluster_state"].is_null());

    for i in 0..2 {
        lab.replace_cert(i, &names(&["localhost"]))
            .await
            .expect("replaced");
    }
    let dns = tlsviz("sentinel", &args, &[]).await;
    assert_eq!(dns.code, 1);
    let d = &dns.summary()["diagnosis"];
    assert_eq!(d["kind"], "announced_endpoint_not_in_certificate");
    assert!(d["fix"]
        .as_str()
        .unwrap_or("")
        .contains("announce-hostnames"));
    assert_node_bounds(&dns);

    let unknown = tlsviz("sentinel", &args[..args.len() - 2], &["--master", "nosuch"]).await;
    assert_eq!(unknown.code, 1);
    assert_eq!(unknown.summary()["diagnosis"]["kind"], "not_a_sentinel");
    assert_eq!(unknown.summary()["topology_read"], false);
    assert!(unknown.of_type("node").is_empty());
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

/// The node table as the TUI draws it, from a real check of the lab cluster: ports replaced
/// by 17001… in the lab's order (the first is the seed), rows in that order (CLUSTER SHARDS
/// lists shards in no fixed order), the check's duration fixed.
fn node_table(lab: &ClusterLab, mut report: tlsviz::topology::TopologyReport) -> [String; 2] {
    use ratatui::backend::TestBackend;
    use tlsviz::ui::theme::Theme;
    use tlsviz::ui::topology::TopologyApp;
    let index = |port: u16| lab.ports.iter().position(|p| *p == port).unwrap_or(99);
    report.nodes.sort_by_key(|n| index(n.announced.port));
    report.duration = Duration::from_millis(42);
    let mut app = TopologyApp::new(
        report.kind,
        report.seed_address.clone(),
        Theme::new(false, true),
    );
    app.finish(report);
    // The second row: the first node other than the seed.
    app.selected = 2;
    [(120, 40), (80, 24)].map(|(w, h)| {
        let mut terminal = ratatui::Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| tlsviz::ui::views::topology::draw(f, &app))
            .unwrap();
        let mut text = terminal.backend().to_string();
        for (i, port) in lab.ports.iter().enumerate() {
            text = text.replace(&port.to_string(), &(17001 + i).to_string());
        }
        text
    })
}

async fn check_lab(lab: &ClusterLab) -> tlsviz::topology::TopologyReport {
    check_lab_with(lab, true).await
}

/// The lab cluster checked in-process, with the lab's client certificate or without one.
async fn check_lab_with(lab: &ClusterLab, client_cert: bool) -> tlsviz::topology::TopologyReport {
    let spec = tlsviz::target::TargetSpec {
        host: Some("localhost".into()),
        port: Some(lab.ports[0].to_string()),
        tls: true,
        cacert: Some(lab.files.ca_cert.clone()),
        cert: client_cert.then(|| lab.files.client_cert.clone()),
        key: client_cert.then(|| lab.files.client_key.clone()),
        timeout: Some("2".into()),
        ..Default::default()
    };
    let target = tlsviz::target::build(&spec).expect("the lab's files load");
    tlsviz::topology::cluster::check_cluster(&target, &Default::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_table_of_a_healthy_cluster_and_of_the_dns_only_trap() {
    if !have_redis() {
        return;
    }
    let lab = ClusterLab::start(ClusterOptions::default())
        .await
        .expect("cluster forms");
    let ok = check_lab(&lab).await;
    assert!(ok.all_fine(), "{:?}", ok.diagnosis);
    let [wide, narrow] = node_table(&lab, ok);
    insta::assert_snapshot!("node_table_ok_120x40", wide);
    insta::assert_snapshot!("node_table_ok_80x24", narrow);

    for i in 0..3 {
        lab.replace_cert(i, &names(&["localhost"]), NodeCert::Valid)
            .await
            .expect("certificate replaced");
    }
    let dns = check_lab(&lab).await;
    assert_eq!(
        dns.diagnosis.as_ref().map(|d| d.kind.as_str()),
        Some("announced_endpoint_not_in_certificate")
    );
    let [wide, narrow] = node_table(&lab, dns);
    for screen in [&wide, &narrow] {
        assert!(screen.contains("✗ hostname_mismatch"), "{screen}");
    }
    insta::assert_snapshot!("node_table_dns_only_120x40", wide);
    insta::assert_snapshot!("node_table_dns_only_80x24", narrow);
    let pids = lab.pids();
    lab.stop().await;
    gone(&pids);
}

/// Broken setups: a bus that never comes up, a seed that forgot its peers, a seed that fails.
#[path = "topology/broken.rs"]
mod broken;
