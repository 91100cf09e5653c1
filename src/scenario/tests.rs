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
