//! The run told in prose, step by step, from the model: shown in mode 9 and exported as a
//! Markdown handout. Nothing secret is in the model, so nothing secret is in the transcript.

use super::checkpoints::{self, checkpoints};
use super::console::{exchanges, lesson_exchange};
use super::lesson::{index_letter, Lesson, Question};
use super::predict::Predict;
use super::quiz::Quiz;
use crate::engine::wire;
use crate::model::steps::{self, StepStatus};
use crate::model::tracker::Tracker;
use crate::model::{Model, Outcome};

/// One paragraph; `heading` for the step paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub heading: Option<String>,
    pub text: String,
    pub failed: bool,
}

fn para(heading: Option<String>, text: String) -> Paragraph {
    Paragraph {
        heading,
        text,
        failed: false,
    }
}

/// The lesson's concept flow, one line: the whole idea before the run's details.
pub fn concept_flow() -> String {
    Lesson::get().concept.flow.join(" → ")
}

/// The transcript of this run: a paragraph on the connection, one per step reached, the end.
pub fn paragraphs(model: &Model, scenario: Option<&str>) -> Vec<Paragraph> {
    let lesson = Lesson::get();
    let mut out = vec![para(None, lesson.transcript.intro.clone())];
    if model.events.is_empty() {
        out.push(para(
            None,
            "Nothing has happened yet: the transcript grows as the steps run.".into(),
        ));
        return out;
    }
    out.push(para(None, setting(model, scenario)));
    let mut previous = checkpoints::start(model);
    for row in &model.steps {
        if matches!(row.status, StepStatus::Pending | StepStatus::Waiting) {
            continue;
        }
        let mut text = String::new();
        match row.status {
            StepStatus::Skipped => text.push_str(&format!("Skipped: {}.", trim_dot(&row.result))),
            StepStatus::Running => text.push_str("This step is under way."),
            StepStatus::Interrupted => text.push_str(&format!(
                "This step never finished: {}.",
                trim_dot(&row.result)
            )),
            StepStatus::Failed => {}
            _ => text.push_str(&format!("{}.", trim_dot(&row.result))),
        }
        if row.status == StepStatus::Failed {
            if let Some(d) = &model.diagnosis {
                text.push_str(&format!(
                    "This step failed ({}): {}. {} The fix: {}",
                    d.kind,
                    trim_dot(&d.message),
                    sentence(&d.explanation),
                    sentence(&d.fix)
                ));
            }
        }
        if let Some(note) = &row.note {
            text.push(' ');
            text.push_str(note);
        }
        if let Some(after) = checkpoints::after(model, row.step) {
            text.push(' ');
            text.push_str(&tracker_sentence(&previous, &after));
            previous = after;
        }
        out.push(Paragraph {
            heading: Some(format!("Step {} · {}", row.step, steps::action(row.step))),
            text,
            failed: row.status == StepStatus::Failed,
        });
        // Commands typed in the console crossed after step 8, before step 9.
        if row.step == crate::engine::step::Step::Data {
            out.extend(console_paragraph(model));
        }
    }
    // The lesson's own command closes the story, whatever the console sent after it.
    let sent = lesson_exchange(model);
    let end = match model.outcome {
        Outcome::Ok => {
            let command = sent
                .as_ref()
                .map_or_else(|| "the command".to_string(), |e| e.command.clone());
            let reply = sent
                .as_ref()
                .and_then(|e| e.reply.clone())
                .map(|r| crate::model::results::short(&r))
                .unwrap_or_else(|| "its reply".into());
            if model.run.tls {
                format!(
                    "The run succeeded{}: the client checked who it was talking to, the keys never crossed the network, and {command} got the answer {reply} over the encrypted channel.",
                    model
                        .tls
                        .as_ref()
                        .map(|p| format!(" with {} and {}", p.version, p.cipher_suite))
                        .unwrap_or_default(),
                )
            } else {
                format!(
                    "The run succeeded without TLS: {command} got the answer {reply}, and both crossed the network in clear, readable by anyone on the path."
                )
            }
        }
        Outcome::Failed => {
            let at = model
                .diagnosis
                .as_ref()
                .map(|d| format!(" at step {}", d.step))
                .unwrap_or_default();
            format!(
                "The run stopped{at}. The steps after it never happened, so nothing after that point crossed the network."
            )
        }
        Outcome::Running => "The run is still going: the transcript will grow.".into(),
    };
    out.push(para(None, end));
    if model.outcome != Outcome::Running {
        out.push(para(None, lesson.transcript.outro.clone()));
    }
    out
}

/// The console's commands, each with the start of its reply (`None`: none was typed).
fn console_paragraph(model: &Model) -> Option<Paragraph> {
    let typed: Vec<String> = exchanges(model)
        .into_iter()
        .filter(|e| e.console)
        .map(|e| {
            let reply = match e.reply.as_deref() {
                None => "no reply was read".to_string(),
                Some(r) if r.lines().count() > 1 => format!(
                    "a {}-line reply starting `{}`",
                    r.lines().count(),
                    r.lines().next().unwrap_or_default()
                ),
                Some(r) => format!("`{r}`"),
            };
            format!("`{}` → {reply}", e.command)
        })
        .collect();
    if typed.is_empty() {
        return None;
    }
    Some(para(
        Some("Redis console".into()),
        format!(
            "Typed in the console after step 8, over the same encrypted channel: {}.",
            typed.join("; ")
        ),
    ))
}

fn trim_dot(s: &str) -> &str {
    s.trim().trim_end_matches('.')
}

/// `s` ending as a sentence does (a fix that ends in a command gets its full stop), so the
/// next sentence joined after it does not run on.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.ends_with(['.', '!', '?', ':']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// The run's target and options: what tlsviz set out to do, true before step 1 and after.
fn setting(model: &Model, scenario: Option<&str>) -> String {
    let run = &model.run;
    let mut s = format!(
        "The target: {}",
        crate::engine::host_port(&run.host, run.port)
    );
    if let Some(name) = scenario {
        s.push_str(&format!(" (scenario {name})"));
    }
    if !run.tls {
        s.push_str(", without TLS: nothing on this connection is encrypted.");
        return s;
    }
    s.push_str(&format!(
        ". The client offers {}, trusts {}",
        wire::join(&run.tls_versions, " and "),
        if run.trust.is_empty() {
            "the system trust store"
        } else {
            &run.trust
        }
    ));
    match &run.client_certificate {
        Some(c) => s.push_str(&format!(" and holds the client certificate {c}.")),
        None => s.push_str(" and holds no client certificate."),
    }
    if run.sni_sent {
        s.push_str(&format!(
            " Its ClientHello names {} as SNI, and the certificate must name it too.",
            run.server_name
        ));
    } else {
        s.push_str(&format!(
            " SNI: {}; the certificate must name {}.",
            crate::report::words::sni(run),
            run.server_name
        ));
    }
    if run.insecure {
        s.push_str(" --insecure was given: the server's certificate is not checked at all.");
    }
    s
}

fn tracker_sentence(before: &Tracker, after: &Tracker) -> String {
    let mut changes = Vec::new();
    if before.connection_state != after.connection_state {
        changes.push(format!(
            "Connection State became '{}'",
            after.connection_state
        ));
    }
    if before.encryption_status != after.encryption_status {
        changes.push(format!(
            "Encryption Status became '{}'",
            after.encryption_status
        ));
    }
    if before.certificate_validity != after.certificate_validity {
        changes.push(format!(
            "Certificate Validity became '{}'",
            after.certificate_validity
        ));
    }
    if changes.is_empty() {
        "The tracker did not change.".into()
    } else {
        format!("In the tracker, {}.", changes.join("; "))
    }
}

/// What the class did beside the run: its predictions and its quiz answers, each marked.
pub fn classwork(predict: &Predict, questions: &[Question], quiz: &Quiz) -> Vec<Paragraph> {
    let mut out = Vec::new();
    if !predict.graded.is_empty() {
        let (right, scored) = predict.score();
        let mut text = format!("{right} of {scored} predictions right.\n");
        for g in &predict.graded {
            let given = g.choices.get(g.given).map_or("", String::as_str);
            let line = match g.right {
                Some(r) if r == g.given => {
                    format!("Step {} ✓ {}. {given}", g.step, index_letter(r))
                }
                Some(r) => format!(
                    "Step {} ✗ predicted {}. {given}; it was {}. {}",
                    g.step,
                    index_letter(g.given),
                    index_letter(r),
                    g.happened
                ),
                None => format!(
                    "Step {} (not scored): predicted {}. {given}; none of the choices happened: {}",
                    g.step,
                    index_letter(g.given),
                    g.happened
                ),
            };
            text.push_str(&format!("\n- {line}"));
        }
        out.push(para(Some("Predict first".into()), text));
    }
    let (right, answered) = quiz.score(questions);
    if answered > 0 {
        let mut text = format!("{right} of {answered} answered right.\n");
        for (i, (q, a)) in questions.iter().zip(&quiz.answers).enumerate() {
            let Some(given) = *a else { continue };
            let shown = |k: usize| {
                format!(
                    "{}. {}",
                    index_letter(k),
                    q.choices.get(k).map_or("", String::as_str)
                )
            };
            let verdict = match q.answer_index() {
                Some(r) if r == given => format!("✓ {}", shown(given)),
                Some(r) => format!("✗ {}; the answer: {}", shown(given), shown(r)),
                None => shown(given),
            };
            text.push_str(&format!(
                "\n- Q{} ({}) {} {verdict}",
                i + 1,
                q.kind,
                q.question
            ));
        }
        out.push(para(Some("Quiz".into()), text));
    }
    out
}

/// The handout: concept snapshot, the run in prose, the table and the tracker, then what the
/// class did (predictions, quiz), as Markdown.
pub fn markdown(
    model: &Model,
    scenario: Option<&str>,
    generated: &str,
    class: &[Paragraph],
) -> String {
    let lesson = Lesson::get();
    let mut md = format!("# {} — transcript\n\n", lesson.title);
    md.push_str(&format!("_Made by tlsviz on {generated}."));
    if !model.events.is_empty() {
        md.push_str(&format!(
            " Target {}.",
            crate::engine::host_port(&model.run.host, model.run.port)
        ));
    }
    md.push_str(&format!(
        "_\n\n## Concept flow\n\n{}\n\n{}\n\n## Concept snapshot\n\n",
        concept_flow(),
        lesson.concept.summary
    ));
    for p in &lesson.snapshot.points {
        md.push_str(&format!("- {p}\n"));
    }
    md.push_str("\n## This run\n\n");
    for p in paragraphs(model, scenario) {
        if let Some(h) = &p.heading {
            md.push_str(&format!("### {h}{}\n\n", if p.failed { " ✗" } else { "" }));
        }
        md.push_str(&p.text);
        md.push_str("\n\n");
    }
    md.push_str("## Execution table\n\n| Step | Action | Result |\n|---|---|---|\n");
    for row in &model.steps {
        md.push_str(&format!(
            "| {} {} | {} | {} |\n",
            row.step,
            row.status.symbol(),
            steps::action(row.step),
            row.result.replace('|', "\\|")
        ));
    }
    md.push_str("\n## Variable tracker\n\n| | Connection State | Encryption Status | Certificate Validity |\n|---|---|---|---|\n");
    for cp in checkpoints(model) {
        let (c, e, v) = cp
            .tracker
            .map(|t| t.triple())
            .unwrap_or_else(|| ("·".into(), "·".into(), "·".into()));
        md.push_str(&format!("| {} | {c} | {e} | {v} |\n", cp.label));
    }
    if !class.is_empty() {
        md.push_str("\n## The class\n");
        for p in class {
            if let Some(h) = &p.heading {
                md.push_str(&format!("\n### {h}\n"));
            }
            md.push_str(&format!("\n{}\n", p.text));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::step::Step;
    use crate::ui::testing::{fixture, model_after};

    #[test]
    fn the_concept_flow_opens_the_handout() {
        let concept = &Lesson::get().concept;
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let md = markdown(&model, Some("mutual-tls13"), "now", &[]);
        let flow = md.find(&concept.flow.join(" → ")).unwrap_or(usize::MAX);
        let summary = md.find(&concept.summary).unwrap_or(usize::MAX);
        let run = md.find("## This run").unwrap_or(0);
        assert!(flow < run && summary < run, "{md}");
        // The transcript mode opens with it, on the first screen even at 80×24.
        use crate::ui::app::Mode;
        use crate::ui::testing::{app, render};
        let screen = render(&app(model, Mode::Transcript), 80, 24)
            .backend()
            .to_string();
        assert!(screen.contains("Concept flow"), "{screen}");
        assert!(screen.contains(&concept.flow[0]), "{screen}");
    }

    #[test]
    fn a_successful_run_reads_step_by_step() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let ps = paragraphs(&model, Some("mutual-tls13"));
        let headings: Vec<_> = ps.iter().filter_map(|p| p.heading.clone()).collect();
        assert_eq!(headings.len(), 9);
        assert_eq!(headings[3], "Step 4 · Client verifies certificate");
        let step4 = &ps[5].text;
        assert!(
            step4.contains("Certificate Validity became 'Verified'"),
            "{step4}"
        );
        assert!(ps.iter().any(|p| p.text.contains("got the answer PONG")));
    }

    #[test]
    fn the_setting_is_the_plan_and_the_end_is_the_lessons_own_exchange() {
        use crate::engine::events::{Event, Stamped};
        let events = fixture("tls13-mutual-ok");
        let before = crate::ui::testing::model_after_presses(&events, 0);
        let ps = paragraphs(&before, None);
        assert!(
            ps.iter().all(|p| !p.text.contains("connected to")),
            "nothing is connected before step 1: {ps:?}"
        );
        // A console command between step 8 and step 9 does not become the closing sentence.
        let mut model = model_after(&events, Step::Data);
        for (i, event) in [
            Event::DataSent {
                command: "INFO server".into(),
                plaintext_len: 29,
                encrypted: true,
            },
            Event::DataReceived {
                reply: "# Server".into(),
                error: false,
                resp: None,
            },
        ]
        .into_iter()
        .enumerate()
        {
            model.apply(Stamped {
                event,
                at_us: 8_000 + i as u64,
            });
        }
        for e in events
            .iter()
            .skip_while(|e| !matches!(e.event, Event::StepStarted { step: Step::Close }))
        {
            model.apply(e.clone());
        }
        let end = paragraphs(&model, None);
        assert!(
            end.iter()
                .any(|p| p.text.contains("PING got the answer PONG")),
            "{end:?}"
        );
        assert!(end.iter().all(|p| !p.text.contains("INFO server got")));
    }

    #[test]
    fn console_commands_follow_step_8_and_the_lesson_keeps_its_closing_sentence() {
        use crate::ui::testing::{fixture, model_after_presses, with_console};
        let held = model_after_presses(&fixture("tls13-mutual-ok"), 8);
        let typed = with_console(held, &[("INFO server", "info-server"), ("FOO", "unknown")]);
        // Step 9 as the recording has it, after the console.
        let mut model = typed.clone();
        let events = fixture("tls13-mutual-ok");
        let close = events
            .iter()
            .position(|e| {
                matches!(
                    e.event,
                    crate::engine::events::Event::StepStarted { step: Step::Close }
                )
            })
            .unwrap();
        for e in &events[close..] {
            let mut e = e.clone();
            e.at_us += 10_000;
            model.apply(e);
        }
        let ps = paragraphs(&model, None);
        let headings: Vec<String> = ps.iter().filter_map(|p| p.heading.clone()).collect();
        let at = |h: &str| headings.iter().position(|x| x.starts_with(h)).unwrap();
        assert_eq!(at("Redis console"), at("Step 8") + 1);
        assert_eq!(at("Step 9"), at("Redis console") + 1);
        let console = &ps
            .iter()
            .find(|p| p.heading.as_deref() == Some("Redis console"))
            .unwrap()
            .text;
        assert!(console.contains("`INFO server` → a "), "{console}");
        assert!(console.contains("starting `# Server`"), "{console}");
        assert!(
            console.contains("`FOO` → `(error) ERR unknown command"),
            "{console}"
        );
        let end = &ps.iter().rev().nth(1).unwrap().text;
        assert!(end.contains("PING got the answer PONG"), "{end}");
    }

    #[test]
    fn a_failed_run_explains_the_failure_and_stops() {
        let model = model_after(&fixture("untrusted-ca"), Step::Close);
        let ps = paragraphs(&model, None);
        let failed: Vec<_> = ps.iter().filter(|p| p.failed).collect();
        assert_eq!(failed.len(), 1);
        assert!(failed[0]
            .heading
            .as_deref()
            .unwrap_or("")
            .starts_with("Step 4"));
        assert!(
            failed[0].text.contains("unknown_issuer"),
            "{}",
            failed[0].text
        );
        assert!(ps.iter().any(|p| p.text.contains("stopped at step 4")));
    }

    #[test]
    fn a_fix_ending_in_a_command_ends_its_sentence_before_the_tracker_speaks() {
        let model = model_after(&fixture("expired"), Step::Close);
        let ps = paragraphs(&model, Some("expired"));
        let failed = ps
            .iter()
            .find(|p| p.text.contains("The fix:"))
            .map(|p| p.text.clone())
            .unwrap_or_default();
        assert!(failed.contains("In the tracker"), "{failed}");
        assert!(!failed.contains("-showcerts In the tracker"), "{failed}");
        assert!(failed.contains("-showcerts. In the tracker"), "{failed}");
    }

    #[test]
    fn the_markdown_handout_has_the_tables_and_no_secrets() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let md = markdown(&model, None, "2026-11-28 12:00 UTC", &[]);
        assert!(md.starts_with("# TLS encryption in Redis — transcript"));
        assert!(md.contains("| Final (8) | Encrypted and connected | Active | Verified |"));
        assert!(md.contains("| Closed (9) | Closed | Off | Verified |"));
        assert!(md.contains("| 4 ✓ | Client verifies certificate |"));
        assert!(!md.to_ascii_lowercase().contains("secret_0 ="));
    }
}
