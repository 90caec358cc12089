//! The committed TypeScript bindings match the Rust types.

use std::path::PathBuf;

#[test]
fn bindings_are_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let generated = substation_app::bindings::typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/lib/bindings.ts is out of date with the Rust types in crates/app: \
         run `UPDATE_BINDINGS=1 cargo test -p substation-app --test bindings` and commit it"
    );
}

/// Every rule the engine can fire (each `Finding::new` / `Finding::about` code in the dga
/// crate) has a title in the UI's English and Korean messages, so a Korean engineer reads what
/// each rule means. A new rule without one fails here.
#[test]
fn every_engine_rule_has_a_title_in_both_languages() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut codes = std::collections::BTreeSet::new();
    let mut dirs = vec![root.join("crates/dga/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("dga sources") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for call in ["Finding::new(", "Finding::about("] {
                    for (at, _) in text.match_indices(call) {
                        let rest = text[at + call.len()..].trim_start();
                        if let Some(quoted) = rest.strip_prefix('"')
                            && let Some(end) = quoted.find('"')
                        {
                            codes.insert(quoted[..end].to_owned());
                        }
                    }
                }
            }
        }
    }
    assert!(codes.len() > 25, "found only {codes:?}");
    let read = |lang: &str| {
        std::fs::read_to_string(root.join(format!("ui/src/lib/messages.{lang}.ts")))
            .expect("messages")
    };
    let (en, ko) = (read("en"), read("ko"));
    let missing: Vec<&String> = codes
        .iter()
        .filter(|code| {
            let key = format!("\"rule.{code}\":");
            !(en.contains(&key) && ko.contains(&key))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "rules without an English and a Korean title in ui/src/lib/messages.{{en,ko}}.ts: {missing:?}"
    );
}
