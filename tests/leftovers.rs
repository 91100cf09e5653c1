//! Nothing left behind by the real binary: `tlsviz lab` stopped by Ctrl-C or SIGTERM, a panic
//! while a lab runs, and even SIGKILL (redis-server dies with it; the next lab sweeps the folder).

mod common;

use nix::sys::signal::Signal;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsviz-leftovers-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2).is_none_or(|state| state != "Z"))
        .unwrap_or(false)
}

/// Start `tlsviz lab` with its folders under `root`; return the child, the lab folder and the
/// redis-server pid once the lab says it is ready.
fn start_lab(root: &Path) -> (Child, PathBuf, Option<u32>) {
    let server = match common::server_choice() {
        tlsviz::lab::ServerChoice::Redis => "redis",
        _ => "builtin",
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsviz"))
        .args(["lab", "--server", server])
        .env("TLSVIZ_LAB_DIR", root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut folder = None;
    let mut pid = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("(pid ").nth(1) {
            pid = rest.split(')').next().and_then(|p| p.parse::<u32>().ok());
        }
        if let Some(path) = line.strip_prefix("folder (removed on exit): ") {
            folder = Some(PathBuf::from(path));
        }
        if line.starts_with("Ctrl-C stops") {
            break;
        }
    }
    let folder = folder.expect("the lab prints its folder");
    if server == "redis" {
        assert!(pid.is_some_and(alive), "redis-server not running");
    }
    (child, folder, pid)
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "tlsviz lab did not stop"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_gone(pid: u32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "redis-server {pid} still running"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn send(child: &Child, signal: Signal) {
    let pid = i32::try_from(child.id()).expect("a pid fits in pid_t");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("signal sent");
}

#[test]
fn ctrl_c_and_sigterm_stop_redis_and_remove_the_folder() {
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let root = scratch(&format!("sig{}", signal as i32));
        let (mut child, folder, pid) = start_lab(&root);
        send(&child, signal);
        let status = wait_exit(&mut child);
        assert_eq!(status.code(), Some(0), "signal {signal}");
        assert!(
            !folder.exists(),
            "signal {signal}: folder left: {}",
            folder.display()
        );
        if let Some(pid) = pid {
            wait_gone(pid);
        }
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn sigkill_takes_redis_down_and_the_next_lab_sweeps_the_folder() {
    let root = scratch("kill");
    let (mut child, folder, pid) = start_lab(&root);
    child.kill().unwrap();
    wait_exit(&mut child);
    if let Some(pid) = pid {
        wait_gone(pid);
    }
    assert!(
        folder.exists(),
        "SIGKILL cannot be caught: the folder is expected to remain for now"
    );
    let (mut second, second_folder, second_pid) = start_lab(&root);
    assert!(
        !folder.exists(),
        "the next lab did not sweep {}",
        folder.display()
    );
    send(&second, Signal::SIGTERM);
    wait_exit(&mut second);
    assert!(!second_folder.exists());
    if let Some(pid) = second_pid {
        wait_gone(pid);
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_panic_while_the_lab_runs_still_cleans_up() {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let lab = common::lab(tlsviz::lab::LabOptions::default());
        tx.send((lab.dir().to_path_buf(), lab.redis_pid())).unwrap();
        panic!("boom while the lab runs");
    });
    assert!(handle.join().is_err());
    let (folder, pid) = rx.recv().unwrap();
    assert!(!folder.exists());
    if let Some(pid) = pid {
        wait_gone(pid);
    }
}

#[test]
fn interrupting_check_stops_every_lab() {
    let root = scratch("check");
    let server = match common::server_choice() {
        tlsviz::lab::ServerChoice::Redis => "redis",
        _ => "builtin",
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsviz"))
        .args(["check", "--all", "--server", server])
        .env("TLSVIZ_LAB_DIR", &root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until labs are running, then interrupt.
    let start = Instant::now();
    while std::fs::read_dir(&root).unwrap().count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "no lab started");
        std::thread::sleep(Duration::from_millis(5));
    }
    send(&child, Signal::SIGTERM);
    let status = wait_exit(&mut child);
    assert_eq!(status.code(), Some(1), "interrupted check exits 1");
    let left: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "lab folders left: {left:?}");
    let _ = std::fs::remove_dir_all(&root);
}
