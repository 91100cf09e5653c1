//! Headless faces of a run: the plain trace and newline-delimited JSON. Both read the model;
//! neither touches the engine.

pub mod compare;
pub mod compare_out;
pub mod json;
pub mod keys;
pub mod metrics;
pub mod pcap;
pub mod plain;
pub mod record;
pub mod resume;
pub mod schema;
pub mod to_json;
pub mod words;

use crate::engine::events::Stamped;
use crate::model::Model;

/// A headless output: told about each event after the model has applied it, then the end.
pub trait Reporter {
    /// Before a scenario's trace: what it is and the server's configuration.
    fn preamble(&mut self, preamble: &record::Preamble) -> std::io::Result<()>;
    fn event(&mut self, model: &Model, event: &Stamped) -> std::io::Result<()>;
    fn finish(&mut self, model: &Model) -> std::io::Result<()>;
}
