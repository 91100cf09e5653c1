//! The comparison as the `comparison` JSON line and as a plain side-by-side table (at most 100
//! columns, no colour needed: `≠` marks a row that differs, `=` one that does not).

use super::compare::{Comparison, Crossing, StepSide, SIDES};
use super::metrics::Bytes;
use super::plain::wrap;
use super::schema::compare::{
    BytesJson, CompareLine, ComparisonJson, CrossingJson, Pair, RowJson, SideErrorJson, SideJson,
    SideOutcomeJson, TimeJson,
};
use super::schema::event::DirectionJson;
use crate::engine::events::Direction;
use crate::model::steps::{self, StepStatus};
use crate::model::{Model, Outcome};

fn pair<T>([tls12, tls13]: [T; 2]) -> Pair<T> {
    Pair { tls12, tls13 }
}

/// The `comparison` line.
pub fn to_json<'a>(c: &'a Comparison<'_>) -> CompareLine<'a> {
    let rows = c
        .rows
        .iter()
        .map(|row| {
            let [tls12, tls13] = &row.sides;
            RowJson {
                step: row.step.number(),
                action: steps::action(row.step),
                tls12: side_json(tls12),
                tls13: side_json(tls13),
                differs: row.differs,
                note: &row.note,
            }
        })
        .collect();
    CompareLine::Comparison(Box::new(ComparisonJson {
        rows,
        round_trips: pair(c.round_trips()),
        bytes: pair(c.bytes().map(|(handshake, total)| BytesJson {
            handshake_out: handshake.out,
            handshake_in: handshake.r#in,
            total_out: total.out,
            total_in: total.r#in,
        })),
        time_us: pair(
            c.time_us()
                .map(|(handshake, total)| TimeJson { handshake, total }),
        ),
        encryption_starts: pair(c.encryption_starts().map(|s| s.map(|s| s.number()))),
        outcome: pair(c.models.map(|m| {
            if m.outcome == Outcome::Ok {
                SideOutcomeJson::Ok
            } else {
                SideOutcomeJson::Failed
            }
        })),
        errors: pair(c.models.map(side_error)),
    }))
}

fn side_error(model: &Model) -> Option<SideErrorJson<'_>> {
    let d = model
        .diagnosis
        .as_ref()
        .filter(|_| model.outcome == Outcome::Failed)?;
    Some(SideErrorJson {
        step: d.step.number(),
        kind: d.kind,
        message: &d.message,
    })
}

fn side_json(side: &StepSide) -> SideJson<'_> {
    let bytes = side.bytes();
    SideJson {
        status: side.status,
        result: &side.result,
        records: side
            .wire
            .iter()
            .map(|c| CrossingJson {
                direction: match c.direction {
                    Direction::Out => DirectionJson::Out,
                    Direction::In => DirectionJson::In,
                },
                what: &c.what,
                bytes: c.bytes,
                encrypted: c.encrypted,
            })
            .collect(),
        bytes_out: bytes.out,
        bytes_in: bytes.r#in,
    }
}

const INDENT: &str = "    ";
/// One side's column.
const COLUMN: usize = 48;

/// The plain table, line by line.
pub fn plain(c: &Comparison<'_>, server: &str) -> Vec<String> {
    let mut out = wrap(
        &format!("tlsviz compare: TLS 1.2 beside TLS 1.3, two real connections to {server}"),
        100,
    );
    out.push(String::new());
    out.push(format!("{INDENT}{:<COLUMN$}{}", SIDES[0], SIDES[1]));
    for row in &c.rows {
        let mark = if row.differs { "≠" } else { "=" };
        out.push(format!("{mark} [{}] {}", row.step, steps::action(row.step)));
        let [left, right] = row.sides.each_ref().map(|side| cell(side, COLUMN));
        for i in 0..left.len().max(right.len()) {
            let l = left.get(i).map(String::as_str).unwrap_or_default();
            let r = right.get(i).map(String::as_str).unwrap_or_default();
            out.push(format!("{INDENT}{l:<COLUMN$}{r}").trim_end().to_string());
        }
        for (i, line) in wrap(&row.note, 100 - INDENT.len() - 2)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { mark } else { " " };
            out.push(format!("{INDENT}{lead} {line}"));
        }
    }
    out.push(String::new());
    out.extend(totals(c, true));
    for (i, model) in c.models.iter().enumerate() {
        if let Some(d) = model
            .diagnosis
            .as_ref()
            .filter(|_| model.outcome == Outcome::Failed)
        {
            out.push(String::new());
            let head = format!(
                "{} ✗ failed at step {} ({}): {}",
                SIDES[i],
                d.step,
                steps::action(d.step),
                d.headline()
            );
            out.extend(wrap(&head, 100));
            for line in wrap(&format!("why: {}", d.explanation), 100 - INDENT.len()) {
                out.push(format!("{INDENT}{line}"));
            }
            for line in wrap(&format!("fix: {}", d.fix), 100 - INDENT.len()) {
                out.push(format!("{INDENT}{line}"));
            }
        }
    }
    out
}

/// A side's lines in one step, at most `width` columns: each record (its messages wrapped
/// within the column), or what the step was.
pub fn cell(side: &StepSide, width: usize) -> Vec<String> {
    let width = width.max(30);
    let mut lines = Vec::new();
    for c in &side.wire {
        lines.extend(crossing_lines(c, width - 18));
    }
    match side.status {
        StepStatus::Done if side.wire.is_empty() => lines.push("(nothing on the wire)".into()),
        StepStatus::Done => {}
        StepStatus::Skipped => {
            lines.extend(wrap(&format!("– skipped: {}", side.result), COLUMN - 2))
        }
        StepStatus::Failed | StepStatus::Interrupted => {
            lines.extend(wrap(&side.result, COLUMN - 2))
        }
        StepStatus::Pending | StepStatus::Waiting | StepStatus::Running if side.run_over => {
            lines.push("(not reached)".into())
        }
        StepStatus::Running => lines.push("(under way)".into()),
        StepStatus::Pending | StepStatus::Waiting => lines.push("(waiting: not run yet)".into()),
    }
    lines
}

/// `→ ClientHello              213 B clear`, the messages wrapped at ` + ` when longer than
/// `what` columns.
fn crossing_lines(c: &Crossing, what: usize) -> Vec<String> {
    let arrow = match c.direction {
        Direction::Out => "→",
        Direction::In => "←",
    };
    let lock = if c.encrypted { "enc" } else { "clear" };
    let parts: Vec<&str> = c.what.split(" + ").collect();
    let mut chunks: Vec<String> = Vec::new();
    for part in parts {
        match chunks.last_mut() {
            Some(last) if last.chars().count() + 3 + part.chars().count() <= what => {
                last.push_str(" + ");
                last.push_str(part);
            }
            Some(last) => {
                last.push_str(" +");
                chunks.push(part.to_string());
            }
            None => chunks.push(part.to_string()),
        }
    }
    // A single name longer than the column (none of TLS's is) is wrapped too.
    let chunks: Vec<String> = chunks.iter().flat_map(|c| wrap(c, what)).collect();
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            if i == 0 {
                format!("{arrow} {chunk:<what$} {:>5} B {lock}", c.bytes)
            } else {
                format!("    {chunk}")
            }
        })
        .collect()
}

/// The totals table (round trips, bytes, times, first encrypted record, outcome). `timed`:
/// whether the times mean anything (not when each step waited for a key press).
pub fn totals(c: &Comparison<'_>, timed: bool) -> Vec<String> {
    totals_in(c, timed, 44, 26)
}

/// The totals with the label column `label` wide and TLS 1.2's `column` wide (a narrow
/// terminal's TUI: 36 and 20 keep each line within 80 columns).
pub fn totals_in(c: &Comparison<'_>, timed: bool, label: usize, column: usize) -> Vec<String> {
    let label = |s: &str| format!("{s:<label$}");
    let trips = c
        .round_trips()
        .map(|n| n.map_or("—".into(), |n| n.to_string()));
    let bytes = c.bytes();
    let way = |b: Bytes| format!("{} → / {} ←", b.out, b.r#in);
    let ms =
        |us: Option<u64>| us.map_or("—".into(), |us| format!("{:.1} ms", us as f64 / 1000.0));
    let times = c.time_us();
    let starts = c
        .encryption_starts()
        .map(|s| s.map_or("never".into(), |s| format!("step {s}")));
    let outcome = c.models.map(|m| {
        if m.outcome == Outcome::Ok {
            "✓ ok".to_string()
        } else {
            "✗ failed".to_string()
        }
    });
    let line = |name: &str, values: [String; 2]| {
        format!("{}{:<column$}{}", label(name), values[0], values[1])
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        format!("{}{:<column$}{}", label("totals"), SIDES[0], SIDES[1]),
        line("round trips before application data", trips),
        line(
            "bytes before application data",
            bytes.map(|(handshake, _)| way(handshake)),
        ),
        line("bytes in all", bytes.map(|(_, total)| way(total))),
    ];
    if timed {
        out.push(line("handshake complete at", times.map(|(h, _)| ms(h))));
        out.push(line("whole run", times.map(|(_, total)| ms(Some(total)))));
    }
    out.push(line("first encrypted record", starts));
    out.push(line("outcome", outcome));
    out
}
