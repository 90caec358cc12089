//! The house rules, checked on the source tree: no production source file over 700 lines, each
//! opening with a `//!` line saying what it owns, no circle between the modules of a crate, no
//! crate that dev-depends on a crate depending on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every crate's `src` folder (the workspace's members).
fn source_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs = Vec::new();
    let crates = root().join("crates");
    for entry in std::fs::read_dir(&crates).expect("crates/") {
        let path = entry.expect("entry").path();
        if path.join("src").is_dir() {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            dirs.push((name, path.join("src")));
        }
    }
    dirs.push(("src-tauri".into(), root().join("src-tauri/src")));
    dirs.sort();
    dirs
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The production part of a source file: a file of tests is none of it; otherwise what comes
/// before its test module (`#[cfg(test)]` then `mod …`).
fn production(path: &Path, text: &str) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    if name.ends_with("tests.rs") {
        return None;
    }
    let mut kept = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        kept.push(line);
    }
    Some(kept.join("\n"))
}

/// A file's module path inside its crate: `lib.rs`/`main.rs` → [], `a.rs` and `a/mod.rs` →
/// [a], `a/b.rs` → [a, b].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("inside src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_owned());
    }
    parts
}

/// The identifier at the start of `text`, if any.
fn ident(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

/// Every path written after `crate::` or `super::` in `text` (groups `{a, b::c}` expanded),
/// resolved against `module`, as module-path-like segments.
fn references(text: &str, module: &[String]) -> Vec<Vec<String>> {
    fn parse(mut rest: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
        let start = rest.len();
        let mut path = prefix;
        loop {
            if let Some(group) = rest.strip_prefix('{') {
                rest = group;
                loop {
                    rest = rest.trim_start();
                    if let Some(after) = rest.strip_prefix('}') {
                        rest = after;
                        break;
                    }
                    let used = parse(rest, path.clone(), out);
                    rest = rest[used..].trim_start();
                    if let Some(after) = rest.strip_prefix(',') {
                        rest = after;
                    } else if let Some(after) = rest.strip_prefix('}') {
                        rest = after;
                        break;
                    } else {
                        break;
                    }
                }
                return start - rest.len();
            }
            let Some(name) = ident(rest) else { break };
            path.push(name.to_owned());
            rest = &rest[name.len()..];
            match rest.strip_prefix("::") {
                Some(after) => rest = after,
                None => break,
            }
        }
        // Skip an `as alias`.
        out.push(path);
        start - rest.len()
    }
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        parse(&text[at + "crate::".len()..], Vec::new(), &mut out);
    }
    for (at, _) in text.match_indices("super::") {
        let before = text[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut rest = &text[at..];
        let mut base = module.to_vec();
        while let Some(after) = rest.strip_prefix("super::") {
            base.pop();
            rest = after;
        }
        parse(rest, base, &mut out);
    }
    out
}

/// The circles between sibling modules of one crate: each as the modules in order, with one
/// reference that makes each step.
fn circles(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut texts = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source");
        if let Some(code) = production(file, &text) {
            texts.push((module_of(src, file), file.clone(), code));
        }
    }
    let modules: BTreeSet<Vec<String>> = texts.iter().map(|(m, _, _)| m.clone()).collect();
    let longest = |path: &[String]| -> Vec<String> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))
            .unwrap_or_default()
    };
    // What each module re-exports (`pub use child::Name`): (module, name) → where it lives, so
    // that `crate::Name` counts as a use of the module that defines it, not of the root.
    let mut exports: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for (module, _, code) in &texts {
        for statement in ["pub use ", "pub(crate) use ", "pub(super) use "] {
            for (at, _) in code.match_indices(statement) {
                let rest = &code[at + statement.len()..];
                let rest = rest.strip_prefix("self::").unwrap_or(rest);
                let end = rest.find(';').unwrap_or(rest.len());
                let statement = &rest[..end];
                let resolved: Vec<Vec<String>> =
                    if statement.starts_with("crate::") || statement.starts_with("super::") {
                        references(statement, module)
                    } else {
                        references(&format!("crate::{statement}"), &[])
                            .into_iter()
                            .map(|p| module.iter().cloned().chain(p).collect())
                            .collect()
                    };
                for path in resolved {
                    let target = longest(&path);
                    if let Some(name) = path.last()
                        && target != *module
                        && path.len() > target.len()
                    {
                        exports.insert((module.clone(), name.clone()), target);
                    }
                }
            }
        }
    }
    let resolve = |path: &[String]| -> Vec<String> {
        let mut target = longest(path);
        // Follow re-exports a few steps (a re-export of a re-export).
        for _ in 0..4 {
            let Some(name) = path.get(target.len()) else {
                break;
            };
            match exports.get(&(target.clone(), name.clone())) {
                Some(next) if *next != target => target = next.clone(),
                _ => break,
            }
        }
        target
    };
    // parent → (child → child, with an example).
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (module, file, code) in &texts {
        for path in references(code, module) {
            let target = resolve(&path);
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue; // an ancestor or a descendant
            }
            let parent = module[..common].to_vec();
            let from = module[common].clone();
            let to = target[common].clone();
            graphs
                .entry(parent)
                .or_default()
                .entry((from, to))
                .or_insert_with(|| {
                    format!(
                        "{} uses {}",
                        file.strip_prefix(src).unwrap_or(file).display(),
                        path.join("::")
                    )
                });
        }
    }
    let mut found = Vec::new();
    for (parent, edges) in &graphs {
        let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
        for start in &nodes {
            // A path back to `start` through nodes after it (each circle reported once).
            let mut stack = vec![(vec![(*start).clone()], BTreeSet::new())];
            while let Some((path, seen)) = stack.pop() {
                let last = path.last().expect("a node");
                for ((from, to), _) in edges.range((last.clone(), String::new())..) {
                    if from != last {
                        break;
                    }
                    if to == *start {
                        let steps: Vec<String> = path
                            .iter()
                            .zip(path.iter().skip(1).chain(std::iter::once(*start)))
                            .map(|(a, b)| edges[&(a.clone(), b.clone())].clone())
                            .collect();
                        found.push(format!(
                            "{}: {} → {} ({})",
                            if parent.is_empty() {
                                "crate".to_owned()
                            } else {
                                parent.join("::")
                            },
                            path.join(" → "),
                            start,
                            steps.join("; ")
                        ));
                    } else if to > *start && !seen.contains(to) {
                        let mut next = path.clone();
                        next.push(to.clone());
                        let mut seen = seen.clone();
                        seen.insert(to.clone());
                        stack.push((next, seen));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn no_production_source_file_is_over_700_lines() {
    let mut long = Vec::new();
    for (_, src) in source_dirs() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            if let Some(code) = production(&file, &text) {
                let lines = code.lines().count();
                if lines > MAX_LINES {
                    long.push(format!("{} ({lines})", file.display()));
                }
            }
        }
    }
    // The UI's own sources too (its tests and the generated bindings aside).
    for dir in ["ui/src", "ui/dev"] {
        let mut stack = vec![root().join(dir)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("ui folder") {
                let path = entry.expect("entry").path();
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let name = name.unwrap_or_default();
                if path.is_dir() {
                    stack.push(path);
                } else if (name.ends_with(".ts") || name.ends_with(".svelte"))
                    && !name.ends_with(".test.ts")
                    && name != "bindings.ts"
                    && name != "commands.ts"
                {
                    let lines = std::fs::read_to_string(&path)
                        .expect("ui source")
                        .lines()
                        .count();
                    if lines > MAX_LINES {
                        long.push(format!("{} ({lines})", path.display()));
                    }
                }
            }
        }
    }
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:#?}");
}

#[test]
fn every_source_file_says_what_it_owns_in_its_first_line() {
    let mut silent = Vec::new();
    for (_, src) in source_dirs() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            let tests_only = file
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("tests.rs"));
            if !tests_only && !text.starts_with("//!") {
                silent.push(file.display().to_string());
            }
        }
    }
    assert!(silent.is_empty(), "no `//!` header: {silent:#?}");
}

#[test]
fn no_two_modules_of_a_crate_use_each_other() {
    let mut all = Vec::new();
    for (name, src) in source_dirs() {
        for circle in circles(&src) {
            all.push(format!("{name}: {circle}"));
        }
    }
    assert!(all.is_empty(), "module circles: {all:#?}");
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let dir = tempfile::tempdir().expect("dir");
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\n").expect("lib");
    std::fs::write(src.join("a.rs"), "use crate::b::{x, y::Z};\n").expect("a");
    std::fs::write(src.join("b.rs"), "pub fn x() { super::c::go() }\n").expect("b");
    std::fs::create_dir(src.join("c")).expect("c/");
    std::fs::write(src.join("c/mod.rs"), "mod d;\n").expect("c");
    std::fs::write(
        src.join("c/d.rs"),
        "fn f() { crate::a::g(); super::super::a::h() }\n",
    )
    .expect("d");
    std::fs::write(
        src.join("c/e_tests.rs"),
        "use crate::b::x; // tests may use anything\n",
    )
    .expect("tests");
    // Through the root's re-export: `crate::Thing` is a use of `e`, which uses `a`.
    std::fs::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\nmod c;\nmod e;\npub use e::Thing;\n",
    )
    .expect("lib");
    std::fs::write(src.join("e.rs"), "pub struct Thing(crate::a::A);\n").expect("e");
    std::fs::write(
        src.join("a.rs"),
        "use crate::b::{x, y::Z};\nuse crate::Thing;\n",
    )
    .expect("a");
    let found = circles(src);
    assert!(
        found.iter().any(|c| c.starts_with("crate: a → e → a")),
        "{found:#?}"
    );
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\n").expect("lib");
    std::fs::remove_file(src.join("e.rs")).expect("e");
    std::fs::write(src.join("a.rs"), "use crate::b::{x, y::Z};\n").expect("a");
    let found = circles(src);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("crate: a → b → c → a"), "{found:#?}");
    // No circle once the test-only file is the only way back.
    std::fs::write(
        src.join("c/d.rs"),
        "fn f() {}\n#[cfg(test)]\nmod tests { use crate::a::g; }\n",
    )
    .expect("d");
    assert!(circles(src).is_empty());
}

#[test]
fn no_crate_dev_depends_on_a_crate_that_depends_on_it() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let ours: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut normal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut dev: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in packages {
        let name = package["name"].as_str().expect("name").to_owned();
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let on = dependency["name"].as_str().expect("name").to_owned();
            if !ours.contains(&on) || on == name {
                continue;
            }
            let kind = dependency["kind"].as_str();
            let map = if kind == Some("dev") {
                &mut dev
            } else {
                &mut normal
            };
            map.entry(name.clone()).or_default().insert(on);
        }
    }
    let closure = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(next) = todo.pop() {
            for on in normal.get(&next).into_iter().flatten() {
                if seen.insert(on.clone()) {
                    todo.push(on.clone());
                }
            }
        }
        seen
    };
    let mut back = Vec::new();
    for (package, devs) in &dev {
        for on in devs {
            if closure(on).contains(package) {
                back.push(format!(
                    "{package} dev-depends on {on}, which depends on {package}"
                ));
            }
        }
    }
    assert!(back.is_empty(), "{back:#?}");
    assert!(
        dev.values().flatten().any(|d| d == "substation-testkit"),
        "the check sees the dev-dependencies"
    );
}
