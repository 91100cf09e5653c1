//! rustls errors in the stable, serializable form that diagnosis reads.

use super::events::TlsErrorDetail;

pub fn alert_name(code: u8) -> String {
    format!("{:?}", rustls::AlertDescription::from(code))
}

/// The stable part of a rustls error, for diagnosis.
pub fn tls_detail(error: &rustls::Error) -> TlsErrorDetail {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::AlertReceived(desc) => TlsErrorDetail::AlertReceived {
            description: format!("{desc:?}"),
            code: u8::from(*desc),
        },
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::Expired => TlsErrorDetail::CertificateExpired {
                now: None,
                not_after: None,
            },
            C::ExpiredContext { time, not_after } => TlsErrorDetail::CertificateExpired {
                now: Some(time.as_secs() as i64),
                not_after: Some(not_after.as_secs() as i64),
            },
            C::NotValidYet => TlsErrorDetail::CertificateNotValidYet {
                now: None,
                not_before: None,
            },
            C::NotValidYetContext { time, not_before } => TlsErrorDetail::CertificateNotValidYet {
                now: Some(time.as_secs() as i64),
                not_before: Some(not_before.as_secs() as i64),
            },
            C::UnknownIssuer => TlsErrorDetail::UnknownIssuer,
            C::NotValidForName => TlsErrorDetail::NotValidForName {
                expected: None,
                presented: Vec::new(),
            },
            C::NotValidForNameContext {
                expected,
                presented,
            } => TlsErrorDetail::NotValidForName {
                expected: Some(expected.to_str().into_owned()),
                presented: presented.clone(),
            },
            other => TlsErrorDetail::BadCertificate {
                reason: format!("{other:?}"),
            },
        },
        rustls::Error::PeerIncompatible(p) => TlsErrorDetail::PeerIncompatible {
            reason: format!("{p:?}"),
        },
        rustls::Error::PeerMisbehaved(p) => TlsErrorDetail::PeerMisbehaved {
            reason: format!("{p:?}"),
        },
        _ => TlsErrorDetail::Other,
    }
}
