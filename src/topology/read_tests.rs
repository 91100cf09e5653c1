use super::*;
use crate::engine::resp::parse;

fn resp(bytes: &[u8]) -> Reply {
    parse(bytes).unwrap().unwrap().0
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

#[test]
fn reads_cluster_nodes_with_hostnames_and_handshake_peers() {
    let text = "da36 127.0.0.1:17002@27002,localhost master - 0 1 0 connected 5461-10922\n\
                9bcb 127.0.0.1:17001@27001,localhost myself,master - 0 0 1 connected 0-5460\n\
                77c8 127.0.0.1:17003@27003 handshake - 0 0 0 disconnected\n";
    let lines = nodes_text(text);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].hostname.as_deref(), Some("localhost"));
    assert_eq!(lines[0].bus_port, Some(27002));
    assert_eq!(lines[0].slots, "5461-10922");
    assert_eq!(lines[1].role(), Some(Role::Master));
    assert!(lines[2].troubled());
    assert_eq!(lines[2].role(), None);
    assert_eq!(from_nodes(&lines)[2].address_for_test(), "127.0.0.1:17003");
}

impl Announced {
    fn address_for_test(&self) -> String {
        crate::engine::host_port(&self.host, self.port)
    }
}

#[test]
fn reads_cluster_shards_by_endpoint_and_tls_port() {
    let node = |id: &str, port: u16, endpoint: &str, role: &str| {
        format!(
            "*12\r\n{}{}{}:{port}\r\n{}{}{}{}{}{}{}{}",
            bulk("id"),
            bulk(id),
            bulk("tls-port"),
            bulk("ip"),
            bulk("127.0.0.1"),
            bulk("endpoint"),
            bulk(endpoint),
            bulk("role"),
            bulk(role),
            bulk("health"),
            bulk("online")
        )
    };
    let shard = format!(
        "*4\r\n{}*4\r\n:0\r\n:100\r\n:200\r\n:200\r\n{}*2\r\n{}{}",
        bulk("slots"),
        bulk("nodes"),
        node("a", 7001, "localhost", "master"),
        node("b", 7002, "127.0.0.1", "replica")
    );
    let reply = resp(format!("*1\r\n{shard}").as_bytes());
    let nodes = shards(&reply, "seed", true);
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].host, "localhost");
    assert_eq!(nodes[0].announced_as, AnnouncedAs::Hostname);
    assert_eq!(nodes[0].slots, "0-100,200");
    assert_eq!(nodes[1].port, 7002);
    assert_eq!(nodes[1].role, Some(Role::Replica));
    assert_eq!(nodes[1].slots, "");
}

#[test]
fn reads_cluster_slots_and_sentinel_replies() {
    let node = |ip: &str, port: u16| format!("*3\r\n{}:{port}\r\n{}", bulk(ip), bulk("id"));
    let reply = resp(
        format!(
            "*2\r\n*4\r\n:0\r\n:10\r\n{}{}*3\r\n:11\r\n:20\r\n{}",
            node("10.0.0.1", 7000),
            node("10.0.0.2", 7001),
            node("10.0.0.1", 7000)
        )
        .as_bytes(),
    );
    let nodes = slots(&reply, "seed");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].slots, "0-10,11-20");
    assert_eq!(nodes[1].role, Some(Role::Replica));
    let master = master_addr(&resp(
        format!("*2\r\n{}{}", bulk("10.0.0.9"), bulk("6380")).as_bytes(),
    ));
    assert_eq!(master.map(|m| m.port), Some(6380));
    let replicas = resp(
        format!(
            "*1\r\n*6\r\n{}{}{}{}{}{}",
            bulk("ip"),
            bulk("10.0.0.8"),
            bulk("port"),
            bulk("6381"),
            bulk("flags"),
            bulk("slave")
        )
        .as_bytes(),
    );
    let r = sentinel_replicas(&replicas);
    assert_eq!(r[0].host, "10.0.0.8");
    assert_eq!(r[0].state.as_deref(), Some("slave"));
}

#[test]
fn garbage_is_skipped() {
    assert!(shards(&Reply::Simple("OK".into()), "h", true).is_empty());
    assert!(slots(&Reply::Integer(3), "h").is_empty());
    assert!(nodes_text("nonsense\n\n1 2 3").is_empty());
    assert_eq!(master_addr(&Reply::Array(None)), None);
}
