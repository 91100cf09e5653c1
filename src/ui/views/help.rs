//! The help overlay (`?`): every key, grouped.

use crate::ui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

const KEYS: &[(&str, &str)] = &[
    ("space → n", "next step: really lets the next flight go"),
    ("← b", "look back, not rewound (predict: b answers B)"),
    ("Esc", "close an overlay, back to now (never quits)"),
    ("a", "autoplay on/off; a answers A in predict"),
    ("p", "predict first on/off; a–d answer its question"),
    ("+ −", "autoplay faster / slower"),
    ("1 … 9", "the nine modes"),
    ("↑ ↓ PgUp PgDn", "scroll, or choose in a list"),
    ("r", "restart: a fresh connection"),
    ("s", "scenario picker"),
    (":", "Redis console: after step 8, until step 9"),
    ("e", "export the transcript (mode 9)"),
    ("Tab ⇧Tab", "walk a record's fields (mode 5 with bytes)"),
    ("⏎", "what-if (7), next (8), open a record (5)"),
    ("K", "key schedule: how each key was made, checked"),
    ("w  W", "write a pcapng capture (W: with TLS secrets)"),
    ("a–d h", "answer, hint (mode 8)"),
    ("q  Ctrl-C", "quit, exit 0 (the lab stops)"),
];

/// Draws the key list over the screen.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let h = (KEYS.len() as u16 + 4).min(area.height);
    let w = 64.min(area.width);
    let r = super::centered(area, w, h);
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<15}"), t.accent()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " any key closes this help",
        t.dim(),
    )));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.accent())
                .title(Span::styled(" Keys ", t.accent())),
        ),
        r,
    );
}
