//! `tlsviz cluster` / `tlsviz sentinel` output after the seed's trace: `node` and
//! `topology_summary` JSON lines (`report::schema::topology`), or a plain node table and the
//! summary.

use super::{NodeCheck, TopologyReport};
use crate::diagnose::topology::{AnnouncedAs, Role, TopologyDiagnosis};
use crate::engine::step::Step;
use crate::report::schema::event::CertificateJson;
use crate::report::schema::topology::{
    NodeErrorJson, NodeJson, NodeVerdictJson, TopologyDiagnosisJson, TopologyLine,
    TopologySummaryJson,
};
use crate::report::schema::EvidenceJson;
use std::io::Write;

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

pub fn node_json(node: &NodeCheck) -> NodeJson<'_> {
    let model = &node.model;
    let error = (!node.ok()).then_some(()).and(model.diagnosis.as_ref());
    NodeJson {
        address: node.address(),
        announced_as: node.announced.announced_as,
        role: node.announced.role,
        slots: &node.announced.slots,
        state: node.announced.state.as_deref(),
        verdict: if node.ok() {
            NodeVerdictJson::Ok
        } else {
            NodeVerdictJson::Failed
        },
        error: error.map(|d| NodeErrorJson {
            kind: d.kind,
            step: d.step as u8,
            message: &d.message,
            explanation: &d.explanation,
            fix: &d.fix,
        }),
        server_certificate: model.chain.first().map(CertificateJson::from),
        duration_us: model.events.last().map(|e| e.at_us).unwrap_or_default(),
    }
}

pub fn summary_json(report: &TopologyReport) -> TopologySummaryJson<'_> {
    TopologySummaryJson {
        kind: report.kind,
        seed: report.seed_address.clone(),
        topology_read: report.topology_read,
        nodes: report.nodes.len(),
        ok: report.ok_count(),
        failed: report.nodes.len() - report.ok_count(),
        cluster_state: report.cluster_state.as_deref(),
        diagnosis: report.diagnosis.as_ref().map(diagnosis_json),
        duration_us: micros(report.duration),
    }
}

fn diagnosis_json(d: &TopologyDiagnosis) -> TopologyDiagnosisJson<'_> {
    TopologyDiagnosisJson {
        kind: &d.kind,
        message: &d.message,
        explanation: &d.explanation,
        fix: &d.fix,
        evidence: d.evidence.iter().map(EvidenceJson::from).collect(),
    }
}

/// The node lines, then the summary.
pub fn write_json(mut out: impl Write, report: &TopologyReport) -> std::io::Result<()> {
    for node in &report.nodes {
        crate::report::json::write_line(&mut out, &TopologyLine::Node(Box::new(node_json(node))))?;
    }
    crate::report::json::write_line(
        &mut out,
        &TopologyLine::TopologySummary(summary_json(report)),
    )
}

pub fn role_word(role: Option<Role>) -> &'static str {
    match role {
        Some(Role::Master) => "master",
        Some(Role::Replica) => "replica",
        None => "?",
    }
}

pub fn announced_word(a: AnnouncedAs) -> &'static str {
    match a {
        AnnouncedAs::Ip => "ip",
        AnnouncedAs::Hostname => "hostname",
    }
}

/// One row per node: address, announced as, role, slots, verdict (the failure's kind and step).
pub fn table_rows(report: &TopologyReport) -> Vec<[String; 5]> {
    report
        .nodes
        .iter()
        .map(|n| {
            let verdict = match (n.ok(), &n.model.diagnosis) {
                (true, _) => "ok".to_string(),
                (false, Some(d)) => format!("failed: {} (step {})", d.kind, d.step as u8),
                (false, None) => "failed".to_string(),
            };
            [
                n.address(),
                announced_word(n.announced.announced_as).to_string(),
                role_word(n.announced.role).to_string(),
                if n.announced.slots.is_empty() {
                    "-".to_string()
                } else {
                    n.announced.slots.clone()
                },
                verdict,
            ]
        })
        .collect()
}

pub const HEADERS: [&str; 5] = ["address", "announced as", "role", "slots", "verdict"];

/// Lines of at most 100 columns: `text` wrapped after `label`, its continuation lines indented
/// as far as the label is.
fn write_wrapped(out: &mut impl Write, label: &str, text: &str) -> std::io::Result<()> {
    let indent = label.chars().count();
    let first = label.trim_start();
    let lead = " ".repeat(indent - first.chars().count());
    let parts = crate::report::plain::wrap(&format!("{first}{text}"), 100 - indent.min(60));
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            writeln!(out, "{lead}{part}")?;
        } else {
            writeln!(out, "{}{part}", " ".repeat(indent))?;
        }
    }
    Ok(())
}

/// The plain node table and the summary, at most 100 columns. When no node list was read (the
/// seed failed, or is not a cluster node / sentinel) there is no table, only why.
pub fn write_plain(mut out: impl Write, report: &TopologyReport) -> std::io::Result<()> {
    if let Some(line) = report.unread_line() {
        writeln!(out)?;
        write_wrapped(&mut out, "", &line)?;
        if let (Some(d), Some(_)) = (&report.diagnosis, report.seed_failure()) {
            // The seed's trace above ends with this diagnosis in full.
            return write_wrapped(
                &mut out,
                "✗ ",
                &format!(
                    "{}: {} (its explanation, evidence and fix are above)",
                    d.kind, d.message
                ),
            );
        }
        return write_diagnosis(&mut out, report);
    }
    let rows = table_rows(report);
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths[3] = widths[3].min(24);
    let kind = match report.kind {
        crate::diagnose::topology::SetupKind::Cluster => "Cluster",
        crate::diagnose::topology::SetupKind::Sentinel => "Sentinel",
    };
    writeln!(out)?;
    writeln!(
        out,
        "{kind} seen from {}: {} node{}",
        report.seed_address,
        report.nodes.len(),
        if report.nodes.len() == 1 { "" } else { "s" }
    )?;
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let shown: String = if i == 3 && cell.chars().count() > widths[3] {
                let cut: String = cell.chars().take(widths[3] - 1).collect();
                format!("{cut}…")
            } else {
                cell.to_string()
            };
            if i < 4 {
                text.push_str(&format!("{shown:<width$}  ", width = widths[i]));
            } else {
                text.push_str(&shown);
            }
        }
        text
    };
    writeln!(out, "  {}", line(HEADERS))?;
    for row in &rows {
        writeln!(out, "  {}", line(row.each_ref().map(String::as_str)))?;
    }
    writeln!(out)?;
    let state = report
        .cluster_state
        .as_deref()
        .map(|s| format!("; cluster_state:{s}"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} of {} nodes ok, {} failed{state} ({:.0} ms)",
        report.ok_count(),
        report.nodes.len(),
        report.nodes.len() - report.ok_count(),
        report.duration.as_secs_f64() * 1000.0
    )?;
    write_diagnosis(&mut out, report)?;
    let failing: Vec<&NodeCheck> = report.nodes.iter().filter(|n| !n.ok()).collect();
    if let Some(first) = failing.first() {
        let step = first
            .model
            .diagnosis
            .as_ref()
            .map(|d| d.step)
            .unwrap_or(Step::Connect);
        write_wrapped(
            &mut out,
            "  ",
            &format!(
                "(the nine steps of {}: tlsviz connect -h {} -p {} with the same flags; it \
                 failed at step {})",
                first.address(),
                first.announced.host,
                first.announced.port,
                step as u8
            ),
        )?;
    }
    Ok(())
}

/// The summary's diagnosis: the kind and message, why, the evidence, the fix (or that every
/// node is fine).
fn write_diagnosis(out: &mut impl Write, report: &TopologyReport) -> std::io::Result<()> {
    let Some(d) = &report.diagnosis else {
        return writeln!(out, "✓ every node is fine");
    };
    write_wrapped(out, "✗ ", &format!("{}: {}", d.kind, d.message))?;
    write_wrapped(out, "  why: ", &d.explanation)?;
    // The evidence between the why and the fix, labelled, as `connect` has it.
    for (i, e) in d.evidence.iter().enumerate() {
        let label = if i == 0 { "  seen: " } else { "        " };
        write_wrapped(out, label, &format!("{}: {}", e.label, e.value))?;
    }
    write_wrapped(out, "  fix: ", &d.fix)
}
