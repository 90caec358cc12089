//! The one folding of look-alike characters, for headers and for cell text: Unicode NFKC
//! (the `unicode-normalization` crate), then the few look-alikes NFKC leaves apart.
//!
//! NFKC turns full-width forms (`１２．５`, `Ｈ２`, `％`, `＜`) into ASCII, every kind of space
//! (no-break, thin, ideographic) into a plain space, sub- and superscript digits (`H₂`, `CO²`)
//! into digits, `ℓ` into `l`, the squared units `㎕ ㎖ ㏙` into `μl ml PPM`, `№` into `No`, and
//! composes decomposed Hangul (as macOS stores some file names and text) into syllables. What
//! it keeps apart and workbooks still mix up is [`look_alike`]'s.

use unicode_normalization::UnicodeNormalization;

/// `text` in NFKC with the look-alikes folded. ASCII text is returned as it is (NFKC and the
/// table leave ASCII alone), so the common case costs one scan.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    // Composed again: a zero-width character dropped may bring jamo together.
    text.nfkc().filter_map(look_alike).nfc().collect()
}

/// [`fold`] for cell text, which keeps the numeric decorations NFKC would turn into digits: a
/// superscript footnote mark (`12.5¹`), a subscript, a circled number (`①`), a vulgar fraction
/// (`½`) stay what they are, so that such a cell is refused as not a number rather than read
/// as another one (`12.51`). Full-width digits (`１２．５`) are folded: they are the number.
pub(crate) fn fold_cell(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    if !text.chars().any(numeric_decoration) {
        return fold(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if numeric_decoration(c) {
            out.push_str(&fold(&run));
            run.clear();
            out.push(c);
        } else {
            run.push(c);
        }
    }
    out.push_str(&fold(&run));
    out
}

/// A character Unicode counts as numeric that is not a plain or full-width digit.
fn numeric_decoration(c: char) -> bool {
    c.is_numeric() && !c.is_ascii_digit() && !('\u{FF10}'..='\u{FF19}').contains(&c)
}

/// Composes `text` (NFC): for Hangul jamo that folding and filtering brought together.
pub(crate) fn compose(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    text.nfc().collect()
}

/// What NFKC leaves apart: zero-width characters go; dashes and the minus sign are `-`;
/// curly apostrophes (the Swiss thousands separator) `'`; the micro sign (Greek mu after
/// NFKC) `u`, as units are written in ASCII (`uL/L`); middle dots a space; fraction and
/// division slashes `/`; CJK brackets ASCII ones.
fn look_alike(c: char) -> Option<char> {
    Some(match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        '\u{03BC}' | '\u{039C}' => 'u',
        // The Hangul middle dot (ㆍ) is U+119E after NFKC.
        '\u{318D}' | '\u{119E}' | '\u{00B7}' | '\u{30FB}' | '\u{2027}' => ' ',
        '\u{2044}' | '\u{2215}' => '/',
        '\u{3010}' | '\u{3016}' => '[',
        '\u{3011}' | '\u{3017}' => ']',
        '\u{3014}' => '(',
        '\u{3015}' => ')',
        c => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn look_alikes_fold_onto_ascii() {
        assert_eq!(fold("１２．５ ％"), "12.5 %");
        assert_eq!(fold("H₂ (µL/L)"), "H2 (uL/L)");
        assert_eq!(fold("㎕/ℓ"), "ul/l");
        assert_eq!(fold("㏙"), "PPM");
        assert_eq!(fold("1\u{00A0}234\u{202F}5"), "1 234 5");
        assert_eq!(fold("\u{FEFF}12\u{200B}"), "12");
        assert_eq!(fold("\u{2212}3 – 4"), "-3 - 4");
        assert_eq!(fold("1’234"), "1'234");
        assert_eq!(fold("＜0.5"), "<0.5");
        assert_eq!(fold("탭절환기ㆍ연통"), "탭절환기 연통");
        assert_eq!(fold("【H2】〔ppm〕"), "[H2](ppm)");
        // Decomposed Hangul composes.
        assert_eq!(fold("\u{1109}\u{116E}\u{1109}\u{1169}"), "수소");
        assert_eq!(fold("plain ASCII"), "plain ASCII");
    }

    #[test]
    fn cells_keep_the_decorations_that_would_become_other_numbers() {
        assert_eq!(fold_cell("12.5¹"), "12.5¹");
        assert_eq!(fold_cell("①"), "①");
        assert_eq!(fold_cell("½"), "½");
        assert_eq!(fold_cell("35² ppm"), "35² ppm");
        assert_eq!(fold_cell("１２．５ ㎕/ℓ¹"), "12.5 ul/l¹");
        assert_eq!(fold_cell("＜0.5"), "<0.5");
        // Headers fold them: H₂ is H2.
        assert_eq!(fold("H₂"), "H2");
    }

    proptest! {
        #[test]
        fn folding_twice_is_folding_once(text in any::<String>()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
        }
    }
}
