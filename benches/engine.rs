//! In-process figures (run: `cargo bench --bench engine`):
//! - the engine in auto mode against bare tokio-rustls (connect, TLS 1.3 mutual handshake, PING,
//!   close_notify), N handshakes each, against the same lab redis-server; the engine with
//!   `--bytes` (every record kept, named byte by byte, and opened); with `--show-secrets`
//!   (observable key exchange, the key schedule recomputed); and with both;
//! - the lab from start to ready (certificates made, redis-server answering).
//!
//! Prints figures; asserts nothing (targets are judged in BENCHMARKS.md).

use std::sync::Arc;
use std::time::{Duration, Instant};
use tlsviz::engine::config;
use tlsviz::engine::pace::{EventSink, Pace};
use tlsviz::engine::{self, Target};
use tlsviz::lab::{Lab, LabOptions, ServerChoice};
use tlsviz::model::Model;
use tlsviz::target::{self, TlsOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = v.iter().map(|d| ms(*d)).sum::<f64>() / v.len() as f64;
    (mean, ms(v[v.len() / 2]), ms(v[(v.len() * 99) / 100]))
}

fn target(lab: &Lab) -> Target {
    let material = target::load::load(&TlsOptions {
        cacert: Some(lab.files.ca_cert.clone()),
        cert: Some(lab.files.client_cert.clone()),
        key: Some(lab.files.client_key.clone()),
        ..TlsOptions::default()
    })
    .expect("lab material");
    Target {
        host: "127.0.0.1".into(),
        port: lab.port,
        server_name: "localhost".into(),
        tls: Some(material),
        user: None,
        password: None,
        db: None,
        command: vec!["PING".into()],
        timeout: Duration::from_secs(5),
        capture_bytes: false,
    }
}

/// The same target with `--show-secrets`.
fn with_secrets(target: &Target) -> Target {
    let mut target = target.clone();
    if let Some(tls) = target.tls.as_mut() {
        tls.show_secrets = true;
    }
    target
}

/// One engine run. `with_model: false` measures the engine alone (events drained after the run);
/// `true` runs it as the CLI does: in its own task, a consumer folding events into the model.
async fn engine_once(target: &Target, with_model: bool) -> Duration {
    let start = Instant::now();
    let (sink, mut rx) = EventSink::channel();
    if !with_model {
        let ok = engine::run(target, Pace::Auto, sink).await;
        assert!(ok, "engine run failed");
        while rx.try_recv().is_ok() {}
        return start.elapsed();
    }
    let t = target.clone();
    let run = tokio::spawn(async move { engine::run(&t, Pace::Auto, sink).await });
    let mut model = Model::new();
    while let Some(e) = rx.recv().await {
        model.apply(e);
    }
    assert!(run.await.unwrap_or(false), "engine run failed");
    start.elapsed()
}

async fn bare_once(connector: &tokio_rustls::TlsConnector, port: u16) -> Duration {
    let start = Instant::now();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    tcp.set_nodelay(true).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"*1\r\n$4\r\nPING\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let mut got = 0;
    while !buf[..got].ends_with(b"\r\n") {
        let n = tls.read(&mut buf[got..]).await.unwrap();
        assert!(n > 0);
        got += n;
    }
    assert_eq!(&buf[..got], b"+PONG\r\n");
    tls.shutdown().await.unwrap();
    start.elapsed()
}

fn bare_connector(lab: &Lab) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::pem::PemObject;
    let provider = config::provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(
        rustls::pki_types::CertificateDer::pem_file_iter(&lab.files.ca_cert)
            .unwrap()
            .flatten(),
    );
    let chain: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(&lab.files.client_cert)
        .unwrap()
        .flatten()
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&lab.files.client_key).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    // Same as the engine: every connection a full handshake.
    config.resumption = rustls::client::Resumption::disabled();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

fn main() {
    let n: usize = std::env::var("TLSVIZ_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // TLSVIZ_BENCH_ONLY=engine|model|bytes|secrets|both|bare runs one path alone (for
    // callgrind), without the lab timing; `model` is the engine in its own task with the
    // reducer folding its events, as the CLI runs it.
    let only = std::env::var("TLSVIZ_BENCH_ONLY").ok();
    if let Some(which) = only.as_deref() {
        let lab = Lab::start(LabOptions {
            server: ServerChoice::Redis,
            ..LabOptions::default()
        })
        .expect("redis-server lab");
        let target = target(&lab);
        let connector = bare_connector(&lab);
        let bytes = Target {
            capture_bytes: true,
            ..target.clone()
        };
        let secrets = with_secrets(&target);
        let both = with_secrets(&bytes);
        runtime.block_on(async {
            for _ in 0..n {
                match which {
                    "bare" => drop(bare_once(&connector, lab.port).await),
                    "bytes" => drop(engine_once(&bytes, false).await),
                    "secrets" => drop(engine_once(&secrets, false).await),
                    "both" => drop(engine_once(&both, false).await),
                    "model" => drop(engine_once(&target, true).await),
                    _ => drop(engine_once(&target, false).await),
                }
            }
        });
        println!("{n} {which} runs done");
        return;
    }

    // Lab start to ready.
    let mut starts = Vec::new();
    let mut server = String::new();
    for _ in 0..30 {
        let t = Instant::now();
        let lab = Lab::start(LabOptions {
            server: ServerChoice::Redis,
            ..LabOptions::default()
        })
        .expect("redis-server lab");
        starts.push(t.elapsed());
        server = lab.server_description.clone();
        drop(lab);
    }
    let (mean, median, p99) = stats(starts);
    println!("lab start→ready ({server}), 30 runs: median {median:.1} ms, mean {mean:.1} ms, max~p99 {p99:.1} ms");

    let lab = Lab::start(LabOptions {
        server: ServerChoice::Redis,
        ..LabOptions::default()
    })
    .expect("redis-server lab");
    let target = target(&lab);
    let bytes = Target {
        capture_bytes: true,
        ..target.clone()
    };
    let secrets = with_secrets(&target);
    let both = with_secrets(&bytes);
    let connector = bare_connector(&lab);
    // TLSVIZ_BENCH_BYTES=0 leaves the --bytes case out of the loop (to compare with a build
    // that has none: the loop is then the same).
    let with_bytes = std::env::var("TLSVIZ_BENCH_BYTES").map_or(true, |v| v != "0");
    runtime.block_on(async {
        // Warm up every path.
        for _ in 0..20 {
            engine_once(&target, false).await;
            engine_once(&bytes, false).await;
            engine_once(&secrets, false).await;
            bare_once(&connector, lab.port).await;
        }
        // Interleave so drift in the machine affects all alike.
        let (mut engine_t, mut model_t, mut bare_t) = (Vec::new(), Vec::new(), Vec::new());
        let (mut bytes_t, mut secrets_t, mut both_t) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            bare_t.push(bare_once(&connector, lab.port).await);
            engine_t.push(engine_once(&target, false).await);
            model_t.push(engine_once(&target, true).await);
            if with_bytes {
                bytes_t.push(engine_once(&bytes, false).await);
            }
            secrets_t.push(engine_once(&secrets, true).await);
            both_t.push(engine_once(&both, true).await);
        }
        let (bm, bmed, bp99) = stats(bare_t);
        let (em, emed, ep99) = stats(engine_t);
        let (mm, mmed, mp99) = stats(model_t);
        let (sm, smed, sp99) = stats(secrets_t);
        let (am, amed, ap99) = stats(both_t);
        println!("{n} handshakes each (TLS 1.3, mutual TLS, PING, close_notify) against {server}:");
        println!("  bare tokio-rustls        mean {bm:.3} ms  median {bmed:.3} ms  p99 {bp99:.3} ms");
        println!("  tlsviz engine (auto)     mean {em:.3} ms  median {emed:.3} ms  p99 {ep99:.3} ms  ratio(mean) {:.3}", em / bm);
        println!("  engine task + model      mean {mm:.3} ms  median {mmed:.3} ms  p99 {mp99:.3} ms  ratio(mean) {:.3}", mm / bm);
        if with_bytes {
            let (ym, ymed, yp99) = stats(bytes_t);
            println!("  engine --bytes (auto)    mean {ym:.3} ms  median {ymed:.3} ms  p99 {yp99:.3} ms  ratio(mean) {:.3}", ym / bm);
        }
        println!("  --show-secrets + model   mean {sm:.3} ms  median {smed:.3} ms  p99 {sp99:.3} ms  ratio(mean) {:.3}", sm / bm);
        println!("  --bytes --show-secrets + model  mean {am:.3} ms  median {amed:.3} ms  p99 {ap99:.3} ms  ratio(mean) {:.3}", am / bm);
    });
}
