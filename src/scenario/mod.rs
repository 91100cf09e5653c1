//! Scenarios: data files that say how the lab's server is set up, what the client does, and
//! what must happen. Shipped ones are embedded; any file can be loaded with `--scenario PATH`.

mod check;
mod cluster;
mod shipped;

pub use check::{run as run_scenario, run_all, run_all_until, Checked};
pub use cluster::{start_cluster, ClusterSession};

use crate::errors::UsageError;
use crate::lab::{LabOptions, ServerChoice};
use crate::target::TargetSpec;
use serde::Deserialize;
use std::path::Path;

pub use shipped::SHIPPED;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub summary: String,
    /// What to notice, which step matters.
    pub lesson: String,
    /// The lab server's setup (`[server]`, `[server.certificate]`).
    #[serde(default)]
    pub server: LabOptions,
    #[serde(default)]
    pub client: ClientSpec,
    /// A lab of several servers (`[lab] cluster = true`) instead of `[server]`'s one.
    #[serde(default)]
    pub lab: LabSpec,
    pub expect: Expect,
}

/// `[lab]`: a 3-node TLS Redis Cluster (redis-server only), checked as `tlsviz cluster`
/// checks one, from its first node.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabSpec {
    pub cluster: bool,
    pub node_certificates: NodeCertificates,
}

/// What every node's certificate is like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeCertificates {
    /// serverAuth and clientAuth, naming `localhost` and `127.0.0.1`.
    #[default]
    Valid,
    /// Naming only `localhost`: nodes announced by IP fail a client that checks names.
    DnsOnly,
    /// serverAuth only: clients are fine, the cluster bus (nodes as TLS clients) is not.
    ServerAuthOnly,
}

/// Which CA the client trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    #[default]
    LabCa,
    OtherCa,
    System,
}

/// Which certificate the client presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientCertificate {
    #[default]
    Lab,
    None,
    OtherCa,
    /// Signed by the lab CA but without the clientAuth extended key usage.
    NoClientAuth,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientSpec {
    pub tls: bool,
    pub trust: Trust,
    pub certificate: ClientCertificate,
    /// The name connected to (and sent as SNI), default `localhost`.
    pub host: String,
    pub sni: Option<String>,
    pub tls_version: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub insecure: bool,
    pub command: Vec<String>,
    /// Seconds.
    pub timeout: f64,
    /// Connect twice, the second connection resuming the first one's session (`--resume`).
    pub resume: bool,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            tls: true,
            trust: Trust::LabCa,
            certificate: ClientCertificate::Lab,
            host: "localhost".into(),
            sni: None,
            tls_version: None,
            user: None,
            password: None,
            insecure: false,
            command: vec!["PING".into()],
            timeout: 5.0,
            resume: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectedOutcome {
    Ok,
    Failed,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    pub outcome: ExpectedOutcome,
    pub step: Option<crate::engine::step::Step>,
    pub kind: Option<crate::diagnose::ErrorKind>,
    /// With `client.resume`: whether the second connection resumes the first one's session.
    #[serde(default)]
    pub resumed: Option<bool>,
    /// With `[lab] cluster`: the topology summary's diagnosis kind.
    #[serde(default)]
    pub topology: Option<crate::diagnose::topology::TopologyKind>,
    /// With `[lab] cluster`: the kind every failing node shows.
    #[serde(default)]
    pub node_kind: Option<crate::diagnose::ErrorKind>,
}

impl Expect {
    pub fn describe(&self) -> String {
        if let Some(kind) = self.topology {
            let nodes = self
                .node_kind
                .map(|k| format!(", nodes {k}"))
                .unwrap_or_default();
            return format!("topology:{}{nodes}", kind.as_str());
        }
        match self.outcome {
            ExpectedOutcome::Ok if self.resumed == Some(true) => "ok, resumed".into(),
            ExpectedOutcome::Ok if self.resumed == Some(false) => "ok, not resumed".into(),
            ExpectedOutcome::Ok => "ok".into(),
            ExpectedOutcome::Failed => format!(
                "{}:{}",
                self.step
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "?".into()),
                self.kind.map(|k| k.to_string()).unwrap_or_default()
            ),
        }
    }
}

/// Parse a scenario; errors name the file, line, column and the field.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, UsageError> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((1, 1));
        let message = e.message().replace('\n', " ");
        UsageError::new(
            format!("{origin}:{line}:{col}"),
            message,
            "see scenarios/*.toml for the fields a scenario may have",
        )
    })?;
    validate(&scenario, origin, text)?;
    Ok(scenario)
}

fn validate(s: &Scenario, origin: &str, text: &str) -> Result<(), UsageError> {
    // Values that parse but make no sense: point at the line of their key where it is written.
    let bad = |field: &str, problem: &str, hint: &str| {
        let key = field.rsplit('.').next().unwrap_or(field);
        let at = text
            .lines()
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| format!(":{}:1", i + 1))
            .unwrap_or_default();
        Err(UsageError::new(
            format!("{origin}{at}: {field}"),
            problem,
            hint,
        ))
    };
    for (field, host) in [
        ("client.host", Some(&s.client.host)),
        ("client.sni", s.client.sni.as_ref()),
    ] {
        if let Some(host) = host {
            if let Err(e) = crate::target::check_host(host, field) {
                return bad(field, &e.problem, &e.hint);
            }
        }
    }
    if s.lab.cluster {
        return validate_cluster(s, bad);
    }
    if s.lab != LabSpec::default() {
        return bad(
            "lab.node-certificates",
            "only a cluster lab has node certificates",
            "add cluster = true under [lab], or remove the [lab] table",
        );
    }
    if s.expect.topology.is_some() || s.expect.node_kind.is_some() {
        return bad(
            "expect.topology",
            "only a cluster scenario has a topology to diagnose",
            "add cluster = true under [lab], or expect step and kind",
        );
    }
    if s.expect.outcome == ExpectedOutcome::Failed
        && (s.expect.step.is_none() || s.expect.kind.is_none())
    {
        return bad(
            "expect",
            "a failing scenario needs step and kind",
            "add step = N and kind = \"…\"",
        );
    }
    if let Some(v) = &s.client.tls_version {
        if v != "1.2" && v != "1.3" {
            return bad("client.tls-version", "use \"1.2\" or \"1.3\"", "");
        }
    }
    if !(s.client.timeout > 0.0 && s.client.timeout <= 3600.0) {
        return bad(
            "client.timeout",
            "seconds, more than 0 and at most 3600",
            "e.g. timeout = 1.0",
        );
    }
    if s.expect.resumed.is_some() && !s.client.resume {
        return bad(
            "expect.resumed",
            "only a client that resumes can be expected to",
            "add resume = true under [client]",
        );
    }
    if s.client.resume && !s.client.tls {
        return bad(
            "client.resume",
            "there is no TLS session to resume without TLS",
            "remove resume or set tls = true",
        );
    }
    if s.client.command.is_empty() {
        return bad(
            "client.command",
            "the command is empty",
            "e.g. command = [\"PING\"]",
        );
    }
    Ok(())
}

/// A cluster scenario: the nodes are set under `[lab]`, the client reaches them with the lab
/// CA and certificate (or none), and `expect` names a topology kind when it fails.
fn validate_cluster(
    s: &Scenario,
    bad: impl Fn(&str, &str, &str) -> Result<(), UsageError>,
) -> Result<(), UsageError> {
    if s.server != LabOptions::default() {
        return bad(
            "server",
            "a cluster scenario sets its nodes under [lab], not [server]",
            "remove the [server] table (node-certificates says what the nodes serve)",
        );
    }
    if !s.client.tls
        || s.client.resume
        || !matches!(s.client.trust, Trust::LabCa | Trust::System)
        || !matches!(
            s.client.certificate,
            ClientCertificate::Lab | ClientCertificate::None
        )
    {
        return bad(
            "client",
            "a cluster scenario's client uses TLS with the lab CA (or the system store) and the lab client certificate (or none), without resume",
            "remove the other [client] settings",
        );
    }
    if s.expect.step.is_some() || s.expect.kind.is_some() || s.expect.resumed.is_some() {
        return bad(
            "expect",
            "a cluster scenario expects a topology kind, not step and kind",
            "expect topology = \"…\" (and node-kind = \"…\")",
        );
    }
    if s.expect.outcome == ExpectedOutcome::Failed && s.expect.topology.is_none() {
        return bad(
            "expect",
            "a failing cluster scenario needs topology",
            "add topology = \"cluster_bus_tls\" (or another topology kind)",
        );
    }
    if s.expect.outcome == ExpectedOutcome::Ok
        && (s.expect.topology.is_some() || s.expect.node_kind.is_some())
    {
        return bad(
            "expect",
            "a cluster that is fine has no topology kind",
            "remove topology and node-kind, or expect outcome = \"failed\"",
        );
    }
    Ok(())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// A shipped scenario by name, or a file by path.
pub fn load(name_or_path: &str) -> Result<Scenario, UsageError> {
    if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name_or_path) {
        return parse(text, &format!("scenarios/{name_or_path}.toml"));
    }
    let path = Path::new(name_or_path);
    if name_or_path.ends_with(".toml") || path.components().count() > 1 {
        let bytes = crate::errors::read_limited(path, 1024 * 1024).map_err(|e| {
            UsageError::new(
                format!("scenario {name_or_path}"),
                format!("cannot read: {e}"),
                "check the path",
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            UsageError::new(
                format!("scenario {name_or_path}"),
                "not UTF-8 text",
                "a scenario is a TOML text file",
            )
        })?;
        return parse(&text, name_or_path);
    }
    let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
    let close = names
        .iter()
        .find(|n| n.contains(name_or_path) || name_or_path.contains(**n))
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    Err(UsageError::new(
        format!("scenario {name_or_path}"),
        "no such scenario",
        format!("{close}tlsviz scenarios lists them; give a file as a path (./NAME.toml)"),
    ))
}

/// Every shipped scenario, parsed (they are tested to parse).
pub fn all() -> Vec<Scenario> {
    SHIPPED
        .iter()
        .filter_map(|(name, text)| parse(text, name).ok())
        .collect()
}

impl Scenario {
    pub fn lab_options(&self, server: ServerChoice) -> LabOptions {
        LabOptions {
            server,
            ..self.server.clone()
        }
    }

    /// What this scenario's client connects to: `lab`, with the client's settings.
    pub fn target_spec(&self, lab: &crate::lab::Lab) -> TargetSpec {
        self.client.target_spec(lab)
    }
}

impl ClientSpec {
    /// What this client connects to against `lab`, as `connect` flags would say it (the default
    /// client is the lesson's: by name, trusting the lab CA, with the lab's client certificate).
    pub fn target_spec(&self, lab: &crate::lab::Lab) -> TargetSpec {
        let files = &lab.files;
        let c = self;
        let (cert, key) = match c.certificate {
            ClientCertificate::Lab => (
                Some(files.client_cert.clone()),
                Some(files.client_key.clone()),
            ),
            ClientCertificate::OtherCa => (
                Some(files.other_client_cert.clone()),
                Some(files.other_client_key.clone()),
            ),
            ClientCertificate::NoClientAuth => (
                Some(files.noauth_client_cert.clone()),
                Some(files.noauth_client_key.clone()),
            ),
            ClientCertificate::None => (None, None),
        };
        let cacert = match c.trust {
            Trust::LabCa => Some(files.ca_cert.clone()),
            Trust::OtherCa => Some(files.other_ca_cert.clone()),
            Trust::System => None,
        };
        TargetSpec {
            host: Some(c.host.clone()),
            port: Some(lab.port.to_string()),
            tls: c.tls,
            sni: c.sni.clone(),
            cacert: if c.tls { cacert } else { None },
            cert: if c.tls { cert } else { None },
            key: if c.tls { key } else { None },
            insecure: c.insecure,
            user: c.user.clone(),
            pass: c.password.clone(),
            tls_version: c.tls_version.clone(),
            timeout: Some(c.timeout.to_string()),
            command: c.command.clone(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests;
