//! Character folding for headers: full-width forms, sub- and superscripts, micro signs, jamo.

/// Normalises a header for comparison.
///
/// Unicode NFKC-like folding done by hand for the cases that occur in workbooks: full-width
/// ASCII → ASCII (ideographic space → space), subscript and superscript digits (₀-₉, ⁰-⁹) →
/// 0-9, µ (micro sign), μ and Μ (Greek mu) → u, ℓ → l, the squared signs ㎕ → ul, ㎖ → ml,
/// ㏙ → ppm, № and # → no, decomposed Hangul jamo → syllables. Then lowercase, and every
/// character that is not a letter or digit is removed (spaces, punctuation, brackets, middle
/// dots). Hangul stays.
///
/// ```
/// use substation_import::headers::normalize;
/// assert_eq!(normalize("H₂ (µL/L)"), "h2ull");
/// assert_eq!(normalize("Ｅｑｕｉｐ. Ｎｏ"), "equipno");
/// assert_eq!(normalize("수소 (H2)"), "수소h2");
/// ```
pub fn normalize(header: &str) -> String {
    let kept: Vec<char> = folded_chars(header)
        .into_iter()
        .filter(|c| c.is_alphanumeric())
        .collect();
    compose_jamo(&kept).into_iter().collect()
}

/// The header's characters, jamo composed, folded (see [`normalize`]) and lowercased;
/// punctuation and spaces are kept.
pub(super) fn folded_chars(header: &str) -> Vec<char> {
    let raw: Vec<char> = header.chars().collect();
    let mut folded = String::with_capacity(header.len());
    for c in compose_jamo(&raw) {
        fold_char(c, &mut folded);
    }
    folded.chars().flat_map(char::to_lowercase).collect()
}

fn fold_char(c: char, out: &mut String) {
    let code = u32::from(c);
    let mapped: Option<char> = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(code - 0xFEE0),
        '\u{3000}' | '\u{318D}' | '\u{00B7}' | '\u{30FB}' | '\u{2027}' => Some(' '),
        '\u{2080}'..='\u{2089}' => char::from_digit(code - 0x2080, 10),
        '\u{2070}' => Some('0'),
        '\u{00B9}' => Some('1'),
        '\u{00B2}' => Some('2'),
        '\u{00B3}' => Some('3'),
        '\u{2074}'..='\u{2079}' => char::from_digit(code - 0x2070, 10),
        '\u{00B5}' | '\u{03BC}' | '\u{039C}' => Some('u'),
        '\u{2113}' => Some('l'),
        '\u{2044}' | '\u{2215}' => Some('/'),
        '\u{FE6A}' => Some('%'),
        '\u{3010}' | '\u{3016}' => Some('['),
        '\u{3011}' | '\u{3017}' => Some(']'),
        '\u{3014}' => Some('('),
        '\u{3015}' => Some(')'),
        _ => None,
    };
    if let Some(mapped) = mapped {
        out.push(mapped);
        return;
    }
    match c {
        '\u{3395}' => out.push_str("ul"),
        '\u{3396}' => out.push_str("ml"),
        '\u{33D9}' => out.push_str("ppm"),
        '\u{2116}' | '#' => out.push_str(" no "),
        _ => out.push(c),
    }
}

/// Composes conjoining Hangul jamo (as macOS sometimes stores text) into syllables.
pub(super) fn compose_jamo(chars: &[char]) -> Vec<char> {
    const S_BASE: u32 = 0xAC00;
    const L_BASE: u32 = 0x1100;
    const V_BASE: u32 = 0x1161;
    const T_BASE: u32 = 0x11A7;
    const L_COUNT: u32 = 19;
    const V_COUNT: u32 = 21;
    const T_COUNT: u32 = 28;
    const S_COUNT: u32 = L_COUNT * V_COUNT * T_COUNT;

    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for &c in chars {
        let code = u32::from(c);
        if let Some(&last) = out.last() {
            let last_code = u32::from(last);
            // L + V → LV
            if (L_BASE..L_BASE + L_COUNT).contains(&last_code)
                && (V_BASE..V_BASE + V_COUNT).contains(&code)
            {
                let syllable =
                    S_BASE + ((last_code - L_BASE) * V_COUNT + (code - V_BASE)) * T_COUNT;
                if let Some(syllable) = char::from_u32(syllable) {
                    out.pop();
                    out.push(syllable);
                    continue;
                }
            }
            // LV + T → LVT
            if (S_BASE..S_BASE + S_COUNT).contains(&last_code)
                && (last_code - S_BASE).is_multiple_of(T_COUNT)
                && (T_BASE + 1..T_BASE + T_COUNT).contains(&code)
                && let Some(syllable) = char::from_u32(last_code + (code - T_BASE))
            {
                out.pop();
                out.push(syllable);
                continue;
            }
        }
        out.push(c);
    }
    out
}

pub(super) fn is_hangul(c: char) -> bool {
    matches!(
        c,
        '\u{AC00}'..='\u{D7A3}'
            | '\u{1100}'..='\u{11FF}'
            | '\u{3130}'..='\u{318F}'
            | '\u{A960}'..='\u{A97F}'
            | '\u{D7B0}'..='\u{D7FF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalize_folds_typography() {
        assert_eq!(normalize("H₂"), "h2");
        assert_eq!(normalize("C₂H₄"), "c2h4");
        assert_eq!(normalize("CO²"), "co2");
        assert_eq!(normalize("⁰¹²³⁴⁵⁶⁷⁸⁹"), "0123456789");
        assert_eq!(normalize("₀₁₂₃₄₅₆₇₈₉"), "0123456789");
        assert_eq!(normalize("Ｈ２ （ｐｐｍ）"), "h2ppm");
        assert_eq!(normalize("µL/L"), "ull");
        assert_eq!(normalize("μL/L"), "ull");
        assert_eq!(normalize("ΜL/L"), "ull");
        assert_eq!(normalize("㎕/ℓ"), "ull");
        assert_eq!(normalize("Equip. No"), "equipno");
        assert_eq!(normalize("S/S"), "ss");
        assert_eq!(normalize("  Date\tSampled\u{00A0}"), "datesampled");
        assert_eq!(normalize("Tag #"), "tagno");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("()[]%/.-"), "");
    }

    #[test]
    fn normalize_keeps_hangul() {
        assert_eq!(normalize("수소(H2)"), "수소h2");
        assert_eq!(normalize("변전소 명"), "변전소명");
        assert_eq!(normalize("탭절환기ㆍ연통"), "탭절환기연통");
        // Decomposed jamo (NFD) compose to the same syllables.
        assert_eq!(normalize("\u{1109}\u{116E}\u{1109}\u{1169}"), "수소");
        assert_eq!(normalize("\u{1107}\u{1167}\u{11AB}"), "변");
        assert_eq!(
            normalize("\u{1109}\u{116E}-\u{1109}\u{1169}"),
            normalize("수소")
        );
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent_and_clean(header in any::<String>()) {
            let once = normalize(&header);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(once.chars().all(char::is_alphanumeric));
            prop_assert!(!once.contains('|'));
        }
    }
}
