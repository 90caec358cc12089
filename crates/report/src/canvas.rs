//! Pages as lists of drawing operations, laid out first and written to PDF after, so every
//! page's footer can say "page 3 of 7". Coordinates are PDF points from the page's top left,
//! y growing downwards (krilla's convention); text is placed by its baseline.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke, StrokeDash};

use crate::ReportError;
use crate::fonts::{Face, Fonts};

/// A4 portrait, in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN: f32 = 40.0;
/// The body's lowest baseline: the footer sits below it.
pub const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 14.0;
pub const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const BLACK: Rgb = Rgb(0x1d, 0x23, 0x2b);
pub const MUTED: Rgb = Rgb(0x5c, 0x66, 0x70);
pub const RULE: Rgb = Rgb(0xc9, 0xcf, 0xd6);
pub const SHADE: Rgb = Rgb(0xee, 0xf1, 0xf4);

/// A text's look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: Rgb,
}

impl Style {
    pub const fn new(size: f32, bold: bool, color: Rgb) -> Style {
        Style { size, bold, color }
    }
}

/// A line's look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pen {
    pub color: Rgb,
    pub width: f32,
    pub dashed: bool,
}

impl Pen {
    pub const fn solid(color: Rgb, width: f32) -> Pen {
        Pen {
            color,
            width,
            dashed: false,
        }
    }
    pub const fn dashed(color: Rgb, width: f32) -> Pen {
        Pen {
            color,
            width,
            dashed: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Shape {
        points: Vec<(f32, f32)>,
        closed: bool,
        fill: Option<Rgb>,
        pen: Option<Pen>,
    },
}

/// One page's drawing operations.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub ops: Vec<Op>,
}

impl Page {
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        if !text.is_empty() {
            self.ops.push(Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text: text.to_owned(),
            });
        }
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), pen: Pen) {
        self.polyline(vec![from, to], pen);
    }

    pub fn polyline(&mut self, points: Vec<(f32, f32)>, pen: Pen) {
        if points.len() >= 2 {
            self.ops.push(Op::Shape {
                points,
                closed: false,
                fill: None,
                pen: Some(pen),
            });
        }
    }

    pub fn polygon(&mut self, points: Vec<(f32, f32)>, fill: Option<Rgb>, pen: Option<Pen>) {
        if points.len() >= 3 {
            self.ops.push(Op::Shape {
                points,
                closed: true,
                fill,
                pen,
            });
        }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, pen: Option<Pen>) {
        self.polygon(
            vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            fill,
            pen,
        );
    }

    /// A small filled diamond: a marker on a plot.
    pub fn marker(&mut self, x: f32, y: f32, r: f32, fill: Rgb, pen: Option<Pen>) {
        self.polygon(
            vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
            Some(fill),
            pen,
        );
    }

    /// Text ending at `right`.
    pub fn text_right(
        &mut self,
        fonts: &Fonts,
        right: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: &str,
    ) {
        let w = fonts.regular.width(text, size);
        self.text(right - w, y, size, false, color, text);
    }

    /// Text centred on `x`.
    pub fn text_centred(&mut self, fonts: &Fonts, (x, y): (f32, f32), style: Style, text: &str) {
        let w = fonts.face(style.bold).width(text, style.size);
        self.text(x - w / 2.0, y, style.size, style.bold, style.color, text);
    }
}

impl Fonts {
    pub(crate) fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// What the writer puts on every page and in the document's properties.
pub struct Frame<'a> {
    pub title: &'a str,
    /// Left of the footer: what and when.
    pub footer: &'a str,
    /// `{page}` and `{pages}` are replaced.
    pub page_of: &'a str,
    pub language: &'a str,
}

fn colour(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

/// Writes the pages as one PDF.
pub fn write_pdf(pages: &[Page], fonts: &Fonts, frame: &Frame<'_>) -> Result<Vec<u8>, ReportError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(frame.title.to_owned())
            .language(frame.language.to_owned())
            .creator(format!("Substation Bulk {}", env!("CARGO_PKG_VERSION"))),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(ReportError::Layout("page size"))?;
    let total = pages.len().to_string();
    for (number, page) in pages.iter().enumerate() {
        let mut footer = Page::default();
        let y = PAGE_H - MARGIN + 4.0;
        footer.line(
            (MARGIN, y - 10.0),
            (PAGE_W - MARGIN, y - 10.0),
            Pen::solid(RULE, 0.5),
        );
        footer.text(MARGIN, y, 7.5, false, MUTED, frame.footer);
        let page_of = frame
            .page_of
            .replace("{page}", &(number + 1).to_string())
            .replace("{pages}", &total);
        footer.text_right(fonts, PAGE_W - MARGIN, y, 7.5, MUTED, &page_of);

        let mut pdf_page = document.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();
        for op in page.ops.iter().chain(footer.ops.iter()) {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    color,
                    text,
                } => {
                    surface.set_fill(Some(Fill {
                        paint: colour(*color),
                        ..Fill::default()
                    }));
                    surface.set_stroke(None);
                    let face = fonts.face(*bold);
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &face.glyphs(text),
                        face.font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Op::Shape {
                    points,
                    closed,
                    fill,
                    pen,
                } => {
                    let mut builder = PathBuilder::new();
                    let mut points = points.iter();
                    let Some((x0, y0)) = points.next() else {
                        continue;
                    };
                    builder.move_to(*x0, *y0);
                    for (x, y) in points {
                        builder.line_to(*x, *y);
                    }
                    if *closed {
                        builder.close();
                    }
                    let Some(path) = builder.finish() else {
                        continue;
                    };
                    surface.set_fill(fill.map(|c| Fill {
                        paint: colour(c),
                        ..Fill::default()
                    }));
                    surface.set_stroke(pen.map(|p| Stroke {
                        paint: colour(p.color),
                        width: p.width,
                        line_cap: LineCap::Round,
                        line_join: LineJoin::Round,
                        opacity: NormalizedF32::ONE,
                        dash: p.dashed.then(|| StrokeDash {
                            array: vec![3.0, 2.0],
                            offset: 0.0,
                        }),
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}
