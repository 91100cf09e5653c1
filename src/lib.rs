//! tlsviz: drive a real TLS handshake against Redis step by step and show what happens.
//!
//! Data flows one way: [`engine`] → events → [`model`] → views ([`report`], [`ui`]).
//! Imports point one way too (a test in `tests/layering.rs` keeps it so):
//!
//! ```text
//! engine, errors, signals       the socket, rustls, typed events; user-input errors; signals
//!   ← model ⇄ diagnose          pure reducer: step table, tracker, diagnosis
//!   ← report                    public outputs: plain, JSON (its own types), recordings
//!   ← target, runner            what to connect to (files loaded); the one run-and-fold loop
//!   ← lab, topology             local servers; a whole Cluster or Sentinel setup, node by node
//!   ← scenario ← ui             scenario files; the TUI
//!   ← cli                       clap and dispatch (nothing imports it)
//! ```

pub mod cli;
pub mod crosscheck;
pub mod diagnose;
pub mod engine;
pub mod errors;
pub mod lab;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod signals;
pub mod target;
pub mod topology;
pub mod ui;
