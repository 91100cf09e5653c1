//! Which certificate of the chain the server sent has the property webpki refused: webpki says
//! what is wrong, never where. Pure: the chain as the verifier hook saw it, the problem class and
//! the clock.

use super::{CertRole, CertificateAtFault};
use crate::engine::events::{CertProblem, CertificateInfo};

/// webpki's minimum RSA modulus.
pub const RSA_MINIMUM_BITS: u32 = 2048;

/// What rustls reported, reduced to what locating the certificate needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clue {
    Expired { not_after: Option<i64> },
    NotYetValid { not_before: Option<i64> },
    Problem(CertProblem),
}

/// The property at fault, with the certificate's own evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Property {
    Expired {
        not_before: i64,
        not_after: i64,
    },
    NotYetValid {
        not_before: i64,
        not_after: i64,
    },
    WrongKeyUsage {
        required: String,
        presented: Vec<String>,
    },
    NotACa {
        basic_constraints_present: bool,
    },
    CaAsLeaf,
    NameConstraint {
        constraint: String,
        name: String,
        permitted: bool,
        ca: String,
    },
    UnsupportedCriticalExtension {
        extensions: Vec<String>,
    },
    WeakKey {
        algorithm: String,
        bits: u32,
        minimum: u32,
    },
    UnsupportedSignatureAlgorithm {
        algorithm: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub certificate: CertificateAtFault,
    pub property: Property,
}

/// The role of the certificate at `position` in the chain as sent.
pub fn role(chain: &[CertificateInfo], position: usize) -> CertRole {
    match chain.get(position) {
        _ if position == 0 => CertRole::Leaf,
        Some(c) if c.self_signed && position + 1 == chain.len() => CertRole::Root,
        _ => CertRole::Intermediate,
    }
}

fn at(chain: &[CertificateInfo], position: usize, property: Property) -> Option<Fault> {
    let cert = chain.get(position)?;
    Some(Fault {
        certificate: CertificateAtFault {
            role: role(chain, position),
            position: Some(position),
            subject: cert.subject.clone(),
        },
        property,
    })
}

/// Signature algorithms webpki (with ring) verifies.
fn signature_accepted(name: &str) -> bool {
    matches!(
        name,
        "ecdsa-with-SHA256"
            | "ecdsa-with-SHA384"
            | "sha256WithRSAEncryption"
            | "sha384WithRSAEncryption"
            | "sha512WithRSAEncryption"
            | "RSASSA-PSS"
            | "Ed25519"
    )
}

/// Does `name` (`DNS:a.b`, `IP:…`) fall under the subtree `constraint` (same form)?
fn under(name: &str, constraint: &str) -> bool {
    match (name.strip_prefix("DNS:"), constraint.strip_prefix("DNS:")) {
        (Some(n), Some(c)) => {
            let (n, c) = (n.to_ascii_lowercase(), c.to_ascii_lowercase());
            let c = c.trim_start_matches('.');
            c.is_empty() || n == c || n.ends_with(&format!(".{c}"))
        }
        _ => false,
    }
}

/// The first certificate, from the leaf up, with the property behind `clue`.
pub fn find_fault(chain: &[CertificateInfo], clue: &Clue, now: i64) -> Option<Fault> {
    let positions = 0..chain.len();
    // webpki never checks the signature of a sent root on itself.
    let signed = |i: usize| !(i > 0 && i + 1 == chain.len() && chain[i].self_signed);
    match clue {
        Clue::Expired { not_after } => positions
            .clone()
            .find(|&i| Some(chain[i].not_after_unix) == *not_after)
            .or_else(|| positions.clone().find(|&i| chain[i].not_after_unix < now))
            .and_then(|i| {
                let c = &chain[i];
                at(
                    chain,
                    i,
                    Property::Expired {
                        not_before: c.not_before_unix,
                        not_after: c.not_after_unix,
                    },
                )
            }),
        Clue::NotYetValid { not_before } => positions
            .clone()
            .find(|&i| Some(chain[i].not_before_unix) == *not_before)
            .or_else(|| positions.clone().find(|&i| chain[i].not_before_unix > now))
            .and_then(|i| {
                let c = &chain[i];
                at(
                    chain,
                    i,
                    Property::NotYetValid {
                        not_before: c.not_before_unix,
                        not_after: c.not_after_unix,
                    },
                )
            }),
        Clue::Problem(problem) => problem_fault(chain, problem, signed),
    }
}

fn problem_fault(
    chain: &[CertificateInfo],
    problem: &CertProblem,
    signed: impl Fn(usize) -> bool,
) -> Option<Fault> {
    let mut positions = 0..chain.len();
    match problem {
        CertProblem::WrongKeyUsage { required, .. } => {
            let required = if required.is_empty() {
                "serverAuth"
            } else {
                required.as_str()
            };
            let i = positions.find(|&i| {
                let c = &chain[i];
                c.eku_present
                    && !c
                        .extended_key_usage
                        .iter()
                        .any(|u| u == required || u == "anyExtendedKeyUsage")
            })?;
            at(
                chain,
                i,
                Property::WrongKeyUsage {
                    required: required.to_string(),
                    presented: chain[i].extended_key_usage.clone(),
                },
            )
        }
        CertProblem::NotACa => {
            let i = positions.find(|&i| i > 0 && !chain[i].is_ca)?;
            at(
                chain,
                i,
                Property::NotACa {
                    basic_constraints_present: chain[i].basic_constraints_present,
                },
            )
        }
        CertProblem::CaUsedAsEndEntity => chain
            .first()
            .filter(|c| c.is_ca)
            .and_then(|_| at(chain, 0, Property::CaAsLeaf)),
        CertProblem::NameConstraint => name_constraint(chain),
        CertProblem::UnsupportedCriticalExtension => {
            let i = positions.find(|&i| !chain[i].unknown_critical_extensions.is_empty())?;
            at(
                chain,
                i,
                Property::UnsupportedCriticalExtension {
                    extensions: chain[i].unknown_critical_extensions.clone(),
                },
            )
        }
        CertProblem::BadSignature => {
            let i = positions.find(|&i| {
                chain[i].key_algorithm == "RSA"
                    && chain[i].key_bits > 0
                    && chain[i].key_bits < RSA_MINIMUM_BITS
            })?;
            at(
                chain,
                i,
                Property::WeakKey {
                    algorithm: "RSA".into(),
                    bits: chain[i].key_bits,
                    minimum: RSA_MINIMUM_BITS,
                },
            )
        }
        CertProblem::UnsupportedSignatureAlgorithm { .. } => {
            let i = positions
                .find(|&i| signed(i) && !signature_accepted(&chain[i].signature_algorithm))?;
            at(
                chain,
                i,
                Property::UnsupportedSignatureAlgorithm {
                    algorithm: chain[i].signature_algorithm.clone(),
                },
            )
        }
        CertProblem::BadEncoding
        | CertProblem::PathTooLong
        | CertProblem::Revoked
        | CertProblem::Other => None,
    }
}

/// The leaf's name that a CA above it excludes (or does not permit).
fn name_constraint(chain: &[CertificateInfo]) -> Option<Fault> {
    let leaf = chain.first()?;
    let names: Vec<String> = if leaf.san.is_empty() {
        leaf.common_name
            .iter()
            .map(|cn| format!("DNS:{cn}"))
            .collect()
    } else {
        leaf.san.clone()
    };
    for ca in chain.iter().skip(1) {
        for name in &names {
            if let Some(c) = ca.excluded_names.iter().find(|c| under(name, c)) {
                return at(
                    chain,
                    0,
                    Property::NameConstraint {
                        constraint: c.clone(),
                        name: name.clone(),
                        permitted: false,
                        ca: ca.subject.clone(),
                    },
                );
            }
            let dns_permitted: Vec<&String> = ca
                .permitted_names
                .iter()
                .filter(|c| c.starts_with("DNS:"))
                .collect();
            if name.starts_with("DNS:")
                && !dns_permitted.is_empty()
                && !dns_permitted.iter().any(|c| under(name, c))
            {
                return at(
                    chain,
                    0,
                    Property::NameConstraint {
                        constraint: dns_permitted
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        name: name.clone(),
                        permitted: true,
                        ca: ca.subject.clone(),
                    },
                );
            }
        }
    }
    None
}
