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
