//! `--pcap FILE [--pcap-secrets]` for `connect`, the lesson and `--scenario`: checked before the
//! run, the capture turned on, and the file written from the finished run's events.

use super::run::Face;
use crate::engine::hooks::MemoryKeyLog;
use crate::engine::Target;
use crate::errors::UsageError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// A capture to write once the run is over.
pub struct PcapOut {
    path: PathBuf,
    secrets: Option<Arc<MemoryKeyLog>>,
    started: SystemTime,
}

/// Checks `--pcap`'s file and the run it asks for, and turns capture on in `target` (with an
/// in-memory key log for `--pcap-secrets`). The TUI turns capture on itself, run by run (each
/// with its own key log: `ui::capture`), so for it only the checks are made here.
pub fn prepare(
    path: Option<&Path>,
    secrets: bool,
    target: &mut Target,
    face: Face,
) -> Result<Option<PcapOut>, UsageError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let input = format!("--pcap {}", path.display());
    crate::report::record::check_writable_as("--pcap", path, "capture.pcapng")?;
    let Some(tls) = &mut target.tls else {
        return Err(UsageError::new(
            input,
            "tlsviz keeps no bytes of a plaintext connection, so the capture would be empty",
            "capture a TLS connection (--tls or rediss://)",
        ));
    };
    if face == Face::Tui {
        return Ok(None);
    }
    let memory = secrets.then(|| Arc::new(MemoryKeyLog::default()));
    tls.keylog_memory = memory.clone();
    target.capture_bytes = true;
    Ok(Some(PcapOut {
        path: path.to_path_buf(),
        secrets: memory,
        started: SystemTime::now(),
    }))
}

impl PcapOut {
    /// Writes the capture; a failure is one line on stderr naming the flag.
    pub fn write(&self, events: &[crate::engine::events::Stamped]) {
        let keylog = self.secrets.as_ref().map(|m| m.contents());
        if let Err(e) = crate::report::pcap::write(
            &self.path,
            self.started,
            events,
            keylog.as_ref().map(|k| k.as_slice()),
        ) {
            let hint = match e {
                crate::report::pcap::PcapError::Io(_) => "check the path and the disk",
                _ => "nothing crossed the wire to capture",
            };
            tell!(
                "tlsviz: --pcap {}: not written: {e} (hint: {hint})",
                self.path.display()
            );
        }
    }
}
