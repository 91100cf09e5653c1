//! Parsing what the user typed: ports, hosts, timeouts, redis:// URIs.

use crate::errors::UsageError;
use std::time::Duration;

pub fn parse_port(text: &str) -> Result<u16, UsageError> {
    let input = format!("-p {text}");
    let n: u64 = text.trim().parse().map_err(|_| {
        UsageError::new(
            &input,
            "the port is not a number",
            "use a number from 1 to 65535, e.g. -p 6380",
        )
    })?;
    match u16::try_from(n) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(UsageError::new(
            input,
            "the port is out of range",
            "use a number from 1 to 65535",
        )),
    }
}

pub fn check_host(text: &str, flag: &str) -> Result<String, UsageError> {
    let input = format!("{flag} {text:?}");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(UsageError::new(
            input,
            "the host is empty",
            if flag == "--sni" {
                // SNI carries a DNS name only, never an address.
                "give the server's DNS name, e.g. --sni redis.example.com".to_string()
            } else {
                format!("give a name or address, e.g. {flag} 127.0.0.1")
            },
        ));
    }
    let bare = crate::engine::bare_host(trimmed);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Ok(trimmed.to_string());
    }
    // A fully qualified name may end with a dot (`localhost.`).
    let bare = bare.strip_suffix('.').unwrap_or(bare);
    let valid = bare.len() <= 253
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
        });
    if !valid {
        let hint = if bare.contains("://") {
            "give a bare host name here; a URL goes with -u"
        } else if bare.contains(':') {
            "give the port with -p, not in the host"
        } else {
            "a host name has letters, digits, dots and hyphens only"
        };
        return Err(UsageError::new(
            input,
            "not a valid host name or IP address",
            hint,
        ));
    }
    Ok(trimmed.to_string())
}

pub fn parse_timeout(text: &str) -> Result<Duration, UsageError> {
    let input = format!("--timeout {text}");
    let secs: f64 = text.trim().parse().map_err(|_| {
        UsageError::new(
            &input,
            "not a number of seconds",
            "e.g. --timeout 5 or --timeout 0.5",
        )
    })?;
    if !secs.is_finite() {
        return Err(UsageError::new(
            input,
            "not a finite number of seconds",
            "e.g. --timeout 5",
        ));
    }
    if secs <= 0.0 {
        return Err(UsageError::new(
            input,
            "the timeout must be more than zero",
            "e.g. --timeout 5",
        ));
    }
    if secs > 3600.0 {
        return Err(UsageError::new(
            input,
            "more than an hour is not a timeout",
            "use at most 3600 seconds",
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(Debug)]
pub(super) struct ParsedUri {
    pub(super) tls: bool,
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) user: Option<String>,
    pub(super) pass: Option<String>,
    pub(super) db: Option<u32>,
}

pub(super) fn parse_uri(text: &str) -> Result<ParsedUri, UsageError> {
    // Never echo a password back: the input shown is the URI with its password masked.
    let shown = mask_uri_password(text);
    let input = format!("-u {shown}");
    let url = url::Url::parse(text).map_err(|e| {
        UsageError::new(
            &input,
            format!("not a valid URI ({e})"),
            "use redis://host:port or rediss://user:pass@host:port",
        )
    })?;
    let tls = match url.scheme() {
        "redis" => false,
        "rediss" => true,
        other => {
            return Err(UsageError::new(
                input,
                format!("the scheme {other}:// is not Redis"),
                "use redis:// (plaintext) or rediss:// (TLS)",
            ))
        }
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            UsageError::new(
                &input,
                "the URI has no host",
                "e.g. rediss://localhost:6380",
            )
        })?
        .to_string();
    // userinfo is percent-encoded (RFC 3986); `+` and `&` are themselves.
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = (!url.username().is_empty()).then(|| decode(url.username()));
    let pass = url.password().map(decode);
    // redis://host/3 selects database 3, as redis-cli does.
    let path = url.path().trim_matches('/');
    let db = if path.is_empty() {
        None
    } else {
        Some(path.parse::<u32>().map_err(|_| {
            UsageError::new(
                &input,
                format!("the path /{path} is not a database number"),
                "end the URI with /N to select database N, or with nothing",
            )
        })?)
    };
    Ok(ParsedUri {
        tls,
        host,
        port: url.port(),
        user,
        pass,
        db,
    })
}

pub fn mask_uri_password(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &text[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &text[..scheme_end + 3],
                    &userinfo[..colon],
                    &text[at..]
                ),
                None => text.to_string(),
            }
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_timeouts_are_checked() {
        assert_eq!(parse_port("6380"), Ok(6380));
        assert!(parse_port("0").is_err());
        assert!(parse_port("65536").is_err());
        assert!(parse_port("http").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("99999").is_err());
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn uris_give_host_port_and_credentials() {
        assert_eq!(parse_uri("redis://localhost:6379/3").unwrap().db, Some(3));
        assert!(parse_uri("redis://localhost/abc").is_err());
        let odd = parse_uri("redis://:p+ss&a=b@example.com").unwrap();
        assert_eq!(odd.pass.as_deref(), Some("p+ss&a=b"));
        let u = parse_uri("rediss://alice:s%40cret@example.com:6380").unwrap();
        assert!(u.tls);
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, Some(6380));
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.pass.as_deref(), Some("s@cret"));
        assert!(parse_uri("http://example.com").is_err());
        let err = parse_uri("ftp://bob:hunter2@x").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn hosts_are_checked() {
        assert!(check_host("", "-h").is_err());
        assert!(check_host("redis://x", "-h").is_err());
        assert!(check_host("localhost:6379", "-h").is_err());
        assert!(check_host("::1", "-h").is_ok());
        assert!(check_host("cache-1.example.com", "-h").is_ok());
    }
}
