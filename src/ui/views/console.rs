//! The Redis console (`:`): commands typed here travel over the encrypted channel; the panel
//! shows each one with the records that carried it, and the reply as redis-cli prints it.

use super::{clip, width_of};
use crate::ui::app::App;
use crate::ui::console::{exchanges, masked_input, Exchange, INPUT_LIMIT};
use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Draws the console over the mode panel: the history (scrollable), then the prompt line.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let inner_w = usize::from(area.width.saturating_sub(2));
    let history_h = usize::from(area.height.saturating_sub(3));
    let (lines, anchor) = history(&exchanges(&app.model), inner_w, t);
    let max_top = lines.len().saturating_sub(history_h);
    // Follow the newest command from its first line; the keys scroll from there.
    let auto_top = anchor.min(max_top);
    let top = usize::try_from(i64::try_from(auto_top).unwrap_or(0) + i64::from(app.console_scroll))
        .unwrap_or(0)
        .min(max_top);
    let below = lines.len().saturating_sub(top + history_h);
    // As in a terminal, the prompt follows the last line shown.
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(history_h).collect();
    shown.push(prompt_line(app, inner_w));
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(
            " Redis console · over the encrypted channel · ⏎ send · Esc close ",
            t.accent(),
        ));
    if top > 0 {
        block = block
            .title(Line::from(Span::styled(format!(" ↑ {top} more "), t.accent())).right_aligned());
    }
    if below > 0 {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" ↓ {below} more lines: ↓ or PgDn "),
                t.accent(),
            ))
            .right_aligned(),
        );
    } else if top > 0 {
        block = block.title_bottom(
            Line::from(Span::styled(" ↑ PgUp: earlier lines ", t.dim())).right_aligned(),
        );
    }
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(shown).block(block), area);
}

/// The history as lines of at most `width` columns, and the index of the newest command's line.
fn history<'a>(exchanges: &[Exchange], width: usize, t: &Theme) -> (Vec<Line<'a>>, usize) {
    let mut lines: Vec<Line> = Vec::new();
    let mut anchor = 0;
    for e in exchanges {
        anchor = lines.len();
        let sent = if e.encrypted {
            format!(
                "{} B plaintext → {} encrypted record{}, {} B",
                e.plaintext_len,
                e.records,
                if e.records == 1 { "" } else { "s" },
                e.record_bytes
            )
        } else {
            format!("{} B in clear", e.plaintext_len)
        };
        let origin = if e.console { "" } else { " (step 8)" };
        let info = format!("  {sent}{origin}");
        let command = format!("redis> {}", e.command);
        if width_of(&command) + width_of(&info) <= width {
            lines.push(Line::from(vec![
                Span::styled(command, t.bold()),
                Span::styled(info, t.encrypted()),
            ]));
        } else {
            for part in hard_wrap(&command, width) {
                lines.push(Line::from(Span::styled(part, t.bold())));
            }
            lines.push(Line::from(Span::styled(
                clip(info.trim_start(), width),
                t.encrypted(),
            )));
        }
        match &e.reply {
            Some(reply) => {
                let style = if e.error { t.bad() } else { Style::default() };
                for reply_line in reply.split('\n') {
                    for part in hard_wrap(reply_line, width) {
                        lines.push(Line::from(Span::styled(part, style)));
                    }
                }
            }
            None => lines.push(Line::from(Span::styled(
                "⏳ waiting for the reply…",
                t.warn(),
            ))),
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "Type a Redis command and press Enter: it crosses the encrypted channel.",
            t.dim(),
        )));
    }
    (lines, anchor)
}

/// `redis> ` and the input (its end when it is long), the cursor, then the length against the
/// limit, or what is wrong with the line.
fn prompt_line<'a>(app: &App, width: usize) -> Line<'a> {
    let t = &app.theme;
    let input = app.console.as_deref().unwrap_or("");
    let count = input.chars().count();
    let (right, right_style) = match &app.console_note {
        Some(note) => (format!("  {note}"), t.bad()),
        None if count >= INPUT_LIMIT => (format!("  {count}/{INPUT_LIMIT} full"), t.warn()),
        None => (format!("  {count}/{INPUT_LIMIT}"), t.dim()),
    };
    let right = clip(&right, width.saturating_sub(20));
    let room = width.saturating_sub(width_of("redis> ") + 1 + width_of(&right));
    let shown = tail(&masked_input(input), room);
    let used = width_of("redis> ") + width_of(&shown) + 1 + width_of(&right);
    Line::from(vec![
        Span::styled("redis> ", t.bold()),
        Span::raw(shown),
        Span::styled("█", t.accent()),
        Span::raw(" ".repeat(width.saturating_sub(used))),
        Span::styled(right, right_style),
    ])
}

/// The end of `text` in `width` columns, starting with "…" when cut (the cursor's side shows).
fn tail(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = width_of(c.encode_utf8(&mut [0u8; 4]));
        if used + w > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Cut a line of data into pieces of `width` columns, as a terminal wraps it: a reply's own
/// characters and spacing are kept.
fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = width_of(c.encode_utf8(&mut [0u8; 4]));
        if used + w > width && !line.is_empty() {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        line.push(c);
        used += w;
    }
    out.push(line);
    out
}
