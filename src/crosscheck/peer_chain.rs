//! The server's certificate chain as OpenSSL sees it. When a server answers rustls's
//! ClientHello with a handshake_failure alert, rustls never sees the certificate; `openssl
//! s_client` offers more signature schemes (P-521, Ed448 …) and usually gets it. Bounded and
//! killed like the second opinion (same child machinery).

use super::argv::{shell_line, Invocation};
use super::child::{self, Ran};
use super::spec::TlsVersionChoice;
use crate::engine::certinfo::describe_certificate;
use crate::engine::events::CertificateInfo;
use crate::engine::opinion::Tool;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::ffi::OsString;
use std::path::Path;
use tokio::time::Instant;

/// Where to ask: the same host, port, SNI and TLS version as tlsviz's own hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerChainSpec {
    pub host: String,
    pub port: u16,
    /// The SNI tlsviz sent (`None`: it sent none, so neither does openssl).
    pub sni: Option<String>,
    pub tls_version: Option<TlsVersionChoice>,
}

/// What openssl saw: the chain (leaf first), or why there is none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeerChain {
    pub chain: Vec<CertificateInfo>,
    pub error: Option<String>,
}

/// `openssl s_client -connect HOST:PORT -showcerts` with stdin closed, killed at `deadline`.
pub async fn fetch(spec: &PeerChainSpec, openssl: Option<&Path>, deadline: Instant) -> PeerChain {
    let failed = |error: String| PeerChain {
        chain: Vec::new(),
        error: Some(error),
    };
    let Some(program) = openssl else {
        return failed("openssl is not installed on this machine".into());
    };
    let invocation = invocation(program, spec);
    match child::run(&invocation, deadline).await {
        Ran::Finished(out) => {
            let chain: Vec<CertificateInfo> = CertificateDer::pem_slice_iter(&out.stdout)
                .filter_map(Result::ok)
                .map(|der| describe_certificate(der.as_ref()))
                .collect();
            if chain.is_empty() {
                let said = last_words(&out.stderr);
                failed(match said {
                    Some(said) => format!("openssl s_client saw no certificate: {said}"),
                    None => "openssl s_client saw no certificate".into(),
                })
            } else {
                PeerChain { chain, error: None }
            }
        }
        Ran::TimedOut => failed("openssl s_client got no certificate before the timeout".into()),
        Ran::NotStarted(e) => failed(format!("could not start openssl: {e}")),
    }
}

fn invocation(program: &Path, spec: &PeerChainSpec) -> Invocation {
    let host = if spec.host.contains(':') {
        format!("[{}]", spec.host)
    } else {
        spec.host.clone()
    };
    let mut args: Vec<OsString> = ["s_client", "-connect"].map(OsString::from).to_vec();
    args.push(format!("{host}:{}", spec.port).into());
    args.push("-showcerts".into());
    match &spec.sni {
        Some(sni) => {
            args.push("-servername".into());
            args.push(sni.into());
        }
        None => args.push("-noservername".into()),
    }
    match spec.tls_version {
        Some(TlsVersionChoice::V1_2) => args.push("-tls1_2".into()),
        Some(TlsVersionChoice::V1_3) => args.push("-tls1_3".into()),
        None => {}
    }
    let display = shell_line(Tool::Openssl.program(), &args);
    Invocation {
        tool: Tool::Openssl,
        program: program.to_path_buf(),
        args,
        auth_env: None,
        stdin: None,
        sent: Vec::new(),
        display,
    }
}

/// openssl's last error line, shortened (`…:SSL routines::sslv3 alert handshake failure:…`
/// → `sslv3 alert handshake failure`).
fn last_words(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && *l != "DONE")?;
    let words = line
        .split(':')
        .find(|part| part.contains(' ') && !part.contains("routines"))
        .unwrap_or(line)
        .trim();
    Some(words.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_line_follows_tlsviz_hello() {
        let spec = PeerChainSpec {
            host: "::1".into(),
            port: 6380,
            sni: None,
            tls_version: Some(TlsVersionChoice::V1_2),
        };
        let inv = invocation(Path::new("/usr/bin/openssl"), &spec);
        assert_eq!(
            inv.display,
            "openssl s_client -connect '[::1]:6380' -showcerts -noservername -tls1_2"
        );
        assert!(inv.stdin.is_none());
        let spec = PeerChainSpec {
            host: "redis.example.com".into(),
            sni: Some("redis.example.com".into()),
            tls_version: None,
            ..spec
        };
        let inv = invocation(Path::new("/usr/bin/openssl"), &spec);
        assert!(inv
            .display
            .ends_with("-showcerts -servername redis.example.com"));
    }

    #[test]
    fn last_words_keep_openssl_reason() {
        let stderr = b"40F7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40\n";
        assert_eq!(
            last_words(stderr).as_deref(),
            Some("sslv3 alert handshake failure")
        );
        assert_eq!(last_words(b"\n\n"), None);
    }

    #[tokio::test]
    async fn without_openssl_says_so() {
        let spec = PeerChainSpec {
            host: "127.0.0.1".into(),
            port: 1,
            sni: None,
            tls_version: None,
        };
        let got = fetch(&spec, None, Instant::now()).await;
        assert!(got.chain.is_empty());
        assert_eq!(
            got.error.as_deref(),
            Some("openssl is not installed on this machine")
        );
    }
}
