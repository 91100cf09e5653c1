//! Unit tests: classification of real output captured from redis-cli 7.0.15 and OpenSSL 3.0.19
//! (the samples below are verbatim), command lines, and PATH lookup.

use super::argv;
use super::child::parse_version;
use super::classify::{classify, openssl_reason, parse_replies, ToolOutput};
use super::*;
use std::path::Path;

fn redis_cli(stdout: &str, stderr: &str, code: i32) -> (Verdict, Option<String>) {
    let sent = ["PING".to_string()];
    let out = ToolOutput {
        stdout: stdout.as_bytes(),
        stderr: stderr.as_bytes(),
        exit_code: Some(code),
        sent: &sent,
    };
    classify(Tool::RedisCli, &out)
}

fn openssl(stdout: &str, stderr: &str, sent: &[&str]) -> (Verdict, Option<String>) {
    let sent: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
    let out = ToolOutput {
        stdout: stdout.as_bytes(),
        stderr: stderr.as_bytes(),
        exit_code: Some(1),
        sent: &sent,
    };
    classify(Tool::Openssl, &out)
}

fn failed(reason: &str) -> (Verdict, Option<String>) {
    (Verdict::Failed, Some(reason.to_string()))
}

#[test]
fn crosscheck_redis_cli_pong_is_ok() {
    assert_eq!(redis_cli("PONG\n", "", 0), (Verdict::Ok, None));
}

#[test]
fn crosscheck_an_echo_is_not_pong() {
    // redis-cli 7.0.15 against an echo server: the command comes back as an array.
    assert_eq!(
        redis_cli("1) \"PING\"\n", "", 0),
        failed("PING got 1) \"PING\" back, not PONG: not a Redis server")
    );
    assert_eq!(
        openssl("*1\r\n$4\r\nPING\r\n", "", &["PING"]),
        failed("PING got (1 elements) back, not PONG: not a Redis server")
    );
}

#[test]
fn crosscheck_redis_cli_handshake_failures_keep_openssl_words() {
    let verify = "Could not connect to Redis at 127.0.0.1:16399: SSL_connect failed: certificate verify failed\n";
    assert_eq!(
        redis_cli("", verify, 1),
        failed("certificate verify failed")
    );
    let der = "Could not negotiate a TLS connection: Invalid CA Certificate File/Directory\n";
    assert_eq!(
        redis_cli("", der, 1),
        failed("Invalid CA Certificate File/Directory")
    );
    let refused = "Could not connect to Redis at 127.0.0.1:1: Connection refused\n";
    assert_eq!(redis_cli("", refused, 1), failed("Connection refused"));
    let v6 = "Could not connect to Redis at ::1:6380: Connection refused\n";
    assert_eq!(redis_cli("", v6, 1), failed("Connection refused"));
    let dns =
        "Could not connect to Redis at no.such.host.invalid:16399: Name or service not known\n";
    assert_eq!(redis_cli("", dns, 1), failed("Name or service not known"));
    // TLS 1.3, server demands a client certificate: the alert only shows at the first read.
    let closed = "Error: Server closed the connection\n";
    assert_eq!(
        redis_cli("", closed, 1),
        failed("Error: Server closed the connection")
    );
    let reset = "Error: Connection reset by peer\n";
    assert_eq!(
        redis_cli("", reset, 1),
        failed("Error: Connection reset by peer")
    );
    let suites = "Could not negotiate a TLS connection: Error while setting cypher suites\n";
    assert_eq!(
        redis_cli("", suites, 1),
        failed("Error while setting cypher suites")
    );
}

#[test]
fn crosscheck_redis_cli_error_reply_is_failed_with_the_root_cause() {
    // No password given to a requirepass server (exit code 0!).
    assert_eq!(
        redis_cli("(error) NOAUTH Authentication required.\n", "", 0),
        failed("NOAUTH Authentication required.")
    );
    // Wrong password: redis-cli says why on stderr, PING then gets NOAUTH.
    assert_eq!(
        redis_cli(
            "(error) NOAUTH Authentication required.\n",
            "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n",
            0
        ),
        failed("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.")
    );
}

#[test]
fn crosscheck_redis_cli_warning_on_ok_is_kept() {
    assert_eq!(
        redis_cli(
            "PONG\n",
            "SELECT 99 failed: ERR DB index is out of range\n",
            0
        ),
        (
            Verdict::Ok,
            Some("SELECT 99 failed: ERR DB index is out of range".to_string())
        )
    );
}

#[test]
fn crosscheck_redis_cli_silent_failure_says_only_the_exit_code() {
    assert_eq!(
        redis_cli("", "", 1),
        failed("redis-cli exited with code 1 and printed nothing")
    );
}

#[test]
fn crosscheck_openssl_pong_is_ok_even_with_verify_noise() {
    // --insecure against the wrong CA: s_client reports, carries on, and gets PONG.
    let stderr = "depth=1 CN = cc intermediate\nverify error:num=20:unable to get local issuer certificate\n";
    assert_eq!(openssl("+PONG\r\n", stderr, &["PING"]), (Verdict::Ok, None));
}

#[test]
fn crosscheck_openssl_verify_failures() {
    let intermediate = "depth=1 CN = cc intermediate\nverify error:num=2:unable to get issuer certificate\nissuer= CN = cc root\n80CBDF57C77F0000:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889:\n";
    assert_eq!(
        openssl("", intermediate, &["PING"]),
        failed("unable to get issuer certificate")
    );
    let wrong = "depth=1 CN = cc intermediate\nverify error:num=20:unable to get local issuer certificate\n809B7AE7D37F0000:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889:\n";
    assert_eq!(
        openssl("", wrong, &["PING"]),
        failed("unable to get local issuer certificate")
    );
    let der = "80EB3F3BD67F0000:error:05800088:x509 certificate routines:X509_load_cert_crl_file_ex:no certificate or crl found:../crypto/x509/by_file.c:252:\n";
    assert_eq!(
        openssl("", der, &["PING"]),
        failed("no certificate or crl found")
    );
}

#[test]
fn crosscheck_openssl_connection_and_file_failures() {
    let refused = "80CB3F2E827F0000:error:8000006F:system library:BIO_connect:Connection refused:../crypto/bio/bio_sock2.c:117:calling connect()\n80CB3F2E827F0000:error:10000067:BIO routines:BIO_connect:connect error:../crypto/bio/bio_sock2.c:119:\nconnect:errno=111\n";
    assert_eq!(
        openssl("", refused, &["PING"]),
        failed("Connection refused")
    );
    let dns = "803B690FD67F0000:error:10080002:BIO routines:BIO_lookup_ex:system lib:../crypto/bio/bio_addr.c:746:Name or service not known\nconnect:errno=2\n";
    assert_eq!(
        openssl("", dns, &["PING"]),
        failed("Name or service not known")
    );
    let alert = "808B9AF14C7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n";
    assert_eq!(
        openssl("", alert, &["PING"]),
        failed("tlsv13 alert certificate required")
    );
    let missing = "Could not open file or uri for loading client certificate from nope.pem\n805B1D62D97F0000:error:16000069:STORE routines:ossl_store_get0_loader_int:unregistered scheme:../crypto/store/store_register.c:237:scheme=file\n";
    assert_eq!(
        openssl_reason(missing).as_deref(),
        Some("Could not open file or uri for loading client certificate from nope.pem")
    );
    assert_eq!(openssl("", "", &["PING"]), (Verdict::Failed, None));
}

#[test]
fn crosscheck_openssl_auth_replies_read_like_redis_cli() {
    // Real bytes from Redis 7.0.15 for AUTH wrong + PING.
    let out = "-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n";
    assert_eq!(
        openssl(out, "", &["AUTH ***", "PING"]),
        failed("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(
        openssl("+OK\r\n+PONG\r\n", "", &["AUTH alice ***", "PING"]),
        (Verdict::Ok, None)
    );
    assert_eq!(
        openssl("-NOAUTH Authentication required.\r\n", "", &["PING"]),
        failed("NOAUTH Authentication required.")
    );
    let select = "+OK\r\n-ERR DB index is out of range\r\n+PONG\r\n";
    assert_eq!(
        openssl(select, "", &["AUTH ***", "SELECT 99", "PING"]),
        (
            Verdict::Ok,
            Some("SELECT 99 failed: ERR DB index is out of range".to_string())
        )
    );
    // AUTH answered, then the connection dropped: PING's reply is missing, so not ok.
    assert_eq!(
        openssl("+OK\r\n", "", &["AUTH ***", "PING"]).0,
        Verdict::Failed
    );
}

#[test]
fn crosscheck_resp_parser_counts_only_complete_replies() {
    assert_eq!(parse_replies(b"+PONG\r\n+PO").replies.len(), 1);
    assert_eq!(parse_replies(b"$4\r\nPONG\r\n").replies.len(), 1);
    assert_eq!(parse_replies(b"$4\r\nPO").replies.len(), 0);
    assert_eq!(
        parse_replies(b"*2\r\n$1\r\na\r\n:1\r\n+x\r\n")
            .replies
            .len(),
        2
    );
    assert_eq!(parse_replies(b"*2\r\n$1\r\na\r\n").replies.len(), 0);
    assert_eq!(parse_replies(b"$-1\r\n").replies.len(), 1);
    assert_eq!(parse_replies(b"$99999999999999999999\r\n").replies.len(), 0);
    // Deep nesting is not followed (and does not blow the stack).
    let deep = "*1\r\n".repeat(10_000);
    assert_eq!(parse_replies(deep.as_bytes()).replies.len(), 0);
}

fn spec() -> CrossCheckSpec {
    let mut spec = CrossCheckSpec::new("127.0.0.1", 6380);
    spec.cacert = Some("/tmp/my ca.pem".into());
    spec.user = Some("alice".into());
    spec.password = Some("s3cret pass".into());
    spec.db = Some(3);
    spec
}

#[test]
fn crosscheck_redis_cli_command_has_no_password() {
    let inv = argv::redis_cli(Path::new("/usr/bin/redis-cli"), &spec());
    assert_eq!(
        inv.display,
        "REDISCLI_AUTH=*** redis-cli --tls -h 127.0.0.1 -p 6380 --cacert '/tmp/my ca.pem' \
         --user alice -n 3 --no-raw PING"
    );
    assert!(inv
        .args
        .iter()
        .all(|a| !a.to_string_lossy().contains("s3cret")));
    assert!(!inv.args.iter().any(|a| a == "-a" || a == "--pass"));
    assert_eq!(
        inv.auth_env.as_deref().map(String::as_str),
        Some("s3cret pass")
    );
}

#[test]
fn crosscheck_openssl_command_mirrors_hiredis() {
    let mut spec = spec();
    spec.tls_version = Some(TlsVersionChoice::V1_2);
    let inv = argv::openssl(Path::new("/usr/bin/openssl"), &spec);
    assert_eq!(
        inv.display,
        "openssl s_client -connect 127.0.0.1:6380 -quiet -nocommands -verify_quiet -noservername \
         -CAfile '/tmp/my ca.pem' -no-CApath -no-CAstore -verify_return_error -tls1_2 \
         (stdin: AUTH alice ***; SELECT 3; PING)"
    );
    assert!(inv
        .args
        .iter()
        .all(|a| !a.to_string_lossy().contains("s3cret")));
    let payload = inv.stdin.as_deref().map(Vec::as_slice).unwrap_or_default();
    assert!(payload.starts_with(b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$11\r\ns3cret pass\r\n"));
    assert!(payload.ends_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n"));

    let mut spec = CrossCheckSpec::new("::1", 6380);
    spec.sni = Some("redis.example".into());
    spec.cacertdir = Some("/etc/cas".into());
    spec.insecure = true;
    let inv = argv::openssl(Path::new("/usr/bin/openssl"), &spec);
    assert_eq!(
        inv.display,
        "openssl s_client -connect '[::1]:6380' -quiet -nocommands -verify_quiet \
         -servername redis.example -CApath /etc/cas -no-CAfile -no-CAstore (stdin: PING)"
    );
}

#[test]
fn crosscheck_versions() {
    assert_eq!(
        parse_version(Tool::RedisCli, "redis-cli 7.0.15\n").as_deref(),
        Some("7.0.15")
    );
    assert_eq!(
        parse_version(
            Tool::Openssl,
            "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)\n"
        )
        .as_deref(),
        Some("OpenSSL 3.0.19")
    );
    assert_eq!(parse_version(Tool::Openssl, ""), None);
}

#[test]
fn crosscheck_path_lookup() {
    let empty = std::env::temp_dir().join(format!("tlsviz-cc-empty-{}", std::process::id()));
    assert_eq!(Tools::discover_in(empty.as_os_str()), Tools::default());
    // Relative entries (the current folder) never count.
    assert_eq!(
        Tools::discover_in(std::ffi::OsStr::new(".:bin")),
        Tools::default()
    );
}

#[test]
fn crosscheck_outcome_serializes_as_documented() {
    let check = CrossCheck {
        by: Some(Tool::RedisCli),
        version: Some("7.0.15".into()),
        verdict: Verdict::Unavailable,
        reason: None,
        command: String::new(),
        elapsed_ms: 3,
    };
    let json = serde_json::to_string(&check).unwrap_or_default();
    assert!(json.contains(r#""by":"redis-cli""#), "{json}");
    assert!(json.contains(r#""verdict":"unavailable""#), "{json}");
    let back: Result<CrossCheck, _> = serde_json::from_str(&json);
    assert_eq!(back.ok(), Some(check));
}

#[tokio::test]
async fn crosscheck_plaintext_is_skipped_and_nothing_found_is_unavailable() {
    let mut spec = CrossCheckSpec::new("127.0.0.1", 1);
    spec.tls = false;
    let check = run_with_tools(&spec, &Tools::discover()).await;
    assert_eq!((check.verdict, check.by), (Verdict::Skipped, None));
    spec.tls = true;
    let check = run_with_tools(&spec, &Tools::default()).await;
    assert_eq!(
        (check.verdict, check.by, check.reason),
        (Verdict::Unavailable, None, None)
    );
}

#[test]
fn a_forced_tls_version_is_judged_by_openssl_which_can_force_it() {
    let both = Tools {
        redis_cli: Some("/usr/bin/redis-cli".into()),
        openssl: Some("/usr/bin/openssl".into()),
        version_cache: None,
    };
    let mut spec = spec();
    let tool = |spec: &CrossCheckSpec, tools: &Tools| invocation_for(spec, tools).map(|i| i.tool);
    assert_eq!(tool(&spec, &both), Some(Tool::RedisCli));
    spec.tls_version = Some(TlsVersionChoice::V1_2);
    assert_eq!(tool(&spec, &both), Some(Tool::Openssl));
    let inv = invocation_for(&spec, &both).expect("openssl");
    assert!(inv.display.contains("-tls1_2"), "{}", inv.display);
    // redis-cli alone: it runs, and its command line says it chose its own version.
    let inv = invocation_for(&spec, &both.only(Tool::RedisCli)).expect("redis-cli");
    assert_eq!(inv.tool, Tool::RedisCli);
    assert!(
        inv.display.contains("cannot force a TLS version"),
        "{}",
        inv.display
    );
}
