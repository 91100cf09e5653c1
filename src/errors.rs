//! Errors in what the user gave us (flags, files, scenario files): exit code 2, one line each.

/// A problem with one input, with a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// The input at fault, as the user wrote it (`--cacert ./ca.pem`).
    pub input: String,
    pub problem: String,
    pub hint: String,
}

impl UsageError {
    pub fn new(
        input: impl Into<String>,
        problem: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            input: input.into(),
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line, whatever the parts contain.
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        write!(f, "{}: {}", one_line(&self.input), one_line(&self.problem))?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", one_line(&self.hint))?;
        }
        Ok(())
    }
}

impl std::error::Error for UsageError {}

/// Read a file the user named, refusing more than `limit` bytes (so `/dev/zero` or a wrong,
/// huge file is an error, not an ever-growing read). Pipes such as `<(cat ca.pem)` work.
pub fn read_limited(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {} MiB", limit / (1024 * 1024)),
        ));
    }
    Ok(bytes)
}
