//! The steps and the tracker beside (or under) the other modes, so the lesson's two tables
//! stay in view: a sidebar on a large terminal, a two-line strip on a small one.

use super::{cell, clip};
use crate::model::steps;
use crate::ui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub const STRIP_HEIGHT: u16 = 2;

/// Draws the sidebar, or the strip when the area is only a couple of lines high.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    if area.height <= STRIP_HEIGHT {
        strip(f, app, area);
    } else {
        sidebar(f, app, area);
    }
}

fn strip(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let model = app.shown();
    let focus = (!model.events.is_empty()).then(|| model.focus_step());
    let mut first = vec![Span::styled(" Steps ", t.bold())];
    for row in &model.steps {
        let style = if focus == Some(row.step) {
            t.status(row.status).patch(t.highlight())
        } else {
            t.status(row.status)
        };
        first.push(Span::styled(
            format!("{}{}", row.step, row.status.symbol()),
            style,
        ));
        first.push(Span::raw(" "));
    }
    let tr = &model.tracker;
    first.push(Span::styled("│ Certificate Validity: ", t.dim()));
    first.push(Span::styled(
        tr.certificate_validity.to_string(),
        t.validity(tr.certificate_validity),
    ));
    let second = vec![
        Span::styled(" Connection State: ", t.dim()),
        Span::styled(
            tr.connection_state.to_string(),
            t.connection(tr.connection_state),
        ),
        Span::styled(" │ Encryption Status: ", t.dim()),
        Span::styled(
            tr.encryption_status.to_string(),
            t.encryption(tr.encryption_status),
        ),
    ];
    f.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(second)]),
        area,
    );
}

fn sidebar(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let model = app.shown();
    let focus = (!model.events.is_empty()).then(|| model.focus_step());
    let [steps_area, tracker_area, details_area] = Layout::vertical([
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Min(0),
    ])
    .areas(area);
    let block = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.dim())
            .title(Span::styled(format!(" {title} "), t.accent()))
    };
    let w = usize::from(steps_area.width.saturating_sub(2));
    let step_lines: Vec<Line> = model
        .steps
        .iter()
        .map(|row| {
            let current = focus == Some(row.step);
            let base = if current {
                t.highlight()
            } else {
                ratatui::style::Style::default()
            };
            Line::from(vec![
                Span::styled(
                    format!("{} ", row.status.symbol()),
                    t.status(row.status).patch(base),
                ),
                Span::styled(
                    cell(
                        &format!("{} {}", row.step, steps::action(row.step)),
                        w.saturating_sub(2),
                    ),
                    base,
                ),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(step_lines).block(block("3 · Steps")),
        steps_area,
    );
    let tr = &model.tracker;
    let tw = usize::from(tracker_area.width.saturating_sub(2)).saturating_sub(13);
    let tracker_lines = vec![
        Line::from(vec![
            Span::styled("Connection   ", t.dim()),
            Span::styled(
                clip(&tr.connection_state.to_string(), tw),
                t.connection(tr.connection_state),
            ),
        ]),
        Line::from(vec![
            Span::styled("Encryption   ", t.dim()),
            Span::styled(
                clip(&tr.encryption_status.to_string(), tw),
                t.encryption(tr.encryption_status),
            ),
        ]),
        Line::from(vec![
            Span::styled("Certificate  ", t.dim()),
            Span::styled(
                clip(&tr.certificate_validity.to_string(), tw),
                t.validity(tr.certificate_validity),
            ),
        ]),
    ];
    f.render_widget(
        Paragraph::new(tracker_lines).block(block("4 · Tracker now")),
        tracker_area,
    );
    if details_area.height > 2 {
        let d = super::tracker::details_lines(app, model, details_area.width.saturating_sub(2));
        let d = super::scrolled(
            d,
            0,
            details_area.height.saturating_sub(2),
            t,
            "4 shows all",
        );
        f.render_widget(Paragraph::new(d).block(block("Connection")), details_area);
    }
}
