//! The cross-check against a real redis-server with certificates made by the openssl CLI.
//! Every expected verdict and reason here was first observed by running redis-cli 7.0.15 and
//! OpenSSL 3.0.19 by hand with the same files.

// A folder, not tests/pki.rs: cargo would take that for a test target of its own.
#[path = "crosscheck/pki.rs"]
mod pki;

use pki::{Pki, RedisTls, Silent};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tlsviz::crosscheck::{run_with_tools, CrossCheck, CrossCheckSpec, Tool, Tools, Verdict};

/// redis-server, redis-cli and openssl, or a loud skip (a panic with TLSVIZ_REQUIRE_REDIS=1).
fn tools() -> Option<Tools> {
    let tools = Tools::discover();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let have_server = std::env::split_paths(&path).any(|d| d.join("redis-server").is_file());
    if tools.redis_cli.is_some() && tools.openssl.is_some() && have_server {
        return Some(tools);
    }
    if std::env::var("TLSVIZ_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
        panic!("TLSVIZ_REQUIRE_REDIS=1 but redis-server, redis-cli or openssl is not installed");
    }
    eprintln!("\n*** SKIPPED: crosscheck tests need redis-server, redis-cli and openssl ***\n");
    None
}

fn spec(port: u16, cacert: Option<PathBuf>) -> CrossCheckSpec {
    let mut spec = CrossCheckSpec::new("127.0.0.1", port);
    spec.cacert = cacert;
    spec.timeout = Duration::from_secs(5);
    spec
}

async fn check(spec: &CrossCheckSpec, tools: &Tools, tool: Tool) -> CrossCheck {
    let check = run_with_tools(spec, &tools.only(tool)).await;
    eprintln!("{check:?}");
    assert_eq!(check.by, Some(tool));
    assert!(check.version.is_some(), "{check:?}");
    check
}

fn verdict(check: &CrossCheck) -> (Verdict, Option<&str>) {
    (check.verdict, check.reason.as_deref())
}

const VERIFY_FAILED: Option<&str> = Some("certificate verify failed");
const LOCAL_ISSUER: Option<&str> = Some("unable to get local issuer certificate");

#[tokio::test]
async fn crosscheck_good_chain_and_intermediate_as_anchor() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let redis = RedisTls::start(&pki, &[]);
    let good = spec(redis.port, Some(pki.file("root.pem")));
    for tool in [Tool::RedisCli, Tool::Openssl] {
        assert_eq!(
            verdict(&check(&good, &tools, tool).await),
            (Verdict::Ok, None)
        );
    }
    // The server sends leaf + intermediate; trusting only the intermediate is not enough for
    // OpenSSL (no partial chains). OpenSSL 3.0 calls it "unable to get issuer certificate".
    let int = spec(redis.port, Some(pki.file("int.pem")));
    let by_cli = check(&int, &tools, Tool::RedisCli).await;
    assert_eq!(verdict(&by_cli), (Verdict::Failed, VERIFY_FAILED));
    let by_openssl = check(&int, &tools, Tool::Openssl).await;
    assert_eq!(
        verdict(&by_openssl),
        (Verdict::Failed, Some("unable to get issuer certificate"))
    );
}

#[tokio::test]
async fn crosscheck_ca_folder_needs_rehash() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let redis = RedisTls::start(&pki, &[]);
    let mut spec = spec(redis.port, None);
    spec.cacertdir = Some(pki.file("cadir_norehash"));
    let expected = [
        (Tool::RedisCli, VERIFY_FAILED),
        (Tool::Openssl, LOCAL_ISSUER),
    ];
    for (tool, reason) in expected {
        let c = check(&spec, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Failed, reason));
    }
    spec.cacertdir = Some(pki.file("cadir_rehash"));
    for tool in [Tool::RedisCli, Tool::Openssl] {
        let c = check(&spec, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Ok, None));
    }
}

#[tokio::test]
async fn crosscheck_der_and_wrong_ca_and_insecure() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let redis = RedisTls::start(&pki, &[]);
    // redis-cli refuses the file before connecting; s_client says why and carries on.
    let der = spec(redis.port, Some(pki.file("root.der")));
    let expected = [
        (
            Tool::RedisCli,
            Some("Invalid CA Certificate File/Directory"),
        ),
        (Tool::Openssl, Some("no certificate or crl found")),
    ];
    for (tool, reason) in expected {
        let c = check(&der, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Failed, reason));
    }
    let mut wrong = spec(redis.port, Some(pki.file("wrong.pem")));
    let expected = [
        (Tool::RedisCli, VERIFY_FAILED),
        (Tool::Openssl, LOCAL_ISSUER),
    ];
    for (tool, reason) in expected {
        let c = check(&wrong, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Failed, reason));
    }
    wrong.insecure = true;
    for tool in [Tool::RedisCli, Tool::Openssl] {
        let c = check(&wrong, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Ok, None));
        assert_eq!(c.command.contains("--insecure"), tool == Tool::RedisCli);
    }
}

#[tokio::test]
async fn crosscheck_client_certificate_required() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let redis = RedisTls::start(&pki, &["tls-auth-clients yes"]);
    let mut spec = spec(redis.port, Some(pki.file("root.pem")));
    // TLS 1.3: the server's refusal arrives after the handshake, at the first read. redis-cli
    // then reports the socket, not the alert, and which of the two is a race (both observed).
    let c = check(&spec, &tools, Tool::RedisCli).await;
    assert_eq!(c.verdict, Verdict::Failed);
    let racy = [
        "Error: Server closed the connection",
        "Error: Connection reset by peer",
    ];
    assert!(
        racy.contains(&c.reason.as_deref().unwrap_or_default()),
        "{c:?}"
    );
    let c = check(&spec, &tools, Tool::Openssl).await;
    assert_eq!(
        verdict(&c),
        (Verdict::Failed, Some("tlsv13 alert certificate required"))
    );
    spec.cert = Some(pki.file("client.pem"));
    spec.key = Some(pki.file("client.key"));
    for tool in [Tool::RedisCli, Tool::Openssl] {
        assert_eq!(
            verdict(&check(&spec, &tools, tool).await),
            (Verdict::Ok, None)
        );
    }
}

#[tokio::test]
async fn crosscheck_password_travels_by_env_or_stdin_only() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let password = "Q-s3cret pw";
    let redis = RedisTls::start(&pki, &[&format!("requirepass \"{password}\"")]);
    let mut spec = spec(redis.port, Some(pki.file("root.pem")));
    for tool in [Tool::RedisCli, Tool::Openssl] {
        spec.password = None;
        let c = check(&spec, &tools, tool).await;
        assert_eq!(
            verdict(&c),
            (Verdict::Failed, Some("NOAUTH Authentication required."))
        );
        spec.password = Some(password.to_string());
        let c = check(&spec, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Ok, None));
        assert!(
            !c.command.contains(password) && !c.command.contains(" -a "),
            "{c:?}"
        );
        spec.password = Some("wrong-one".to_string());
        let c = check(&spec, &tools, tool).await;
        assert_eq!(c.verdict, Verdict::Failed);
        let reason = c.reason.unwrap_or_default();
        assert!(reason.contains("WRONGPASS"), "{reason}");
        assert!(!c.command.contains("wrong-one"), "{}", c.command);
    }
}

#[tokio::test]
async fn crosscheck_silent_port_times_out_and_leaves_no_child() {
    let Some(tools) = tools() else { return };
    let silent = Silent::start().await;
    let mut spec = spec(silent.port, None);
    spec.timeout = Duration::from_secs(1);
    for tool in [Tool::RedisCli, Tool::Openssl] {
        let started = Instant::now();
        let c = check(&spec, &tools, tool).await;
        let took = started.elapsed();
        assert_eq!(verdict(&c), (Verdict::Failed, Some("no answer within 1 s")));
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        assert!(pki::children_mentioning(silent.port).is_empty());
    }
}

#[tokio::test]
async fn crosscheck_plaintext_redis_times_out_too() {
    let Some(tools) = tools() else { return };
    let pki = Pki::new();
    let redis = RedisTls::start_plain(&pki);
    let mut spec = spec(redis.port, Some(pki.file("root.pem")));
    spec.timeout = Duration::from_secs(1);
    // Redis reads the ClientHello as the start of an inline command and waits for the rest.
    for tool in [Tool::RedisCli, Tool::Openssl] {
        let c = check(&spec, &tools, tool).await;
        assert_eq!(verdict(&c), (Verdict::Failed, Some("no answer within 1 s")));
    }
}

#[tokio::test]
async fn crosscheck_dropping_the_future_kills_the_child() {
    let Some(tools) = tools() else { return };
    let silent = Silent::start().await;
    let spec = spec(silent.port, None);
    for tool in [Tool::RedisCli, Tool::Openssl] {
        let only = tools.only(tool);
        let mut run = Box::pin(run_with_tools(&spec, &only));
        let seen = tokio::select! {
            _ = &mut run => panic!("a silent port cannot answer"),
            seen = async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                pki::children_mentioning(silent.port)
            } => seen,
        };
        assert_eq!(seen.len(), 1, "the child should be running: {seen:?}");
        drop(run);
        // kill_on_drop sends SIGKILL at once; tokio reaps the orphan shortly after.
        let deadline = Instant::now() + Duration::from_secs(2);
        while pki::pid_exists(seen[0]) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            !pki::pid_exists(seen[0]),
            "{tool:?} child {} survived",
            seen[0]
        );
    }
}

#[tokio::test]
async fn crosscheck_unavailable_without_tools() {
    let empty = std::env::temp_dir().join(format!("tlsviz-cc-nopath-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let tools = Tools::discover_in(empty.as_os_str());
    let _ = std::fs::remove_dir(&empty);
    assert_eq!(tools, Tools::default());
    let c = run_with_tools(&spec(1, None), &tools).await;
    assert_eq!(
        (c.verdict, c.by, c.reason, c.version),
        (Verdict::Unavailable, None, None, None)
    );
}
