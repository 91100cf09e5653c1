//! The nine steps of the lesson as a type. Events, failures, rows, diagnoses, expectations and
//! pacing all speak it; JSON and scenario files carry it as the plain numbers 1–9.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One step of the lesson's execution table, in the order the lesson gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// TCP connect.
    Connect = 1,
    /// ClientHello out, ServerHello in.
    Handshake = 2,
    /// The server's certificate chain arrives.
    ServerCertificate = 3,
    /// The client verifies the chain.
    Verify = 4,
    /// The client's own certificate, if the server asked.
    ClientCertificate = 5,
    /// Keys exchanged (ClientKeyExchange under TLS 1.2; application keys under TLS 1.3).
    KeyExchange = 6,
    /// Finished both ways: the encrypted channel is established.
    Encrypted = 7,
    /// Redis commands and replies.
    Data = 8,
    /// close_notify.
    Close = 9,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Connect,
        Step::Handshake,
        Step::ServerCertificate,
        Step::Verify,
        Step::ClientCertificate,
        Step::KeyExchange,
        Step::Encrypted,
        Step::Data,
        Step::Close,
    ];
    pub const FIRST: Step = Step::Connect;
    pub const LAST: Step = Step::Close;

    /// The step's number in the lesson's table, 1–9.
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// 0–8, for indexing per-step tables.
    pub const fn index(self) -> usize {
        self as usize - 1
    }

    pub fn from_number(n: u8) -> Option<Step> {
        Step::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    pub fn next(self) -> Option<Step> {
        Step::from_number(self.number() + 1)
    }

    pub fn previous(self) -> Option<Step> {
        Step::from_number(self.number() - 1)
    }
}

impl std::fmt::Display for Step {
    /// The plain number, honouring width and alignment (`{:<2}` in tables).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.number(), f)
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(deserializer)?;
        Step::from_number(n).ok_or_else(|| {
            serde::de::Error::custom(format!("step {n} does not exist (steps are 1 to 9)"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_order_follows_the_lesson() {
        for (i, step) in Step::ALL.iter().enumerate() {
            assert_eq!(step.index(), i);
            assert_eq!(Step::from_number(step.number()), Some(*step));
        }
        assert_eq!(Step::from_number(0), None);
        assert_eq!(Step::from_number(10), None);
        assert!(Step::Verify < Step::ClientCertificate);
        assert_eq!(Step::Close.next(), None);
        assert_eq!(Step::Connect.previous(), None);
        assert_eq!(Step::Verify.next(), Some(Step::ClientCertificate));
        assert_eq!(
            format!("[{:<2}|{:>2}]", Step::Verify, Step::Close),
            "[4 | 9]"
        );
    }

    #[test]
    fn serialized_as_the_plain_number() {
        assert_eq!(serde_json::to_string(&Step::Verify).unwrap(), "4");
        assert_eq!(format!("[{:<2}]", Step::Verify), "[4 ]");
        assert_eq!(serde_json::from_str::<Step>("9").unwrap(), Step::Close);
        let err = serde_json::from_str::<Step>("12").unwrap_err().to_string();
        assert!(err.contains("steps are 1 to 9"), "{err}");
    }
}
