//! The lesson's variable tracker: three variables and their exact words.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ConnectionState {
    #[default]
    #[serde(rename = "Disconnected")]
    Disconnected,
    /// After step 1: the TCP connection is up, no TLS yet (not one of the lesson's
    /// checkpoints, which go from Disconnected to Handshake started).
    #[serde(rename = "TCP connected")]
    TcpConnected,
    #[serde(rename = "Handshake started")]
    HandshakeStarted,
    #[serde(rename = "Certificate verified")]
    CertificateVerified,
    #[serde(rename = "Keys established")]
    KeysEstablished,
    #[serde(rename = "Encrypted and connected")]
    EncryptedAndConnected,
    /// Only on a connection without TLS: connected, and nothing is encrypted.
    #[serde(rename = "Connected (plaintext)")]
    ConnectedPlaintext,
    #[serde(rename = "Closed")]
    Closed,
    #[serde(rename = "Failed")]
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum EncryptionStatus {
    #[default]
    #[serde(rename = "None")]
    None,
    /// TLS 1.3 only: after the ServerHello the rest of the handshake is encrypted.
    #[serde(rename = "Handshake encrypted")]
    HandshakeEncrypted,
    #[serde(rename = "Established")]
    Established,
    #[serde(rename = "Active")]
    Active,
    #[serde(rename = "Off")]
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CertificateValidity {
    #[default]
    #[serde(rename = "Unknown")]
    Unknown,
    #[serde(rename = "Received")]
    Received,
    #[serde(rename = "Verified")]
    Verified,
    #[serde(rename = "Invalid")]
    Invalid,
}

impl ConnectionState {
    /// The lesson's words, as serde writes them (a test keeps the two equal).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Disconnected => "Disconnected",
            ConnectionState::TcpConnected => "TCP connected",
            ConnectionState::HandshakeStarted => "Handshake started",
            ConnectionState::CertificateVerified => "Certificate verified",
            ConnectionState::KeysEstablished => "Keys established",
            ConnectionState::EncryptedAndConnected => "Encrypted and connected",
            ConnectionState::ConnectedPlaintext => "Connected (plaintext)",
            ConnectionState::Closed => "Closed",
            ConnectionState::Failed => "Failed",
        }
    }
}

impl EncryptionStatus {
    /// The lesson's words, as serde writes them (a test keeps the two equal).
    pub fn as_str(self) -> &'static str {
        match self {
            EncryptionStatus::None => "None",
            EncryptionStatus::HandshakeEncrypted => "Handshake encrypted",
            EncryptionStatus::Established => "Established",
            EncryptionStatus::Active => "Active",
            EncryptionStatus::Off => "Off",
        }
    }
}

impl CertificateValidity {
    /// The lesson's words, as serde writes them (a test keeps the two equal).
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateValidity::Unknown => "Unknown",
            CertificateValidity::Received => "Received",
            CertificateValidity::Verified => "Verified",
            CertificateValidity::Invalid => "Invalid",
        }
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(ConnectionState, EncryptionStatus, CertificateValidity);

/// The three variables at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Tracker {
    pub connection_state: ConnectionState,
    pub encryption_status: EncryptionStatus,
    pub certificate_validity: CertificateValidity,
    /// Why the certificate is `Invalid`, or why it was not verified (`--insecure`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_note: Option<String>,
}

impl Tracker {
    /// The three values as the lesson's table writes them.
    pub fn triple(&self) -> (String, String, String) {
        (
            self.connection_state.to_string(),
            self.encryption_status.to_string(),
            self.certificate_validity.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_lessons() {
        assert_eq!(
            ConnectionState::EncryptedAndConnected.to_string(),
            "Encrypted and connected"
        );
        assert_eq!(
            EncryptionStatus::HandshakeEncrypted.to_string(),
            "Handshake encrypted"
        );
        assert_eq!(CertificateValidity::Verified.to_string(), "Verified");
        let json = serde_json::to_string(&Tracker::default()).unwrap();
        assert_eq!(
            json,
            r#"{"connection_state":"Disconnected","encryption_status":"None","certificate_validity":"Unknown"}"#
        );
    }

    fn serde_name(value: impl Serialize) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(name)) => name,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn as_str_is_the_serde_name_of_every_variant() {
        use CertificateValidity as V;
        use ConnectionState as C;
        use EncryptionStatus as E;
        // Every variant: `as_str`'s exhaustive match makes a new one impossible to forget
        // there; add it here too.
        for c in [
            C::Disconnected,
            C::TcpConnected,
            C::HandshakeStarted,
            C::CertificateVerified,
            C::KeysEstablished,
            C::EncryptedAndConnected,
            C::ConnectedPlaintext,
            C::Closed,
            C::Failed,
        ] {
            assert_eq!(c.as_str(), serde_name(c));
        }
        for e in [
            E::None,
            E::HandshakeEncrypted,
            E::Established,
            E::Active,
            E::Off,
        ] {
            assert_eq!(e.as_str(), serde_name(e));
        }
        for v in [V::Unknown, V::Received, V::Verified, V::Invalid] {
            assert_eq!(v.as_str(), serde_name(v));
        }
    }
}
