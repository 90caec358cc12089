//! jq filters, through the `jaq` crates: compiled once, run on JSON text, answered as
//! `serde_json` values. jq is what AWS and data users already write (`aws … --query` is
//! JMESPath, but `jq` is the shell's tool for Lambda answers), so a profile's transforms are
//! jq filters rather than a language of our own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
pub(crate) use jaq_json::Val;

type Compiled = jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>;

/// A jq filter that compiles: its source, checked. Cheap to clone and to send between threads;
/// each thread compiles it once, on first use (jaq's compiled filters share values through
/// `Rc` and stay on the thread that made them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jq {
    code: Arc<str>,
}

/// Why a filter does not compile: what was expected, at which column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompileError(pub String);

/// Why a filter failed on an input: jq's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RunError(pub String);

thread_local! {
    static COMPILED: RefCell<HashMap<String, Rc<Compiled>>> = RefCell::new(HashMap::new());
}

/// Most filters kept compiled per thread: a service checking many devices' profiles does not
/// grow without bound.
const MAX_COMPILED: usize = 256;

/// Most outputs a filter may give: every filter of a profile gives one value (a request
/// transform, a field of an answer); a filter that gives more is stopped, not collected.
pub const MAX_OUTPUTS: usize = 16;

impl Jq {
    /// Compiles `code` to check it; the error names the column and what was expected there,
    /// or what a profile may not use ([`crate::dialect`]).
    pub fn new(code: &str) -> Result<Jq, CompileError> {
        compile(code)?;
        crate::dialect::check(code).map_err(CompileError)?;
        Ok(Jq { code: code.into() })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// Runs the filter on `input` (JSON text) and returns every output.
    pub fn run(&self, input: &[u8]) -> Result<Vec<serde_json::Value>, RunError> {
        let input = parse(input).map_err(|e| RunError(format!("the input is not JSON: {e}")))?;
        self.run_val(input)
    }

    /// Runs the filter on a document parsed once with [`parse`] (several filters read one
    /// answer: it is parsed once, and jaq's values are shared, not copied).
    pub(crate) fn run_val(&self, input: Val) -> Result<Vec<serde_json::Value>, RunError> {
        let filter = COMPILED.with(|cache| -> Result<Rc<Compiled>, RunError> {
            if let Some(filter) = cache.borrow().get(&*self.code) {
                return Ok(filter.clone());
            }
            let filter = Rc::new(compile(&self.code).map_err(|e| RunError(e.0))?);
            let mut cache = cache.borrow_mut();
            if cache.len() >= MAX_COMPILED {
                cache.clear();
            }
            cache.insert(self.code.to_string(), filter.clone());
            Ok(filter)
        })?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
        let mut outputs = Vec::new();
        for output in filter.id.run((ctx, input)) {
            if outputs.len() == MAX_OUTPUTS {
                return Err(RunError(format!(
                    "it gives more than {MAX_OUTPUTS} values; a profile's filters give one"
                )));
            }
            // Not `jaq_core::unwrap_valr`: it ends the process when a filter halts.
            let value = output.map_err(|exn| match exn.get_err() {
                Ok(error) => RunError(error.to_string()),
                Err(_) => RunError("the filter stopped (`halt`)".to_owned()),
            })?;
            let text = value.to_string();
            let value = serde_json::from_str(&text).map_err(|e| {
                RunError(format!(
                    "the filter made a value that is not JSON ({e}): {text}"
                ))
            })?;
            outputs.push(value);
        }
        Ok(outputs)
    }
}

/// JSON text as jaq's value, refused when it nests deeper than [`MAX_DEPTH`]: jaq reads,
/// prints and drops values recursively, and an answer nested a hundred thousand levels
/// deep would overflow the stack.
pub(crate) fn parse(input: &[u8]) -> Result<Val, String> {
    // Strict JSON first: jaq's reader also takes `#` comments, which the depth scan would
    // read as text.
    serde_json::from_slice::<serde::de::IgnoredAny>(input).map_err(|e| e.to_string())?;
    if let Some(at) = too_deep(input) {
        return Err(format!(
            "it nests deeper than {MAX_DEPTH} levels (at byte {at})"
        ));
    }
    jaq_json::read::parse_single(input).map_err(|e| e.to_string())
}

/// As deep as JSON may nest for a profile: `serde_json`'s own limit.
pub const MAX_DEPTH: usize = 128;

/// Where `json` (checked as JSON) first opens an array or object deeper than [`MAX_DEPTH`],
/// looking past strings. A scan of its own rather than `serde_json`: skipping a value with `IgnoredAny`
/// does not count depth, and building a `Value` only to count would copy every answer.
fn too_deep(json: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in json.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Definitions that replace jaq's own for profiles: `tonumber` and `toboolean` read a string
/// through `fromjson`, which parses recursively; a string of a hundred thousand brackets in an
/// answer would overflow the stack. Here they read short strings only.
const OWN_DEFS: &str = r#"
def tonumber: if isnumber then . elif isstring and length <= 64 then fromjson | if isnumber then . else error("cannot parse as number") end else error("cannot parse as number") end;
def toboolean: if isboolean then . elif . == "true" then true elif . == "false" then false else error("cannot parse as boolean") end;
"#;

fn own_defs() -> Vec<jaq_core::load::parse::Def<&'static str>> {
    jaq_core::load::parse(OWN_DEFS, |p| p.defs()).unwrap_or_default()
}

fn compile(code: &str) -> Result<Compiled, CompileError> {
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(own_defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(&arena, File { code, path: () })
        .map_err(|errors| {
            let mut problems = Vec::new();
            for (_, error) in errors {
                match error {
                    jaq_core::load::Error::Io(errors) => problems.extend(
                        errors
                            .into_iter()
                            .map(|(what, why)| format!("{what}: {why}")),
                    ),
                    jaq_core::load::Error::Lex(errors) => {
                        problems.extend(errors.into_iter().map(|(expected, at)| {
                            format!("expected {} {}", expected.as_str(), position(code, at))
                        }));
                    }
                    jaq_core::load::Error::Parse(errors) => {
                        problems.extend(errors.into_iter().map(|(expected, at)| {
                            format!("expected {} {}", expected.as_str(), position(code, at))
                        }));
                    }
                }
            }
            CompileError(problems.join("; "))
        })?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let problems: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, errors)| errors)
                .map(|(name, undefined)| {
                    format!(
                        "undefined {} `{name}` {}",
                        undefined.as_str(),
                        position(code, name)
                    )
                })
                .collect();
            CompileError(problems.join("; "))
        })
}

/// "at column N" of the slice `at` of `code` (or "at the end").
fn position(code: &str, at: &str) -> String {
    let offset = (at.as_ptr() as usize).wrapping_sub(code.as_ptr() as usize);
    if offset >= code.len() {
        return "at the end".to_owned();
    }
    let before = &code[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    if line > 1 {
        format!("at line {line}, column {column}")
    } else {
        format!("at column {column}")
    }
}
