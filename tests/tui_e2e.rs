//! End to end: the real binary in tmux against the lab (a real redis-server where installed).
//! Press space through the handshake, read on the screen that the tracker ends `Encrypted and
//! connected`, `Active`, `Verified`; quit with q; the lab's server and folder are gone.

mod common;

use common::tmux::{alive, entries, have, redis_pids, server_flag, Scratch, Tui};
use std::time::{Duration, Instant};

/// The port in the header: `… │ localhost:PORT │ …`.
fn port_on(screen: &str) -> Option<String> {
    let head = screen.lines().next()?;
    let after = head.split("localhost:").nth(1)?;
    let port: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!port.is_empty()).then_some(port)
}

#[test]
fn space_through_the_handshake_then_quit_leaves_nothing() {
    assert!(
        have("tmux", "-V"),
        "tmux is needed for the TUI end-to-end test"
    );
    let server = server_flag();
    let cwd = Scratch::new("tui-e2e-cwd");
    let tmux = Tui::start("e2e", &format!("--server {server}"), &cwd.0, 100, 30);
    let root = tmux.labs.0.clone();

    let screen = tmux.wait_for("the first step to wait", Duration::from_secs(30), |s| {
        s.contains("press space: step 1")
    });
    let port = port_on(&screen).expect("the header names the lab's port");
    let labs = entries(&root);
    assert_eq!(
        labs.len(),
        1,
        "one lab folder under TLSVIZ_LAB_DIR: {labs:?}"
    );
    let pids = if server == "redis" {
        let pids = redis_pids(&port);
        assert_eq!(pids.len(), 1, "one redis-server on port {port}");
        pids
    } else {
        Vec::new()
    };

    // Space through the handshake and the Redis command: steps 1 to 8, each waited for.
    for step in 1..=8 {
        tmux.wait_for(
            &format!("the engine to wait before step {step}"),
            Duration::from_secs(15),
            |s| s.contains(&format!("press space: step {step} ")),
        );
        tmux.keys(&["Space"]);
    }
    tmux.wait_for("step 8 to finish", Duration::from_secs(15), |s| {
        s.contains("press space: step 9 ")
    });
    // The tracker, full screen: its Final row is the lesson's last column.
    tmux.keys(&["4"]);
    let screen = tmux.wait_for("the tracker view", Duration::from_secs(5), |s| {
        s.contains("4 · Tracker")
    });
    let final_row = screen
        .lines()
        .find(|l| l.contains("Final "))
        .unwrap_or_default()
        .to_string();
    for word in ["Encrypted and connected", "Active", "Verified"] {
        assert!(
            final_row.contains(word),
            "Final row lacks {word}:\n{screen}"
        );
    }

    // Step 9: close_notify. The run succeeds, so quitting exits 0.
    tmux.keys(&["Space"]);
    tmux.wait_for("the run to succeed", Duration::from_secs(15), |s| {
        s.contains("✓ success") && s.contains("Closed (9) Closed")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("tlsviz to exit", Duration::from_secs(15), |s| {
        s.contains("TLSVIZ-EXIT=")
    });
    assert!(screen.contains("TLSVIZ-EXIT=0"), "{screen}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) || !entries(&root).is_empty() {
        assert!(
            Instant::now() < deadline,
            "left behind: redis-server {pids:?} alive={:?}, folders {:?}",
            pids.iter().map(|p| alive(*p)).collect::<Vec<_>>(),
            entries(&root)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(redis_pids(&port).is_empty());
}

/// A running tlsviz in its own tmux (and lab folder), for the checks below.
struct Lesson {
    tmux: Tui,
    root: std::path::PathBuf,
    _cwd: Scratch,
}

impl Lesson {
    /// `tlsviz ARGS` at `width`×`height` with `env` (e.g. `NO_COLOR=1`), waiting for step 1.
    fn start(name: &str, args: &str, env: &str, width: u16, height: u16) -> Lesson {
        let server = server_flag();
        let cwd = Scratch::new(&format!("tui-{name}-cwd"));
        let tmux = Tui::start_env(
            name,
            env,
            &format!("--server {server} {args}"),
            &cwd.0,
            width,
            height,
        );
        tmux.wait_for("the first step to wait", Duration::from_secs(30), |s| {
            s.contains("press space: step 1")
        });
        let root = tmux.labs.0.clone();
        Lesson {
            tmux,
            root,
            _cwd: cwd,
        }
    }

    /// The default lesson at 100×30.
    fn default_lesson(name: &str) -> Lesson {
        Lesson::start(name, "", "", 100, 30)
    }

    /// Space until the engine waits before `step` (steps before it really happen).
    fn run_until(&self, step: u8) {
        for n in 1..step {
            self.tmux
                .wait_for(&format!("step {n} to wait"), Duration::from_secs(15), |s| {
                    s.contains(&format!("press space: step {n} "))
                });
            self.tmux.keys(&["Space"]);
        }
        self.tmux.wait_for(
            &format!("step {step} to wait"),
            Duration::from_secs(15),
            |s| s.contains(&format!("press space: step {step} ")),
        );
    }

    /// q, then the exit code as the shell saw it; the lab's folder is gone afterwards.
    fn quit_code(&self) -> String {
        self.tmux.keys(&["q"]);
        let screen = self
            .tmux
            .wait_for("tlsviz to exit", Duration::from_secs(15), |s| {
                s.contains("TLSVIZ-EXIT=")
            });
        let deadline = Instant::now() + Duration::from_secs(5);
        while !entries(&self.root).is_empty() {
            assert!(
                Instant::now() < deadline,
                "lab left: {:?}",
                entries(&self.root)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("TLSVIZ-EXIT="))
            .unwrap_or_default()
            .to_string()
    }

    /// Space until the run is over (or `until` shows), each step waited for.
    fn space_until(&self, what: &str, until: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.tmux.screen();
            if until(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "never reached {what}:\n{screen}");
            if screen.contains("press space: step") {
                self.tmux.keys(&["Space"]);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn over(s: &str) -> bool {
        s.contains("✓ success") || s.contains("✗ failed")
    }

    /// Quit and wait for the process to end (the lab goes with it).
    fn quit(self) {
        self.quit_code();
    }
}

#[test]
fn the_plaintext_scenarios_wire_never_calls_its_bytes_encrypted() {
    let lesson = Lesson::start("plain", "--scenario plaintext-to-tls-port", "", 120, 40);
    lesson.space_until("the end of the run", Lesson::over);
    lesson.tmux.keys(&["5", "Home"]);
    let screen = lesson
        .tmux
        .wait_for("the wire view", Duration::from_secs(5), |s| {
            s.contains("5 · Wire") && s.contains("Record 1 ")
        });
    for false_word in ["(encrypted)", ", encrypted", "ciphertext", "record header"] {
        assert!(!screen.contains(false_word), "{false_word}:\n{screen}");
    }
    assert!(screen.contains("in clear"), "{screen}");
    assert!(screen.contains("clear"), "{screen}");
    lesson.quit();
}

#[test]
fn without_colour_the_encrypted_certificate_request_still_says_so() {
    let lesson = Lesson::start("nocolor", "", "NO_COLOR=1", 100, 30);
    lesson.space_until("step 3 to be over", |s| s.contains("press space: step 4 "));
    lesson.tmux.keys(&["1"]);
    let screen = lesson
        .tmux
        .wait_for("the flow view", Duration::from_secs(5), |s| {
            s.contains("1 · Flow") && s.contains("CertificateRequest")
        });
    let lines: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("CertificateRequest"))
        .collect();
    assert!(!lines.is_empty(), "{screen}");
    for line in lines {
        assert!(
            line.contains('🔒') || line.contains("encrypted"),
            "no glyph or word on: {line}\n{screen}"
        );
    }
    assert!(screen.contains("🔒 encrypted:"), "the legend:\n{screen}");
    lesson.quit();
}

#[test]
fn at_80x24_the_trackers_closed_checkpoint_is_visible() {
    let lesson = Lesson::start("small", "", "", 80, 24);
    lesson.space_until("the end of the run", Lesson::over);
    lesson.tmux.keys(&["4"]);
    let screen = lesson
        .tmux
        .wait_for("the tracker view", Duration::from_secs(5), |s| {
            s.contains("4 · Tracker")
        });
    let closed = screen
        .lines()
        .find(|l| l.contains("Closed (9)"))
        .unwrap_or_else(|| panic!("no Closed row:\n{screen}"));
    assert!(closed.contains("Closed (9) Closed"), "{screen}");
    lesson.quit();
}

#[test]
fn after_a_late_rejection_the_history_shows_nothing_connected_after_failed() {
    let lesson = Lesson::start("late", "--scenario missing-client-cert", "", 120, 40);
    lesson.space_until("the failure", Lesson::over);
    lesson.tmux.keys(&["4"]);
    let screen = lesson
        .tmux
        .wait_for("the tracker view", Duration::from_secs(5), |s| {
            s.contains("4 · Tracker") && s.contains("After 8")
        });
    let history: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("After every step"))
        .filter(|l| l.contains("After "))
        .collect();
    let failed = history
        .iter()
        .position(|l| l.contains("Failed"))
        .unwrap_or_else(|| panic!("no Failed in the history:\n{screen}"));
    for line in &history[failed..] {
        assert!(!line.contains("connected"), "{line}\n{screen}");
    }
    assert!(
        history[failed].contains("After 8"),
        "the alert came at step 8:\n{screen}"
    );
    assert!(screen.contains("belongs to step 5"), "{screen}");
    lesson.quit();
}

#[test]
fn escape_keeps_the_lesson_open_and_q_mid_lesson_exits_0() {
    let lesson = Lesson::default_lesson("esc");
    lesson.run_until(3);
    // Esc twice on the main screen, as a nervous presenter would: the lesson stays.
    lesson.tmux.keys(&["Escape"]);
    lesson.tmux.keys(&["Escape"]);
    let screen = lesson
        .tmux
        .wait_for("Esc's hint", Duration::from_secs(5), |s| {
            s.contains("q quits")
        });
    assert!(!screen.contains("TLSVIZ-EXIT="), "{screen}");
    std::thread::sleep(Duration::from_millis(500));
    let screen = lesson.tmux.screen();
    assert!(
        !screen.contains("TLSVIZ-EXIT="),
        "Esc ended the lesson:\n{screen}"
    );
    assert!(screen.contains("step 3/9"), "{screen}");
    // The lesson is still live: space runs step 3.
    lesson.tmux.keys(&["Space"]);
    lesson
        .tmux
        .wait_for("step 4 to wait", Duration::from_secs(15), |s| {
            s.contains("press space: step 4 ")
        });
    // q in the middle of the lesson is a quit, not a failure.
    assert_eq!(lesson.quit_code(), "0");
}

#[test]
fn info_server_in_the_console_prints_line_by_line() {
    let lesson = Lesson::default_lesson("console");
    lesson.run_until(9);
    lesson.tmux.keys(&[":"]);
    lesson
        .tmux
        .wait_for("the console", Duration::from_secs(5), |s| {
            s.contains("Redis console") && s.contains("redis> ")
        });
    lesson.tmux.keys(&["-l", "INFO server"]);
    lesson.tmux.keys(&["Enter"]);
    // Its own line inside the console's border, as redis-cli prints it.
    let screen = lesson.tmux.wait_for(
        "redis_version on a line of its own",
        Duration::from_secs(15),
        |s| s.lines().any(|l| l.starts_with("│redis_version:")),
    );
    assert!(
        screen.lines().any(|l| l.starts_with("│# Server")),
        "{screen}"
    );
    assert!(!screen.contains("# Serverredis_version"), "{screen}");
    lesson.tmux.keys(&["Escape"]);
    lesson
        .tmux
        .wait_for("the console to close", Duration::from_secs(5), |s| {
            !s.contains("Redis console ·")
        });
    assert_eq!(lesson.quit_code(), "0");
}

#[test]
fn p_asks_for_a_prediction_with_lettered_choices() {
    let lesson = Lesson::default_lesson("predict");
    lesson.tmux.keys(&["p"]);
    let screen = lesson
        .tmux
        .wait_for("the prediction", Duration::from_secs(5), |s| {
            s.contains("Predict first") && s.contains("Step 1 · what crosses the network?")
        });
    for letter in ["A. ", "B. ", "C. ", "D. "] {
        assert!(screen.contains(letter), "{letter}:\n{screen}");
    }
    // Space waits for the class; after b it lets step 1 really happen and marks the answer.
    lesson.tmux.keys(&["Space"]);
    lesson
        .tmux
        .wait_for("predict first", Duration::from_secs(5), |s| {
            s.contains("» predict first: a, b, c or d")
        });
    lesson.tmux.keys(&["b"]);
    lesson.tmux.keys(&["Space"]);
    let screen = lesson.tmux.wait_for(
        "step 1 marked and step 2 asked",
        Duration::from_secs(15),
        |s| {
            (s.contains("Step 1 ✓") || s.contains("Step 1 ✗"))
                && s.contains("Step 2 · the client offers")
        },
    );
    assert!(screen.contains("Step 2 · the client offers"), "{screen}");
    // Through the whole lesson: every step's real events pick one of its choices.
    for step in 2..=9 {
        lesson.tmux.wait_for(
            &format!("the question before step {step}"),
            Duration::from_secs(15),
            |s| s.contains(&format!("Step {step} · ")),
        );
        lesson.tmux.keys(&["a"]);
        lesson.tmux.keys(&["Space"]);
    }
    let screen = lesson
        .tmux
        .wait_for("the score", Duration::from_secs(15), |s| {
            s.contains("Predictions this run:")
        });
    assert!(screen.contains(" of 9 right"), "{screen}");
    assert!(!screen.contains("none of the choices"), "{screen}");
    assert_eq!(lesson.quit_code(), "0");
}

/// Issue 11: the lesson's Wire mode is a byte explorer, and `K` shows the key schedule, its
/// values (the lab's throwaway keys) only after the notice is acknowledged; the TUI's
/// recording holds the schedule's names and checks, never a value shown on screen.
#[test]
fn wire_walks_a_field_and_k_shows_the_key_schedule_never_recorded() {
    let cleanup = Scratch::new("tui-keys-rec");
    let dir = cleanup.0.clone();
    let record = dir.join("run.ndjson");
    let lesson = Lesson::start(
        "bytes",
        &format!("--record '{}'", record.display()),
        "",
        120,
        40,
    );
    lesson.space_until("the end of the run", Lesson::over);
    lesson
        .tmux
        .wait_for("the recording", Duration::from_secs(10), |s| {
            s.contains("run recorded to")
        });
    // Wire, the first record (the ClientHello), its fields walked to the client's random.
    lesson.tmux.keys(&["5", "Home", "Tab"]);
    lesson
        .tmux
        .wait_for("the first field", Duration::from_secs(5), |s| {
            s.contains("record.content_type · byte 0 (1 B)")
        });
    for _ in 0..6 {
        lesson.tmux.keys(&["Tab"]);
    }
    let screen = lesson
        .tmux
        .wait_for("the client random", Duration::from_secs(5), |s| {
            s.contains("client_hello.random · bytes 11–42 (32 B)")
        });
    assert!(screen.contains("0000 16 03 01"), "the hex:\n{screen}");
    assert!(screen.contains("03 03["), "the random bracketed:\n{screen}");
    assert!(
        screen.contains("32 random bytes from the client"),
        "{screen}"
    );
    // The key schedule: hidden behind the notice, then shown under the banner.
    lesson.tmux.keys(&["K"]);
    let screen = lesson
        .tmux
        .wait_for("the notice", Duration::from_secs(5), |s| {
            s.contains("press Enter to show them")
        });
    assert!(!screen.contains("SECRETS ON SCREEN"), "{screen}");
    assert!(screen.contains("19 checked ✓"), "{screen}");
    lesson.tmux.keys(&["Enter"]);
    let screen = lesson
        .tmux
        .wait_for("the values", Duration::from_secs(5), |s| {
            s.contains("!!! SECRETS ON SCREEN")
        });
    // A 32-byte value on screen (the private key or the shared secret) and the 48-byte early
    // secret: read them off the screen.
    let values: Vec<String> = screen
        .lines()
        .filter_map(|l| l.split("= ").nth(1))
        .map(|v| v.trim_end_matches(['│', ' ']).to_string())
        .filter(|v| v.len() >= 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert!(values.len() >= 2, "values on screen:\n{screen}");
    let recorded = std::fs::read_to_string(&record).expect("the recording");
    assert!(
        recorded.contains("\"key_schedule\""),
        "the schedule is recorded"
    );
    assert!(recorded.contains("\"fields\""), "the bytes are recorded");
    for v in &values {
        assert!(
            !recorded.contains(v.as_str()),
            "a secret value was recorded"
        );
    }
    lesson.tmux.keys(&["Escape"]);
    lesson
        .tmux
        .wait_for("the view to close", Duration::from_secs(5), |s| {
            !s.contains("Key schedule ·") && s.contains("5 · Wire")
        });
    assert_eq!(lesson.quit_code(), "0");
}
