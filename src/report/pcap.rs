//! `--pcap FILE`: the run's exact bytes as a pcapng capture Wireshark and tshark read. The TLS
//! records come from the events (`--pcap` turns `--bytes` capture on); the TCP around them (the
//! three-way handshake, sequence and acknowledgement numbers, the FIN exchange) is rebuilt from
//! the real addresses and ports, with `etherparse` writing the IP and TCP headers and their
//! checksums. With secrets, a Decryption Secrets Block (TLS key log) comes first, so the capture
//! opens decrypted with no other file.

use crate::engine::events::{Direction, Event, Stamped};
use etherparse::PacketBuilder;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::RawBlock;
use pcap_file::{DataLink, Endianness};
use std::borrow::Cow;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// pcapng's Decryption Secrets Block and its TLS key log secrets type.
const DSB_TYPE: u32 = 0x0000_000A;
const SECRETS_TLS_KEYLOG: u32 = 0x544c_534b;
/// The advertised window (no window scaling); pure ACKs keep what is in flight well below it.
const WINDOW: u16 = 65535;
const ACK_EVERY: u32 = 16384;

/// Why no capture could be made from a run.
#[derive(Debug)]
pub enum PcapError {
    /// The run never connected (no `tcp_connected` event).
    NotConnected,
    /// A record without its bytes: the run was made without capture.
    NoBytes,
    Io(std::io::Error),
}

impl std::fmt::Display for PcapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PcapError::NotConnected => f.write_str("the run made no TCP connection to capture"),
            PcapError::NoBytes => f.write_str("the run kept no record bytes"),
            PcapError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for PcapError {
    fn from(e: std::io::Error) -> Self {
        PcapError::Io(e)
    }
}

impl From<pcap_file::PcapError> for PcapError {
    fn from(e: pcap_file::PcapError) -> Self {
        PcapError::Io(std::io::Error::other(e.to_string()))
    }
}

/// One TCP endpoint's state while the stream is rebuilt.
struct Side {
    addr: SocketAddr,
    /// The next sequence number this side sends.
    next: u32,
    /// Bytes sent since the other side last acknowledged.
    unacked: u32,
}

/// The whole capture in memory: packets (raw IP) with their time since the run started.
struct Stream {
    client: Side,
    server: Side,
    packets: Vec<(u64, Vec<u8>)>,
}

#[derive(Clone, Copy, Default)]
struct Flags {
    syn: bool,
    ack: bool,
    psh: bool,
    fin: bool,
}

impl Stream {
    fn segment(
        &mut self,
        at_us: u64,
        from_client: bool,
        flags: Flags,
        payload: &[u8],
    ) -> Result<(), PcapError> {
        let (from, to) = if from_client {
            (&self.client, &self.server)
        } else {
            (&self.server, &self.client)
        };
        let builder = match (from.addr.ip(), to.addr.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
            (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
            (s, d) => {
                let (s, d) = (to_v6(s), to_v6(d));
                PacketBuilder::ipv6(s.octets(), d.octets(), 64)
            }
        };
        let mut tcp = builder.tcp(from.addr.port(), to.addr.port(), from.next, WINDOW);
        if flags.syn {
            tcp = tcp.syn();
        }
        if flags.ack {
            tcp = tcp.ack(to.next);
        }
        if flags.psh {
            tcp = tcp.psh();
        }
        if flags.fin {
            tcp = tcp.fin();
        }
        let mut packet = Vec::with_capacity(tcp.size(payload.len()));
        tcp.write(&mut packet, payload)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.packets.push((at_us, packet));
        // SYN and FIN take one sequence number each.
        let used = payload.len() as u32 + u32::from(flags.syn) + u32::from(flags.fin);
        let (from, to) = if from_client {
            (&mut self.client, &mut self.server)
        } else {
            (&mut self.server, &mut self.client)
        };
        from.next = from.next.wrapping_add(used);
        from.unacked = from.unacked.saturating_add(used);
        if flags.ack {
            to.unacked = 0;
        }
        Ok(())
    }

    /// Data from one side, acknowledged by the other once enough is in flight.
    fn data(&mut self, at_us: u64, from_client: bool, payload: &[u8]) -> Result<(), PcapError> {
        let ack = Flags {
            ack: true,
            ..Flags::default()
        };
        // Large records go out in segments no bigger than an ordinary MSS would allow.
        for chunk in payload.chunks(ACK_EVERY as usize) {
            let psh = Flags { psh: true, ..ack };
            self.segment(at_us, from_client, psh, chunk)?;
            let sent = if from_client {
                self.client.unacked
            } else {
                self.server.unacked
            };
            if sent >= ACK_EVERY {
                self.segment(at_us, !from_client, ack, &[])?;
            }
        }
        Ok(())
    }
}

fn to_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// Rebuilds the TCP stream of a finished run: raw IP packets with their `at_us`.
fn rebuild(events: &[Stamped]) -> Result<Vec<(u64, Vec<u8>)>, PcapError> {
    let (connected_at, peer, local) = events
        .iter()
        .find_map(|s| match &s.event {
            Event::TcpConnected { peer, local } => Some((s.at_us, peer, local)),
            _ => None,
        })
        .ok_or(PcapError::NotConnected)?;
    let server: SocketAddr = peer.parse().map_err(|_| PcapError::NotConnected)?;
    let client: SocketAddr = local.parse().map_err(|_| PcapError::NotConnected)?;
    let mut stream = Stream {
        client: Side {
            addr: client,
            next: 0x1d6c_0000,
            unacked: 0,
        },
        server: Side {
            addr: server,
            next: 0x7e41_0000,
            unacked: 0,
        },
        packets: Vec::new(),
    };
    let ack = Flags {
        ack: true,
        ..Flags::default()
    };
    let syn = Flags {
        syn: true,
        ..Flags::default()
    };
    stream.segment(connected_at, true, syn, &[])?;
    stream.segment(connected_at, false, Flags { syn: true, ..ack }, &[])?;
    stream.segment(connected_at, true, ack, &[])?;
    let mut last = connected_at;
    let mut records = 0usize;
    let mut missing = 0usize;
    let mut ended = false;
    for stamped in events {
        match &stamped.event {
            Event::Record(info) => {
                records += 1;
                let Some(bytes) = &info.bytes else {
                    missing += 1;
                    continue;
                };
                last = last.max(stamped.at_us);
                stream.data(last, info.direction == Direction::Out, &bytes.hex)?;
            }
            Event::Closed { .. } | Event::Failed(_) => {
                ended = true;
                last = last.max(stamped.at_us);
            }
            _ => {}
        }
    }
    if records > 0 && missing == records {
        return Err(PcapError::NoBytes);
    }
    // The close: the client's FIN, the server's FIN with its ACK, the client's last ACK. A run
    // still going (the TUI's `w` mid-run, or looking back) ends where it is, the stream open.
    if ended {
        let fin = Flags { fin: true, ..ack };
        stream.segment(last, true, fin, &[])?;
        stream.segment(last, false, fin, &[])?;
        stream.segment(last, true, ack, &[])?;
    }
    Ok(stream.packets)
}

/// The Decryption Secrets Block's body: type, length, the key log padded to 32 bits.
fn secrets_body(keylog: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let mut body = zeroize::Zeroizing::new(Vec::with_capacity(8 + keylog.len() + 3));
    body.extend_from_slice(&SECRETS_TLS_KEYLOG.to_le_bytes());
    body.extend_from_slice(&(keylog.len() as u32).to_le_bytes());
    body.extend_from_slice(keylog);
    let padded = body.len().div_ceil(4) * 4;
    body.resize(padded, 0);
    body
}

/// Writes the capture of a finished run to `out`. `started` is the wall clock at the run's
/// start; `keylog`, NSS key log lines, only with `--pcap-secrets`.
pub fn write_to<W: Write>(
    out: W,
    started: SystemTime,
    events: &[Stamped],
    keylog: Option<&[u8]>,
) -> Result<(), PcapError> {
    let packets = rebuild(events)?;
    let epoch = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let mut writer = PcapNgWriter::with_endianness(out, Endianness::Little)?;
    writer.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::RAW,
        snaplen: 0,
        options: vec![InterfaceDescriptionOption::IfTsResol(9)],
    })?;
    if let Some(keylog) = keylog.filter(|k| !k.is_empty()) {
        let block = secrets_body(keylog);
        let total = block.len() as u32 + 12;
        writer.write_raw_block(&RawBlock {
            type_: DSB_TYPE,
            initial_len: total,
            body: Cow::Borrowed(&block),
            trailer_len: total,
        })?;
    }
    for (at_us, data) in &packets {
        writer.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: epoch + Duration::from_micros(*at_us),
            original_len: data.len() as u32,
            data: Cow::Borrowed(data),
            options: Vec::new(),
        })?;
    }
    writer.into_inner().flush()?;
    Ok(())
}

/// Writes the capture to `path` (created, or replaced), 0600 when it carries secrets.
pub fn write(
    path: &Path,
    started: SystemTime,
    events: &[Stamped],
    keylog: Option<&[u8]>,
) -> Result<(), PcapError> {
    // Build it first: a run with nothing to capture leaves no file behind.
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    write_to(&mut *buf, started, events, keylog)?;
    let mut file = open(path, false, keylog.is_some())?;
    file.write_all(&buf)?;
    Ok(())
}

/// Writes the capture to a new file in `dir` named `STEM.pcapng` (or `STEM-2.pcapng`, … when
/// that exists: an existing file is never replaced). Returns the path written.
pub fn write_fresh(
    dir: &Path,
    stem: &str,
    started: SystemTime,
    events: &[Stamped],
    keylog: Option<&[u8]>,
) -> Result<std::path::PathBuf, PcapError> {
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    write_to(&mut *buf, started, events, keylog)?;
    for n in 1..=99u32 {
        let name = if n == 1 {
            format!("{stem}.pcapng")
        } else {
            format!("{stem}-{n}.pcapng")
        };
        let path = dir.join(name);
        match open(&path, true, keylog.is_some()) {
            Ok(mut file) => {
                file.write_all(&buf)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(PcapError::Io(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{stem}.pcapng and 98 more names are taken"),
    )))
}

/// Opens the capture's file: replaced, or (`new`) only created; 0600 when it carries secrets.
fn open(path: &Path, new: bool, secrets: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    if secrets {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secrets;
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_never_connected_has_nothing_to_capture() {
        let events = [Stamped {
            event: Event::Closed {
                close_notify_sent: false,
            },
            at_us: 5,
        }];
        let mut out = Vec::new();
        let err = write_to(&mut out, SystemTime::now(), &events, None);
        assert!(matches!(err, Err(PcapError::NotConnected)));
    }

    fn connected() -> Stamped {
        Stamped {
            event: Event::TcpConnected {
                peer: "[::1]:6379".into(),
                local: "[::1]:50000".into(),
            },
            at_us: 10,
        }
    }

    #[test]
    fn handshake_and_close_alone_make_six_segments() {
        let closed = Stamped {
            event: Event::Closed {
                close_notify_sent: true,
            },
            at_us: 20,
        };
        let packets = rebuild(&[connected(), closed]).unwrap_or_default();
        assert_eq!(packets.len(), 6);
        // IPv6, 40-byte header and a 20-byte TCP header each.
        assert!(packets.iter().all(|(_, p)| p[0] >> 4 == 6 && p.len() == 60));
    }

    #[test]
    fn a_run_still_going_has_no_fin() {
        // The TUI's `w` before the run ended: the three-way handshake, no close.
        let packets = rebuild(&[connected()]).unwrap_or_default();
        assert_eq!(packets.len(), 3);
    }

    #[test]
    fn a_fresh_capture_never_replaces_a_file() {
        let dir = std::env::temp_dir().join(format!("tlsviz-pcap-fresh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let events = [connected()];
        let started = SystemTime::now();
        let first = write_fresh(&dir, "tlsviz-x", started, &events, None);
        let second = write_fresh(&dir, "tlsviz-x", started, &events, None);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(first.unwrap(), dir.join("tlsviz-x.pcapng"));
        assert_eq!(second.unwrap(), dir.join("tlsviz-x-2.pcapng"));
    }

    #[test]
    fn the_secrets_block_is_padded_to_32_bits() {
        let body = secrets_body(b"CLIENT_RANDOM ab cd\n");
        assert_eq!(body.len() % 4, 0);
        assert_eq!(&body[..4], &SECRETS_TLS_KEYLOG.to_le_bytes());
        assert_eq!(&body[4..8], &20u32.to_le_bytes());
    }
}
