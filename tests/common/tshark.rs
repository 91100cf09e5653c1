//! tshark for the capture tests: present (or a loud skip, a failure under
//! TLSVIZ_REQUIRE_REDIS=1 as in CI), and reading a file with nothing unexpected on stderr.

use std::path::Path;
use std::process::Command;

/// tshark, or a loud skip naming `what` did not run (a failure with TLSVIZ_REQUIRE_REDIS=1).
pub fn have_tshark(what: &str) -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("TLSVIZ_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
            panic!("TLSVIZ_REQUIRE_REDIS=1 but tshark is not installed (apt-get install tshark)");
        }
        eprintln!("!!! tshark not found: {what} DID NOT RUN !!!");
    }
    ok
}

/// `tshark -r FILE ARGS…`: stdout, after checking it read the file without an error.
pub fn tshark(file: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .expect("tshark runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark {args:?}: {stderr}");
    for line in stderr.lines() {
        // tshark's only expected remark on stderr: running as root.
        assert!(line.contains("Running as user"), "tshark {args:?}: {line}");
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The handshake message types tshark shows, one per message.
pub fn handshake_types(file: &Path) -> Vec<u8> {
    tshark(
        file,
        &[
            "-Y",
            "tls.handshake.type",
            "-T",
            "fields",
            "-e",
            "tls.handshake.type",
        ],
    )
    .split([',', '\n'])
    .filter_map(|t| t.trim().parse().ok())
    .collect()
}
