//! With `--bytes`: what a record event carries besides its summary. The record's whole bytes
//! (header included, as they crossed the wire; a pcap writer can reuse them), every byte named
//! (`annotate`), and, for a record tlsviz opened with the session's keys, its plaintext named
//! the same way. Byte strings serialize as lower-case hex.

use super::annotate::Field;
use super::wire::ContentType;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordBytes {
    /// The whole record, header included.
    #[serde(with = "hex_bytes")]
    pub hex: Vec<u8>,
    /// Leaf fields tiling `hex` exactly, in order.
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrypted: Option<Decrypted>,
}

/// A record opened with the session's own keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decrypted {
    pub epoch: Epoch,
    /// The record's sequence number within its epoch and direction (from 0).
    pub seq: u64,
    /// The AEAD nonce: TLS 1.3 and TLS 1.2 ChaCha20-Poly1305, the IV XOR the sequence number;
    /// TLS 1.2 AES-GCM, the implicit salt followed by the record's explicit nonce.
    #[serde(with = "hex_bytes")]
    pub nonce: Vec<u8>,
    /// TLS 1.3: the whole TLSInnerPlaintext (content, real type byte, zero padding); TLS 1.2: the
    /// content. A password's bytes are replaced by `*` (0x2a), the same number of them.
    #[serde(rename = "plaintext_hex", with = "hex_bytes")]
    pub plaintext: Vec<u8>,
    /// The real content type (TLS 1.3: the inner type byte; TLS 1.2: the header's).
    pub inner_content_type: ContentType,
    /// Leaf fields tiling `plaintext` exactly.
    pub fields: Vec<Field>,
}

/// Which keys protected a record. TLS 1.2 has one set from ChangeCipherSpec on: `application`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epoch {
    /// TLS 1.3 handshake traffic keys.
    Handshake,
    /// Application traffic keys; `updated` counts KeyUpdates (RFC 8446's
    /// application_traffic_secret_N).
    Application { updated: u32 },
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Epoch::Handshake => f.write_str("handshake"),
            Epoch::Application { updated: 0 } => f.write_str("application"),
            Epoch::Application { updated } => write!(f, "application_{updated}"),
        }
    }
}

impl std::str::FromStr for Epoch {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "handshake" => Ok(Epoch::Handshake),
            "application" => Ok(Epoch::Application { updated: 0 }),
            _ => s
                .strip_prefix("application_")
                .and_then(|n| n.parse().ok())
                .map(|updated| Epoch::Application { updated })
                .ok_or_else(|| format!("{s:?} is not an epoch")),
        }
    }
}

impl Serialize for Epoch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Epoch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Bytes as a hex string.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::engine::records::hex(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::unhex(&text).ok_or_else(|| serde::de::Error::custom("not hex"))
    }
}

/// Hex (either case) back to bytes; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_and_bytes_round_trip() {
        for (epoch, text) in [
            (Epoch::Handshake, "handshake"),
            (Epoch::Application { updated: 0 }, "application"),
            (Epoch::Application { updated: 2 }, "application_2"),
        ] {
            assert_eq!(epoch.to_string(), text);
            assert_eq!(text.parse::<Epoch>(), Ok(epoch));
        }
        assert!("application_x".parse::<Epoch>().is_err());
        let bytes = RecordBytes {
            hex: vec![0x16, 0x03, 0xff],
            fields: Vec::new(),
            decrypted: None,
        };
        let json = serde_json::to_string(&bytes).unwrap();
        assert_eq!(json, r#"{"hex":"1603ff","fields":[]}"#);
        assert_eq!(serde_json::from_str::<RecordBytes>(&json).unwrap(), bytes);
        assert_eq!(unhex("0A0b"), Some(vec![10, 11]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
