//! Shared test helpers: a lab on a real redis-server (or, loudly, the built-in one) and a run
//! of the real engine against it.
#![allow(dead_code)]

pub mod agree;
pub mod tmux;
pub mod tshark;

use std::time::Duration;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::step::Step;
use tlsviz::engine::Target;
use tlsviz::lab::{Lab, LabOptions, ServerChoice};
use tlsviz::model::Model;
use tlsviz::target::{self, TlsOptions};

/// The server the tests run against. With TLSVIZ_REQUIRE_REDIS=1 (CI) a missing redis-server is
/// a failure, never a silent skip.
pub fn server_choice() -> ServerChoice {
    let have_redis = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have_redis {
        return ServerChoice::Redis;
    }
    if std::env::var("TLSVIZ_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
        panic!("TLSVIZ_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)");
    }
    eprintln!(
        "!!! redis-server not found: THIS TEST RAN AGAINST THE BUILT-IN SERVER, NOT REAL REDIS !!!"
    );
    ServerChoice::Builtin
}

pub fn lab(options: LabOptions) -> Lab {
    let lab = Lab::start(LabOptions {
        server: server_choice(),
        ..options
    })
    .expect("lab starts");
    if lab.options.fault.is_none() {
        assert_eq!(lab.is_real_redis(), server_choice() == ServerChoice::Redis);
    }
    lab
}

/// What the client side of a test uses.
#[derive(Clone, Default)]
pub struct Client {
    pub trust_other_ca: bool,
    pub no_client_cert: bool,
    pub other_client_cert: bool,
    pub versions: TlsVersions,
    pub host: Option<String>,
    pub password: Option<String>,
    pub plaintext: bool,
    pub timeout: Option<Duration>,
    /// `--bytes`.
    pub bytes: bool,
    /// A keylog file (`--keylog`).
    pub keylog: Option<std::path::PathBuf>,
}

pub fn target(lab: &Lab, client: &Client) -> Target {
    let files = &lab.files;
    let tls = (!client.plaintext).then(|| {
        let (cert, key) = if client.no_client_cert {
            (None, None)
        } else if client.other_client_cert {
            (
                Some(files.other_client_cert.clone()),
                Some(files.other_client_key.clone()),
            )
        } else {
            (
                Some(files.client_cert.clone()),
                Some(files.client_key.clone()),
            )
        };
        target::load::load(&TlsOptions {
            cacert: Some(if client.trust_other_ca {
                files.other_ca_cert.clone()
            } else {
                files.ca_cert.clone()
            }),
            cert,
            key,
            versions: client.versions,
            keylog: client.keylog.clone(),
            ..TlsOptions::default()
        })
        .expect("client material loads")
    });
    let host = client.host.clone().unwrap_or_else(|| "localhost".into());
    Target {
        server_name: host.clone(),
        host,
        port: lab.port,
        tls,
        user: None,
        password: client.password.clone(),
        db: None,
        command: vec!["PING".into()],
        timeout: client.timeout.unwrap_or(Duration::from_secs(5)),
        capture_bytes: client.bytes,
    }
}

/// Run the real engine in auto mode and fold every event into a model (as the CLI does).
pub async fn run(target: &Target) -> Model {
    tlsviz::runner::run_to_model(target).await
}

/// The tracker after `step` as the lesson's table writes it.
pub fn tracker_after(model: &Model, step: u8) -> (String, String, String) {
    let step = Step::from_number(step).expect("a step from 1 to 9");
    model
        .step(step)
        .and_then(|r| r.tracker_after.clone())
        .unwrap_or_else(|| panic!("step {step} has no tracker snapshot"))
        .triple()
}

pub fn triple(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

/// What the real binary did.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run the real binary with no terminal, no colour and none of the user's secrets in its
/// environment (plus `env`); a run longer than 30 s is a hang and fails the test.
pub fn tlsviz_bin<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &str)]) -> Ran {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsviz"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SSLKEYLOGFILE")
        .env_remove("REDISCLI_AUTH")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Read both pipes while waiting, so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!(
                "tlsviz {:?} hung",
                args.iter()
                    .map(|a| a.as_ref().to_owned())
                    .collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}
