//! The crate's imports point one way: engine ← model/diagnose ← report ← target/runner ← lab/topology ←
//! scenario ← ui ← cli. This test reads every `crate::…` path in `src/` and fails on any that
//! points upwards, so a cycle cannot creep back in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module with its layer; a module may name modules of a lower layer, and of
/// its own layer only where listed in `SAME_LAYER_ALLOWED`.
const LAYERS: &[(&str, u8)] = &[
    ("errors", 0),
    ("signals", 0),
    ("engine", 1),
    ("model", 2),
    ("diagnose", 2),
    ("report", 3),
    ("crosscheck", 2),
    ("target", 4),
    ("runner", 4),
    ("lab", 5),
    ("topology", 5),
    ("scenario", 6),
    ("ui", 7),
    ("cli", 8),
];

/// Diagnosis is part of the reducer: the model asks for it, and it reads the model.
const SAME_LAYER_ALLOWED: &[(&str, &str)] = &[("model", "diagnose"), ("diagnose", "model")];

fn layer(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/engine/flow.rs` → `engine`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Every `crate::NAME` in the text (use lines and paths in code alike), comments ignored.
fn crate_references(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` groups: every name inside counts.
            if name.is_empty() && after.starts_with('{') {
                let group = after[1..].split('}').next().unwrap_or("");
                for item in group.split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !item.is_empty() {
                        found.push((n + 1, item));
                    }
                }
            } else if !name.is_empty() {
                found.push((n + 1, name));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn imports_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut unknown = BTreeMap::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else {
            continue;
        };
        if matches!(from.as_str(), "lib" | "main") {
            continue;
        }
        let Some(from_layer) = layer(&from) else {
            unknown.insert(from.clone(), file.display().to_string());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("source is readable");
        for (line, to) in crate_references(&text) {
            if to == from {
                continue;
            }
            let Some(to_layer) = layer(&to) else {
                unknown.insert(to.clone(), format!("{}:{line}", file.display()));
                continue;
            };
            let allowed =
                to_layer < from_layer || SAME_LAYER_ALLOWED.contains(&(from.as_str(), to.as_str()));
            if !allowed {
                violations.push(format!(
                    "{}:{line}: {from} (layer {from_layer}) names crate::{to} (layer {to_layer})",
                    file.strip_prefix(&src).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS (add them where they belong): {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "imports that point upwards:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_groups_and_paths() {
    let refs = crate_references(
        "use crate::{engine::step::Step, model};\nlet x = crate::cli::run(); // crate::ui",
    );
    let names: Vec<_> = refs.into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["engine", "model", "cli"]);
}
