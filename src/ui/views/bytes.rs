//! Mode 5 as a byte explorer, when the run kept its bytes (`--bytes`): the selected record's
//! whole hex (offset column, 16 bytes a row) with the selected field bracketed and highlighted,
//! the field tree beside it, and the field's value and one-line explanation below. Enter on a
//! record tlsviz opened shows its plaintext the same way (epoch, sequence number, nonce, inner
//! content type). The keys are in [`crate::ui::keys`]; the record list is [`super::wire`]'s.

use super::bytes_tree::{tree, walk_order, TreeRow};
use super::records;
use super::wire::{self, WireRow};
use super::{cell, clip, labelled, labelled_clipped};
use crate::engine::annotate::{explain, Field};
use crate::engine::bytes::{Decrypted, Epoch, RecordBytes};
use crate::engine::events::RecordInfo;
use crate::model::Model;
use crate::ui::app::{App, WireFocus};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Bytes per hex row.
const PER_ROW: usize = 16;
/// The hex column: a 4-digit offset, then per byte a separator and two digits, then the
/// closing separator.
const HEX_WIDTH: u16 = 4 + 3 * PER_ROW as u16 + 1;

/// Whether the run on screen kept its records' bytes (the explorer replaces the summary view).
pub fn explorer_on(model: &Model) -> bool {
    model.records.iter().any(|(_, r)| r.bytes.is_some())
}

/// The selected record (as the wire view picks it: the chosen one, or the newest).
pub fn selected_record(app: &App) -> Option<&RecordInfo> {
    let records = &app.shown().records;
    let n = records.len();
    let i = app.record.filter(|i| *i < n).unwrap_or(n.checked_sub(1)?);
    records.get(i).map(|(_, r)| r)
}

/// The bytes and fields the explorer walks now: the record's, or its plaintext's when opened.
pub fn unit(app: &App) -> Option<(&[u8], &[Field])> {
    let bytes = selected_record(app)?.bytes.as_deref()?;
    match (app.wire_focus, &bytes.decrypted) {
        (WireFocus::Opened, Some(d)) => Some((&d.plaintext, &d.fields)),
        _ => Some((&bytes.hex, &bytes.fields)),
    }
}

/// How many fields the explorer walks now.
pub fn field_count(app: &App) -> usize {
    unit(app).map_or(0, |(_, fields)| fields.len())
}

/// Draws the explorer in the wire panel's `inner` area.
pub fn render(f: &mut Frame, app: &App, inner: Rect, rows: &[WireRow], selected: usize) {
    let Some(row) = rows.get(selected) else {
        return;
    };
    let area = if app.wire_focus == WireFocus::Records {
        let list_h = (inner.height * 2 / 5).max(6);
        let [list_area, detail] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
        wire::draw_list(f, app, rows, selected, list_area, "↑↓ choose · Tab fields");
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(app.theme.dim());
        let area = block.inner(detail);
        f.render_widget(block, detail);
        area
    } else {
        inner
    };
    let model = app.shown();
    match row.info.bytes.as_deref() {
        Some(bytes) => record(f, app, model, row, bytes, selected + 1, area),
        None => f.render_widget(
            Paragraph::new(labelled(
                "",
                &format!(
                    "Record {}: no bytes were kept for this record (Esc: the record list).",
                    selected + 1
                ),
                area.width,
                app.theme.dim(),
                app.theme.dim(),
            )),
            area,
        ),
    }
}

/// One record (or its plaintext): heading, hex beside the tree, the field explained.
fn record(
    f: &mut Frame,
    app: &App,
    model: &Model,
    row: &WireRow,
    bytes: &RecordBytes,
    number: usize,
    area: Rect,
) {
    let t = &app.theme;
    let opened = match (app.wire_focus, &bytes.decrypted) {
        (WireFocus::Opened, Some(d)) => Some(d),
        _ => None,
    };
    // A short panel (80×24) keeps one line for each part of the heading.
    let head_lines = if area.height < 20 { 1 } else { 2 };
    let head = match opened {
        Some(d) => opened_heading(
            d,
            bytes,
            number,
            model.is_tls13(),
            area.width,
            head_lines,
            app,
        ),
        None => heading(
            row,
            bytes,
            number,
            model.is_tls13(),
            area.width,
            head_lines,
            app,
        ),
    };
    let (data, fields): (&[u8], &[Field]) = match opened {
        Some(d) => (&d.plaintext, &d.fields),
        None => (&bytes.hex, &bytes.fields),
    };
    let walking = app.wire_focus != WireFocus::Records;
    let order = walk_order(fields);
    let chosen = if walking {
        order
            .get(app.wire_field.min(order.len().saturating_sub(1)))
            .copied()
    } else {
        None
    };
    let note_h: u16 = if area.height >= 26 { 6 } else { 5 };
    let head_h = head.len() as u16;
    let [head_area, middle, note_area] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Min(3),
        Constraint::Length(note_h),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head), head_area);
    let [hex_area, gap, tree_area] = Layout::horizontal([
        Constraint::Length(HEX_WIDTH.min(middle.width)),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(middle);
    let sel = chosen.and_then(|i| fields.get(i));
    f.render_widget(
        Paragraph::new(hex_lines(data, sel, hex_area.height, app)),
        hex_area,
    );
    f.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled("│", t.dim()));
            usize::from(gap.height)
        ]),
        gap,
    );
    f.render_widget(
        Paragraph::new(tree_lines(fields, chosen, tree_area, app)),
        tree_area,
    );
    let block = Block::default().borders(Borders::TOP).border_style(t.dim());
    let inner = block.inner(note_area);
    let note = match sel {
        Some(field) => field_note(field, inner, app),
        None => hint(row.info, bytes, number, inner.width, app),
    };
    f.render_widget(Paragraph::new(note).block(block), note_area);
}

/// The record's heading: what it is, as the list says it.
fn heading<'a>(
    row: &WireRow,
    bytes: &RecordBytes,
    number: usize,
    tls13: bool,
    width: u16,
    max_lines: usize,
    app: &App,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let info = row.info;
    let mut text = format!(
        "Record {number} · {} · {} · {} · {} B on the wire",
        records::label(info, tls13),
        records::state(info),
        info.direction,
        bytes.hex.len(),
    );
    if bytes.decrypted.is_some() {
        text.push_str(" · opened by tlsviz");
    }
    labelled_clipped("", &text, width, max_lines, t.accent(), t.accent())
}

/// The opened record's heading: which keys, which record of them, the nonce, the real type.
fn opened_heading<'a>(
    d: &Decrypted,
    bytes: &RecordBytes,
    number: usize,
    tls13: bool,
    width: u16,
    max_lines: usize,
    app: &App,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let keys = match (tls13, d.epoch) {
        (false, _) => "the session's write keys (from ChangeCipherSpec on)".to_string(),
        (true, Epoch::Handshake) => "the handshake traffic keys".to_string(),
        (true, Epoch::Application { updated: 0 }) => "the application traffic keys".to_string(),
        (true, Epoch::Application { updated }) => {
            format!("the application traffic keys after {updated} KeyUpdate(s)")
        }
    };
    let explicit = bytes
        .fields
        .iter()
        .any(|f| f.name == "record.nonce_explicit" && f.len > 0);
    let nonce_is = if explicit {
        "the write IV's 4-byte salt, then the record's 8-byte explicit nonce"
    } else {
        "the write IV XOR the sequence number"
    };
    let mut lines = labelled_clipped(
        "",
        &format!(
            "Record {number} opened by tlsviz · real type {} · {} B of plaintext · {keys}, seq {}",
            d.inner_content_type.name(),
            d.plaintext.len(),
            d.seq
        ),
        width,
        max_lines,
        t.accent(),
        t.accent(),
    );
    lines.extend(labelled_clipped(
        "nonce  ",
        &format!("{} = {nonce_is}", crate::engine::records::hex(&d.nonce)),
        width,
        max_lines,
        t.dim(),
        Style::default(),
    ));
    lines
}

/// The record's hex, 16 bytes a row, the window keeping the selected field in view. The
/// selected bytes are bracketed (`[`…`]`, readable without colour) and highlighted.
fn hex_lines<'a>(data: &[u8], sel: Option<&Field>, height: u16, app: &App) -> Vec<Line<'a>> {
    let t = &app.theme;
    let total = data.len().div_ceil(PER_ROW);
    let h = usize::from(height);
    if h == 0 {
        return Vec::new();
    }
    let range = sel.map(|f| (f.offset, f.offset + f.len));
    let more = total > h;
    let body = if more { h - 1 } else { h };
    let start = match range {
        Some((from, _)) if more => (from / PER_ROW)
            .saturating_sub(1)
            .min(total.saturating_sub(body)),
        _ => 0,
    };
    let picked = t.highlight().add_modifier(Modifier::UNDERLINED);
    let mut lines = Vec::with_capacity(h);
    for r in start..(start + body).min(total) {
        let mut spans = vec![Span::styled(format!("{:04x}", r * PER_ROW), t.dim())];
        let row_end = ((r + 1) * PER_ROW).min(data.len());
        let first = r * PER_ROW;
        for (i, byte) in data.iter().enumerate().take(row_end).skip(first) {
            spans.push(separator(i, range, t));
            let inside = range.is_some_and(|(a, b)| a <= i && i < b);
            spans.push(Span::styled(
                format!("{byte:02x}"),
                if inside { picked } else { Style::default() },
            ));
        }
        spans.push(separator(row_end, range, t));
        lines.push(Line::from(spans));
    }
    if more {
        let below = total.saturating_sub(start + body);
        lines.push(Line::from(Span::styled(
            format!(
                "{} {start} rows above · {below} below",
                if below > 0 { "▼" } else { "▲" }
            ),
            t.dim(),
        )));
    }
    lines
}

/// The character before byte `i`: `[` where the selection starts, `]` where it ends.
fn separator<'a>(i: usize, range: Option<(usize, usize)>, t: &crate::ui::theme::Theme) -> Span<'a> {
    match range {
        Some((a, b)) if a == b && i == a => Span::styled("|", t.accent()),
        Some((a, _)) if i == a => Span::styled("[", t.accent()),
        Some((_, b)) if i == b => Span::styled("]", t.accent()),
        _ => Span::raw(" "),
    }
}

/// The field tree, the window keeping the selected line in view.
fn tree_lines<'a>(fields: &[Field], chosen: Option<usize>, area: Rect, app: &App) -> Vec<Line<'a>> {
    let t = &app.theme;
    let rows = tree(fields);
    let w = usize::from(area.width);
    let h = usize::from(area.height);
    let step = if w >= 40 { 2 } else { 1 };
    let widest = rows
        .iter()
        .map(|r| r.depth * step + super::width_of(&r.label))
        .max()
        .unwrap_or(0);
    // A narrow tree (80 columns) shows names only: the value is below, with the explanation.
    let label_w = if w < 30 {
        w.saturating_sub(1)
    } else {
        widest.min(w.saturating_sub(2) * 3 / 5)
    };
    let at = chosen.and_then(|c| rows.iter().position(|r| r.field == Some(c)));
    let more = rows.len() > h;
    let body = if more { h.saturating_sub(1) } else { h };
    let start = match at {
        Some(i) if more => i.saturating_sub(body / 2).min(rows.len() - body),
        _ => 0,
    };
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(body)
        .map(|(i, r)| tree_line(r, fields, at == Some(i), label_w, step, w, app))
        .collect();
    if more && h > 0 {
        let below = rows.len().saturating_sub(start + body);
        lines.push(Line::from(Span::styled(
            format!("{start} above · {below} below"),
            t.dim(),
        )));
    }
    lines
}

fn tree_line<'a>(
    r: &TreeRow,
    fields: &[Field],
    selected: bool,
    label_w: usize,
    step: usize,
    w: usize,
    app: &App,
) -> Line<'a> {
    let t = &app.theme;
    let base = if selected {
        t.highlight()
    } else {
        Style::default()
    };
    let label = format!("{}{}", " ".repeat(r.depth * step), r.label);
    let value = r
        .field
        .and_then(|i| fields.get(i))
        .map(|f| f.value.as_str())
        .unwrap_or("");
    let label_style = if r.field.is_some() { base } else { t.dim() };
    let rest = w.saturating_sub(1 + label_w + 1);
    let mut spans = vec![
        Span::styled(if selected { "▶" } else { " " }, base),
        Span::styled(cell(&label, label_w), label_style),
    ];
    if rest > 0 {
        spans.push(Span::styled(" ", base));
        spans.push(Span::styled(cell(&clip(value, rest), rest), base));
    }
    Line::from(spans)
}

/// The selected field: its whole name and place, its value, what it is for.
fn field_note<'a>(field: &Field, area: Rect, app: &App) -> Vec<Line<'a>> {
    let t = &app.theme;
    let w = area.width;
    let end = (field.offset + field.len).saturating_sub(1);
    let place = if field.len == 0 {
        format!("no bytes, at offset {}", field.offset)
    } else if field.len == 1 {
        format!("byte {} (1 B)", field.offset)
    } else {
        format!("bytes {}–{end} ({} B)", field.offset, field.len)
    };
    let mut lines = labelled_clipped(
        "",
        &format!("{} · {place}", field.name),
        w,
        1,
        t.accent(),
        t.accent(),
    );
    let room = usize::from(area.height).saturating_sub(1);
    let value_lines = if room >= 4 { 2 } else { 1 };
    lines.extend(labelled_clipped(
        "= ",
        &field.value,
        w,
        value_lines,
        t.dim(),
        Style::default(),
    ));
    let left = room.saturating_sub(lines.len() - 1).max(1);
    lines.extend(labelled_clipped(
        "",
        explain(&field.name).unwrap_or("A field tlsviz names but has no words for yet."),
        w,
        left,
        t.dim(),
        t.dim(),
    ));
    lines
}

/// Before a field is chosen: which keys walk this record, and whether it can be opened.
fn hint<'a>(
    info: &RecordInfo,
    bytes: &RecordBytes,
    number: usize,
    width: u16,
    app: &App,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut text = format!(
        "Tab walks the {} fields of record {number} (↑↓ then walk them, Esc back to the list).",
        bytes.fields.len()
    );
    if bytes.decrypted.is_some() {
        text.push_str(" ⏎ opens it: tlsviz decrypted it with this connection's own keys.");
    } else if info.encrypted {
        text.push_str(" tlsviz did not open this record: only its header is readable.");
    }
    labelled("", &text, width, t.dim(), Style::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
            .collect()
    }

    #[test]
    fn the_selected_bytes_are_bracketed_across_rows() {
        let a = crate::ui::testing::app(Model::new(), crate::ui::app::Mode::Wire);
        let data: Vec<u8> = (0..40).collect();
        let field = Field {
            offset: 14,
            len: 4,
            name: "x".into(),
            value: String::new(),
        };
        let lines = text(&hex_lines(&data, Some(&field), 10, &a));
        assert_eq!(
            lines[0],
            "0000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d[0e 0f "
        );
        assert_eq!(
            lines[1],
            "0010 10 11]12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f "
        );
        assert_eq!(lines[2], "0020 20 21 22 23 24 25 26 27 ");
        assert_eq!(lines.len(), 3);
    }
}
