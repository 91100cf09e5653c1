//! The lesson's variable tracker: three variables and their exact words.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ConnectionState {
    #[default]
    #[serde(rename = "Disconnected")]
    Disconnected,
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

macro_rules! display_as_serde_name {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // The serde names are the lesson's words: one source for TUI, JSON and tests.
                let word = serde_json::to_value(self)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                f.write_str(&word)
            }
        }
    )*};
}
display_as_serde_name!(ConnectionState, EncryptionStatus, CertificateValidity);

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
}
