//! Text that fits: word wrap by screen width (🔒 and ⏳ take two columns), cuts at a word with
//! "…", and windows over long content that say how much more there is, so nothing is cut
//! without a visible mark.

use super::width_of;
use crate::ui::theme::Theme;
use ratatui::text::{Line, Span};

/// Where a word too long for a line may break: after one of these (`_` for identifiers such
/// as cipher suites: `TLS_ECDHE_ECDSA_WITH_` / `AES_256_GCM_SHA384`).
const BREAK_AFTER: [char; 9] = [',', ';', ':', '/', '-', '.', '=', ')', '_'];

/// Word wrap one paragraph to `width` columns. Words are never split, except one longer than a
/// whole line, which breaks after a separator (`/`, `:`, `_`, `,`…) where it has one; with none,
/// it is cut with "…" (never split mid-word without a mark).
pub(crate) fn wrap_paragraph(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        for piece in break_long(word, width) {
            let w = width_of(&piece);
            if used > 0 && used + 1 + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 {
                line.push(' ');
                used += 1;
            }
            line.push_str(&piece);
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word as pieces of at most `width` columns (itself when it fits): broken after separators,
/// the last piece cut with "…" where no separator is left to break at.
fn break_long(word: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = word.chars().collect();
    while width_of(&rest.iter().collect::<String>()) > width {
        let mut used = 0;
        let mut fit = 0;
        for c in &rest {
            let cw = width_of(&c.to_string());
            if used + cw > width {
                break;
            }
            used += cw;
            fit += 1;
        }
        let fit = fit.max(1);
        let cut = rest[..fit]
            .iter()
            .rposition(|c| BREAK_AFTER.contains(c))
            .map(|i| i + 1)
            .filter(|&i| i * 3 >= fit);
        let Some(cut) = cut else {
            // No separator to break at: the rest is cut, and says so.
            let whole: String = rest.iter().collect();
            pieces.push(super::clip(&whole, width));
            return pieces;
        };
        pieces.push(rest[..cut].iter().collect());
        rest.drain(..cut);
    }
    if !rest.is_empty() {
        pieces.push(rest.into_iter().collect());
    }
    pieces
}

/// Cut `text` to `width` columns at the end of a word, ending in "…" when cut (mid-word only
/// when the first word alone is too long).
pub(crate) fn clip_words(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let candidate = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if width_of(&candidate) + 1 > width {
            break;
        }
        out = candidate;
    }
    if out.is_empty() {
        return super::clip(text, width);
    }
    let trimmed = out.trim_end_matches([',', ';', ':', ' ', '·', '—']);
    format!("{trimmed}…")
}

/// The lines from `scroll` down that fit in `height`. When they do not all fit, the last row
/// says how many lines are above and below and which keys scroll.
pub(crate) fn scrolled<'a>(
    lines: Vec<Line<'a>>,
    scroll: u16,
    height: u16,
    t: &Theme,
    keys: &str,
) -> Vec<Line<'a>> {
    let h = usize::from(height);
    if lines.len() <= h {
        return lines;
    }
    let body = h.saturating_sub(1);
    let start = usize::from(scroll).min(lines.len() - body);
    let below = lines.len() - start - body;
    let mut out: Vec<Line> = lines.into_iter().skip(start).take(body).collect();
    if h > 0 {
        out.push(more_line(start, below, t, keys));
    }
    out
}

/// Like [`scrolled`], counted from the end (`from_bottom` 0 follows the newest line); the mark
/// comes first, above the lines.
pub(crate) fn scrolled_tail<'a>(
    lines: Vec<Line<'a>>,
    from_bottom: u16,
    height: u16,
    t: &Theme,
    keys: &str,
) -> Vec<Line<'a>> {
    let h = usize::from(height);
    if lines.len() <= h {
        return lines;
    }
    let body = h.saturating_sub(1);
    let up = usize::from(from_bottom).min(lines.len() - body);
    let start = lines.len() - body - up;
    let mut out = Vec::with_capacity(h);
    if h > 0 {
        out.push(more_line(start, up, t, keys));
    }
    out.extend(lines.into_iter().skip(start).take(body));
    out
}

/// "▲ 3 more above · ▼ 12 more below (↑↓ scroll)".
fn more_line<'a>(above: usize, below: usize, t: &Theme, keys: &str) -> Line<'a> {
    let mut parts = Vec::new();
    if above > 0 {
        parts.push(format!("▲ {above} more above"));
    }
    if below > 0 {
        parts.push(format!("▼ {below} more below"));
    }
    Line::from(Span::styled(
        format!(" {} ({keys})", parts.join(" · ")),
        t.accent(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stay_whole_and_long_ones_break_at_separators() {
        let lines = wrap_paragraph(
            "the CA file /tmp/tlsviz-lab-6ea2bc2c1221/ca.crt is trusted",
            20,
        );
        assert!(lines.iter().all(|l| width_of(l) <= 20), "{lines:?}");
        assert_eq!(lines[0], "the CA file");
        assert!(lines[1].ends_with(BREAK_AFTER), "{lines:?}");
        let fp = "87:21:06:F9:26:8B:AD:9E:4A:CA:73:57:38:B3:FF:0E";
        for l in wrap_paragraph(fp, 20) {
            assert!(l.ends_with(':') || fp.ends_with(&l), "{l}");
        }
        let locked = wrap_paragraph("🔒 encrypted 🔒 encrypted", 12);
        assert_eq!(locked, ["🔒 encrypted", "🔒 encrypted"]);
    }

    #[test]
    fn identifiers_break_after_an_underscore_or_are_cut_with_a_mark() {
        let suite = wrap_paragraph("suite TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 24);
        assert_eq!(
            suite,
            ["suite", "TLS_ECDHE_ECDSA_WITH_", "AES_256_GCM_SHA384"]
        );
        let token = wrap_paragraph("key abcdefghijklmnopqrstuvwxyz", 10);
        assert_eq!(token, ["key", "abcdefghi…"]);
    }

    #[test]
    fn clips_at_a_word() {
        assert_eq!(
            clip_words("mutual TLS against the lab: every step", 24),
            "mutual TLS against the…"
        );
        assert_eq!(clip_words("short", 24), "short");
        assert_eq!(clip_words("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn a_window_says_what_is_out_of_view() {
        let t = Theme::new(false, true);
        let lines: Vec<Line> = (0..10).map(|i| Line::raw(i.to_string())).collect();
        let text = |v: Vec<Line>| -> Vec<String> { v.iter().map(|l| l.to_string()).collect() };
        let top = text(scrolled(lines.clone(), 0, 4, &t, "↑↓"));
        assert_eq!(top[..3], ["0", "1", "2"]);
        assert_eq!(top[3], " ▼ 7 more below (↑↓)");
        let end = text(scrolled(lines.clone(), 100, 4, &t, "↑↓"));
        assert_eq!(end[3], " ▲ 7 more above (↑↓)");
        let all = text(scrolled(lines.clone(), 0, 10, &t, "↑↓"));
        assert_eq!(all.len(), 10);
        let newest = text(scrolled_tail(lines, 0, 4, &t, "↑"));
        assert_eq!(newest, [" ▲ 7 more above (↑)", "7", "8", "9"]);
    }
}
