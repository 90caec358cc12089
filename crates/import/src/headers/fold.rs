//! Character folding for headers: full-width forms, sub- and superscripts, micro signs, jamo.

/// Normalises a header for comparison: folded ([`crate::fold`]: NFKC and the look-alikes, so
/// `Ｈ２`, `H₂`, `µL/L`, `㎕/ℓ` and decomposed Hangul read as `H2`, `uL/L`, `ul/l` and
/// syllables), `#` and `№` read as "no", lowercased, and every character that is not a letter or
/// digit removed (spaces, punctuation, brackets, middle dots). Hangul stays.
///
/// ```
/// use substation_import::headers::normalize;
/// assert_eq!(normalize("H₂ (µL/L)"), "h2ull");
/// assert_eq!(normalize("Ｅｑｕｉｐ. Ｎｏ"), "equipno");
/// assert_eq!(normalize("수소 (H2)"), "수소h2");
/// ```
pub fn normalize(header: &str) -> String {
    let kept: String = folded_chars(header)
        .into_iter()
        .filter(|c| c.is_alphanumeric())
        .collect();
    // Jamo that punctuation kept apart compose once it is gone.
    crate::fold::compose(&kept)
}

/// The header's characters folded (see [`normalize`]) and lowercased; punctuation and spaces
/// are kept.
pub(super) fn folded_chars(header: &str) -> Vec<char> {
    // Before folding: NFKC would make `№` a bare `No`, joined to the word before it.
    crate::fold::fold(&header.replace(['#', '№'], " no "))
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
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
        assert_eq!(normalize("Tag№"), "tagno");
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
