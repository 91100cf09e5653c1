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
