//! The built-in server: TLS (tokio-rustls) and enough RESP for the lessons, for machines without
//! a TLS-capable `redis-server`. Also the thread plumbing the fault servers share.

use super::files::LabFiles;
use super::{AuthClients, LabError, LabOptions};
use crate::engine::resp::{self, Reply};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A server on its own thread and runtime; stopping it closes the listener and every connection.
pub struct ServerThread {
    pub port: u16,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerThread {
    pub fn spawn<F, Fut>(bind: IpAddr, handler: F) -> Result<ServerThread, LabError>
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let cannot_listen = |e| LabError::listen(bind, e);
        let std_listener = std::net::TcpListener::bind((bind, 0)).map_err(cannot_listen)?;
        let port = std_listener.local_addr().map_err(cannot_listen)?.port();
        std_listener.set_nonblocking(true).map_err(cannot_listen)?;
        let (tx, mut rx) = oneshot::channel::<()>();
        let handler = Arc::new(handler);
        let thread = std::thread::Builder::new()
            .name("tlsviz-lab-server".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    let mut tasks = tokio::task::JoinSet::new();
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                if let Ok((stream, _)) = accepted {
                                    let _ = stream.set_nodelay(true);
                                    tasks.spawn((handler)(stream));
                                }
                            }
                        }
                    }
                    tasks.abort_all();
                });
            })
            .map_err(LabError::ServerThread)?;
        Ok(ServerThread {
            port,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

pub struct BuiltinServer {
    pub port: u16,
    thread: ServerThread,
}

impl BuiltinServer {
    pub fn start(options: &LabOptions, files: &LabFiles) -> Result<Self, LabError> {
        let acceptor = match options.tls.then(|| server_config(options, files)) {
            None => None,
            Some(Ok(config)) => Some(tokio_rustls::TlsAcceptor::from(config)),
            // Like redis-server with a tls-ciphers list nothing can match: every hello is
            // answered with a handshake_failure alert.
            Some(Err(LabError::NoCipherSuite)) => {
                let thread = ServerThread::spawn(options.bind, |mut stream| async move {
                    let mut hello = [0u8; 2048];
                    let _ = stream.read(&mut hello).await;
                    let _ = stream.write_all(&[21, 3, 3, 0, 2, 2, 40]).await;
                })?;
                return Ok(BuiltinServer {
                    port: thread.port,
                    thread,
                });
            }
            Some(Err(e)) => return Err(e),
        };
        let password = options.requirepass.clone();
        // One keyspace for the whole server, as in Redis; the selected database is per client.
        let keys: Keys = Arc::default();
        let thread = ServerThread::spawn(options.bind, move |stream| {
            let acceptor = acceptor.clone();
            let password = password.clone();
            let keys = keys.clone();
            async move {
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            serve_resp(tls, password, keys).await;
                        }
                    }
                    None => serve_resp(stream, password, keys).await,
                }
            }
        })?;
        Ok(BuiltinServer {
            port: thread.port,
            thread,
        })
    }

    pub fn stop(self) {
        self.thread.stop();
    }
}

/// The server's rustls configuration from the lab's options (versions, client authentication).
pub fn server_config(
    options: &LabOptions,
    files: &LabFiles,
) -> Result<Arc<ServerConfig>, LabError> {
    let mut provider = (*crate::engine::config::provider()).clone();
    provider.cipher_suites = allowed_suites(options, &provider.cipher_suites);
    let provider = Arc::new(provider);
    let chain: Vec<CertificateDer<'static>> = files
        .server_chain_der
        .iter()
        .map(|d| CertificateDer::from(d.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(files.server_key_der.clone()));
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        match options.protocols.as_deref() {
            Some(p) if p.contains("1.2") && !p.contains("1.3") => vec![&rustls::version::TLS12],
            Some(p) if p.contains("1.3") && !p.contains("1.2") => vec![&rustls::version::TLS13],
            _ => vec![&rustls::version::TLS13, &rustls::version::TLS12],
        };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|_| LabError::NoCipherSuite)?;
    let builder = match options.auth_clients {
        AuthClients::No => builder.with_no_client_auth(),
        mode => {
            let mut roots = RootCertStore::empty();
            let cas = crate::target::read_certificates(&files.ca_cert, "lab CA").map_err(|e| {
                LabError::BuiltinServer {
                    what: "cannot read the lab CA",
                    source: e.into(),
                }
            })?;
            roots.add_parsable_certificates(cas);
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if mode == AuthClients::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier.build().map_err(|e| LabError::BuiltinServer {
                what: "client verifier",
                source: e.into(),
            })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| LabError::BuiltinServer {
            what: "certificate",
            source: e.into(),
        })?;
    if options.session_caching == Some(false) {
        // Nothing to resume: no session kept, no ticket sent.
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(Arc::new(config))
}

/// The suites `tls-ciphers` (TLS 1.2, OpenSSL names) and `tls-ciphersuites` (TLS 1.3) allow,
/// as redis-server would read them. Names rustls does not implement simply match nothing.
fn allowed_suites(
    options: &LabOptions,
    all: &[rustls::SupportedCipherSuite],
) -> Vec<rustls::SupportedCipherSuite> {
    use rustls::CipherSuite as C;
    let openssl_name = |suite: C| match suite {
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        _ => "",
    };
    let listed = |list: &Option<String>, name: &str| {
        list.as_deref()
            .is_none_or(|l| l.split([':', ' ']).any(|n| n == name))
    };
    all.iter()
        .copied()
        .filter(|s| {
            let name = openssl_name(s.suite());
            match s {
                rustls::SupportedCipherSuite::Tls12(_) => listed(&options.ciphers, name),
                rustls::SupportedCipherSuite::Tls13(_) => listed(&options.ciphersuites, name),
            }
        })
        .collect()
}

/// Serve RESP commands until the client leaves.
async fn serve_resp<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    password: Option<String>,
    keys: Keys,
) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let mut authenticated = password.is_none();
    let mut store = Store { db: 0, keys };
    loop {
        while let Some((args, used)) = next_command(&buf) {
            buf.drain(..used);
            let (reply, quit) = answer(&args, &password, &mut authenticated, &mut store);
            if stream.write_all(reply.as_bytes()).await.is_err() || quit {
                let _ = stream.shutdown().await;
                return;
            }
        }
        if buf.len() > 1024 * 1024 {
            return;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A RESP array of bulk strings, or an inline command line (`PING\r\n`).
fn next_command(buf: &[u8]) -> Option<(Vec<String>, usize)> {
    if buf.first() == Some(&b'*') {
        let (reply, used) = resp::parse(buf).ok()??;
        let Reply::Array(Some(items)) = reply else {
            return None;
        };
        let args = items
            .into_iter()
            .map(|i| match i {
                Reply::Bulk(Some(b)) => String::from_utf8_lossy(&b).into_owned(),
                other => other.display(),
            })
            .collect();
        return Some((args, used));
    }
    let end = buf.iter().position(|&b| b == b'\n')?;
    let line = String::from_utf8_lossy(&buf[..end]);
    Some((
        line.split_whitespace().map(str::to_string).collect(),
        end + 1,
    ))
}

fn answer(
    args: &[String],
    password: &Option<String>,
    authenticated: &mut bool,
    store: &mut Store,
) -> (String, bool) {
    let Some(name) = args.first().map(|a| a.to_ascii_uppercase()) else {
        return (String::new(), false);
    };
    let bulk = |s: &str| format!("${}\r\n{s}\r\n", s.len());
    if !*authenticated && !matches!(name.as_str(), "AUTH" | "HELLO" | "QUIT") {
        return ("-NOAUTH Authentication required.\r\n".into(), false);
    }
    let reply = match name.as_str() {
        "PING" => match args.get(1) {
            Some(msg) => bulk(msg),
            None => "+PONG\r\n".into(),
        },
        "ECHO" => args.get(1).map(|m| bulk(m)).unwrap_or_else(|| wrong_args("echo")),
        "AUTH" => {
            let given = args.last().filter(|_| args.len() >= 2);
            match (password, given) {
                (None, _) => "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n".into(),
                (Some(_), None) => wrong_args("auth"),
                (Some(p), Some(g)) if p == g && (args.len() == 2 || args[1] == "default") => {
                    *authenticated = true;
                    "+OK\r\n".into()
                }
                _ => "-WRONGPASS invalid username-password pair or user is disabled.\r\n".into(),
            }
        }
        "HELLO" => "*6\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:2\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n".into(),
        "SET" if args.len() >= 3 => {
            let db = store.db;
            store.keys().insert((db, args[1].clone()), args[2].clone());
            "+OK\r\n".into()
        }
        "GET" if args.len() == 2 => match store.keys().get(&(store.db, args[1].clone())).cloned() {
            Some(v) => bulk(&v),
            None => "$-1\r\n".into(),
        },
        "DEL" if args.len() >= 2 => {
            let db = store.db;
            let n = args[1..]
                .iter()
                .filter(|k| store.keys().remove(&(db, (*k).clone())).is_some())
                .count();
            format!(":{n}\r\n")
        }
        "SELECT" if args.len() == 2 => match args[1].parse::<u32>() {
            Ok(db) if db < 16 => {
                store.db = db;
                "+OK\r\n".into()
            }
            Ok(_) => "-ERR DB index is out of range\r\n".into(),
            Err(_) => "-ERR value is not an integer or out of range\r\n".into(),
        },
        "QUIT" => return ("+OK\r\n".into(), true),
        "SET" | "GET" | "DEL" => wrong_args(&name.to_ascii_lowercase()),
        _ => format!(
            "-ERR unknown command '{}', with args beginning with: \r\n",
            args[0].chars().filter(|c| !c.is_control()).take(64).collect::<String>()
        ),
    };
    (reply, false)
}

/// Every database's keys, shared by the server's connections.
type Keys = Arc<std::sync::Mutex<HashMap<(u32, String), String>>>;

/// One connection's view: the shared keys and the database it has selected.
struct Store {
    db: u32,
    keys: Keys,
}

impl Store {
    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<(u32, String), String>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn wrong_args(cmd: &str) -> String {
    format!("-ERR wrong number of arguments for '{cmd}' command\r\n")
}
