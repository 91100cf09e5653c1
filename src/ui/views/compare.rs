//! `tlsviz compare` on a terminal: the two connections side by side, one row per step reached,
//! each side's records (→ out, ← in, size, clear or encrypted), `≠` where they differ and the
//! row's one-line note; the totals once both are over.

use crate::model::steps::{self, StepStatus};
use crate::report::compare::{Comparison, StepSide, SIDES};
use crate::report::compare_out::{cell, totals_in};
use crate::report::plain::wrap;
use crate::ui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// What the compare screen shows besides the two runs.
pub struct CompareScreen<'a> {
    pub server: &'a str,
    pub theme: Theme,
    /// A line for the status bar (what Space will do, or why it does nothing).
    pub status: &'a str,
    /// Lines scrolled up from the bottom.
    pub scroll: u16,
}

pub fn draw(f: &mut Frame, screen: &CompareScreen<'_>, comparison: &Comparison<'_>) {
    let t = &screen.theme;
    let area = f.area();
    let [title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    // What does not fit ends in "…" at a word, never mid-word at the edge.
    let clip = |text: &str, width: u16| super::clip_words(text, usize::from(width));
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            clip(
                &format!(
                    "tlsviz compare · TLS 1.2 beside TLS 1.3 · {}",
                    screen.server
                ),
                title.width,
            ),
            t.banner(),
        ))),
        title,
    );
    let lines = body_lines(comparison, body, t);
    let height = usize::from(body.height.saturating_sub(2));
    // Follow the newest step; ↑ looks back.
    let bottom = lines.len().saturating_sub(height);
    let top = bottom.saturating_sub(usize::from(screen.scroll));
    let shown: Vec<Line> = lines.into_iter().skip(top).collect();
    f.render_widget(
        Paragraph::new(shown).block(Block::default().borders(Borders::TOP | Borders::BOTTOM)),
        body,
    );
    let keys = vec![
        Span::styled(" space ", t.highlight()),
        Span::raw(" next step on both  "),
        Span::styled(" ↑↓ ", t.highlight()),
        Span::raw(" scroll  "),
        Span::styled(" q ", t.highlight()),
        Span::raw(" quit  "),
    ];
    let used: usize = keys.iter().map(|s| super::width_of(&s.content)).sum();
    let left = footer
        .width
        .saturating_sub(u16::try_from(used).unwrap_or(u16::MAX));
    let mut spans = keys;
    spans.push(Span::styled(clip(screen.status, left), t.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)), footer);
}

fn body_lines(c: &Comparison<'_>, area: Rect, t: &Theme) -> Vec<Line<'static>> {
    let width = usize::from(area.width).max(40);
    let column = (width - 2) / 2;
    let mut lines = vec![Line::from(Span::styled(
        format!("  {:<column$}{}", SIDES[0], SIDES[1]),
        t.bold(),
    ))];
    for row in &c.rows {
        let reached = row.sides.iter().any(|s| s.status != StepStatus::Pending);
        if !reached {
            continue;
        }
        // Same or different only once both sides have run the step (or ended before it).
        let settled = row.sides.iter().all(StepSide::settled);
        let (mark, style) = if !settled {
            (" ", t.dim())
        } else if row.differs {
            ("≠", t.warn())
        } else {
            ("=", t.dim())
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(
                format!("[{}] {}", row.step, steps::action(row.step)),
                t.bold(),
            ),
        ]));
        let [left, right] = row.sides.each_ref().map(|s| cell(s, column));
        for i in 0..left.len().max(right.len()) {
            let l = left.get(i).map(String::as_str).unwrap_or_default();
            let r = right.get(i).map(String::as_str).unwrap_or_default();
            let l: String = l.chars().take(column).collect();
            lines.push(Line::raw(format!("  {l:<column$}{r}")));
        }
        // The note speaks of both sides' steps: only once both have run it.
        let both_done = row.sides.iter().all(|s| {
            !matches!(
                s.status,
                StepStatus::Pending | StepStatus::Waiting | StepStatus::Running
            )
        });
        if both_done {
            for (i, part) in wrap(&row.note, width.saturating_sub(4))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { mark } else { " " };
                lines.push(Line::from(Span::styled(format!("  {lead} {part}"), style)));
            }
        }
    }
    let over = c
        .models
        .iter()
        .all(|m| m.outcome != crate::model::Outcome::Running);
    if over {
        lines.push(Line::raw(""));
        // Narrower columns below 90: every figure stays whole at 80 columns.
        let (label, column) = if width >= 90 { (44, 26) } else { (36, 20) };
        lines.extend(
            totals_in(c, false, label, column)
                .into_iter()
                .map(Line::raw),
        );
        lines.push(Line::from(Span::styled(
            "(no times: each step waited for space; tlsviz compare --plain measures them)",
            t.dim(),
        )));
    }
    lines
}
