//! The lab leaves nothing behind: no process, no folder; keys are private.

mod common;

use std::os::unix::fs::PermissionsExt;
use tlsviz::lab::LabOptions;

fn process_alive(pid: u32) -> bool {
    // Zombies count as gone: read the state from /proc.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2).is_none_or(|state| state != "Z"))
        .unwrap_or(false)
}

#[test]
fn lab_stops_its_server_and_removes_its_folder() {
    let lab = common::lab(LabOptions::default());
    let dir = lab.dir().to_path_buf();
    assert!(dir.is_dir());
    let pid = lab.redis_pid();
    if let Some(pid) = pid {
        assert!(process_alive(pid));
    }
    let port = lab.port;
    drop(lab); // stops the server and removes the folder
    assert!(!dir.exists(), "lab folder left behind: {}", dir.display());
    if let Some(pid) = pid {
        assert!(!process_alive(pid), "redis-server {pid} still running");
    }
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers"
    );
}

#[test]
fn lab_folder_is_private_and_keys_are_0600() {
    let lab = common::lab(LabOptions::default());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(lab.dir()), 0o700);
    assert_eq!(mode(&lab.files.server_key), 0o600);
    assert_eq!(mode(&lab.files.client_key), 0o600);
    assert_eq!(mode(&lab.files.other_client_key), 0o600);
    assert!(lab.conf_lines.iter().any(|l| l == "tls-auth-clients yes"));
}

#[test]
fn lab_listens_on_loopback_only() {
    let lab = common::lab(LabOptions::default());
    assert_eq!(lab.host, "127.0.0.1");
    // Not reachable through another local address (if the machine has one).
    if let Ok(sock) = std::net::UdpSocket::bind("0.0.0.0:0") {
        if sock.connect("192.0.2.1:9").is_ok() {
            if let Ok(addr) = sock.local_addr() {
                if !addr.ip().is_loopback() && !addr.ip().is_unspecified() {
                    assert!(std::net::TcpStream::connect((addr.ip(), lab.port)).is_err());
                }
            }
        }
    }
}

#[test]
fn builtin_server_serves_the_lesson() {
    let lab = tlsviz::lab::Lab::start(LabOptions {
        server: tlsviz::lab::ServerChoice::Builtin,
        ..LabOptions::default()
    })
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let model = rt.block_on(common::run(&common::target(
        &lab,
        &common::Client::default(),
    )));
    assert_eq!(
        model.outcome,
        tlsviz::model::Outcome::Ok,
        "{:?}",
        model.diagnosis
    );
    assert_eq!(model.redis.reply.as_deref(), Some("PONG"));
    let dir = lab.dir().to_path_buf();
    drop(lab);
    assert!(!dir.exists());
}

#[test]
fn redis_outlives_the_thread_that_started_it() {
    // The parent-death signal is per thread: a lab started from a thread that then exits (as
    // tokio's blocking threads do after 10 idle seconds) must keep its redis-server.
    let lab = std::thread::spawn(|| common::lab(LabOptions::default()))
        .join()
        .expect("the starting thread");
    std::thread::sleep(std::time::Duration::from_millis(300));
    if let Some(pid) = lab.redis_pid() {
        assert!(
            process_alive(pid),
            "redis-server died with the thread that started it"
        );
    }
    assert!(std::net::TcpStream::connect(("127.0.0.1", lab.port)).is_ok());
}

#[test]
fn started_async_redis_outlives_the_retired_blocking_thread() {
    // start_async runs on a tokio blocking thread, retired once idle (after 10 s by default,
    // 50 ms here): the lab's redis-server must not die with it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_keep_alive(std::time::Duration::from_millis(50))
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let lab = tlsviz::lab::Lab::start_async(LabOptions {
            server: common::server_choice(),
            ..LabOptions::default()
        })
        .await
        .expect("lab starts");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let pid = lab.redis_pid();
        if let Some(pid) = pid {
            assert!(
                process_alive(pid),
                "redis-server died with the blocking thread that started it"
            );
        }
        assert!(std::net::TcpStream::connect(("127.0.0.1", lab.port)).is_ok());
        let dir = lab.dir().to_path_buf();
        lab.stop().await;
        assert!(!dir.exists(), "lab folder left behind: {}", dir.display());
        if let Some(pid) = pid {
            assert!(!process_alive(pid), "redis-server {pid} still running");
        }
    });
}

#[test]
fn an_address_not_on_this_machine_is_a_bind_error_with_a_bind_hint() {
    // 203.0.113.7 (TEST-NET-3) is on no interface here: binding fails, nothing is sent.
    for server in [common::server_choice(), tlsviz::lab::ServerChoice::Auto] {
        let error = tlsviz::lab::Lab::start(LabOptions {
            server,
            bind: std::net::IpAddr::from([203, 0, 113, 7]),
            ..LabOptions::default()
        })
        .err()
        .expect("a lab cannot listen on an address the machine does not have");
        assert!(
            matches!(error, tlsviz::lab::LabError::Listen { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("203.0.113.7"), "{error}");
        assert!(error.hint().contains("--bind"), "{}", error.hint());
        assert!(!error.hint().contains("install"), "{}", error.hint());
    }
}
