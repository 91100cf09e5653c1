//! Mode 2, the sample: the same connection as `redis-cli` and `openssl s_client` commands, the
//! lab server's redis.conf TLS lines, and what each flag means.

use super::{labelled, mode_title, panel, scrolled, wrap};
use crate::engine::events::RunInfo;
use crate::engine::wire::TlsVersion;
use crate::ui::app::{App, Mode};
use crate::ui::lesson::Lesson;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the equivalent commands and configuration.
pub fn render(f: &mut Frame, app: &App, area: Rect) {
    let block = panel(app, mode_title(Mode::Sample));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let t = &app.theme;
    let model = app.shown();
    let w = inner.width.saturating_sub(1);
    let mut lines: Vec<Line> = Vec::new();
    let section = |lines: &mut Vec<Line>, title: &str| {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(Span::styled(title.to_string(), t.accent())));
    };
    let redis_cli = if app.redis_cli.is_empty() {
        redis_cli_from(&model.run)
    } else {
        app.redis_cli.clone()
    };
    section(&mut lines, "redis-cli: the same connection");
    lines.extend(command_lines(&redis_cli, w, t.good()));
    section(&mut lines, "openssl s_client: the same handshake, by hand");
    lines.extend(command_lines(
        &openssl_from(&redis_cli, &model.run),
        w,
        t.good(),
    ));
    let name_check = if checked_is_ip(&model.run) {
        "-verify_ip makes it check the IP address as tlsviz does (-verify_hostname would fail: it takes names only)."
    } else {
        "-verify_hostname makes it check the name as tlsviz does."
    };
    lines.extend(labelled(
        "  ",
        &format!(
            "openssl goes on after a failed check unless given -verify_return_error; {name_check}"
        ),
        w,
        t.dim(),
        t.dim(),
    ));
    if !app.conf_lines.is_empty() {
        section(&mut lines, "The lab server's redis.conf (TLS lines)");
        for l in &app.conf_lines {
            lines.extend(command_lines(l, w, Style::default()));
        }
    }
    section(
        &mut lines,
        "What the flags of the redis-cli command above mean",
    );
    for l in Lesson::get().sample.explanation.lines() {
        match l.split_once(": ") {
            Some((flags, meaning)) if flags.starts_with('-') => {
                let Some(shown) = as_given(&redis_cli, flags) else {
                    continue;
                };
                lines.push(Line::from(Span::styled(format!("  {shown}"), t.bold())));
                lines.extend(labelled("      ", meaning, w, t.dim(), Style::default()));
            }
            _ => lines.extend(labelled("  ", l, w, t.dim(), Style::default())),
        }
    }
    let visible = scrolled(
        lines,
        app.scroll(Mode::Sample),
        inner.height,
        &app.theme,
        "↑↓ scroll",
    );
    f.render_widget(Paragraph::new(visible), inner);
}

/// The flags named in `flags` ("-h -p") as the command gives them, each with its value
/// (`-h localhost -p 6379`); `None` when the command has none of them. A password is not
/// repeated.
fn as_given(command: &str, flags: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut out = Vec::new();
    for flag in flags.split_whitespace() {
        let Some(i) = words.iter().position(|w| *w == flag) else {
            continue;
        };
        out.push(flag.to_string());
        if let Some(value) = words.get(i + 1).filter(|v| !v.starts_with('-')) {
            out.push(if flag == "-a" {
                "…".into()
            } else {
                (*value).to_string()
            });
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

fn command_lines<'a>(command: &str, width: u16, style: Style) -> Vec<Line<'a>> {
    wrap(command, width.saturating_sub(4))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 { "  " } else { "      " };
            Line::from(Span::styled(format!("{lead}{l}"), style))
        })
        .collect()
}

/// A redis-cli line from what a recording knows (no file paths for the client key).
pub fn redis_cli_from(run: &RunInfo) -> String {
    if run.host.is_empty() {
        return "redis-cli -h HOST -p PORT --tls --cacert ca.crt".into();
    }
    let mut parts = vec![
        "redis-cli".to_string(),
        "-h".into(),
        run.host.clone(),
        "-p".into(),
        run.port.to_string(),
    ];
    if run.tls {
        parts.push("--tls".into());
        if run.sni_sent && run.server_name != run.host {
            parts.extend(["--sni".into(), run.server_name.clone()]);
        }
        if let Some(path) = run.trust.strip_prefix("CA file ") {
            parts.extend(["--cacert".into(), path.to_string()]);
        }
        if run.client_certificate.is_some() {
            parts.extend([
                "--cert".into(),
                "client.crt".into(),
                "--key".into(),
                "client.key".into(),
            ]);
        }
        if run.insecure {
            parts.push("--insecure".into());
        }
    }
    if let Some(user) = &run.user {
        parts.extend(["--user".into(), user.clone()]);
    }
    if run.password_given {
        parts.extend(["-a".into(), "***".into()]);
    }
    if !run.command.is_empty() && run.command != "PING" {
        parts.push(run.command.clone());
    }
    parts.join(" ")
}

/// The `openssl s_client` command that makes the same handshake.
pub fn openssl_from(redis_cli: &str, run: &RunInfo) -> String {
    let args: Vec<String> = redis_cli
        .split_whitespace()
        .map(|a| a.trim_matches('\'').to_string())
        .collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let host = if run.host.is_empty() {
        value("-h").unwrap_or_else(|| "HOST".into())
    } else {
        run.host.clone()
    };
    let port = if run.host.is_empty() {
        value("-p").unwrap_or_else(|| "PORT".into())
    } else {
        run.port.to_string()
    };
    let mut parts = vec![
        "openssl s_client".to_string(),
        match ip_of(&host) {
            Some(std::net::IpAddr::V6(ip)) => format!("-connect [{ip}]:{port}"),
            _ => format!("-connect {host}:{port}"),
        },
    ];
    let name = value("--sni")
        .or_else(|| (run.sni_sent && !run.server_name.is_empty()).then(|| run.server_name.clone()));
    if let Some(n) = &name {
        parts.push(format!("-servername {n}"));
    }
    if let Some(ca) = value("--cacert") {
        parts.push(format!("-CAfile {ca}"));
    }
    if let Some(dir) = value("--cacertdir") {
        parts.push(format!("-CApath {dir}"));
    }
    if let Some(cert) = value("--cert") {
        parts.push(format!("-cert {cert}"));
    }
    if let Some(key) = value("--key") {
        parts.push(format!("-key {key}"));
    }
    match run.tls_versions.as_slice() {
        [TlsVersion::Tls13] => parts.push("-tls1_3".into()),
        [TlsVersion::Tls12] => parts.push("-tls1_2".into()),
        _ => {}
    }
    if !run.insecure {
        parts.push("-verify_return_error".into());
        let checked = if run.server_name.is_empty() {
            host.clone()
        } else {
            run.server_name.clone()
        };
        // openssl checks an IP address only with -verify_ip; -verify_hostname would fail.
        match ip_of(&checked) {
            Some(ip) => parts.push(format!("-verify_ip {ip}")),
            None => parts.push(format!("-verify_hostname {checked}")),
        }
    }
    parts.join(" ")
}

/// The address, when `name` is an IP address (IPv6 with or without brackets).
fn ip_of(name: &str) -> Option<std::net::IpAddr> {
    crate::engine::bare_host(name).parse().ok()
}

/// Whether the certificate is checked against an IP address rather than a name.
fn checked_is_ip(run: &RunInfo) -> bool {
    let checked = if run.server_name.is_empty() {
        &run.host
    } else {
        &run.server_name
    };
    !run.insecure && ip_of(checked).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_explained_are_the_displayed_commands() {
        use crate::ui::app::Mode;
        use crate::ui::testing::{app, fixture, model_after, render};
        let model = model_after(
            &fixture("tls13-mutual-ok"),
            crate::engine::step::Step::Close,
        );
        let app = app(model, Mode::Sample);
        let screen = render(&app, 120, 60).backend().to_string();
        assert!(!screen.contains("redis.example.com"), "{screen}");
        assert!(screen.contains("-h 127.0.0.1 -p 42559"), "{screen}");
        assert!(screen.contains("--cacert /tmp/lab/ca.crt"), "{screen}");
        assert_eq!(as_given("redis-cli --tls -h h", "--sni"), None);
        assert_eq!(
            as_given("redis-cli -a secret", "-a").as_deref(),
            Some("-a …")
        );
    }

    #[test]
    fn openssl_mirrors_the_redis_cli_flags() {
        let run = RunInfo {
            host: "localhost".into(),
            port: 6380,
            tls: true,
            server_name: "localhost".into(),
            sni_sent: true,
            tls_versions: vec![TlsVersion::Tls13],
            ..RunInfo::default()
        };
        let line = openssl_from(
            "redis-cli -h 127.0.0.1 -p 6380 --tls --cacert /x/ca.crt --cert /x/c.crt --key /x/c.key",
            &run,
        );
        assert_eq!(
            line,
            "openssl s_client -connect localhost:6380 -servername localhost -CAfile /x/ca.crt \
             -cert /x/c.crt -key /x/c.key -tls1_3 -verify_return_error -verify_hostname localhost"
        );
    }

    #[test]
    fn an_ip_address_is_checked_with_verify_ip() {
        let mut run = RunInfo {
            host: "127.0.0.1".into(),
            port: 6380,
            tls: true,
            server_name: "127.0.0.1".into(),
            ..RunInfo::default()
        };
        let line = openssl_from("redis-cli -h 127.0.0.1 -p 6380 --tls", &run);
        assert!(
            line.ends_with("-verify_return_error -verify_ip 127.0.0.1"),
            "{line}"
        );
        assert!(!line.contains("-verify_hostname"), "{line}");
        run.host = "[::1]".into();
        run.server_name = "[::1]".into();
        let line = openssl_from("redis-cli -h ::1 -p 6380 --tls", &run);
        assert!(line.ends_with("-verify_ip ::1"), "{line}");
        assert!(line.contains("-connect [::1]:6380 "), "{line}");
        run.insecure = true;
        let line = openssl_from("redis-cli -h ::1 -p 6380 --tls --insecure", &run);
        assert!(!line.contains("-verify_"), "{line}");
    }

    #[test]
    fn a_recording_still_gives_a_redis_cli_line_without_secrets() {
        let run = RunInfo {
            host: "10.0.0.5".into(),
            port: 6380,
            tls: true,
            server_name: "10.0.0.5".into(),
            trust: "CA file /ca.pem".into(),
            password_given: true,
            command: "PING".into(),
            ..RunInfo::default()
        };
        assert_eq!(
            redis_cli_from(&run),
            "redis-cli -h 10.0.0.5 -p 6380 --tls --cacert /ca.pem -a ***"
        );
    }
}
