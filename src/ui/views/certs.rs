//! Mode 6, the certificates: step 4 check by check (chain, dates, name, key usage, CA flags,
//! the handshake signature, revocation), the second opinion, then the chain the server sent,
//! each certificate's subject, issuer, validity, names, key and fingerprint, and the client's
//! own certificate. Before step 4 every check is pending and no certificate is marked.

use super::{labelled, mode_title, panel, scrolled};
use crate::engine::events::CertificateInfo;
use crate::model::Model;
use crate::ui::app::{App, Mode};
use crate::ui::checks::{self, Mark};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the checks, the second opinion, the chain and the client certificate.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Certs));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = lines(app, app.shown(), inner.width.saturating_sub(1));
    let visible = scrolled(
        lines,
        app.scroll(Mode::Certs),
        inner.height,
        &app.theme,
        "↑↓ scroll",
    );
    f.render_widget(Paragraph::new(visible), inner);
}

fn mark_style(app: &App, mark: Mark) -> Style {
    let t = &app.theme;
    match mark {
        Mark::Passed => t.good(),
        Mark::Failed | Mark::NotChecked => t.bad(),
        Mark::Pending => t.warn(),
        Mark::NotReached => t.dim(),
    }
}

fn lines<'a>(app: &App, model: &Model, w: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut out: Vec<Line> = Vec::new();
    if model.chain.is_empty() {
        let text = if !model.events.is_empty() && !model.run.tls {
            "No TLS on this connection: the server never shows a certificate, and the client cannot tell who it talks to.".to_string()
        } else if crate::ui::lesson::skipped_as_resumed(
            model,
            crate::engine::step::Step::ServerCertificate,
        ) {
            let words = crate::ui::lesson::resumed_certificate_words(model);
            let mut c = words.chars();
            c.next()
                .map(|first| first.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        } else {
            "No certificate yet: the server sends its chain at step 3, and the client checks it at step 4.".to_string()
        };
        out.extend(labelled("", &text, w, t.dim(), t.dim()));
        return out;
    }
    let name = model
        .verified_name
        .clone()
        .unwrap_or_else(|| model.run.server_name.clone());
    out.extend(labelled(
        "",
        &format!(
            "The server's chain: {} certificate{}, checked for the name {name}",
            model.chain.len(),
            if model.chain.len() == 1 { "" } else { "s" }
        ),
        w,
        t.accent(),
        t.accent(),
    ));
    let (text, style) = verdict(app, model);
    out.extend(labelled("Verdict (step 4): ", &text, w, t.bold(), style));
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "Step 4, check by check",
        t.accent(),
    )));
    let checked = model.verdict.is_some();
    for check in checks::step4(model) {
        out.extend(labelled(
            &format!("  {:<11}{:<15}", check.name, check.mark.words()),
            &check.text,
            w,
            mark_style(app, check.mark),
            Style::default(),
        ));
    }
    out.push(Line::raw(""));
    let (agrees, opinion) = checks::second_opinion(model);
    let style = match agrees {
        Some(true) => t.good(),
        Some(false) => t.bad(),
        None => t.dim(),
    };
    out.extend(labelled("Second opinion: ", &opinion, w, t.accent(), style));
    for (i, cert) in model.chain.iter().enumerate() {
        out.push(Line::raw(""));
        let role = if i == 0 {
            "server certificate (leaf)"
        } else if cert.self_signed {
            "root CA"
        } else {
            "intermediate CA"
        };
        out.extend(labelled(
            &format!("[{}] ", i + 1),
            &format!("{role}: {}", cert.subject),
            w,
            t.bold(),
            t.bold(),
        ));
        let mut kv = |label: &str, value: String, style: Style| {
            out.extend(labelled(
                &format!("    {label:<10}"),
                &value,
                w,
                t.dim(),
                style,
            ));
        };
        kv("issuer", issuer_words(cert), Style::default());
        kv(
            "validity",
            format!("{} → {}", cert.not_before, cert.not_after),
            Style::default(),
        );
        if checked {
            let (when, ok) = validity_now(cert, app.now_unix);
            kv("", when, if ok { t.good() } else { t.bad() });
        }
        if i == 0 {
            let names = if cert.san.is_empty() {
                match &cert.common_name {
                    Some(cn) => format!("no subjectAltName; common name {cn} only"),
                    None => "no subjectAltName".into(),
                }
            } else {
                cert.san.join(", ")
            };
            kv("names", names, Style::default());
        } else if !cert.san.is_empty() {
            kv("names", cert.san.join(", "), Style::default());
        }
        kv(
            "key",
            format!(
                "{} · signed with {}",
                cert.key_type, cert.signature_algorithm
            ),
            Style::default(),
        );
        kv(
            "CA",
            if cert.is_ca {
                "yes: may sign other certificates".into()
            } else {
                "no: an end-entity certificate".into()
            },
            Style::default(),
        );
        if cert.eku_present {
            kv(
                "usage",
                cert.extended_key_usage.join(", "),
                Style::default(),
            );
        }
        kv("sha-256", cert.sha256.clone(), t.dim());
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "The client's certificate (step 5)",
        t.accent(),
    )));
    let client = match (&model.certificate_request, model.client_certificate_sent()) {
        (None, _) if model.run.client_certificate.is_some() => format!(
            "The client had one ({}), but the server has not asked for it.",
            model.run.client_certificate.clone().unwrap_or_default()
        ),
        (None, _) => "The server has not asked for one.".to_string(),
        (Some(req), sent) => {
            let cas = if req.ca_names.is_empty() {
                "without naming the CAs it accepts".to_string()
            } else {
                format!("signed by {}", req.ca_names.join("; "))
            };
            match sent {
                Some(true) => format!(
                    "The server asked for one {cas}; the client sent {}.",
                    model.client_certificate_subject.clone().unwrap_or_default()
                ),
                Some(false) => {
                    format!("The server asked for one {cas}; the client had none to send.")
                }
                None if model.outcome == crate::model::Outcome::Failed => format!(
                    "The server asked for one {cas}; the run stopped before the client answered (step 5), so nothing was sent."
                ),
                None => format!("The server asks for one {cas}; step 5 answers."),
            }
        }
    };
    out.extend(labelled("    ", &client, w, t.dim(), Style::default()));
    out
}

fn issuer_words(cert: &CertificateInfo) -> String {
    if cert.self_signed {
        format!("{} (itself: self-signed)", cert.issuer)
    } else {
        cert.issuer.clone()
    }
}

/// Whether the certificate is valid at `now`, in words with a ✓ or ✗.
pub fn validity_now(cert: &CertificateInfo, now: i64) -> (String, bool) {
    let days = |secs: i64| {
        let d = secs / 86_400;
        if d == 1 {
            "1 day".to_string()
        } else if d == 0 {
            format!("{} hours", secs / 3600)
        } else {
            format!("{d} days")
        }
    };
    if now < cert.not_before_unix {
        (
            format!(
                "✗ not valid yet: starts in {}",
                days(cert.not_before_unix - now)
            ),
            false,
        )
    } else if now > cert.not_after_unix {
        (
            format!("✗ expired {} ago", days(now - cert.not_after_unix)),
            false,
        )
    } else {
        (
            format!(
                "✓ valid now (expires in {})",
                days(cert.not_after_unix - now)
            ),
            true,
        )
    }
}

fn verdict(app: &App, model: &Model) -> (String, Style) {
    let t = &app.theme;
    match &model.verdict {
        _ if model.insecure => (
            "⚠ NOT verified: --insecure skipped every check. The certificate could belong to anyone."
                .into(),
            t.bad(),
        ),
        Some((true, _)) => (
            format!(
                "✓ verified: it leads to a CA the client trusts ({}), it is in date, and it names {}.",
                if model.run.trust.is_empty() {
                    "the trust store".to_string()
                } else {
                    model.run.trust.clone()
                },
                model.verified_name.clone().unwrap_or_default()
            ),
            t.good(),
        ),
        Some((false, reason)) => (
            format!(
                "✗ rejected: {}",
                reason.clone().unwrap_or_else(|| "no reason given".into())
            ),
            t.bad(),
        ),
        None => ("⏳ not checked yet: that is step 4.".into(), t.warn()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(san: &[&str]) -> CertificateInfo {
        CertificateInfo {
            not_before_unix: 1000,
            not_after_unix: 1000 + 86_400 * 30,
            san: san.iter().map(|s| s.to_string()).collect(),
            ..CertificateInfo::default()
        }
    }

    #[test]
    fn validity_against_now() {
        let c = cert(&[]);
        assert!(validity_now(&c, 500).0.starts_with("✗ not valid yet"));
        assert_eq!(
            validity_now(&c, 1000 + 86_400).0,
            "✓ valid now (expires in 29 days)"
        );
        assert_eq!(
            validity_now(&c, 1000 + 86_400 * 33).0,
            "✗ expired 3 days ago"
        );
    }

    #[test]
    fn names_against_the_requested_one() {
        use crate::ui::checks::san_matches;
        let sans = ["DNS:localhost", "IP:127.0.0.1", "DNS:*.redis.lab"];
        let any = |name: &str| sans.iter().any(|s| san_matches(s, name));
        assert!(any("localhost"));
        assert!(any("127.0.0.1"));
        assert!(any("db.redis.lab"));
        assert!(!any("a.b.redis.lab"), "a wildcard covers one label");
        assert!(!any("10.0.0.5"));
    }
}
