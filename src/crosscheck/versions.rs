//! The second opinion's tool version, remembered between runs.
//!
//! Asking `redis-cli --version` costs a second child process on every run (about 2.7 ms of CPU,
//! a third of redis-cli's own handshake), on a machine where the verdict's child is already the
//! critical path. The answer only changes when the program file does, so it is kept in a small
//! file under the user's cache folder, keyed by the program's canonical path, size, modification
//! time and inode: a reinstalled or upgraded tool is a different key and is asked again.
//! Nothing else is kept; a cache that cannot be read or written is simply not used.

use crate::engine::opinion::Tool;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The file's name inside `$XDG_CACHE_HOME/tlsviz/` (or `~/.cache/tlsviz/`).
const FILE: &str = "tool-versions.tsv";
/// Lines kept at most: one per tool build seen; old ones go first.
const MAX_LINES: usize = 32;

/// Where the cache lives, or `None` when there is no home to keep it in.
/// `TLSVIZ_CACHE_DIR` overrides it (tests; an empty value turns the cache off).
pub(crate) fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TLSVIZ_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("tlsviz"))
}

/// What identifies one build of a program: `tool \t path \t size \t mtime_ns \t inode`.
fn key(tool: Tool, program: &Path) -> Option<String> {
    let path = std::fs::canonicalize(program).ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let path = path.to_str()?;
    // A tab or newline in the path would break the line format: such a path is not cached.
    if path.contains(['\t', '\n']) {
        return None;
    }
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    Some(format!(
        "{}\t{path}\t{}\t{}\t{inode}",
        tool.program(),
        meta.len(),
        mtime.as_nanos()
    ))
}

/// The version remembered for this build of the program, if any.
pub(crate) fn lookup(dir: Option<&Path>, tool: Tool, program: &Path) -> Option<String> {
    let key = key(tool, program)?;
    let text = std::fs::read_to_string(dir?.join(FILE)).ok()?;
    text.lines().find_map(|line| {
        let (line_key, version) = line.rsplit_once('\t')?;
        (line_key == key && !version.is_empty()).then(|| version.to_string())
    })
}

/// Remembers the version for this build of the program; failures are silent (the next run asks
/// the tool again). The file is replaced whole by a rename, so a reader never sees half of it.
pub(crate) fn store(dir: Option<&Path>, tool: Tool, program: &Path, version: &str) {
    let (Some(dir), Some(key)) = (dir, key(tool, program)) else {
        return;
    };
    if version.contains(['\t', '\n']) || version.is_empty() {
        return;
    }
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let path = dir.join(FILE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    // A path holds one build at a time: its older lines go.
    let program_of = |line: &str| -> Option<String> {
        let mut fields = line.split('\t');
        Some(format!("{}\t{}", fields.next()?, fields.next()?))
    };
    let this_program = program_of(&key);
    let mut lines: Vec<&str> = old
        .lines()
        .filter(|line| line.split('\t').count() == 6 && program_of(line) != this_program)
        .collect();
    let new_line = format!("{key}\t{version}");
    lines.push(&new_line);
    let keep_from = lines.len().saturating_sub(MAX_LINES);
    let mut text = lines[keep_from..].join("\n");
    text.push('\n');
    let partial = dir.join(format!("{FILE}.{}.partial", std::process::id()));
    let written = std::fs::File::create(&partial)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|()| std::fs::rename(&partial, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_tool(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    #[test]
    fn remembers_a_version_for_the_same_build_only() {
        let cache = tempfile::tempdir().unwrap();
        let bin = tempfile::tempdir().unwrap();
        let tool = fake_tool(bin.path(), "redis-cli", "one build");
        let dir = Some(cache.path());
        assert_eq!(lookup(dir, Tool::RedisCli, &tool), None);
        store(dir, Tool::RedisCli, &tool, "7.0.15");
        assert_eq!(
            lookup(dir, Tool::RedisCli, &tool).as_deref(),
            Some("7.0.15")
        );
        // The other tool at the same path is another key.
        assert_eq!(lookup(dir, Tool::Openssl, &tool), None);
        // A new build (other size): asked again, not the old answer.
        std::fs::write(&tool, "another, longer build").unwrap();
        assert_eq!(lookup(dir, Tool::RedisCli, &tool), None);
        store(dir, Tool::RedisCli, &tool, "7.2.4");
        assert_eq!(lookup(dir, Tool::RedisCli, &tool).as_deref(), Some("7.2.4"));
        // One line per build: the old one was replaced, not kept beside it.
        let text = std::fs::read_to_string(cache.path().join(FILE)).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        // Nothing but the cache file is left in the folder.
        let names: Vec<_> = std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE)]);
    }

    #[test]
    fn keeps_a_bounded_number_of_builds() {
        let cache = tempfile::tempdir().unwrap();
        let bin = tempfile::tempdir().unwrap();
        for i in 0..(MAX_LINES + 5) {
            let tool = fake_tool(bin.path(), &format!("tool{i}"), "x");
            store(
                Some(cache.path()),
                Tool::Openssl,
                &tool,
                &format!("OpenSSL {i}"),
            );
        }
        let text = std::fs::read_to_string(cache.path().join(FILE)).unwrap();
        assert_eq!(text.lines().count(), MAX_LINES);
        let newest = bin.path().join(format!("tool{}", MAX_LINES + 4));
        let expected = format!("OpenSSL {}", MAX_LINES + 4);
        assert_eq!(
            lookup(Some(cache.path()), Tool::Openssl, &newest).as_deref(),
            Some(expected.as_str())
        );
    }

    #[test]
    fn an_unusable_cache_is_not_used() {
        let bin = tempfile::tempdir().unwrap();
        let tool = fake_tool(bin.path(), "redis-cli", "x");
        // No folder: nothing remembered, nothing written, no error.
        store(None, Tool::RedisCli, &tool, "7.0.15");
        assert_eq!(lookup(None, Tool::RedisCli, &tool), None);
        // A folder that is a file: the write fails quietly.
        let not_a_dir = fake_tool(bin.path(), "file", "x");
        store(Some(&not_a_dir), Tool::RedisCli, &tool, "7.0.15");
        assert_eq!(lookup(Some(&not_a_dir), Tool::RedisCli, &tool), None);
        // A garbled cache file answers nothing.
        let cache = tempfile::tempdir().unwrap();
        std::fs::write(cache.path().join(FILE), "garbage\n\t\t\n").unwrap();
        assert_eq!(lookup(Some(cache.path()), Tool::RedisCli, &tool), None);
        // A program that does not exist has no key.
        let missing = bin.path().join("missing");
        store(Some(cache.path()), Tool::RedisCli, &missing, "1");
        assert_eq!(lookup(Some(cache.path()), Tool::RedisCli, &missing), None);
    }
}
