//! The node table of `tlsviz cluster` / `tlsviz sentinel`: the seed's verdict (and its second
//! opinion) first, then one row per announced node — address, announced as, role, slots,
//! verdict — filled in as each node's verdict arrives. ▶ marks the row Enter opens.

use super::{cell, clip, width_of};
use crate::diagnose::topology::SetupKind;
use crate::model::{Model, Outcome};
use crate::ui::topology::{Row, TopologyApp, Verdict};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Lines above the node rows: the seed, its second opinion (when asked), the header (none when
/// no node list was read).
pub fn head_lines(app: &TopologyApp) -> u16 {
    1 + u16::from(!unread(app)) + u16::from(app.cross_check)
}

/// The check is over and the seed gave no node list (it failed, or is not the setup).
fn unread(app: &TopologyApp) -> bool {
    app.report.as_ref().is_some_and(|r| !r.topology_read)
}

/// The rows the panel needs, borders included.
pub fn height(app: &TopologyApp) -> u16 {
    let rows = app.nodes.len().max(1) as u16;
    head_lines(app) + rows + 2
}

pub fn render(f: &mut Frame, app: &TopologyApp, area: Rect) {
    let t = &app.theme;
    let title = match (app.kind, app.done()) {
        (_, false) if app.nodes.is_empty() => " Nodes (reading the topology…) ".to_string(),
        (_, false) => format!(
            " Nodes ({} of {} checked…) ",
            app.checked(),
            app.nodes.len()
        ),
        (_, true) if unread(app) => " Nodes (topology not read) ".to_string(),
        (SetupKind::Cluster, true) => {
            format!(" Nodes the cluster announces ({}) ", app.nodes.len())
        }
        (SetupKind::Sentinel, true) => format!(" Master and replicas ({}) ", app.nodes.len()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.dim())
        .title(Span::styled(title, t.accent()));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines = seed_lines(app, width);
    let rows = app.rows();
    let widths = Widths::of(&rows, width);
    // No header over a list that was never read.
    if !unread(app) {
        lines.push(Line::from(Span::styled(
            widths.line(
                [
                    "address",
                    widths.announced_header(),
                    "role",
                    "slots",
                    "verdict",
                ],
                "  ",
            ),
            t.dim(),
        )));
    }
    if rows.is_empty() {
        let text = match &app.report {
            None => "waiting for the seed's answer…".to_string(),
            Some(report) => match report.seed_failure() {
                Some((step, kind)) => format!(
                    "no node list: the {} failed at step {step} ({kind})",
                    match app.kind {
                        SetupKind::Cluster => "seed",
                        SetupKind::Sentinel => "sentinel",
                    }
                ),
                None => "no node list (see the summary)".to_string(),
            },
        };
        lines.push(Line::from(Span::styled(
            clip(&format!("  {text}"), width),
            t.dim(),
        )));
    }
    // Keep the selected row in view when the table is taller than the panel.
    let room = usize::from(inner.height).saturating_sub(lines.len()).max(1);
    let first = app.selected.saturating_sub(1).saturating_sub(room - 1);
    for (i, row) in rows.iter().enumerate().skip(first).take(room) {
        let selected = app.selected == i + 1;
        let marker = if selected { "▶ " } else { "  " };
        let (symbol, style) = verdict_look(&row.verdict, app);
        let cells = widths.line(
            [&row.address, row.announced_as, row.role, &row.slots, ""],
            marker,
        );
        let verdict = clip(
            &verdict_text(&row.verdict, symbol, widths.verdict < 30),
            widths.verdict,
        );
        let base = if selected {
            t.highlight()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(cells, base),
            Span::styled(verdict, if selected { base } else { style }),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// The seed's line (selectable as row 0) and its second opinion.
fn seed_lines(app: &TopologyApp, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let selected = app.selected == 0;
    let marker = if selected { "▶ " } else { "  " };
    let who = match app.kind {
        SetupKind::Cluster => "seed",
        SetupKind::Sentinel => "sentinel",
    };
    let (said, style) = match &app.seed {
        None => ("checking…".to_string(), t.dim()),
        Some(model) => seed_verdict(model, app),
    };
    let head = format!("{marker}{who} {}  ", app.seed_address);
    let rest = clip(&said, width.saturating_sub(width_of(&head)));
    let line = if selected {
        Line::from(Span::styled(format!("{head}{rest}"), t.highlight()))
    } else {
        Line::from(vec![
            Span::styled(head, t.bold()),
            Span::styled(rest, style),
        ])
    };
    let mut lines = vec![line];
    if app.cross_check {
        let opinion = match app.seed.as_ref().and_then(|m| m.cross_check.as_ref()) {
            None if app.seed.is_some() => "second opinion: no answer in time".to_string(),
            None => "second opinion: asking redis-cli (or openssl) with the same flags…".into(),
            Some(check) => {
                let line = crate::report::plain::cross_check_line(check);
                let agrees = app
                    .seed
                    .as_ref()
                    .and_then(crate::diagnose::opinion::compare)
                    .and_then(|c| c.agrees);
                match agrees {
                    Some(true) => format!("{line} · agrees"),
                    Some(false) => format!("{line} · DISAGREES"),
                    None => line,
                }
            }
        };
        let style = if opinion.ends_with("DISAGREES") {
            t.warn()
        } else {
            t.dim()
        };
        lines.push(Line::from(Span::styled(
            clip(&format!("  {opinion}"), width),
            style,
        )));
    }
    lines
}

/// The seed's verdict in a few words, from its run.
fn seed_verdict(model: &Model, app: &TopologyApp) -> (String, Style) {
    let t = &app.theme;
    match (&model.outcome, &model.diagnosis) {
        (Outcome::Ok, _) => {
            let tls = model
                .tls
                .as_ref()
                .map(|p| format!("{} · {}", p.version, p.cipher_suite))
                .unwrap_or_else(|| "no TLS".into());
            let reply = model
                .redis
                .reply
                .as_deref()
                .map(|r| {
                    format!(
                        " · {} → {}",
                        model.redis.command.as_deref().unwrap_or("?"),
                        r
                    )
                })
                .unwrap_or_default();
            (format!("✓ ok · {tls}{reply}"), t.good())
        }
        (_, Some(d)) => (
            format!("✗ {} (step {}): {}", d.kind, d.step.number(), d.message),
            t.bad(),
        ),
        _ => ("✗ no verdict".into(), t.bad()),
    }
}

fn verdict_look(verdict: &Verdict, app: &TopologyApp) -> (&'static str, Style) {
    let t = &app.theme;
    match verdict {
        Verdict::Checking => ("…", t.dim()),
        Verdict::Ok => ("✓", t.good()),
        Verdict::Failed { .. } => ("✗", t.bad()),
    }
}

fn verdict_text(verdict: &Verdict, symbol: &str, narrow: bool) -> String {
    match verdict {
        Verdict::Checking => format!("{symbol} checking"),
        Verdict::Ok => format!("{symbol} ok"),
        Verdict::Failed { kind, step } if narrow => format!("{symbol} {kind} @{step}"),
        Verdict::Failed { kind, step } => format!("{symbol} {kind} (step {step})"),
    }
}

/// Column widths: the content's, within the panel; the verdict takes what is left.
struct Widths {
    address: usize,
    announced: usize,
    role: usize,
    slots: usize,
    verdict: usize,
    gap: usize,
}

impl Widths {
    fn of(rows: &[Row], width: usize) -> Widths {
        let wide = width >= 96;
        let longest =
            |f: &dyn Fn(&Row) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
        let address = longest(&|r| width_of(&r.address), 7).min(if wide { 40 } else { 24 });
        let announced = if wide { 12 } else { 9 };
        let role = 7;
        let slots = longest(&|r| width_of(&r.slots), 5).min(if wide { 24 } else { 12 });
        let gap = if wide { 2 } else { 1 };
        let used = 2 + address + announced + role + slots + 4 * gap;
        Widths {
            address,
            announced,
            role,
            slots,
            verdict: width.saturating_sub(used),
            gap,
        }
    }

    fn announced_header(&self) -> &'static str {
        if self.announced >= 12 {
            "announced as"
        } else {
            "announced"
        }
    }

    /// The first four cells padded, then the fifth as it is.
    fn line(&self, cells: [&str; 5], marker: &str) -> String {
        let gap = " ".repeat(self.gap);
        let mut s = marker.to_string();
        for (text, w) in cells
            .iter()
            .zip([self.address, self.announced, self.role, self.slots])
        {
            s.push_str(&cell(text, w));
            s.push_str(&gap);
        }
        s.push_str(cells[4]);
        s
    }
}
