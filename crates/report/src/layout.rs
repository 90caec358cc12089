//! Flowing content down pages: headings, wrapped paragraphs, label–value grids and tables
//! whose header repeats on each page they run onto. Lines break at spaces only, as Korean is
//! written (a word never splits between syllables); a word wider than its column, which only a
//! long code or number would be, breaks between characters.

use crate::canvas::{BLACK, BODY_BOTTOM, BODY_W, MARGIN, MUTED, Page, Pen, RULE, Rgb, SHADE};
use crate::fonts::Fonts;

pub const BODY: f32 = 8.5;
pub const SMALL: f32 = 7.5;
const LEADING: f32 = 1.35;

/// Lines of `text` no wider than `width` at `size`.
pub fn wrap(fonts: &Fonts, bold: bool, text: &str, size: f32, width: f32) -> Vec<String> {
    let face = fonts.face(bold);
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in paragraph.split_whitespace() {
            let word_w = face.width(word, size);
            if !line.is_empty() && line_w + space + word_w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            // Too wide alone: character by character.
            line_w = 0.0;
            for c in word.chars() {
                let c_w = face.width(c.encode_utf8(&mut [0; 4]), size);
                if !line.is_empty() && line_w + c_w > width {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += c_w;
            }
        }
        lines.push(line);
    }
    lines
}

pub fn line_height(size: f32) -> f32 {
    size * LEADING
}

/// A table column: its share of the width and whether numbers sit right.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub share: f32,
    pub right: bool,
}

/// A table cell: text, and optionally a background or a bold face.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub bold: bool,
    pub fill: Option<Rgb>,
    pub color: Option<Rgb>,
    /// A bar across this share (0–1) of the cell, in `fill`'s colour.
    pub bar: Option<f32>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            ..Cell::default()
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_owned())
    }
}

/// The pages being filled, and where the next thing goes.
pub struct Flow<'f> {
    pub fonts: &'f Fonts,
    pub pages: Vec<Page>,
    /// The top of the free space on the current page.
    pub y: f32,
}

impl<'f> Flow<'f> {
    pub fn new(fonts: &'f Fonts) -> Flow<'f> {
        Flow {
            fonts,
            pages: vec![Page::default()],
            y: MARGIN,
        }
    }

    pub fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn need(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    pub fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// A page title with a line under it.
    pub fn title(&mut self, text: &str, subtitle: &str) {
        self.need(44.0);
        let y = self.y + 16.0;
        // A long name is set smaller rather than run off the page.
        let natural = self.fonts.bold.width(text, 16.0);
        let size = if natural > BODY_W {
            (16.0 * BODY_W / natural).max(9.0)
        } else {
            16.0
        };
        self.page().text(MARGIN, y, size, true, BLACK, text);
        let mut bottom = y + 5.0;
        if !subtitle.is_empty() {
            self.page()
                .text(MARGIN, y + 14.0, BODY, false, MUTED, subtitle);
            bottom = y + 19.0;
        }
        self.page().line(
            (MARGIN, bottom),
            (MARGIN + BODY_W, bottom),
            Pen::solid(BLACK, 0.8),
        );
        self.y = bottom + 10.0;
    }

    /// A section heading, kept with at least `keep` points of what follows.
    pub fn heading(&mut self, text: &str, keep: f32) {
        self.need(22.0 + keep);
        let y = self.y + 11.0;
        self.page().text(MARGIN, y, 10.5, true, BLACK, text);
        self.page().line(
            (MARGIN, y + 3.5),
            (MARGIN + BODY_W, y + 3.5),
            Pen::solid(RULE, 0.5),
        );
        self.y = y + 10.0;
    }

    /// Wrapped text across `width` from `x`.
    pub fn paragraph_at(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        size: f32,
        bold: bool,
        color: Rgb,
    ) {
        let lines = wrap(self.fonts, bold, text, size, width);
        let h = line_height(size);
        for line in lines {
            self.need(h);
            let y = self.y + size;
            self.page().text(x, y, size, bold, color, &line);
            self.y += h;
        }
    }

    pub fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: Rgb) {
        self.paragraph_at(MARGIN, BODY_W, text, size, bold, color);
    }

    /// Label–value pairs in `columns` columns, labels muted.
    pub fn grid(&mut self, pairs: &[(String, String)], columns: usize) {
        let columns = columns.max(1);
        let col_w = BODY_W / columns as f32;
        let label_w = (col_w * 0.42).min(120.0);
        let h = line_height(BODY);
        for row in pairs.chunks(columns) {
            let heights: Vec<usize> = row
                .iter()
                .map(|(_, v)| wrap(self.fonts, false, v, BODY, col_w - label_w - 8.0).len())
                .collect();
            let lines = heights.iter().copied().max().unwrap_or(1).max(1);
            self.need(h * lines as f32);
            let top = self.y;
            for (i, (label, value)) in row.iter().enumerate() {
                let x = MARGIN + col_w * i as f32;
                let fonts = self.fonts;
                let page = self.page();
                page.text(x, top + BODY, BODY, false, MUTED, label);
                for (n, line) in wrap(fonts, false, value, BODY, col_w - label_w - 8.0)
                    .iter()
                    .enumerate()
                {
                    page.text(
                        x + label_w,
                        top + BODY + h * n as f32,
                        BODY,
                        false,
                        BLACK,
                        line,
                    );
                }
            }
            self.y = top + h * lines as f32;
        }
    }

    /// A table with a shaded header that repeats on every page it runs onto.
    pub fn table(&mut self, columns: &[Column], header: &[Cell], rows: &[Vec<Cell>], size: f32) {
        let total: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let widths: Vec<f32> = columns.iter().map(|c| BODY_W * c.share / total).collect();
        let pad = 3.0;
        let h = line_height(size);
        let laid = |flow: &Flow<'_>, row: &[Cell]| -> Vec<Vec<String>> {
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| wrap(flow.fonts, cell.bold, &cell.text, size, w - 2.0 * pad))
                .collect()
        };
        let header_lines = laid(self, header);
        let header_h = header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * h + 2.0 * pad;
        let first_row_h = rows
            .first()
            .map(|r| laid(self, r).iter().map(Vec::len).max().unwrap_or(1) as f32 * h + 2.0 * pad)
            .unwrap_or(0.0);
        self.need(header_h + first_row_h);
        self.draw_row(columns, &widths, header, &header_lines, size, true);
        // The most lines a row may have and still fit on an empty page under its header.
        let most = (((BODY_BOTTOM - MARGIN - header_h - 2.0 * pad) / h).floor() as usize).max(1);
        for row in rows {
            let mut lines = laid(self, row);
            for cell in &mut lines {
                if cell.len() > most {
                    cell.truncate(most);
                    if let Some(last) = cell.last_mut() {
                        last.push('…');
                    }
                }
            }
            let row_h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * h + 2.0 * pad;
            if self.y + row_h > BODY_BOTTOM {
                self.new_page();
                self.draw_row(columns, &widths, header, &header_lines, size, true);
            }
            self.draw_row(columns, &widths, row, &lines, size, false);
        }
    }

    fn draw_row(
        &mut self,
        columns: &[Column],
        widths: &[f32],
        cells: &[Cell],
        lines: &[Vec<String>],
        size: f32,
        header: bool,
    ) {
        let pad = 3.0;
        let h = line_height(size);
        let row_h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * h + 2.0 * pad;
        let top = self.y;
        let fonts = self.fonts;
        let page = self.page();
        if header {
            page.rect(MARGIN, top, BODY_W, row_h, Some(SHADE), None);
        }
        let mut x = MARGIN;
        for (((cell, cell_lines), w), column) in cells.iter().zip(lines).zip(widths).zip(columns) {
            match (cell.bar, cell.fill) {
                (Some(share), fill) => {
                    let bar_w = (w - 2.0 * pad) * share.clamp(0.0, 1.0);
                    page.rect(
                        x + pad,
                        top + 3.0,
                        bar_w,
                        row_h - 6.0,
                        Some(fill.unwrap_or(RULE)),
                        None,
                    );
                }
                (None, Some(fill)) => {
                    page.rect(x + 1.0, top + 1.0, w - 2.0, row_h - 2.0, Some(fill), None);
                }
                (None, None) => {}
            }
            let bold = cell.bold || header;
            let color = cell.color.unwrap_or(if header { MUTED } else { BLACK });
            for (n, line) in cell_lines.iter().enumerate() {
                let y = top + pad + size + h * n as f32 - 1.0;
                if column.right {
                    let lw = fonts.face(bold).width(line, size);
                    page.text(x + w - pad - lw, y, size, bold, color, line);
                } else {
                    page.text(x + pad, y, size, bold, color, line);
                }
            }
            x += w;
        }
        page.line(
            (MARGIN, top + row_h),
            (MARGIN + BODY_W, top + row_h),
            Pen::solid(RULE, 0.4),
        );
        self.y = top + row_h;
    }

    /// Room of `height` for a drawing, on this page or the next; returns its top.
    pub fn block(&mut self, height: f32) -> f32 {
        self.need(height);
        let top = self.y;
        self.y += height;
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_breaks_between_words_never_inside_one_and_every_line_fits() {
        let fonts = Fonts::discover().expect("a font with Hangul");
        let text = "즉시 전문가 검토를 받고 운전 정지를 검토하십시오. 7일 이내에 재채취하십시오.";
        let width = 120.0;
        let lines = wrap(&fonts, false, text, BODY, width);
        assert!(lines.len() > 1, "{lines:?}");
        let words: Vec<&str> = text.split(' ').collect();
        let rejoined: Vec<&str> = lines.iter().flat_map(|l| l.split(' ')).collect();
        assert_eq!(rejoined, words, "every word whole, in order");
        for line in &lines {
            assert!(
                fonts.regular.width(line, BODY) <= width,
                "{line:?} overflows"
            );
        }
        // A word wider than the column (a long code) breaks between characters.
        let long = "TR-0000000000000000000000000000000000000000";
        let lines = wrap(&fonts, true, long, BODY, 40.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
    }
}
