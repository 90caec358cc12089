//! The UI's command wrappers and event names, generated from this crate's source: every
//! command registered in `generate_handler!`, with its name, its arguments' keys (camelCase, as
//! Tauri expects them) and types, and its reply; every `pub const …_EVENT`. The result is
//! `ui/src/lib/commands.ts`, committed; this test fails when it drifts, so a command or an
//! argument renamed in Rust without the UI following fails `scripts/test`
//! (`UPDATE_BINDINGS=1 cargo test --workspace --test ipc` rewrites it; `npm run check` then
//! says which of the UI's calls no longer fit).
//!
//! Why not tauri-specta: it types commands through a second type system (specta) beside the
//! ts-rs bindings every IPC value already has; this reads the signatures with `syn` and names
//! the types ts-rs exports, so there is one source of truth for each.

use std::collections::BTreeSet;
use std::path::Path;

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// The TypeScript of a Rust argument or reply type, and the bindings it names.
fn typescript(ty: &Type, names: &mut BTreeSet<String>) -> String {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => "null".into(),
        Type::Reference(r) => typescript(&r.elem, names),
        Type::Path(p) => {
            let segment = p.path.segments.last().expect("a type name");
            let inner = |names: &mut BTreeSet<String>| match &segment.arguments {
                PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .find_map(|a| match a {
                        GenericArgument::Type(t) => Some(typescript(t, names)),
                        _ => None,
                    })
                    .expect("a type argument"),
                _ => panic!("{} without its type argument", segment.ident),
            };
            match segment.ident.to_string().as_str() {
                "String" | "PathBuf" | "str" => "string".into(),
                "bool" => "boolean".into(),
                "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "f32" | "f64"
                | "usize" => "number".into(),
                "Option" => format!("{} | null", inner(names)),
                "Vec" => {
                    let item = inner(names);
                    if item.contains(' ') {
                        format!("({item})[]")
                    } else {
                        format!("{item}[]")
                    }
                }
                "Channel" => format!("Channel<{}>", inner(names)),
                // `Reply<T>` is `Result<T, ErrorView>`: the promise resolves to T.
                "Reply" | "Result" => inner(names),
                name => {
                    names.insert(name.to_owned());
                    name.to_owned()
                }
            }
        }
        other => panic!("no TypeScript for {}", quote_type(other)),
    }
}

fn quote_type(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        _ => "a type".into(),
    }
}

/// Arguments Tauri fills in itself, not the caller.
fn injected(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let name = p.path.segments.last().map(|s| s.ident.to_string());
    matches!(
        name.as_deref(),
        Some("State" | "AppHandle" | "Window" | "WebviewWindow" | "Webview")
    )
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The names in `tauri::generate_handler![…]`, in order.
fn registered(source: &str) -> Vec<String> {
    let start = source
        .find("generate_handler!")
        .expect("generate_handler! in lib.rs");
    let open = start + source[start..].find('[').expect("[");
    let close = open + source[open..].find(']').expect("]");
    source[open + 1..close]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn lib_rs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")
}

/// The whole `commands.ts`.
fn generate() -> String {
    let source = std::fs::read_to_string(lib_rs()).expect("lib.rs");
    let file = syn::parse_file(&source).expect("lib.rs parses");
    let mut commands = std::collections::BTreeMap::new();
    let mut events = Vec::new();
    for item in &file.items {
        match item {
            Item::Fn(f)
                if f.attrs
                    .iter()
                    .any(|a| a.path().segments.iter().any(|s| s.ident == "command")) =>
            {
                commands.insert(f.sig.ident.to_string(), f.sig.clone());
            }
            Item::Const(c)
                if c.ident.to_string().ends_with("_EVENT")
                    && matches!(c.vis, syn::Visibility::Public(_)) =>
            {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &*c.expr
                {
                    events.push((c.ident.to_string(), s.value()));
                }
            }
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    let mut wrappers = Vec::new();
    let mut keys = Vec::new();
    for name in registered(&source) {
        let sig = commands
            .get(&name)
            .unwrap_or_else(|| panic!("`{name}` is registered but is no #[tauri::command] fn"));
        let mut params = Vec::new();
        let mut args = Vec::new();
        for input in &sig.inputs {
            let FnArg::Typed(arg) = input else { continue };
            if injected(&arg.ty) {
                continue;
            }
            let Pat::Ident(ident) = &*arg.pat else {
                panic!("`{name}`: an argument that is not a plain name")
            };
            let key = camel(ident.ident.to_string().trim_start_matches("r#"));
            // `function` is a reserved word in TypeScript: the parameter gets another name.
            let param = if key == "function" {
                "functionName".to_owned()
            } else {
                key.clone()
            };
            params.push(format!("{param}: {}", typescript(&arg.ty, &mut names)));
            args.push(if param == key {
                key.clone()
            } else {
                format!("{key}: {param}")
            });
            keys.push((name.clone(), key));
        }
        let reply = match &sig.output {
            ReturnType::Default => "null".to_owned(),
            ReturnType::Type(_, ty) => typescript(ty, &mut names),
        };
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", args.join(", "))
        };
        wrappers.push(format!(
            "  {}: ({}) => invoke<{reply}>(\"{name}\"{args}),",
            camel(&name),
            params.join(", "),
        ));
    }
    let mut out = String::from(
        "// Generated from src-tauri/src/lib.rs by `UPDATE_BINDINGS=1 cargo test --workspace --test ipc`.\n\
         // Do not edit by hand: every command the app registers, with its arguments' keys and types.\n\n",
    );
    let uses_channel = names.remove("Channel") || wrappers.iter().any(|w| w.contains("Channel<"));
    out.push_str(if uses_channel {
        "import { type Channel, invoke } from \"@tauri-apps/api/core\";\n"
    } else {
        "import { invoke } from \"@tauri-apps/api/core\";\n"
    });
    out.push_str(&format!(
        "import type {{ {} }} from \"./bindings\";\n\n",
        names.into_iter().collect::<Vec<_>>().join(", ")
    ));
    out.push_str("export const commands = {\n");
    for w in wrappers {
        out.push_str(&w);
        out.push('\n');
    }
    out.push_str("};\n\n");
    out.push_str("/** A command's name, as Tauri registers it. */\n");
    out.push_str("export type CommandName = keyof typeof COMMAND_ARGS;\n\n");
    out.push_str("/** Each command's argument keys, for the UI's tests and the dev mock. */\n");
    out.push_str("export const COMMAND_ARGS = {\n");
    let mut by_command: Vec<(String, Vec<String>)> = Vec::new();
    for name in registered(&source) {
        let of: Vec<String> = keys
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, k)| format!("\"{k}\""))
            .collect();
        by_command.push((name, of));
    }
    for (name, of) in by_command {
        out.push_str(&format!("  {name}: [{}],\n", of.join(", ")));
    }
    out.push_str("} as const;\n\n");
    out.push_str("/** The events Rust emits to the window. */\n");
    out.push_str("export const EVENTS = {\n");
    for (ident, value) in events {
        let key = camel(&ident.trim_end_matches("_EVENT").to_lowercase());
        out.push_str(&format!("  {key}: \"{value}\",\n"));
    }
    out.push_str("} as const;\n");
    out
}

#[test]
fn the_ui_command_wrappers_are_up_to_date() {
    let generated = generate();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/commands.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write commands.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/lib/commands.ts is out of date with src-tauri/src/lib.rs: run \
         `UPDATE_BINDINGS=1 cargo test --workspace --test ipc`, then `npm run check` in ui/"
    );
}

#[test]
fn wrappers_name_each_registered_command_and_its_camel_case_keys() {
    let generated = generate();
    assert!(generated.contains(
        "  openWorkbook: (path: string, mapping: HeaderChoice[], blankGas: string | null, onProgress: Channel<OpenProgress>) => invoke<OpenedWorkbook>(\"open_workbook\", { path, mapping, blankGas, onProgress }),"
    ), "{generated}");
    assert!(generated.contains(
        "  testProfile: (sha256: string | null, functionName: string | null, assetId: string) => invoke<ProfileTestView>(\"test_profile\", { sha256, function: functionName, assetId }),"
    ), "{generated}");
    assert!(
        generated.contains("  cancelRun: () => invoke<boolean>(\"cancel_run\"),"),
        "{generated}"
    );
    assert!(
        generated.contains("  backgroundSync: \"background-sync\","),
        "{generated}"
    );
    assert_eq!(camel("blank_gas"), "blankGas");
}
