//! Plain-text tables for the terminal, aligned by display width (Hangul is two columns wide).

use unicode_width::UnicodeWidthStr;

/// The header line and one line per row, columns padded to their widest cell; the last column
/// is not padded, so long texts do not drag trailing spaces.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.width())
                .chain([header[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(&widths)
            .map(|(cell, width)| {
                format!("{cell}{}", " ".repeat(width.saturating_sub(cell.width())))
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    std::iter::once(line(&mut header.iter().copied()))
        .chain(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width() {
        let lines = render(
            &["ID", "NAME", "NOTE"],
            &[
                vec!["T-1".into(), "동서울".into(), "x".into()],
                vec!["TR-22".into(), "A".into(), "".into()],
            ],
        );
        assert_eq!(
            lines,
            ["ID     NAME    NOTE", "T-1    동서울  x", "TR-22  A"]
        );
    }
}
