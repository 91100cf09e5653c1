//! The command line: parse, dispatch, and turn every outcome into an exit code.
//! 0: the run succeeded; 1: the connection failed and was diagnosed; 2: bad input or setup.

/// `println!` that never panics: a closed stdout (`tlsviz scenarios | head -3`) is not worth
/// dying for, and a lab must still be stopped afterwards.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod args;
pub mod check;
pub mod compare;
pub mod lesson;
pub mod pcap;
pub mod resume;
pub mod run;
pub mod topology;

use crate::errors::UsageError;
use args::{Cli, Command};
use clap::Parser;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
/// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tell!("tlsviz: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    let result = runtime.block_on(dispatch(cli));
    // Do not wait for stray blocking tasks (a paused verifier) to finish.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(e) => {
            tell!("tlsviz: {e}");
            EXIT_USAGE
        }
    }
}

async fn dispatch(cli: Cli) -> Result<i32, UsageError> {
    let out = &cli.lesson.output;
    // The output flags are global for convenience; refuse them where they would do nothing.
    let refuse = |flag: &str, command: &str| {
        Err(UsageError::new(
            flag,
            format!("does nothing for `tlsviz {command}`"),
            "see tlsviz --help for where it applies",
        ))
    };
    // Secrets belong to one live connection: nowhere else is there anything to show.
    let secrets = out.show_secrets;
    match cli.command {
        None => lesson::lesson(&cli.lesson).await,
        Some(Command::Cluster(args)) if secrets || args.output.show_secrets => {
            refuse("--show-secrets", "cluster")
        }
        Some(Command::Sentinel(args)) if secrets || args.connect.output.show_secrets => {
            refuse("--show-secrets", "sentinel")
        }
        Some(Command::Compare(args)) if secrets || args.output.show_secrets => {
            refuse("--show-secrets", "compare")
        }
        Some(Command::Lab(_)) if secrets => refuse("--show-secrets", "lab"),
        Some(Command::Scenarios) if secrets => refuse("--show-secrets", "scenarios"),
        Some(Command::Check(_)) if secrets => refuse("--show-secrets", "check"),
        Some(Command::Replay(args)) if secrets || args.output.show_secrets => Err(UsageError::new(
            "--show-secrets",
            "a recording holds no secret values",
            "run the connection again with --show-secrets (replay shows the checks without values)",
        )),
        Some(Command::Connect(args)) => run::connect(&args).await,
        Some(Command::Compare(args)) => compare::compare(&args).await,
        Some(Command::Cluster(args)) => topology::cluster(&args).await,
        Some(Command::Sentinel(args)) => topology::sentinel(&args).await,
        Some(Command::Lab(_)) if out.json || out.plain => refuse("--json/--plain", "lab"),
        Some(Command::Lab(_)) if out.record.is_some() => refuse("--record", "lab"),
        Some(Command::Lab(args)) => lesson::lab(&args).await,
        Some(Command::Scenarios) if out.record.is_some() => refuse("--record", "scenarios"),
        Some(Command::Scenarios) => check::list_scenarios(out.json),
        Some(Command::Check(_)) if out.record.is_some() => refuse("--record", "check"),
        Some(Command::Check(args)) => check::check(&args, out.json).await,
        Some(Command::Replay(args)) if args.output.record.is_some() || out.record.is_some() => {
            refuse("--record", "replay")
        }
        Some(Command::Replay(args)) => run::replay(&args).await,
    }
}

/// clap's multi-line errors become one line naming the input, with a hint.
fn clap_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            EXIT_OK
        }
        _ => {
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
            let mut first = lines
                .next()
                .unwrap_or("invalid arguments")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            // "the following required arguments were not provided:" names them on the next line.
            if first.ends_with(':') {
                if let Some(next) = lines.next() {
                    first = format!("{first} {}", next.trim());
                }
            }
            let tip = rendered
                .lines()
                .find_map(|l| l.trim().strip_prefix("tip: "))
                .map(str::to_string)
                .unwrap_or_else(|| "see tlsviz --help (or tlsviz connect --help)".into());
            tell!("tlsviz: {first} (hint: {tip})");
            EXIT_USAGE
        }
    }
}
