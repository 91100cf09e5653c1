//! One file per view, each `pub fn render(f: &mut Frame, app: &App, area: Rect)`: a pure
//! function of the state. `draw` lays the screen out and picks the views.

pub mod bytes;
pub mod bytes_tree;
pub mod certs;
pub mod compare;
pub mod console;
pub mod dock;
pub mod flow;
pub mod footer;
pub mod header;
pub mod help;
pub mod keyschedule;
pub mod moments;
pub mod nodes;
pub mod picker;
pub mod predict;
pub mod prompt;
pub mod quiz;
pub mod records;
pub mod sample;
pub mod table;
mod text;
pub mod too_small;
pub mod topology;
pub mod topology_summary;
pub mod tracker;
pub mod transcript;
pub mod wire;

pub(crate) use text::{clip_words, scrolled, scrolled_tail, wrap_paragraph};

use super::app::{App, Mode};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// The smallest screen the lesson fits on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The sidebar (steps and tracker beside the mode) needs this much room.
const SIDEBAR_WIDTH: u16 = 40;
const SIDEBAR_MIN_SCREEN: (u16, u16) = (118, 26);

/// Draw the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small::render(f, app, area);
        return;
    }
    let [top, body, prompt_area, bottom] = Layout::vertical([
        Constraint::Length(header::height(app, area.width)),
        Constraint::Min(8),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(area);
    header::render(f, app, top);
    let (panel, dock_area) = split_body(app, body, area);
    render_mode(f, app, panel);
    if app.keys_view {
        keyschedule::render(f, app, panel);
    }
    if let Some(d) = dock_area {
        dock::render(f, app, d);
    }
    if app.predict_shown() {
        predict::render(f, app, panel);
    }
    if app.console.is_some() {
        // The whole mode panel: a reply (INFO) is read from its first line.
        console::render(f, app, panel);
    }
    prompt::render(f, app, prompt_area);
    footer::render(f, app, bottom);
    if app.picker.is_some() {
        picker::render(f, app, area);
    }
    if app.help {
        help::render(f, app, area);
    }
}

/// Where the mode goes, and where the steps-and-tracker dock goes (if anywhere).
fn split_body(app: &App, body: Rect, screen: Rect) -> (Rect, Option<Rect>) {
    // The byte explorer and the key schedule need the width more than the sidebar.
    let wide = app.keys_view || (app.mode == Mode::Wire && bytes::explorer_on(app.shown()));
    match app.mode {
        _ if wide => strip(body),
        Mode::Tracker => (body, None),
        Mode::Table if body.height >= table::ROOMY => (body, None),
        Mode::Table => strip(body),
        _ if screen.width >= SIDEBAR_MIN_SCREEN.0 && screen.height >= SIDEBAR_MIN_SCREEN.1 => {
            let [panel, side] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(SIDEBAR_WIDTH)])
                    .areas(body);
            (panel, Some(side))
        }
        _ => strip(body),
    }
}

fn strip(body: Rect) -> (Rect, Option<Rect>) {
    let [panel, s] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(dock::STRIP_HEIGHT)]).areas(body);
    (panel, Some(s))
}

fn render_mode(f: &mut Frame, app: &App, area: Rect) {
    match app.mode {
        Mode::Flow => flow::render(f, app, area),
        Mode::Sample => sample::render(f, app, area),
        Mode::Table => table::render(f, app, area),
        Mode::Tracker => tracker::render(f, app, area),
        Mode::Wire => wire::render(f, app, area),
        Mode::Certs => certs::render(f, app, area),
        Mode::Moments => moments::render(f, app, area),
        Mode::Quiz => quiz::render(f, app, area),
        Mode::Transcript => transcript::render(f, app, area),
    }
}

/// A bordered panel titled with the mode's number and name.
pub(crate) fn panel<'a>(app: &App, title: impl Into<String>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.dim())
        .title(Span::styled(
            format!(" {} ", title.into()),
            app.theme.accent(),
        ))
}

pub(crate) fn mode_title(mode: Mode) -> String {
    format!("{} · {}", mode.number(), mode.title())
}

/// Word wrap to `width` columns, keeping the text's own line breaks.
pub(crate) fn wrap(text: &str, width: u16) -> Vec<String> {
    text.split('\n')
        .flat_map(|paragraph| wrap_paragraph(paragraph, usize::from(width)))
        .collect()
}

/// A `width`×`height` rectangle in the middle of `area` (overlays: help, picker).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(v);
    r
}

/// Wrapped text as lines, the first prefixed by `label` and the rest indented under it.
pub(crate) fn labelled<'a>(
    label: &str,
    text: &str,
    width: u16,
    label_style: Style,
    style: Style,
) -> Vec<Line<'a>> {
    labelled_clipped(label, text, width, usize::MAX, label_style, style)
}

/// Like [`labelled`], but at most `max_lines` lines: the last one ends in "…" when the text is
/// cut there.
pub(crate) fn labelled_clipped<'a>(
    label: &str,
    text: &str,
    width: u16,
    max_lines: usize,
    label_style: Style,
    style: Style,
) -> Vec<Line<'a>> {
    let indent = label.chars().count();
    let body_width = usize::from(width).saturating_sub(indent);
    let mut body = wrap(text, body_width as u16);
    if body.len() > max_lines {
        body.truncate(max_lines.max(1));
        if let Some(last) = body.last_mut() {
            *last = if width_of(last) < body_width {
                format!("{last}…")
            } else {
                clip_words(last, width_of(last).saturating_sub(1))
            };
        }
    }
    body.into_iter()
        .enumerate()
        .map(|(i, l)| {
            let head = if i == 0 {
                label.to_string()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(clip(&l, body_width), style),
            ])
        })
        .collect()
}

/// How many columns `text` takes on screen (⏳ takes two).
pub(crate) fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// Cut `text` to `width` columns, ending in "…" when cut.
pub(crate) fn clip(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = char_width(c);
        if used + cw > width - 1 {
            break;
        }
        used += cw;
        s.push(c);
    }
    s.push('…');
    s
}

/// Pad or cut to exactly `width` columns.
pub(crate) fn cell(text: &str, width: usize) -> String {
    let s = clip(text, width);
    let n = width_of(&s);
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_within_width_and_keeps_paragraphs() {
        let lines = wrap("aaa bbb ccc ddd eee fff ggg\nhhh", 20);
        assert_eq!(lines, ["aaa bbb ccc ddd eee", "fff ggg", "hhh"]);
        for l in wrap(&"word ".repeat(50), 23) {
            assert!(l.chars().count() <= 23);
        }
    }

    #[test]
    fn windows_clamp() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(cell("ab", 4), "ab  ");
        assert_eq!(cell("⏳ x", 5), "⏳ x ", "⏳ is two columns wide");
        assert_eq!(width_of(&clip("⏳⏳⏳", 4)), 3);
    }

    #[test]
    fn labelled_clipped_keeps_to_its_lines_and_marks_the_cut() {
        let text = |lines: &[Line]| -> Vec<String> {
            lines
                .iter()
                .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
                .collect()
        };
        let s = Style::default();
        let long = "invalid peer certificate: certificate expired: verification time 1795817671 (UNIX), but certificate is not valid after 1795731271 (86400 seconds ago)";
        let lines = text(&labelled_clipped("certificate  ", long, 38, 3, s, s));
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("certificate  invalid"), "{lines:?}");
        assert!(lines[2].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|l| width_of(l) <= 38), "{lines:?}");
        let short = text(&labelled_clipped("SNI          ", "localhost", 38, 3, s, s));
        assert_eq!(short, ["SNI          localhost"]);
    }
}
