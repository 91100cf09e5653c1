//! The wire's vocabulary as types: what a record carries and which protocol version a field
//! names. Both serialize to the exact strings the JSON contract and recordings have always
//! carried, so the types change nothing on the outside.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The content type in a record's header (RFC 8446 §5.1), plus `Plaintext` for a chunk of a
/// connection without TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    ChangeCipherSpec,
    Alert,
    Handshake,
    ApplicationData,
    Heartbeat,
    /// Bytes of a plaintext (non-TLS) connection: no record header at all.
    Plaintext,
    /// A header byte TLS does not define. The splitter refuses such records from the peer, so
    /// only bytes from elsewhere (a fuzzer, a test) end up here.
    Unknown,
}

impl ContentType {
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            24 => ContentType::Heartbeat,
            _ => ContentType::Unknown,
        }
    }

    /// The content type of a whole record (its first byte); `Unknown` for no bytes at all.
    pub fn of(record: &[u8]) -> Self {
        record
            .first()
            .map_or(ContentType::Unknown, |&b| Self::from_byte(b))
    }

    /// The name used in JSON and on screen.
    pub fn name(self) -> &'static str {
        match self {
            ContentType::ChangeCipherSpec => "change_cipher_spec",
            ContentType::Alert => "alert",
            ContentType::Handshake => "handshake",
            ContentType::ApplicationData => "application_data",
            ContentType::Heartbeat => "heartbeat",
            ContentType::Plaintext => "plaintext",
            ContentType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A protocol version as it appears on the wire (record headers, hellos, supported_versions).
/// Shown and serialized as "TLS 1.3", "TLS 1.2", …; a value no version has as "0x0a0a".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
    /// Anything else (GREASE, a draft, a broken peer), by its value.
    Other(u16),
}

impl TlsVersion {
    pub fn from_wire(value: u16) -> Self {
        match value {
            0x0300 => TlsVersion::Ssl3,
            0x0301 => TlsVersion::Tls10,
            0x0302 => TlsVersion::Tls11,
            0x0303 => TlsVersion::Tls12,
            0x0304 => TlsVersion::Tls13,
            other => TlsVersion::Other(other),
        }
    }

    pub fn wire(self) -> u16 {
        match self {
            TlsVersion::Ssl3 => 0x0300,
            TlsVersion::Tls10 => 0x0301,
            TlsVersion::Tls11 => 0x0302,
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
            TlsVersion::Other(value) => value,
        }
    }

    /// RFC 8701 GREASE values (0x?a?a): offered to keep peers honest, they name no version.
    pub fn is_grease(value: u16) -> bool {
        value & 0x0f0f == 0x0a0a
    }
}

impl From<rustls::ProtocolVersion> for TlsVersion {
    fn from(version: rustls::ProtocolVersion) -> Self {
        Self::from_wire(u16::from(version))
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsVersion::Ssl3 => f.write_str("SSL 3.0"),
            TlsVersion::Tls10 => f.write_str("TLS 1.0"),
            TlsVersion::Tls11 => f.write_str("TLS 1.1"),
            TlsVersion::Tls12 => f.write_str("TLS 1.2"),
            TlsVersion::Tls13 => f.write_str("TLS 1.3"),
            TlsVersion::Other(value) => write!(f, "0x{value:04x}"),
        }
    }
}

/// Versions as text, joined by `separator` ("TLS 1.3, TLS 1.2").
pub fn join(versions: &[TlsVersion], separator: &str) -> String {
    versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// A string that names no version (the inverse of `Display`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVersionName(pub String);

impl fmt::Display for UnknownVersionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a protocol version (\"TLS 1.3\", \"TLS 1.2\", … or \"0x0304\")",
            self.0
        )
    }
}

impl std::error::Error for UnknownVersionName {}

impl FromStr for TlsVersion {
    type Err = UnknownVersionName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "SSL 3.0" => TlsVersion::Ssl3,
            "TLS 1.0" => TlsVersion::Tls10,
            "TLS 1.1" => TlsVersion::Tls11,
            "TLS 1.2" => TlsVersion::Tls12,
            "TLS 1.3" => TlsVersion::Tls13,
            _ => {
                let value = s
                    .strip_prefix("0x")
                    .filter(|hex| hex.len() == 4)
                    .and_then(|hex| u16::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| UnknownVersionName(s.to_string()))?;
                TlsVersion::from_wire(value)
            }
        })
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// `Option<TlsVersion>` as a string, `None` being `""`: a plaintext chunk has no record header,
/// and the JSON has always given its version as an empty string.
pub mod version_or_empty {
    use super::TlsVersion;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        version: &Option<TlsVersion>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match version {
            Some(version) => serializer.collect_str(version),
            None => serializer.serialize_str(""),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<TlsVersion>, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.is_empty() {
            return Ok(None);
        }
        name.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_keep_their_json_names() {
        for byte in 0..=255u8 {
            let kind = ContentType::from_byte(byte);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(serde_json::from_str::<ContentType>(&json).unwrap(), kind);
        }
        assert_eq!(ContentType::from_byte(22).name(), "handshake");
        assert_eq!(ContentType::from_byte(23).name(), "application_data");
        assert_eq!(ContentType::from_byte(99).name(), "unknown");
        assert_eq!(
            serde_json::to_string(&ContentType::Plaintext).unwrap(),
            "\"plaintext\""
        );
        assert_eq!(ContentType::of(&[]), ContentType::Unknown);
    }

    #[test]
    fn versions_print_and_parse_as_before() {
        let cases = [
            (0x0300, "SSL 3.0"),
            (0x0301, "TLS 1.0"),
            (0x0302, "TLS 1.1"),
            (0x0303, "TLS 1.2"),
            (0x0304, "TLS 1.3"),
            (0x7f1c, "0x7f1c"),
            (0x0000, "0x0000"),
        ];
        for (value, name) in cases {
            let version = TlsVersion::from_wire(value);
            assert_eq!(version.to_string(), name);
            assert_eq!(version.wire(), value);
            assert_eq!(name.parse::<TlsVersion>(), Ok(version));
            let json = serde_json::to_string(&version).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<TlsVersion>(&json).unwrap(), version);
        }
        assert!("TLS 9".parse::<TlsVersion>().is_err());
        assert!("0x12345".parse::<TlsVersion>().is_err());
        assert_eq!(
            TlsVersion::from(rustls::ProtocolVersion::TLSv1_3),
            TlsVersion::Tls13
        );
        assert!(TlsVersion::is_grease(0x7a7a));
        assert!(!TlsVersion::is_grease(0x0304));
    }
}
