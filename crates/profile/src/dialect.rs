//! The part of jq a profile may use. A profile maps fields: it runs on every answer, on a
//! laptop and again on the central service, so its filters must end, must give the same
//! value wherever they run, and must not reach outside the document they read.
//!
//! Refused, with the reason named: definitions (`def`, where a filter could call itself for
//! ever) and modules; the filters that loop until a condition holds or count to a number of
//! the input's choosing (`repeat`, `while`, `until`, `range`, `recurse` with a filter); and
//! the filters that read the computer rather than the document (`env`, `now`, `input`, the
//! local time zone) or act on the process (`halt`, `debug`, `stderr`). What is left is jq's
//! paths, operators, conditionals, string and array functions, and `reduce`/`foreach` over
//! what the document holds.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::path::Part;

/// Filters a profile may not call, with why (any arity unless the reason says otherwise).
const REFUSED: &[(&str, &str)] = &[
    ("env", "it reads the computer's environment variables"),
    (
        "now",
        "it reads the clock: the same answer must read the same everywhere",
    ),
    ("localtime", "it depends on the computer's time zone"),
    ("strflocaltime", "it depends on the computer's time zone"),
    ("input", "a profile reads one document"),
    ("inputs", "a profile reads one document"),
    ("halt", "it would stop the program"),
    ("halt_error", "it would stop the program"),
    ("debug", "it writes to the program's error output"),
    ("stderr", "it writes to the program's error output"),
    ("repeat", "it never ends by itself"),
    ("while", "it loops until a condition holds"),
    ("until", "it loops until a condition holds"),
    (
        "range",
        "it counts to a number the document could make huge",
    ),
    (
        "combinations",
        "its count grows as a power of the document's size",
    ),
    (
        "fromjson",
        "it parses text of the document's choosing without a depth limit",
    ),
    ("debug_empty", "it writes to the program's error output"),
    ("stderr_empty", "it writes to the program's error output"),
];

/// Checks that `code` (which parsed and compiled) stays inside a profile's part of jq.
pub(crate) fn check(code: &str) -> Result<(), String> {
    let term = jaq_core::load::parse(code, |p| p.term()).ok_or_else(|| {
        "a profile's filter is one jq expression; it cannot import or include modules".to_owned()
    })?;
    walk(&term)
}

fn walk(term: &Term<&str>) -> Result<(), String> {
    match term {
        Term::Id | Term::Recurse | Term::Num(_) | Term::Var(_) | Term::Break(_) => Ok(()),
        Term::Str(_, parts) => parts.iter().try_for_each(|part| match part {
            StrPart::Term(t) => walk(t),
            _ => Ok(()),
        }),
        Term::Arr(inner) => inner.as_deref().map_or(Ok(()), walk),
        Term::Obj(pairs) => pairs.iter().try_for_each(|(key, value)| {
            walk(key)?;
            value.as_ref().map_or(Ok(()), walk)
        }),
        Term::Neg(inner) | Term::Label(_, inner) => walk(inner),
        Term::BinOp(left, op, right) => {
            if let BinaryOp::Pipe(Some(pattern)) = op {
                pattern_terms(pattern)?;
            }
            walk(left)?;
            walk(right)
        }
        Term::Fold(_, source, pattern, args) => {
            walk(source)?;
            pattern_terms(pattern)?;
            args.iter().try_for_each(walk)
        }
        Term::TryCatch(body, catch) => {
            walk(body)?;
            catch.as_deref().map_or(Ok(()), walk)
        }
        Term::IfThenElse(branches, otherwise) => {
            for (condition, then) in branches {
                walk(condition)?;
                walk(then)?;
            }
            otherwise.as_deref().map_or(Ok(()), walk)
        }
        Term::Def(defs, _) => Err(format!(
            "`def {}` is not allowed: a profile's filter cannot define filters of its own \
             (one could call itself for ever); write the expression out",
            defs.first().map_or("", |d| d.name)
        )),
        Term::Call(name, args) => {
            if *name == "recurse" && !args.is_empty() {
                return Err(
                    "`recurse(f)` is not allowed: it goes on as long as `f` gives values; \
                     `..` walks the document"
                        .to_owned(),
                );
            }
            if let Some((_, why)) = REFUSED.iter().find(|(refused, _)| refused == name) {
                return Err(format!(
                    "`{name}` is not allowed in a profile's filter: {why}"
                ));
            }
            args.iter().try_for_each(walk)
        }
        Term::Path(head, path) => {
            walk(head)?;
            path.0.iter().try_for_each(|(part, _)| match part {
                Part::Index(i) => walk(i),
                Part::Range(from, to) => {
                    from.as_ref().map_or(Ok(()), walk)?;
                    to.as_ref().map_or(Ok(()), walk)
                }
            })
        }
    }
}

/// The terms inside a destructuring pattern (`. as {(f): $x}`).
fn pattern_terms(pattern: &Pattern<&str>) -> Result<(), String> {
    match pattern {
        Pattern::Var(_) => Ok(()),
        Pattern::Arr(items) => items.iter().try_for_each(pattern_terms),
        Pattern::Obj(pairs) => pairs.iter().try_for_each(|(key, value)| {
            walk(key)?;
            pattern_terms(value)
        }),
    }
}
