//! Fault servers: peers that misbehave in the ways real networks and misconfigured ports do,
//! which Redis itself never would. Each runs on its own thread and stops with the lab.

use super::builtin::ServerThread;
use super::files::LabFiles;
use super::{Fault, LabError, LabOptions};
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a fault server keeps a connection it never answers (the client's timeout ends it).
const HOLD: Duration = Duration::from_secs(120);

pub struct FaultServer {
    pub port: u16,
    thread: ServerThread,
}

impl FaultServer {
    /// `tls`: whether the services that answer after a handshake (SMTP banner, echo) speak TLS.
    pub fn start(
        fault: Fault,
        bind: IpAddr,
        files: &LabFiles,
        tls: bool,
    ) -> Result<Self, LabError> {
        let wants_tls = match fault {
            Fault::StopMidHandshake => true,
            Fault::SmtpBanner | Fault::Echo => tls,
            _ => false,
        };
        let tls_config = if wants_tls {
            Some(super::builtin::server_config(
                &LabOptions {
                    auth_clients: super::AuthClients::No,
                    ..LabOptions::default()
                },
                files,
            )?)
        } else {
            None
        };
        let thread = ServerThread::spawn(bind, move |stream| {
            let tls_config = tls_config.clone();
            async move { misbehave(fault, stream, tls_config).await }
        })?;
        Ok(FaultServer {
            port: thread.port,
            thread,
        })
    }

    pub fn stop(self) {
        self.thread.stop();
    }
}

async fn misbehave(
    fault: Fault,
    mut stream: TcpStream,
    tls_config: Option<std::sync::Arc<rustls::ServerConfig>>,
) {
    match fault {
        Fault::Silent => drain_for(&mut stream, HOLD).await,
        Fault::CloseAtOnce | Fault::NothingListening => {}
        Fault::Reset => {
            // SO_LINGER 0 makes the close a reset. (Deprecated because a non-zero linger blocks
            // on drop; zero does not.)
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
        Fault::Http => {
            let mut buf = [0u8; 1024];
            let _ = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
                )
                .await;
        }
        Fault::RandomBytes => {
            let mut noise = [0u8; 64];
            let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut noise);
            // Make sure the first byte cannot pass for a TLS record type.
            noise[0] = 0x9c;
            let _ = stream.write_all(&noise).await;
            drain_for(&mut stream, HOLD).await;
        }
        Fault::SlowDrip => {
            // A plausible record header, one byte at a time, slower than any patience.
            for byte in [22u8, 3, 3, 0, 90].iter().cycle().take(1000) {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        Fault::OversizedRecord => {
            let _ = stream.write_all(&[22, 3, 3, 0xff, 0xff, 2, 0, 0]).await;
            drain_for(&mut stream, HOLD).await;
        }
        Fault::TruncatedRecord => {
            let mut buf = [0u8; 2048];
            let _ = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await;
            let _ = stream
                .write_all(&[22, 3, 3, 0, 200, 2, 0, 0, 196, 3, 3])
                .await;
        }
        Fault::StopMidHandshake => {
            if let Some(config) = tls_config {
                server_hello_then_silence(&mut stream, config).await;
            }
        }
        Fault::SmtpBanner | Fault::Echo => match tls_config {
            Some(config) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                if let Ok(Ok(tls)) =
                    tokio::time::timeout(Duration::from_secs(5), acceptor.accept(stream)).await
                {
                    not_redis(fault, tls).await;
                }
            }
            None => not_redis(fault, stream).await,
        },
    }
}

/// A service that is not Redis: a mail server's greeting, or an echo of every byte.
async fn not_redis<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    fault: Fault,
    mut stream: S,
) {
    let mut buf = [0u8; 4096];
    if fault == Fault::SmtpBanner {
        let greeting = b"220 mail.example.com ESMTP Postfix\r\n";
        if stream.write_all(greeting).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
    let _ = tokio::time::timeout(HOLD, async {
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            let answer: &[u8] = match fault {
                Fault::Echo => &buf[..n],
                _ => b"502 5.5.2 Error: command not recognized\r\n",
            };
            if stream.write_all(answer).await.is_err() || stream.flush().await.is_err() {
                break;
            }
        }
    })
    .await;
}

async fn drain_for(stream: &mut TcpStream, limit: Duration) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(limit, async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// A real rustls server answers the ClientHello; only its first record (the ServerHello) is
/// sent, then nothing more.
async fn server_hello_then_silence(
    stream: &mut TcpStream,
    config: std::sync::Arc<rustls::ServerConfig>,
) {
    let Ok(mut conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut buf = vec![0u8; 16 * 1024];
    let mut splitter = crate::engine::records::RecordSplitter::new();
    loop {
        let Ok(Ok(n @ 1..)) =
            tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await
        else {
            return;
        };
        splitter.push(&buf[..n]);
        while let Ok(Some(record)) = splitter.next_record() {
            let mut rest = &record[..];
            while !rest.is_empty() {
                if matches!(conn.read_tls(&mut rest), Ok(0) | Err(_)) {
                    return;
                }
            }
            if conn.process_new_packets().is_err() {
                return;
            }
        }
        if conn.wants_write() {
            break;
        }
    }
    let mut out = Vec::new();
    while conn.wants_write() {
        if conn.write_tls(&mut out).is_err() {
            return;
        }
    }
    if let Some(first) = crate::engine::records::split_complete(&out)
        .into_iter()
        .next()
    {
        let _ = stream.write_all(&first).await;
    }
    drain_for(stream, HOLD).await;
}
