use super::*;

fn cert(sans: &[&str], eku: &[&str]) -> CertificateInfo {
    CertificateInfo {
        subject: "CN=node".into(),
        issuer: "CN=lab CA".into(),
        san: sans.iter().map(|s| s.to_string()).collect(),
        extended_key_usage: eku.iter().map(|s| s.to_string()).collect(),
        eku_present: !eku.is_empty(),
        ..CertificateInfo::default()
    }
}

fn failure(kind: ErrorKind, step: Step) -> Diagnosis {
    Diagnosis {
        kind,
        step,
        message: format!("{kind} here"),
        explanation: String::new(),
        fix: format!("fix {kind}"),
        evidence: Vec::new(),
        redis_cli: None,
        certificate: None,
    }
}

fn node(address: &str, failure: Option<Diagnosis>, leaf: CertificateInfo) -> NodeFacts {
    NodeFacts {
        address: address.into(),
        announced_as: AnnouncedAs::of(address.rsplit_once(':').map_or(address, |(h, _)| h)),
        failure,
        leaf: Some(leaf),
    }
}

fn facts(nodes: Vec<NodeFacts>) -> TopologyFacts {
    TopologyFacts {
        kind: SetupKind::Cluster,
        seed_address: "localhost:7000".into(),
        seed_name: "localhost".into(),
        seed_leaf: Some(cert(&["DNS:localhost"], &["serverAuth", "clientAuth"])),
        nodes,
        cluster_state: Some("ok".into()),
        troubled_peers: Vec::new(),
        bus_unreachable: Vec::new(),
        cluster_info: Vec::new(),
    }
}

#[test]
fn all_fine_is_no_diagnosis() {
    let c = cert(
        &["DNS:localhost", "IP:127.0.0.1"],
        &["serverAuth", "clientAuth"],
    );
    let f = facts(vec![
        node("127.0.0.1:7000", None, c.clone()),
        node("127.0.0.1:7001", None, c),
    ]);
    assert_eq!(diagnose_topology(&f), None);
}

#[test]
fn nodes_announced_by_ip_without_ip_sans() {
    let c = cert(&["DNS:localhost"], &["serverAuth", "clientAuth"]);
    let bad = || Some(failure(ErrorKind::HostnameMismatch, Step::Verify));
    let f = facts(vec![
        node("127.0.0.1:7000", bad(), c.clone()),
        node("127.0.0.1:7001", bad(), c),
    ]);
    let d = diagnose_topology(&f).unwrap();
    assert_eq!(d.kind, "announced_endpoint_not_in_certificate");
    assert!(d.message.contains("2 of 2 nodes"), "{}", d.message);
    assert!(d.fix.contains("cluster-preferred-endpoint-type hostname"));
    assert!(d.explanation.contains("redis-cli"));
    assert!(d.evidence.iter().any(|e| e.value.contains("DNS:localhost")));
    let mut s = f.clone();
    s.kind = SetupKind::Sentinel;
    assert!(diagnose_topology(&s)
        .unwrap()
        .fix
        .contains("announce-hostnames"));
}

#[test]
fn handshake_peers_and_server_auth_only_certificates() {
    let c = cert(&["DNS:localhost", "IP:127.0.0.1"], &["serverAuth"]);
    let mut f = facts(vec![node("127.0.0.1:7000", None, c.clone())]);
    f.seed_leaf = Some(c);
    f.cluster_state = Some("fail".into());
    f.troubled_peers = vec![PeerState {
        address: "127.0.0.1:7001".into(),
        flags: vec!["handshake".into()],
    }];
    let d = diagnose_topology(&f).unwrap();
    assert_eq!(d.kind, "cluster_bus_tls");
    assert!(d.message.contains("lack clientAuth"), "{}", d.message);
    assert!(
        d.message.contains("1 peer stuck in handshake"),
        "{}",
        d.message
    );
    assert!(d.fix.contains("tls-client-cert-file"));
    // Redis logs the refused bus connection only at loglevel verbose (the default is notice):
    // the explanation says so and gives checks that work at any log level.
    assert!(
        d.explanation
            .contains("(\"Error accepting cluster node connection\") only at loglevel verbose"),
        "{}",
        d.explanation
    );
    assert!(
        !d.explanation.contains("in the peer's log"),
        "{}",
        d.explanation
    );
    assert!(d.explanation.contains("-noout -ext extendedKeyUsage"));
    assert!(d.explanation.contains("TLS Web Client Authentication"));
    // Checked after cluster-node-timeout, the seed has forgotten its peers: the message says
    // why none is listed rather than "0 peers stuck".
    f.troubled_peers.clear();
    let later = diagnose_topology(&f).unwrap();
    assert_eq!(later.kind, "cluster_bus_tls");
    assert!(
        later.message.contains("no peer left in handshake"),
        "{}",
        later.message
    );
    assert!(!later.message.contains("0 peers"), "{}", later.message);
}

#[test]
fn one_expired_node_is_named() {
    let c = cert(&["IP:127.0.0.1"], &["serverAuth", "clientAuth"]);
    let f = facts(vec![
        node("127.0.0.1:7000", None, c.clone()),
        node(
            "127.0.0.1:7001",
            Some(failure(ErrorKind::CertificateExpired, Step::Verify)),
            c.clone(),
        ),
        node("127.0.0.1:7002", None, c),
    ]);
    let d = diagnose_topology(&f).unwrap();
    assert_eq!(d.kind, "mixed_node_certificates");
    assert!(d.message.contains("127.0.0.1:7001 (certificate_expired)"));
    assert!(!d.message.contains("7000"));
}

#[test]
fn a_refused_node_is_nodes_failed() {
    let c = cert(&["IP:127.0.0.1"], &[]);
    let f = facts(vec![
        node("127.0.0.1:7000", None, c.clone()),
        node(
            "127.0.0.1:7001",
            Some(failure(ErrorKind::ConnectionRefused, Step::Connect)),
            c,
        ),
    ]);
    assert_eq!(diagnose_topology(&f).unwrap().kind, "nodes_failed");
}

/// A seed that forgot its peers (cluster_known_nodes:1) announces only itself: 1 of 1 checks
/// passing must not read as every node being reachable.
#[test]
fn a_seed_that_knows_only_itself_says_so() {
    let good = cert(&["IP:127.0.0.1"], &["serverAuth", "clientAuth"]);
    let mut f = facts(vec![node("127.0.0.1:7000", None, good)]);
    f.cluster_state = Some("fail".into());
    f.cluster_info = vec![
        ("cluster_slots_assigned".into(), "5461".into()),
        ("cluster_known_nodes".into(), "1".into()),
        ("cluster_size".into(), "1".into()),
    ];
    // Usable certificates, nobody in handshake: the state alone, with what CLUSTER INFO says.
    let d = diagnose_topology(&f).unwrap();
    assert_eq!(d.kind, "cluster_state_fail");
    assert!(!d.message.contains("every node"), "{}", d.message);
    assert!(
        d.message.contains(
            "the seed knows only itself (cluster_known_nodes:1) and sees 5461 of 16384 slots \
             assigned"
        ),
        "{}",
        d.message
    );
    assert!(d.explanation.contains("CLUSTER MEET"), "{}", d.explanation);
    assert!(d.fix.starts_with("Meet the nodes"), "{}", d.fix);
    // serverAuth-only certificates: the bus rule fires, without "Clients reach every node".
    let mut bus = f.clone();
    bus.seed_leaf = Some(cert(&["IP:127.0.0.1"], &["serverAuth"]));
    let d = diagnose_topology(&bus).unwrap();
    assert_eq!(d.kind, "cluster_bus_tls");
    assert!(
        d.message.contains("no peer left in handshake"),
        "{}",
        d.message
    );
    assert!(d.message.contains("knows only itself"), "{}", d.message);
    assert!(
        !d.explanation.contains("Clients reach every node"),
        "{}",
        d.explanation
    );
    assert!(
        d.explanation
            .contains("only it was checked (1 of 1 check passed)"),
        "{}",
        d.explanation
    );
}

/// A healthy-looking count is said only when it is true: with a node failing, the bus rule
/// does not claim that clients reach every node.
#[test]
fn the_bus_rule_counts_the_checks_it_has() {
    let c = cert(&["IP:127.0.0.1"], &["serverAuth"]);
    let mut f = facts(vec![
        node("127.0.0.1:7000", None, c.clone()),
        node(
            "127.0.0.1:7001",
            Some(failure(ErrorKind::ConnectionRefused, Step::Connect)),
            c.clone(),
        ),
    ]);
    f.seed_leaf = Some(c);
    f.cluster_state = Some("fail".into());
    f.cluster_info = vec![("cluster_slots_assigned".into(), "16384".into())];
    let d = diagnose_topology(&f).unwrap();
    assert_eq!(d.kind, "cluster_bus_tls");
    assert!(
        d.explanation.starts_with("1 of 2 node checks passed."),
        "{}",
        d.explanation
    );
    assert!(!d.message.contains("slots assigned"), "{}", d.message);
}
