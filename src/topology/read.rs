//! Reading what a seed or a sentinel announces: `CLUSTER SHARDS` (Redis 7+), `CLUSTER SLOTS`,
//! `CLUSTER NODES`, `CLUSTER INFO`, `SENTINEL GET-MASTER-ADDR-BY-NAME`, `SENTINEL REPLICAS`.
//! Every reply is read from the RESP structure the engine parsed; anything unexpected is
//! skipped, never trusted.

use crate::diagnose::topology::{AnnouncedAs, PeerState, Role};
use crate::engine::resp::Reply;

/// A node as the setup announces it to clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    /// The endpoint a client is sent to (IP or hostname).
    pub host: String,
    pub port: u16,
    pub announced_as: AnnouncedAs,
    /// `None` while the seed does not know it (a peer still in handshake).
    pub role: Option<Role>,
    /// `0-5460,7000`; empty for a replica or a node with none.
    pub slots: String,
    pub id: Option<String>,
    /// How the seed lists it: `CLUSTER SHARDS` `health` (`online`…), replaced by its
    /// `CLUSTER NODES` flags (`myself,master`, `handshake`, `fail?`…) when those were read;
    /// Sentinel's `flags` for a replica.
    pub state: Option<String>,
}

fn text(r: &Reply) -> Option<String> {
    match r {
        Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        Reply::Simple(s) | Reply::Other(s) => Some(s.clone()),
        Reply::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn int(r: &Reply) -> Option<i64> {
    match r {
        Reply::Integer(i) => Some(*i),
        other => text(other)?.trim().parse().ok(),
    }
}

fn items(r: &Reply) -> &[Reply] {
    match r {
        Reply::Array(Some(items)) => items,
        _ => &[],
    }
}

/// A map reply (RESP3 `%`, or RESP2's flat key-value array) as pairs.
fn pairs(r: &Reply) -> Vec<(String, &Reply)> {
    items(r)
        .chunks(2)
        .filter_map(|kv| match kv {
            [k, v] => Some((text(k)?, v)),
            _ => None,
        })
        .collect()
}

fn get<'a>(map: &[(String, &'a Reply)], key: &str) -> Option<&'a Reply> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

fn port(r: Option<&Reply>) -> Option<u16> {
    r.and_then(int)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
}

/// `?` (unknown endpoint) or empty means: the address the client already used.
fn endpoint(announced: Option<String>, seed_host: &str) -> String {
    match announced {
        Some(e) if !e.is_empty() && e != "?" => e,
        _ => seed_host.to_string(),
    }
}

fn ranges(bounds: &[i64]) -> String {
    bounds
        .chunks(2)
        .filter_map(|pair| match pair {
            [a, b] if a == b => Some(a.to_string()),
            [a, b] => Some(format!("{a}-{b}")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn role_of(word: &str) -> Option<Role> {
    match word {
        "master" | "primary" => Some(Role::Master),
        "replica" | "slave" => Some(Role::Replica),
        _ => None,
    }
}

/// `CLUSTER SHARDS`: every node of every shard, by its announced endpoint. `tls`: the client
/// uses TLS, so the node's `tls-port` is the one it dials.
pub fn shards(reply: &Reply, seed_host: &str, tls: bool) -> Vec<Announced> {
    let mut out = Vec::new();
    for shard in items(reply) {
        let shard = pairs(shard);
        let bounds: Vec<i64> = get(&shard, "slots")
            .map(items)
            .unwrap_or_default()
            .iter()
            .filter_map(int)
            .collect();
        for node in get(&shard, "nodes").map(items).unwrap_or_default() {
            let node = pairs(node);
            let tls_port = port(get(&node, "tls-port"));
            let plain_port = port(get(&node, "port"));
            let Some(port) = (if tls {
                tls_port.or(plain_port)
            } else {
                plain_port.or(tls_port)
            }) else {
                continue;
            };
            let host = endpoint(get(&node, "endpoint").and_then(text), seed_host);
            let role = get(&node, "role").and_then(text).and_then(|r| role_of(&r));
            out.push(Announced {
                announced_as: AnnouncedAs::of(&host),
                host,
                port,
                slots: if role == Some(Role::Master) {
                    ranges(&bounds)
                } else {
                    String::new()
                },
                role,
                id: get(&node, "id").and_then(text),
                state: get(&node, "health").and_then(text),
            });
        }
    }
    out
}

/// `CLUSTER SLOTS` (before Redis 7): `[start, end, master, replicas…]`, each node
/// `[endpoint, port, id, …]`; one entry per node, its ranges joined.
pub fn slots(reply: &Reply, seed_host: &str) -> Vec<Announced> {
    let mut out: Vec<Announced> = Vec::new();
    for range in items(reply) {
        let parts = items(range);
        let (Some(start), Some(end)) = (parts.first().and_then(int), parts.get(1).and_then(int))
        else {
            continue;
        };
        for (i, node) in parts.iter().skip(2).enumerate() {
            let fields = items(node);
            let Some(port) = port(fields.get(1)) else {
                continue;
            };
            let host = endpoint(fields.first().and_then(text), seed_host);
            let id = fields.get(2).and_then(text);
            let role = if i == 0 { Role::Master } else { Role::Replica };
            let range = ranges(&[start, end]);
            if let Some(known) = out.iter_mut().find(|a| a.host == host && a.port == port) {
                if role == Role::Master {
                    known.slots = [known.slots.as_str(), range.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(",");
                }
                continue;
            }
            out.push(Announced {
                announced_as: AnnouncedAs::of(&host),
                host,
                port,
                role: Some(role),
                slots: if role == Role::Master {
                    range
                } else {
                    String::new()
                },
                id,
                state: None,
            });
        }
    }
    out
}

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLine {
    pub id: String,
    pub ip: String,
    pub port: u16,
    pub bus_port: Option<u16>,
    pub hostname: Option<String>,
    pub flags: Vec<String>,
    pub connected: bool,
    pub slots: String,
}

impl NodeLine {
    pub fn address(&self) -> String {
        crate::engine::host_port(&self.ip, self.port)
    }

    pub fn role(&self) -> Option<Role> {
        self.flags.iter().find_map(|f| role_of(f))
    }

    /// In `handshake`, `fail` or `fail?` (pfail) state.
    pub fn troubled(&self) -> bool {
        self.flags
            .iter()
            .any(|f| matches!(f.as_str(), "handshake" | "fail" | "fail?" | "noaddr"))
    }

    pub fn peer_state(&self) -> PeerState {
        PeerState {
            address: self.address(),
            flags: self.flags.clone(),
        }
    }
}

/// `CLUSTER NODES`: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch>
/// <link> <slot>…`.
pub fn nodes_text(text: &str) -> Vec<NodeLine> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 8 {
            continue;
        }
        let (address, hostname) = match fields[1].split_once(',') {
            Some((a, h)) if !h.is_empty() => (a, Some(h.to_string())),
            Some((a, _)) => (a, None),
            None => (fields[1], None),
        };
        let (address, bus) = match address.split_once('@') {
            Some((a, b)) => (a, b.parse().ok()),
            None => (address, None),
        };
        let Some((ip, port)) = address.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        out.push(NodeLine {
            id: fields[0].to_string(),
            ip: ip.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            bus_port: bus,
            hostname,
            flags: fields[2].split(',').map(str::to_string).collect(),
            connected: fields[7] == "connected",
            slots: fields[8..]
                .iter()
                .filter(|s| !s.starts_with('['))
                .copied()
                .collect::<Vec<_>>()
                .join(","),
        });
    }
    out
}

/// `CLUSTER NODES` as the last resort for the node list (announced by IP, as it lists them).
pub fn from_nodes(lines: &[NodeLine]) -> Vec<Announced> {
    lines
        .iter()
        .filter(|l| l.port != 0)
        .map(|l| Announced {
            host: l.ip.clone(),
            port: l.port,
            announced_as: AnnouncedAs::of(&l.ip),
            role: l.role(),
            slots: l.slots.clone(),
            id: Some(l.id.clone()),
            state: Some(l.flags.join(",")),
        })
        .collect()
}

/// `CLUSTER INFO`'s `key:value` lines.
pub fn info_text(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The reply's text when it is a bulk string (`CLUSTER NODES`, `CLUSTER INFO`).
pub fn bulk_text(reply: &Reply) -> Option<String> {
    match reply {
        Reply::Bulk(Some(_)) | Reply::Other(_) => text(reply),
        _ => None,
    }
}

/// `SENTINEL GET-MASTER-ADDR-BY-NAME`: `[ip, port]`.
pub fn master_addr(reply: &Reply) -> Option<Announced> {
    let parts = items(reply);
    let host = parts.first().and_then(text)?;
    let port = port(parts.get(1))?;
    Some(Announced {
        announced_as: AnnouncedAs::of(&host),
        host,
        port,
        role: Some(Role::Master),
        slots: String::new(),
        id: None,
        state: None,
    })
}

/// `SENTINEL REPLICAS`: one map per replica with `ip`, `port`, `flags`.
pub fn sentinel_replicas(reply: &Reply) -> Vec<Announced> {
    items(reply)
        .iter()
        .filter_map(|r| {
            let map = pairs(r);
            let host = get(&map, "ip").and_then(text)?;
            let port = port(get(&map, "port"))?;
            Some(Announced {
                announced_as: AnnouncedAs::of(&host),
                host,
                port,
                role: Some(Role::Replica),
                slots: String::new(),
                id: get(&map, "runid").and_then(text),
                state: get(&map, "flags").and_then(text),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
