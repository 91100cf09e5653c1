//! The footer: the nine modes as tabs, and the keys that work here.

use crate::ui::app::{App, Mode, Secrets, WireFocus};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the mode tabs and the key line.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    // Exactly 80 columns at the smallest: "[n Name]" for the mode on screen, "n Name" else.
    let mut tabs = Vec::new();
    for (i, mode) in Mode::ALL.into_iter().enumerate() {
        let label = format!("{} {}", mode.number(), mode.tab());
        if i > 0 {
            tabs.push(Span::raw(" "));
        }
        if mode == app.mode {
            tabs.push(Span::styled(format!("[{label}]"), t.highlight()));
        } else {
            tabs.push(Span::styled(label, t.dim()));
        }
    }
    let width = usize::from(area.width);
    let right = format!(" ? help  q {} ", app.q_does);
    if app.console.is_some() {
        // The console takes the keys: say which.
        let keys = Line::from(vec![
            Span::raw(" "),
            Span::styled("⏎", t.accent()),
            Span::raw(" send  "),
            Span::styled("↑↓ PgUp PgDn", t.accent()),
            Span::raw(" scroll  "),
            Span::styled("End", t.accent()),
            Span::raw(" newest  "),
            Span::styled("Esc", t.accent()),
            Span::raw(" close the console  "),
            Span::styled("Ctrl-C", t.accent()),
            Span::raw(" quit"),
        ]);
        f.render_widget(Paragraph::new(vec![Line::from(tabs), keys]), area);
        return;
    }
    let explorer = app.mode == Mode::Wire && super::bytes::explorer_on(app.shown());
    let opened = explorer
        && super::bytes::selected_record(app)
            .and_then(|r| r.bytes.as_ref())
            .is_some_and(|b| b.decrypted.is_some());
    let mut keys: Vec<(&str, &str)> = match app.mode {
        _ if app.keys_view => vec![
            ("↑↓ PgUp/PgDn", "scroll"),
            (
                if app.secrets
                    == (Secrets::Lab {
                        acknowledged: false,
                    })
                    && super::keyschedule::has_values(app.shown())
                {
                    "⏎"
                } else {
                    ""
                },
                "show values",
            ),
            ("K/Esc", "close"),
        ],
        Mode::Wire if explorer => match app.wire_focus {
            WireFocus::Records => vec![
                ("↑↓", "pick record"),
                ("Tab", "fields"),
                (if opened { "⏎" } else { "" }, "open"),
                ("K", "keys"),
            ],
            WireFocus::Fields => vec![
                ("↑↓ Tab", "walk fields"),
                (if opened { "⏎" } else { "" }, "open"),
                ("Esc", "records"),
                ("K", "keys"),
            ],
            WireFocus::Opened => vec![("↑↓ Tab", "walk fields"), ("⏎/Esc", "back"), ("K", "keys")],
        },
        Mode::Quiz => vec![
            ("a–d", "answer"),
            ("h", "hint"),
            ("⏎", "next"),
            ("↑↓", "browse"),
        ],
        Mode::Moments => vec![("↑↓", "choose"), ("⏎", "run the what-if"), ("PgDn", "more")],
        Mode::Transcript => vec![("e", "export .md"), ("↑↓", "scroll")],
        Mode::Wire => vec![
            ("↑↓", "pick record"),
            ("PgUp/PgDn", "detail"),
            ("K", "keys"),
        ],
        Mode::Flow | Mode::Sample | Mode::Certs | Mode::Tracker | Mode::Table => {
            vec![("↑↓", "scroll")]
        }
    };
    let live = !app.is_replay();
    // While a prediction question is open, a–d answer it (a is not autoplay, b not back then):
    // the answer keys come first and `a auto` is not offered; ← still looks back.
    let answering = app.predict_shown() && app.predict.pending.is_some();
    if answering {
        keys.insert(0, ("a–d", "answer"));
    }
    // The console, open only between step 8 and step 9, comes early so it shows at 80 columns.
    keys.extend([
        ("␣", "next"),
        (if app.console_ready() { ":" } else { "" }, "console"),
        ("←", "back"),
        (
            if app.mode == Mode::Quiz || answering {
                ""
            } else {
                "a"
            },
            "auto",
        ),
        ("r", if live { "restart" } else { "replay again" }),
        (if live { "s" } else { "" }, "scenarios"),
        (
            "p",
            if app.predict.on {
                "predict off"
            } else {
                "predict"
            },
        ),
    ]);
    let mut key_spans = vec![Span::raw(" ")];
    let mut used = 1 + right.chars().count();
    for (key, what) in keys {
        if key.is_empty() {
            continue;
        }
        let piece = key.chars().count() + 1 + what.chars().count() + 2;
        if used + piece > width {
            break;
        }
        used += piece;
        key_spans.push(Span::styled(key.to_string(), t.accent()));
        key_spans.push(Span::raw(format!(" {what}  ")));
    }
    key_spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    key_spans.push(Span::styled("?", t.accent()));
    key_spans.push(Span::raw(" help  "));
    key_spans.push(Span::styled("q", t.accent()));
    key_spans.push(Span::raw(format!(" {} ", app.q_does)));
    f.render_widget(
        Paragraph::new(vec![Line::from(tabs), Line::from(key_spans)]),
        area,
    );
}
