//! Recordings: a run's events as NDJSON, behind a header line, for `tlsviz replay`.
//! Events never carry secrets, so recordings do not either.

use crate::engine::events::Stamped;
use crate::errors::UsageError;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Write};
use std::path::Path;

pub const FORMAT: &str = "tlsviz-recording";
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preamble: Option<Preamble>,
}

/// What a scenario run shows before its trace: the scenario and the server's configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preamble {
    pub name: String,
    pub title: String,
    pub summary: String,
    pub lesson: String,
    pub redis_conf: Vec<String>,
    pub server: Option<String>,
}

/// A recording read back.
pub struct Recording {
    pub scenario: Option<String>,
    pub preamble: Option<Preamble>,
    pub events: Vec<Stamped>,
}

/// Check early that the file can be written, so a bad path fails before the run, not after.
/// Leaves nothing behind: a file made only to check is removed again.
pub fn check_writable(path: &Path) -> Result<(), UsageError> {
    check_writable_as("--record", path, "run.tlsviz")
}

/// `check_writable` for another flag that writes a file (`--pcap`), with an example name.
pub fn check_writable_as(flag: &str, path: &Path, example: &str) -> Result<(), UsageError> {
    let input = format!("{flag} {}", path.display());
    if path.is_dir() {
        return Err(UsageError::new(
            input,
            "is a folder",
            format!("give a file name, e.g. {flag} {example}"),
        ));
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| {
            UsageError::new(
                input,
                format!("cannot write: {e}"),
                "choose a path in a folder you can write to",
            )
        })?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

pub fn write(path: &Path, scenario: Option<&str>, events: &[Stamped]) -> std::io::Result<()> {
    write_with(path, scenario, None, events)
}

/// A recording that also keeps the scenario's preamble, so a replay shows it too.
pub fn write_with(
    path: &Path,
    scenario: Option<&str>,
    preamble: Option<&Preamble>,
    events: &[Stamped],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        scenario: scenario.map(str::to_string),
        preamble: preamble.cloned(),
    };
    serde_json::to_writer(&mut out, &header)?;
    out.write_all(b"\n")?;
    for e in events {
        serde_json::to_writer(&mut out, e)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

pub fn read(path: &Path) -> Result<(Option<String>, Vec<Stamped>), UsageError> {
    let r = read_recording(path)?;
    Ok((r.scenario, r.events))
}

pub fn read_recording(path: &Path) -> Result<Recording, UsageError> {
    let input = format!("replay {}", path.display());
    if path.is_dir() {
        return Err(UsageError::new(
            input,
            "is a folder",
            "give a file written by --record",
        ));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError::new(&input, format!("cannot open: {e}"), "check the path"))?;
    // One event is a few KiB; a run, a few hundred events. Bound both so that /dev/zero or a
    // huge unrelated file is refused instead of filling memory.
    const LINE_LIMIT: u64 = 1024 * 1024;
    const FILE_LIMIT: u64 = 256 * 1024 * 1024;
    let mut reader = std::io::BufReader::new(file.take(FILE_LIMIT));
    let mut lines = std::iter::from_fn(move || {
        let mut line = Vec::new();
        match (&mut reader).take(LINE_LIMIT).read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) if !line.ends_with(b"\n") && line.len() as u64 >= LINE_LIMIT => Some(Err(
                std::io::Error::new(std::io::ErrorKind::InvalidData, "a line longer than 1 MiB"),
            )),
            Ok(_) => Some(
                String::from_utf8(line)
                    .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
                    .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8")),
            ),
            Err(e) => Some(Err(e)),
        }
    });
    let not_recording = || {
        UsageError::new(
            &input,
            "not a tlsviz recording",
            "record one with --record FILE",
        )
    };
    let first = lines
        .next()
        .ok_or_else(not_recording)?
        .map_err(|_| not_recording())?;
    let header: Header = serde_json::from_str(&first).map_err(|_| not_recording())?;
    if header.format != FORMAT {
        return Err(not_recording());
    }
    if header.version != VERSION {
        return Err(UsageError::new(
            input,
            format!("recording version {} is not supported", header.version),
            "record it again with this tlsviz",
        ));
    }
    let mut events = Vec::new();
    for (n, line) in lines.enumerate() {
        let line =
            line.map_err(|e| UsageError::new(&input, e.to_string(), "the file is damaged"))?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line).map_err(|e| {
            UsageError::new(
                &input,
                format!("line {}: {e}", n + 2),
                "the recording is damaged or from another tool",
            )
        })?;
        events.push(event);
    }
    Ok(Recording {
        scenario: header.scenario,
        preamble: header.preamble,
        events,
    })
}
