//! Matching one header to a field: tokens, units, brackets and alias look-ups.

use super::aliases::{
    ALIASES, FILLER_WORDS, FOREIGN_UNITS, KO_FILLER_PREFIXES, KO_FILLER_SUFFIXES, NAMEPLATE_UNITS,
    QUALIFIERS, VETO_WORDS,
};
use super::fold::{folded_chars, is_hangul};
use super::{Field, HeaderMatch};
use crate::values::Unit;

/// Recognises one header, or `None`. The module documentation describes the procedure.
pub fn match_header(header: &str) -> Option<HeaderMatch> {
    let tokens = tokenize(header);
    if tokens
        .iter()
        .any(|token| matches!(token, Token::Word(word) if VETO_WORDS.contains(&word.as_str())))
    {
        return None;
    }
    let (tokens, unit) = extract_units(tokens)?;
    let (outside, groups) = split_brackets(&tokens);

    // Bracketed units: foreign units reject, nameplate units become a hint.
    let mut hint: Option<Field> = None;
    let mut inner: Vec<&[String]> = Vec::new();
    for group in &groups {
        let joined = group.concat();
        if joined.is_empty() {
            continue;
        }
        if FOREIGN_UNITS.contains(&joined.as_str()) {
            return None;
        }
        if let Some(&(_, field)) = NAMEPLATE_UNITS.iter().find(|(unit, _)| *unit == joined) {
            if hint.is_some_and(|earlier| earlier != field) {
                return None;
            }
            hint = Some(field);
            continue;
        }
        inner.push(group);
    }

    let with_unit = |field: Field| HeaderMatch {
        field,
        unit: match field {
            Field::Gas(_) => unit,
            _ => None,
        },
    };

    // All words together.
    let all_words: Vec<String> = outside
        .iter()
        .chain(inner.iter().flat_map(|group| group.iter()))
        .cloned()
        .collect();
    if let Resolution::Field(field) = resolve_words(&all_words)
        && hint.is_none_or(|hinted| hinted == field)
    {
        return Some(with_unit(field));
    }

    // Outside and bracketed parts separately.
    let inner_fields: Vec<Field> = inner
        .iter()
        .filter_map(|group| match resolve_words(group) {
            Resolution::Field(field) => Some(field),
            _ => None,
        })
        .collect();
    let outside_resolution = resolve_words(&outside);
    let field = match (hint, outside_resolution) {
        (Some(hinted), Resolution::Empty) => hinted,
        (Some(hinted), _) if is_qualifier(&outside) => hinted,
        (Some(hinted), Resolution::Field(field)) if field == hinted => field,
        (Some(_), _) => return None,
        (None, Resolution::Field(field)) => field,
        (None, Resolution::Unresolved) => return None,
        (None, Resolution::Empty) => *inner_fields.first()?,
    };
    if inner_fields.iter().any(|&other| other != field) {
        return None;
    }
    Some(with_unit(field))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A run of letters and digits, all Hangul or all not.
    Word(String),
    Open,
    Close,
    /// Any other non-space character.
    Symbol(char),
}

fn tokenize(header: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut word_is_hangul = false;
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in folded_chars(header) {
        if c.is_alphanumeric() {
            if !word.is_empty() && is_hangul(c) != word_is_hangul {
                flush(&mut word, &mut tokens);
            }
            word_is_hangul = is_hangul(c);
            word.push(c);
            continue;
        }
        flush(&mut word, &mut tokens);
        match c {
            '(' | '[' | '{' => tokens.push(Token::Open),
            ')' | ']' | '}' => tokens.push(Token::Close),
            c if c.is_whitespace() => {}
            c => tokens.push(Token::Symbol(c)),
        }
    }
    flush(&mut word, &mut tokens);
    // Compose jamo split by punctuation the same way `normalize` does inside each word.
    tokens
        .into_iter()
        .map(|token| match token {
            Token::Word(word) => Token::Word(crate::fold::compose(&word)),
            other => other,
        })
        .collect()
}

fn word_at(tokens: &[Token], index: usize) -> Option<&str> {
    match tokens.get(index) {
        Some(Token::Word(word)) => Some(word.as_str()),
        _ => None,
    }
}

fn symbol_at(tokens: &[Token], index: usize, wanted: char) -> bool {
    matches!(tokens.get(index), Some(Token::Symbol(c)) if *c == wanted)
}

/// A concentration unit followed by "/something" is a rate ("ppm/day").
fn is_rate(tokens: &[Token], index: usize) -> bool {
    symbol_at(tokens, index, '/') && word_at(tokens, index + 1).is_some()
}

/// Removes concentration units. `None` when the header states a rate or two different units.
fn extract_units(tokens: Vec<Token>) -> Option<(Vec<Token>, Option<Unit>)> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut found: Option<Unit> = None;
    let mut note = |unit: Unit| -> Option<()> {
        if found.is_some_and(|earlier| earlier != unit) {
            return None;
        }
        found = Some(unit);
        Some(())
    };
    let mut index = 0;
    while index < tokens.len() {
        let word = word_at(&tokens, index);
        if matches!(word, Some("ppm" | "ppmv")) {
            note(Unit::Ppm)?;
            index += 1;
        } else if word == Some("ul")
            && symbol_at(&tokens, index + 1, '/')
            && word_at(&tokens, index + 2) == Some("l")
        {
            note(Unit::Ppm)?;
            index += 3;
        } else if word == Some("v")
            && symbol_at(&tokens, index + 1, '/')
            && word_at(&tokens, index + 2) == Some("v")
        {
            index += 3;
            continue;
        } else if matches!(word, Some("percent" | "pct")) {
            note(Unit::Percent)?;
            index += 1;
        } else if symbol_at(&tokens, index, '%') {
            note(Unit::Percent)?;
            // "vol%", "vol. %", "vol-%" before, "% vol" after.
            let mut back = out.len();
            while back > 0 && matches!(out[back - 1], Token::Symbol('.' | '-')) {
                back -= 1;
            }
            if back > 0 && matches!(&out[back - 1], Token::Word(w) if w == "vol") {
                out.truncate(back - 1);
            }
            index += 1;
            if word_at(&tokens, index) == Some("vol") {
                index += 1;
                if symbol_at(&tokens, index, '.') {
                    index += 1;
                }
            }
        } else if let Some(prefix) = word.and_then(|w| w.strip_suffix("ppm"))
            && matches!(lookup(prefix), Some(Field::Gas(_)))
        {
            // "H2ppm"
            note(Unit::Ppm)?;
            out.push(Token::Word(prefix.to_owned()));
            index += 1;
        } else {
            out.push(tokens[index].clone());
            index += 1;
            continue;
        }
        if is_rate(&tokens, index) {
            return None;
        }
    }
    Some((out, found))
}

/// The unit a header states, if any (used for explicit mappings).
pub(super) fn stated_unit(header: &str) -> Option<Unit> {
    extract_units(tokenize(header)).and_then(|(_, unit)| unit)
}

/// Words outside brackets, and the words of each top-level bracketed part (nested brackets
/// belong to their outermost part; an unclosed bracket runs to the end).
fn split_brackets(tokens: &[Token]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut outside = Vec::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut depth = 0usize;
    for token in tokens {
        match token {
            Token::Open => {
                if depth == 0 {
                    groups.push(Vec::new());
                }
                depth += 1;
            }
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(word) => match groups.last_mut() {
                Some(group) if depth > 0 => group.push(word.clone()),
                _ => outside.push(word.clone()),
            },
            Token::Symbol(_) => {}
        }
    }
    (outside, groups)
}

fn lookup(alias: &str) -> Option<Field> {
    ALIASES
        .iter()
        .find(|(known, _)| *known == alias)
        .map(|&(_, field)| field)
}

/// Exact look-up, then with one Korean filler prefix and/or suffix removed.
fn lookup_with_affixes(text: &str) -> Option<Field> {
    if let Some(field) = lookup(text) {
        return Some(field);
    }
    let without_prefix = KO_FILLER_PREFIXES
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text);
    let without_suffix = KO_FILLER_SUFFIXES
        .iter()
        .find_map(|suffix| without_prefix.strip_suffix(suffix))
        .unwrap_or(without_prefix);
    if without_suffix.is_empty() || without_suffix == text {
        return None;
    }
    lookup(without_suffix)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolution {
    /// Nothing but filler words.
    Empty,
    Field(Field),
    Unresolved,
}

fn resolve_words(words: &[String]) -> Resolution {
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|word| !FILLER_WORDS.contains(word))
        .collect();
    if kept.is_empty() {
        return Resolution::Empty;
    }
    if let Some(field) = lookup_with_affixes(&words.concat()) {
        return Resolution::Field(field);
    }
    if let Some(field) = lookup_with_affixes(&kept.concat()) {
        return Resolution::Field(field);
    }
    partition(&kept).map_or(Resolution::Unresolved, Resolution::Field)
}

/// The one field such that the words split into consecutive groups that are each an alias of
/// that field ("hydrogen h2", "voltage kv"); `None` when there is no such field or several.
fn partition(words: &[&str]) -> Option<Field> {
    const MAX_WORDS: usize = 12;
    let count = words.len();
    if !(2..=MAX_WORDS).contains(&count) {
        return None;
    }
    let group_field = |start: usize, end: usize| lookup_with_affixes(&words[start..end].concat());
    let mut candidates: Vec<Field> = Vec::new();
    for start in 0..count {
        for end in start + 1..=count {
            if let Some(field) = group_field(start, end)
                && !candidates.contains(&field)
            {
                candidates.push(field);
            }
        }
    }
    let mut found = None;
    for field in candidates {
        let mut reachable = [false; MAX_WORDS + 1];
        reachable[0] = true;
        for end in 1..=count {
            reachable[end] =
                (0..end).any(|start| reachable[start] && group_field(start, end) == Some(field));
        }
        if reachable[count] {
            if found.is_some() {
                return None;
            }
            found = Some(field);
        }
    }
    found
}

fn is_qualifier(words: &[String]) -> bool {
    let kept: String = words
        .iter()
        .map(String::as_str)
        .filter(|word| !FILLER_WORDS.contains(word))
        .collect();
    QUALIFIERS.contains(&words.concat().as_str()) || QUALIFIERS.contains(&kept.as_str())
}

#[cfg(test)]
mod tests;
