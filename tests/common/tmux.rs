//! The real binary's TUI in a private tmux server, against its own lab (a real redis-server
//! where installed): keys in, the screen out, and the check that nothing is left behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `--server builtin` when redis-server is missing (loudly), unless CI demands real Redis.
pub fn server_flag() -> &'static str {
    match super::server_choice() {
        tlsviz::lab::ServerChoice::Redis => "redis",
        _ => "builtin",
    }
}

/// A folder removed at the end whatever happens.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("tlsviz-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2).is_none_or(|state| state != "Z"))
        .unwrap_or(false)
}

/// redis-server processes serving `port` (redis shows `redis-server 127.0.0.1:PORT`).
pub fn redis_pids(port: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c).replace('\0', " ");
                c.contains("redis-server") && c.contains(&format!(":{port}"))
            })
        })
        .filter(|pid| alive(*pid))
        .collect()
}

/// `tlsviz ARGS` running in tmux, in `cwd`, with its labs under a scratch TLSVIZ_LAB_DIR.
/// Dropping it quits tlsviz (on a failure) and kills the tmux server.
pub struct Tui {
    socket: String,
    pub labs: Scratch,
}

impl Tui {
    pub fn start(name: &str, args: &str, cwd: &Path, width: u16, height: u16) -> Tui {
        Tui::start_env(name, "", args, cwd, width, height)
    }

    /// [`Tui::start`] with `env` (e.g. `NO_COLOR=1`) in tlsviz's environment.
    pub fn start_env(
        name: &str,
        env: &str,
        args: &str,
        cwd: &Path,
        width: u16,
        height: u16,
    ) -> Tui {
        assert!(have("tmux", "-V"), "tmux is needed for the TUI tests");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tui = Tui {
            socket: format!("tlsviz-{name}-{}-{nanos}", std::process::id()),
            labs: Scratch::new(&format!("{name}-labs")),
        };
        let command = format!(
            "cd '{}' && env {env} TLSVIZ_LAB_DIR='{}' '{}' {args}; echo TLSVIZ-EXIT=$?; sleep 120",
            cwd.display(),
            tui.labs.0.display(),
            env!("CARGO_BIN_EXE_tlsviz"),
        );
        let (w, h) = (width.to_string(), height.to_string());
        let started = tui.run(&[
            "new-session",
            "-d",
            "-s",
            "tui",
            "-x",
            &w,
            "-y",
            &h,
            &command,
        ]);
        assert!(started.status.success(), "tmux new-session: {started:?}");
        tui
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "tui"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "tui"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    /// Poll the screen until `ok` holds; fail with the screen at the deadline.
    pub fn wait_for(&self, what: &str, within: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Space until `until` shows on the screen, pressing only when `ready` says a step waits.
    pub fn space_until(&self, what: &str, ready: &str, until: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if until(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "never reached {what}:\n{screen}");
            if screen.contains(ready) {
                self.keys(&["Space"]);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// q, then the screen once the shell has printed the exit code; the labs' folders are gone.
    pub fn quit(&self) -> String {
        self.keys(&["q"]);
        let screen = self.wait_for("tlsviz to exit", Duration::from_secs(15), |s| {
            s.contains("TLSVIZ-EXIT=")
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while !entries(&self.labs.0).is_empty() {
            assert!(
                Instant::now() < deadline,
                "lab left: {:?}",
                entries(&self.labs.0)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        screen
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // On a failure, ask tlsviz to quit first so its lab stops; then end tmux regardless.
        if std::thread::panicking() {
            let _ = self.run(&["send-keys", "-t", "tui", "C-c"]);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !self.screen().contains("TLSVIZ-EXIT=") {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.run(&["kill-server"]);
    }
}
