//! The command line, as clap sees it. Flags of `connect` mirror redis-cli's.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "tlsviz",
    version,
    about = "Drive a real TLS handshake against Redis step by step and see what happens.",
    long_about = "Drive a real TLS handshake against Redis step by step and see every message, \
                  the connection state, the encryption status and the certificate's validity.\n\n\
                  With no command, runs the default lesson against a local lab Redis."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub lesson: LessonArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Connect to a Redis server with redis-cli's flags and walk the nine steps.
    #[command(disable_help_flag = true)]
    Connect(Box<ConnectArgs>),
    /// Connect twice, with TLS 1.2 then TLS 1.3, and show the two side by side, step by step
    /// (the lab when no server is named; connect's flags otherwise).
    #[command(disable_help_flag = true)]
    Compare(Box<ConnectArgs>),
    /// Check a Redis Cluster: the seed, then every node by the endpoint the cluster announces.
    #[command(disable_help_flag = true)]
    Cluster(Box<ConnectArgs>),
    /// Check a Sentinel setup: the sentinel, then the master and replicas it announces.
    #[command(disable_help_flag = true)]
    Sentinel(Box<SentinelArgs>),
    /// Start a local TLS Redis (certificates made on the spot) and wait until Ctrl-C.
    Lab(LabArgs),
    /// List the shipped scenarios.
    Scenarios,
    /// Run scenarios headless against the lab and compare with what they expect.
    Check(CheckArgs),
    /// Play a recording back with no network.
    Replay(ReplayArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// A readable step-by-step trace instead of the TUI.
    #[arg(long, conflicts_with = "json", global = true)]
    pub plain: bool,
    /// Newline-delimited JSON on stdout (see README for the contract).
    #[arg(long, global = true)]
    pub json: bool,
    /// Save the run's events (no secrets) to FILE for `tlsviz replay`.
    #[arg(long, value_name = "FILE", global = true)]
    pub record: Option<PathBuf>,
    /// TUI colours.
    #[arg(long, value_enum, default_value = "dark", global = true)]
    pub theme: Theme,
    /// Show this connection's secrets: the ephemeral private key and the whole key schedule,
    /// recomputed and checked (connect, the lesson, --scenario). Never recorded.
    #[arg(long = "show-secrets", global = true)]
    pub show_secrets: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

#[derive(Args, Debug, Clone, Default)]
pub struct LessonArgs {
    /// Run a scenario (a shipped name, or a path to a .toml file) instead of the default lesson.
    #[arg(long, value_name = "NAME|FILE")]
    pub scenario: Option<String>,
    /// Which server the lab runs.
    #[arg(long, value_enum, default_value = "auto")]
    pub server: ServerArg,
    /// Keep every record's bytes, name each byte, and show what tlsviz opens (JSON: `hex`,
    /// `fields`, `decrypted`).
    #[arg(long)]
    pub bytes: bool,
    /// Write the connection's bytes to FILE as a pcapng capture (TCP rebuilt around them).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// With --pcap: put the session's TLS secrets in the capture so Wireshark decrypts it.
    #[arg(long = "pcap-secrets", requires = "pcap")]
    pub pcap_secrets: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ServerArg {
    #[default]
    Auto,
    Redis,
    Builtin,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// Server hostname.
    #[arg(short = 'h', value_name = "HOST")]
    pub host: Option<String>,
    /// Server port.
    #[arg(short = 'p', value_name = "PORT")]
    pub port: Option<String>,
    /// Server URI: redis://[user[:pass]@]host[:port] or rediss:// for TLS.
    #[arg(short = 'u', value_name = "URI")]
    pub uri: Option<String>,
    /// Database number to SELECT after AUTH.
    #[arg(short = 'n', value_name = "DB")]
    pub db: Option<String>,
    /// Establish a secure TLS connection.
    #[arg(long)]
    pub tls: bool,
    /// Server name indication, and the name checked against the certificate.
    #[arg(long, value_name = "HOST")]
    pub sni: Option<String>,
    /// CA certificate file to verify with (default: the system's trust store).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Folder of trusted CA certificates.
    #[arg(long, value_name = "DIR")]
    pub cacertdir: Option<PathBuf>,
    /// Client certificate to authenticate with.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// Private key file for the client certificate.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Skip certificate verification (loudly). Never in production.
    #[arg(long)]
    pub insecure: bool,
    /// ACL user name to AUTH as.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Password to AUTH with (or set REDISCLI_AUTH, as with redis-cli).
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD")]
    pub pass: Option<String>,
    /// Offer only this TLS version.
    #[arg(long = "tls-version", value_name = "1.2|1.3")]
    pub tls_version: Option<String>,
    /// Seconds to wait for the connect and for each answer from the server.
    #[arg(long, value_name = "SECS", default_value = "5")]
    pub timeout: String,
    /// Append TLS secrets to FILE (NSS key log format, for Wireshark). SSLKEYLOGFILE works too.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Keep every record's bytes, name each byte, and show what tlsviz opens (JSON: `hex`,
    /// `fields`, `decrypted`).
    #[arg(long)]
    pub bytes: bool,
    /// Write the connection's bytes to FILE as a pcapng capture (TCP rebuilt around them).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// With --pcap: put the session's TLS secrets in the capture so Wireshark decrypts it.
    #[arg(long = "pcap-secrets", requires = "pcap")]
    pub pcap_secrets: bool,
    /// Do not ask the machine's redis-cli (or openssl) for a second opinion.
    #[arg(long = "no-cross-check")]
    pub no_cross_check: bool,
    /// Connect N times in one process (soak test); prints one summary line per 100.
    #[arg(long, value_name = "N")]
    pub repeat: Option<u32>,
    /// Connect twice: the second connection resumes the first one's TLS session (a TLS 1.3
    /// PSK from a NewSessionTicket, or a TLS 1.2 session ticket or id).
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// The command to send at step 8 (default: PING).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct SentinelArgs {
    /// The master's name, as in the sentinel's `sentinel monitor NAME …`.
    #[arg(long, value_name = "NAME")]
    pub master: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Args, Debug, Clone)]
pub struct LabArgs {
    /// Which server to run.
    #[arg(long, value_enum, default_value = "auto")]
    pub server: ServerArg,
    /// Listen on this address instead of 127.0.0.1 (for a classroom; reachable by others).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Configure the lab as this scenario does.
    #[arg(long, value_name = "NAME|FILE")]
    pub scenario: Option<String>,
    /// Start a 3-node TLS Redis Cluster instead of one server.
    #[arg(long, conflicts_with_all = ["scenario", "bind"])]
    pub cluster: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Scenario names (default: all).
    pub names: Vec<String>,
    /// Run every shipped scenario.
    #[arg(long)]
    pub all: bool,
    /// Which server the lab runs.
    #[arg(long, value_enum, default_value = "auto")]
    pub server: ServerArg,
}

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A file written by --record.
    pub file: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl ConnectArgs {
    /// The plain spec of what to connect to, as the user typed it.
    pub fn spec(&self) -> crate::target::TargetSpec {
        crate::target::TargetSpec {
            host: self.host.clone(),
            port: self.port.clone(),
            uri: self.uri.clone(),
            db: self.db.clone(),
            tls: self.tls,
            sni: self.sni.clone(),
            cacert: self.cacert.clone(),
            cacertdir: self.cacertdir.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            insecure: self.insecure,
            user: self.user.clone(),
            pass: self.pass.clone(),
            tls_version: self.tls_version.clone(),
            timeout: Some(self.timeout.clone()),
            keylog: self.keylog.clone(),
            bytes: self.bytes,
            command: self.command.clone(),
        }
    }
}
