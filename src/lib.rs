//! tlsviz: drive a real TLS handshake against Redis step by step and show what happens.
//!
//! Data flows one way: [`engine`] → events → [`model`] → views ([`report`], [`ui`]).

pub mod cli;
pub mod crosscheck;
pub mod diagnose;
pub mod engine;
pub mod errors;
pub mod lab;
pub mod model;
pub mod report;
pub mod scenario;
pub mod ui;
