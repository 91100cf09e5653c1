use super::*;

#[test]
fn every_shipped_scenario_parses_and_is_named_after_its_file() {
    for (name, text) in SHIPPED {
        let s = parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&s.name, name);
        assert!(!s.lesson.trim().is_empty(), "{name} has no lesson text");
    }
}

#[test]
fn every_file_in_scenarios_is_shipped() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            SHIPPED.iter().any(|(n, _)| *n == stem),
            "{stem}.toml is not in SHIPPED"
        );
    }
}

#[test]
fn a_broken_file_gets_file_line_column_and_field() {
    let text = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n[client]\ntimeout = \"soon\"\n[expect]\noutcome = \"ok\"\n";
    let err = parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.starts_with("my.toml:6:11"), "{err}");
    assert!(err.contains("invalid type"), "{err}");

    let unknown = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n[server]\ntls-auth = \"yes\"\n[expect]\noutcome = \"ok\"\n";
    let err = parse(unknown, "my.toml").unwrap_err().to_string();
    assert!(
        err.contains("my.toml:6:1") && err.contains("tls-auth"),
        "{err}"
    );

    let missing = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n";
    let err = parse(missing, "my.toml").unwrap_err().to_string();
    assert!(err.contains("expect"), "{err}");

    let bad_kind = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n[expect]\noutcome = \"failed\"\nstep = 4\nkind = \"expird\"\n";
    let err = parse(bad_kind, "my.toml").unwrap_err().to_string();
    assert!(
        err.starts_with("my.toml:8:8") && err.contains("unknown variant `expird`"),
        "{err}"
    );

    let not_toml = "this is [ not toml";
    assert!(parse(not_toml, "x.toml")
        .unwrap_err()
        .to_string()
        .starts_with("x.toml:1:"));
}

#[test]
fn a_bad_client_host_is_named_before_any_lab_starts() {
    let text = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n[client]\nhost = \"a b\"\n[expect]\noutcome = \"ok\"\n";
    let err = parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.starts_with("my.toml:6:1: client.host"), "{err}");
}

#[test]
fn unknown_names_get_a_hint() {
    let err = load("expird").unwrap_err().to_string();
    assert!(
        err.contains("no such scenario") && err.contains("hint"),
        "{err}"
    );
    let err = load("expire").unwrap_err().to_string();
    assert!(err.contains("did you mean expired"), "{err}");
}

#[test]
fn cluster_scenarios_expect_a_topology_kind() {
    let head = "name = \"x\"\ntitle = \"t\"\nsummary = \"s\"\nlesson = \"l\"\n";
    let parse_with = |rest: &str| parse(&format!("{head}{rest}"), "my.toml");

    let s = load("cluster-announced-ip").unwrap();
    assert!(s.lab.cluster);
    assert_eq!(s.lab.node_certificates, NodeCertificates::DnsOnly);
    assert_eq!(
        s.expect.describe(),
        "topology:announced_endpoint_not_in_certificate, nodes hostname_mismatch"
    );
    let bus = load("cluster-bus-server-auth-only").unwrap();
    assert_eq!(bus.lab.node_certificates, NodeCertificates::ServerAuthOnly);
    assert_eq!(bus.expect.describe(), "topology:cluster_bus_tls");

    let ok = parse_with("[lab]\ncluster = true\n[expect]\noutcome = \"ok\"\n").unwrap();
    assert_eq!(ok.lab.node_certificates, NodeCertificates::Valid);

    for (rest, field, problem) in [
        (
            "[lab]\ncluster = true\n[expect]\noutcome = \"failed\"\n",
            "expect",
            "needs topology",
        ),
        (
            "[lab]\ncluster = true\n[expect]\noutcome = \"failed\"\nstep = 4\nkind = \"hostname_mismatch\"\n",
            "expect",
            "not step and kind",
        ),
        (
            "[lab]\ncluster = true\n[server]\nrequirepass = \"x\"\n[expect]\noutcome = \"ok\"\n",
            "server",
            "under [lab]",
        ),
        (
            "[lab]\ncluster = true\n[client]\ntrust = \"other-ca\"\n[expect]\noutcome = \"ok\"\n",
            "client",
            "lab CA",
        ),
        (
            "[lab]\nnode-certificates = \"dns-only\"\n[expect]\noutcome = \"ok\"\n",
            "lab.node-certificates",
            "only a cluster lab",
        ),
        (
            "[expect]\noutcome = \"failed\"\ntopology = \"cluster_bus_tls\"\n",
            "expect.topology",
            "only a cluster scenario",
        ),
    ] {
        let err = parse_with(rest).unwrap_err().to_string();
        assert!(
            err.contains(&format!(": {field}")) && err.contains(problem),
            "{rest}: {err}"
        );
    }
    let unknown = parse_with(
        "[lab]\ncluster = true\nnode-certificates = \"ip-only\"\n[expect]\noutcome = \"ok\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(unknown.contains("unknown variant `ip-only`"), "{unknown}");
    let bad_topology = parse_with(
        "[lab]\ncluster = true\n[expect]\noutcome = \"failed\"\ntopology = \"cluster_bus\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad_topology.contains("unknown variant `cluster_bus`"),
        "{bad_topology}"
    );
}
