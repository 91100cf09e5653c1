//! The key-schedule view (`K`, over the mode panel): the HKDF ladder of TLS 1.3 (the PRF chain
//! of TLS 1.2) from the key exchange down to every key and IV, drawn as a tree along each
//! entry's `from` edges. Each value: its formula, the ✓/✗/· of tlsviz's recomputation with what
//! it was compared with, the records it protected, and the value itself only when the user may
//! see it (`--show-secrets`, or the lab's throwaway keys once acknowledged), under a banner.

use super::{labelled, panel, scrolled};
use crate::engine::events::HandshakeMessage;
use crate::engine::keyschedule::{KeyEntry, KeySchedule};
use crate::engine::wire::TlsVersion;
use crate::model::{Model, Outcome};
use crate::report::keys::{mark, Look};
use crate::ui::app::{App, Secrets};
use crate::ui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The banner over any secret value on screen.
pub const BANNER: &str = "!!! SECRETS ON SCREEN: this connection's private key and traffic \
    secrets; with a capture, they decrypt all of it";

/// The banner where the whole one does not fit on a line (80 columns).
pub const BANNER_SHORT: &str =
    "!!! SECRETS ON SCREEN: with a capture, these decrypt this whole connection";

/// The notice the lab's lesson shows before its values.
pub const LAB_NOTICE: &str =
    "These are this lab connection's real secrets (throwaway keys); press Enter to show them.";

/// The shape of each schedule, for runs that did not recompute it: name and what it comes from
/// (as the engine names them).
const SHAPE_13: &[(&str, &[&str])] = &[
    ("client_key_share_private", &[]),
    ("shared_secret", &["client_key_share_private"]),
    ("early_secret", &[]),
    ("handshake_secret", &["early_secret", "shared_secret"]),
    ("master_secret", &["handshake_secret"]),
    ("client_handshake_traffic_secret", &["handshake_secret"]),
    ("server_handshake_traffic_secret", &["handshake_secret"]),
    ("client_application_traffic_secret_0", &["master_secret"]),
    ("server_application_traffic_secret_0", &["master_secret"]),
    ("client_handshake_key", &["client_handshake_traffic_secret"]),
    ("client_handshake_iv", &["client_handshake_traffic_secret"]),
    ("server_handshake_key", &["server_handshake_traffic_secret"]),
    ("server_handshake_iv", &["server_handshake_traffic_secret"]),
    (
        "client_application_key",
        &["client_application_traffic_secret_0"],
    ),
    (
        "client_application_iv",
        &["client_application_traffic_secret_0"],
    ),
    (
        "server_application_key",
        &["server_application_traffic_secret_0"],
    ),
    (
        "server_application_iv",
        &["server_application_traffic_secret_0"],
    ),
    ("client_finished_key", &["client_handshake_traffic_secret"]),
    ("server_finished_key", &["server_handshake_traffic_secret"]),
];

const SHAPE_12: &[(&str, &[&str])] = &[
    ("client_key_share_private", &[]),
    ("pre_master_secret", &["client_key_share_private"]),
    ("master_secret", &["pre_master_secret"]),
    ("key_block", &["master_secret"]),
    ("client_write_key", &["key_block"]),
    ("server_write_key", &["key_block"]),
    ("client_write_iv", &["key_block"]),
    ("server_write_iv", &["key_block"]),
];

/// One node of the ladder: an entry, or a name of the shape only.
struct Node<'a> {
    name: &'a str,
    from: Vec<&'a str>,
    entry: Option<&'a KeyEntry>,
}

/// Whether the run on screen carries values (in this process; never from a recording).
pub fn has_values(model: &Model) -> bool {
    model
        .key_schedule
        .as_ref()
        .is_some_and(|k| k.entries.iter().any(|e| e.value.is_some()))
}

/// Draws the view over `area` (the mode panel).
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let block = panel(app, "Key schedule · K or Esc closes");
    let inner = block.inner(area);
    f.render_widget(ratatui::widgets::Clear, area);
    f.render_widget(block, area);
    let model = app.shown();
    let schedule = model.key_schedule.as_ref();
    let has_values = has_values(model);
    let w = inner.width.saturating_sub(1);
    let mut top: Vec<Line> = Vec::new();
    if has_values && app.secrets.shown() {
        let banner = if super::width_of(BANNER) <= usize::from(w) {
            BANNER
        } else {
            BANNER_SHORT
        };
        top.extend(labelled("", banner, w, t.banner(), t.banner()));
    } else if has_values
        && app.secrets
            == (Secrets::Lab {
                acknowledged: false,
            })
    {
        top.extend(labelled("", LAB_NOTICE, w, t.warn(), t.warn()));
    }
    let body = body_lines(app, model, schedule, w);
    let [top_area, rest] =
        Layout::vertical([Constraint::Length(top.len() as u16), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(top), top_area);
    let lines = scrolled(body, app.keys_scroll, rest.height, t, "↑↓ PgUp/PgDn");
    f.render_widget(Paragraph::new(lines), rest);
}

/// Everything under the banner: what the schedule is, then the ladder.
fn body_lines<'a>(
    app: &App,
    model: &Model,
    schedule: Option<&'a KeySchedule>,
    w: u16,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let Some(k) = schedule else {
        return shape_lines(app, model, w);
    };
    let confirmed = k.entries.iter().filter(|e| e.check.confirmed()).count();
    out.extend(labelled(
        "",
        &format!(
            "{} · {} · {} — {} values recomputed by tlsviz, {confirmed} checked ✓",
            k.version,
            k.cipher_suite,
            k.group.as_deref().unwrap_or("no key exchange"),
            k.entries.len()
        ),
        w,
        t.accent(),
        t.accent(),
    ));
    out.extend(labelled(
        "",
        "✓ equal to something tlsviz did not compute (rustls's KeyLog, a Finished, the records it opened, the key share on the wire) · ✗ differs · · derived, nothing to compare with",
        w,
        t.dim(),
        t.dim(),
    ));
    out.push(Line::raw(""));
    let nodes: Vec<Node> = k
        .entries
        .iter()
        .map(|e| Node {
            name: &e.name,
            from: e.from.iter().map(String::as_str).collect(),
            entry: Some(e),
        })
        .collect();
    out.extend(ladder(app, &nodes, w));
    if let Some(missing) = &k.missing {
        out.extend(labelled(
            "! ",
            &format!("not recomputed: {missing}"),
            w,
            t.warn(),
            t.warn(),
        ));
    }
    out
}

/// A run with no schedule: why, and the ladder's shape with every value hidden.
fn shape_lines<'a>(app: &App, model: &Model, w: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let tls = model.run.tls || model.events.is_empty();
    let why = if !tls {
        "No TLS on this run: there is no key schedule to show.".to_string()
    } else if model.tls.is_none() && model.outcome != Outcome::Running {
        "This run ended before TLS keys were agreed: there is no key schedule to show.".to_string()
    } else if model.outcome == Outcome::Running && app.secrets != Secrets::Hidden {
        "tlsviz recomputes and checks the key schedule at the end of step 8 (or when a run stops early). Until then, its shape:".to_string()
    } else if app.is_replay() {
        "This recording has no key schedule: record a run made with --show-secrets (recordings keep its formulas and checks, never its values). Its shape:".to_string()
    } else {
        "hidden: run with --show-secrets to recompute every value and check it (the lesson against the lab shows them after a notice). Its shape:".to_string()
    };
    out.extend(labelled("", &why, w, t.accent(), Style::default()));
    if !tls || (model.tls.is_none() && model.outcome != Outcome::Running) {
        return out;
    }
    // The version the ServerHello agreed (before step 8's summary exists); before the
    // ServerHello, no version is agreed yet.
    let agreed = match &model.server_hello {
        Some(HandshakeMessage::ServerHello { version, .. }) => Some(*version),
        _ => model.tls.as_ref().map(|t| t.version),
    };
    let (title, shape) = match agreed {
        Some(TlsVersion::Tls13) => ("TLS 1.3: the HKDF ladder (RFC 8446 §7.1)", SHAPE_13),
        Some(_) => ("TLS 1.2: the PRF chain (RFC 5246 §8, RFC 7627)", SHAPE_12),
        None => (
            "TLS 1.3's HKDF ladder (RFC 8446 §7.1), if the ServerHello agrees to TLS 1.3 (TLS 1.2 has a PRF chain instead)",
            SHAPE_13,
        ),
    };
    out.push(Line::raw(""));
    out.extend(labelled("", title, w, t.bold(), t.bold()));
    let nodes: Vec<Node> = shape
        .iter()
        .map(|(name, from)| Node {
            name,
            from: from.to_vec(),
            entry: None,
        })
        .collect();
    out.extend(ladder(app, &nodes, w));
    out
}

/// The ladder: each node under the first of its sources that is a node (the others named on
/// its line), children in schedule order with the longest branch last, so the main chain runs
/// down the left.
fn ladder<'a>(app: &App, nodes: &[Node], w: u16) -> Vec<Line<'a>> {
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let parent: Vec<Option<usize>> = nodes
        .iter()
        .map(|n| n.from.iter().find_map(|f| index(f)))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            // A source listed after the node (not the case in any schedule) would make a
            // cycle possible: such a node stays a root.
            if *p < i {
                children[*p].push(i);
            }
        }
    }
    let mut size = vec![1usize; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let s: usize = children[i].iter().map(|c| size[*c]).sum();
        size[i] += s;
    }
    for c in &mut children {
        c.sort_by_key(|i| (size[*i], *i));
    }
    let mut out = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        if p.is_none_or(|p| p >= i) {
            node(app, nodes, &children, i, "", "", &mut out, w);
        }
    }
    out
}

/// One node and its subtree; `lead` prefixes its own line, `rest` the lines under it.
#[allow(clippy::too_many_arguments)]
fn node<'a>(
    app: &App,
    nodes: &[Node],
    children: &[Vec<usize>],
    i: usize,
    lead: &str,
    rest: &str,
    out: &mut Vec<Line<'a>>,
    w: u16,
) {
    let t = &app.theme;
    let n = &nodes[i];
    let kids = &children[i];
    // The lines under the node's name hang on its own branch, or on nothing.
    let under = format!("{rest}{}", if kids.is_empty() { "   " } else { "│  " });
    let also: Vec<&str> = n.from.iter().skip(1).copied().collect();
    let feeds: Vec<&str> = nodes
        .iter()
        .filter(|m| m.from.iter().skip(1).any(|f| *f == n.name))
        .map(|m| m.name)
        .collect();
    let (symbol, style) = match n.entry {
        Some(e) => {
            let (symbol, look) = mark(e.check);
            (symbol, look_style(look, t))
        }
        None => ("–", t.dim()),
    };
    let mut head = vec![
        Span::styled(lead.to_string(), t.dim()),
        Span::styled(format!("{symbol} "), style),
        Span::styled(n.name.to_string(), t.bold()),
    ];
    if let Some(e) = n.entry {
        head.push(Span::styled(format!("  {} B", e.len), t.dim()));
    }
    if !also.is_empty() {
        head.push(Span::styled(format!("  + {}", also.join(", ")), t.dim()));
    }
    if !feeds.is_empty() {
        head.push(Span::styled(format!("  → {}", feeds.join(", ")), t.dim()));
    }
    out.push(Line::from(head));
    let push = |out: &mut Vec<Line<'a>>, label: &str, text: &str, style: Style| {
        hanging(out, &under, label, text, w, t.dim(), style);
    };
    match n.entry {
        Some(e) => {
            push(out, "", &e.formula, Style::default());
            push(
                out,
                "",
                &format!("{}: {}", e.check.as_str().replace('_', " "), e.note),
                style,
            );
            if !e.protects.is_empty() {
                push(
                    out,
                    "",
                    &format!("protected: {}", e.protects.join(", ")),
                    t.encrypted(),
                );
            }
            let (text, style) = value_words(app, e);
            push(out, "= ", &text, style);
        }
        None if app.secrets != Secrets::Hidden && app.shown().outcome == Outcome::Running => push(
            out,
            "= ",
            "not yet: recomputed at the end of step 8",
            t.dim(),
        ),
        None => push(out, "= ", "hidden: run with --show-secrets", t.dim()),
    }
    for (k, c) in kids.iter().enumerate() {
        let last = k + 1 == kids.len();
        let (l, r) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        node(
            app,
            nodes,
            children,
            *c,
            &format!("{rest}{l}"),
            &format!("{rest}{r}"),
            out,
            w,
        );
    }
}

/// Wrapped text under a node: every line keeps the tree's branches (`under`) on its left, the
/// first carries `label`, the others are indented under it.
fn hanging<'a>(
    out: &mut Vec<Line<'a>>,
    under: &str,
    label: &str,
    text: &str,
    w: u16,
    tree: Style,
    style: Style,
) {
    let indent = super::width_of(under) + super::width_of(label);
    let room = usize::from(w).saturating_sub(indent).max(8);
    for (i, line) in super::wrap(text, room as u16).into_iter().enumerate() {
        let head = if i == 0 {
            label.to_string()
        } else {
            " ".repeat(super::width_of(label))
        };
        out.push(Line::from(vec![
            Span::styled(under.to_string(), tree),
            Span::styled(head, tree),
            Span::styled(line, style),
        ]));
    }
}

/// The value, or why it is not on screen.
fn value_words(app: &App, e: &KeyEntry) -> (String, Style) {
    let t = &app.theme;
    match (&e.value, app.secrets) {
        (Some(v), s) if s.shown() => (v.expose().to_string(), t.warn()),
        (Some(_), Secrets::Lab { .. }) => ("hidden until Enter (the notice above)".into(), t.dim()),
        (Some(_), _) => ("hidden: run with --show-secrets".into(), t.dim()),
        (None, _) if app.is_replay() => (
            "not in the recording: recordings never hold secret values".into(),
            t.dim(),
        ),
        (None, _) => ("hidden: run with --show-secrets".into(), t.dim()),
    }
}

fn look_style(look: Look, t: &Theme) -> Style {
    match look {
        Look::Confirmed => t.good(),
        Look::Mismatch => t.bad(),
        _ => t.dim(),
    }
}
