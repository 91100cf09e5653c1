//! Beneath the node table: the topology summary — how many nodes passed, `cluster_state`, the
//! nodes the seed lists in `handshake` or `fail`, and the topology diagnosis with its
//! explanation, fix and evidence (or that every node is fine). A scenario's lesson follows.

use super::{labelled, wrap};
use crate::diagnose::topology::SetupKind;
use crate::topology::check::PARALLEL;
use crate::ui::topology::TopologyApp;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn render(f: &mut Frame, app: &TopologyApp, area: Rect) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.dim())
        .title(Span::styled(" Summary ", t.accent()));
    let inner = block.inner(area);
    let width = inner.width;
    let mut lines: Vec<Line> = Vec::new();
    match &app.report {
        None => {
            let text = if app.seed.is_none() {
                format!(
                    "checking the {} and reading the topology from it…",
                    match app.kind {
                        SetupKind::Cluster => "seed",
                        SetupKind::Sentinel => "sentinel",
                    }
                )
            } else if app.nodes.is_empty() {
                "reading the topology…".to_string()
            } else {
                format!(
                    "{} of {} node verdicts in (at most {PARALLEL} checked at a time, each a \
                     full handshake and PING by its announced endpoint)",
                    app.checked(),
                    app.nodes.len()
                )
            };
            for l in wrap(&text, width) {
                lines.push(Line::from(Span::styled(l, t.dim())));
            }
        }
        Some(report) if !report.topology_read => {
            // No node list: why, then the diagnosis (the seed's own when it failed).
            if let Some(line) = report.unread_line() {
                lines.extend(labelled("", &line, width, t.bold(), t.bold()));
            }
            push_diagnosis(&mut lines, app, report, width);
        }
        Some(report) => {
            let ok = report.ok_count();
            let state = report
                .cluster_state
                .as_deref()
                .map(|s| format!(" · cluster_state:{s}"))
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!(
                    "{ok} of {} nodes ok, {} failed{state} · {:.0} ms",
                    report.nodes.len(),
                    report.nodes.len() - ok,
                    report.duration.as_secs_f64() * 1000.0
                ),
                t.bold(),
            )));
            if let Some(seen) = seen_by_seed(app) {
                lines.push(Line::from(Span::raw(seen)));
            }
            push_diagnosis(&mut lines, app, report, width);
        }
    }
    if let Some(card) = &app.scenario {
        lines.push(Line::from(""));
        lines.extend(labelled(
            "scenario  ",
            &format!("{}: {}", card.title, card.lesson),
            width,
            t.accent(),
            Style::default(),
        ));
        for conf in &app.conf_lines {
            lines.push(Line::from(Span::styled(format!("  {conf}"), t.dim())));
        }
    }
    let scroll = app.scroll.min(lines.len().saturating_sub(1) as u16);
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

/// The topology diagnosis with its explanation, evidence and fix, or that every node is fine.
fn push_diagnosis(
    lines: &mut Vec<Line<'static>>,
    app: &TopologyApp,
    report: &crate::topology::TopologyReport,
    width: u16,
) {
    let t = &app.theme;
    let Some(d) = &report.diagnosis else {
        lines.push(Line::from(Span::styled("✓ every node is fine", t.good())));
        return;
    };
    lines.extend(labelled(
        "✗ ",
        &format!("{}: {}", d.kind, d.message),
        width,
        t.bad(),
        t.bad(),
    ));
    lines.extend(labelled(
        "why  ",
        &d.explanation,
        width,
        t.dim(),
        Style::default(),
    ));
    // The evidence before the fix and under its own label, as `connect` has it.
    for (i, e) in d.evidence.iter().enumerate() {
        lines.extend(labelled(
            if i == 0 { "seen " } else { "     " },
            &format!("{}: {}", e.label, e.value),
            width,
            t.dim(),
            t.dim(),
        ));
    }
    lines.extend(labelled("fix  ", &d.fix, width, t.good(), Style::default()));
}

/// What the seed says about the nodes' state (`CLUSTER NODES` flags, or `CLUSTER SHARDS`'s
/// health), when it was read: the troubled ones named, or that none is.
fn seen_by_seed(app: &TopologyApp) -> Option<String> {
    if app.kind != SetupKind::Cluster || app.nodes.iter().all(|n| n.state.is_none()) {
        return None;
    }
    let troubled: Vec<String> = app
        .nodes
        .iter()
        .filter_map(|n| {
            let state = n.state.as_deref()?;
            let bad: Vec<&str> = state
                .split(',')
                .filter(|f| matches!(*f, "handshake" | "fail" | "fail?" | "failed" | "noaddr"))
                .collect();
            (!bad.is_empty()).then(|| {
                format!(
                    "{} {}",
                    crate::engine::host_port(&n.host, n.port),
                    bad.join(",")
                )
            })
        })
        .collect();
    Some(if troubled.is_empty() {
        "the seed lists no node in handshake or fail".into()
    } else {
        format!("the seed lists {}", troubled.join("; "))
    })
}
