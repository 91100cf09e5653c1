//! `tlsviz scenarios` and `tlsviz check`.

use super::args::CheckArgs;
use super::lesson::server_choice;
use super::run::Termination;
use super::{EXIT_FAILED, EXIT_OK};
use crate::errors::UsageError;
use crate::report::schema::commands::{
    CheckJson, CheckLine, CheckSummaryJson, ExpectJson, ExpectedOutcomeJson, ScenarioListingJson,
    ScenariosLine,
};
use crate::scenario::ExpectedOutcome;

/// One line of JSON on stdout; like say!, a closed stdout is left to the exit code.
fn print_json(line: &impl serde::Serialize) {
    let _ = crate::report::json::write_line(std::io::stdout(), line);
}

pub fn list_scenarios(json: bool) -> Result<i32, UsageError> {
    let all = crate::scenario::all();
    // Columns as wide as their longest entry, so long names (the cluster ones) stay aligned.
    let name_w = all
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let title_w = all
        .iter()
        .map(|s| s.title.chars().count())
        .max()
        .unwrap_or(0);
    for s in all {
        if json {
            let line = ScenariosLine::Scenario(ScenarioListingJson {
                name: &s.name,
                title: &s.title,
                summary: &s.summary,
                expect: ExpectJson {
                    outcome: match s.expect.outcome {
                        ExpectedOutcome::Ok => ExpectedOutcomeJson::Ok,
                        ExpectedOutcome::Failed => ExpectedOutcomeJson::Failed,
                    },
                    step: s.expect.step.map(|step| step.number()),
                    kind: s.expect.kind,
                    resumed: s.expect.resumed,
                    topology: s.expect.topology,
                    node_kind: s.expect.node_kind,
                },
            });
            print_json(&line);
        } else {
            say!(
                "{:<name_w$} {:<title_w$} {}",
                s.name,
                s.title,
                s.expect.describe()
            );
        }
    }
    Ok(EXIT_OK)
}

pub async fn check(args: &CheckArgs, json: bool) -> Result<i32, UsageError> {
    let scenarios = if args.all || args.names.is_empty() {
        crate::scenario::all()
    } else {
        args.names
            .iter()
            .map(|n| crate::scenario::load(n))
            .collect::<Result<Vec<_>, _>>()?
    };
    let started = std::time::Instant::now();
    // Ctrl-C or SIGTERM stops every running scenario's lab before tlsviz exits.
    let mut stop = Termination::install();
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let runs = crate::scenario::run_all_until(scenarios, server_choice(args.server), cancelled);
    tokio::pin!(runs);
    let results = tokio::select! {
        results = &mut runs => results,
        _ = stop.wait() => {
            let _ = cancel.send(true);
            runs.await;
            tell!("tlsviz check: interrupted; every lab stopped");
            return Ok(EXIT_FAILED);
        }
    };
    // Columns as wide as their longest entry.
    let width = |f: &dyn Fn(&crate::scenario::Checked) -> String, title: &str| {
        results
            .iter()
            .flatten()
            .map(|c| f(c).chars().count())
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let name_w = width(&|c| c.scenario.name.clone(), "scenario");
    let expected_w = width(&|c| c.scenario.expect.describe(), "expected");
    let got_w = width(&|c| c.got(), "got");
    if !json {
        say!(
            "{:<name_w$} {:<expected_w$} {:<got_w$} {:>8}",
            "scenario",
            "expected",
            "got",
            "time"
        );
    }
    let mut mismatches = 0;
    let mut servers = std::collections::BTreeSet::new();
    for result in &results {
        match result {
            Ok(c) => {
                let ok = c.matches();
                mismatches += usize::from(!ok);
                servers.insert(c.server.clone());
                if json {
                    print_json(&CheckLine::Check(CheckJson::Ran {
                        name: &c.scenario.name,
                        expected: c.scenario.expect.describe(),
                        got: c.got(),
                        matched: ok,
                        ms: u64::try_from(c.elapsed.as_millis()).unwrap_or(u64::MAX),
                    }));
                } else {
                    say!(
                        "{:<name_w$} {:<expected_w$} {:<got_w$} {:>5} ms {}",
                        c.scenario.name,
                        c.scenario.expect.describe(),
                        c.got(),
                        c.elapsed.as_millis(),
                        if ok { "✓" } else { "✗ MISMATCH" }
                    );
                }
            }
            Err(e) => {
                mismatches += 1;
                if json {
                    print_json(&CheckLine::Check(CheckJson::NotRun {
                        error: e.to_string(),
                        matched: false,
                    }));
                } else {
                    say!("{e}  ✗");
                }
            }
        }
    }
    let servers: Vec<String> = servers
        .into_iter()
        .filter(|s| !s.starts_with("fault") && s != "nothing listening")
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    if json {
        print_json(&CheckLine::CheckSummary(CheckSummaryJson {
            scenarios: results.len(),
            mismatched: mismatches,
            seconds,
            servers,
        }));
    } else {
        say!(
            "{} scenarios, {} mismatched, {seconds:.2} s, server: {}",
            results.len(),
            mismatches,
            servers.join(", ")
        );
    }
    Ok(if mismatches == 0 {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
