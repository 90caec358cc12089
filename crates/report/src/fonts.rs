//! The font a report is set in: one family that has both Hangul and Latin, found among the
//! computer's own fonts (Malgun Gothic on Windows, Apple SD Gothic Neo on macOS, Noto Sans CJK
//! KR on Linux), so the installer carries no 15 MB CJK font. Nothing found is an error, never a
//! page of empty boxes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fontdb::{Database, Family, Query, Source, Weight};

use crate::ReportError;

/// Families tried in order: the one each OS ships, then common alternatives.
const FAMILIES: [&str; 7] = [
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans K",
    "NanumGothic",
    "Nanum Gothic",
];

/// Files where those families usually are, read first so the common case needs no scan of
/// every installed font.
const KNOWN_FILES: [&str; 9] = [
    "C:\\Windows\\Fonts\\malgun.ttf",
    "C:\\Windows\\Fonts\\malgunbd.ttf",
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
];

/// Characters every face must draw: Hangul, Latin, digits and the signs the report prints.
const MUST_DRAW: &str = "가힣한글Aa0·–—°≤≥";

/// One face of the report's font: what krilla embeds, and its advances for laying out.
#[derive(Clone)]
pub struct Face {
    pub(crate) font: krilla::text::Font,
    data: Arc<Vec<u8>>,
    index: u32,
    units_per_em: f32,
    /// (glyph id, advance width in font units) of the first 0x3400 code points (Latin,
    /// punctuation, symbols) and of the Hangul syllables, looked up once.
    low: Arc<Vec<(u16, u16)>>,
    hangul: Arc<Vec<(u16, u16)>>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").field("index", &self.index).finish()
    }
}

const LOW_END: u32 = 0x3400;
const HANGUL_START: u32 = 0xAC00;
const HANGUL_END: u32 = 0xD7A4;

impl Face {
    fn load(data: Arc<Vec<u8>>, index: u32, path: &Path) -> Result<Face, ReportError> {
        let unusable = |why: &str| ReportError::FontUnusable {
            path: path.display().to_string(),
            why: why.to_owned(),
        };
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| unusable(&e.to_string()))?;
        if let Some(missing) = MUST_DRAW.chars().find(|c| face.glyph_index(*c).is_none()) {
            return Err(unusable(&format!("it has no glyph for {missing:?}")));
        }
        let glyph = |code: u32| char::from_u32(code).map_or((0, 0), |c| lookup(&face, c));
        let low = (0..LOW_END).map(glyph).collect();
        let hangul = (HANGUL_START..HANGUL_END).map(glyph).collect();
        let units_per_em = f32::from(face.units_per_em());
        let font = krilla::text::Font::new(data.clone().into(), index)
            .ok_or_else(|| unusable("the PDF writer cannot read it"))?;
        Ok(Face {
            font,
            data,
            index,
            units_per_em,
            low: Arc::new(low),
            hangul: Arc::new(hangul),
        })
    }

    /// The glyph of each character of `text` (id and advance in font units); glyph 0 where
    /// the font has none (the faces are checked for Hangul and Latin when loaded).
    fn each_glyph(&self, text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, (u16, u16))> {
        // Rare characters (CJK ideographs, Hangul jamo) are looked up in the font, parsed once
        // per string that has them.
        let mut parsed: Option<Option<ttf_parser::Face<'_>>> = None;
        text.char_indices().map(move |(at, c)| {
            let code = u32::from(c);
            let glyph = if code < LOW_END {
                self.low[code as usize]
            } else if (HANGUL_START..HANGUL_END).contains(&code) {
                self.hangul[(code - HANGUL_START) as usize]
            } else {
                parsed
                    .get_or_insert_with(|| ttf_parser::Face::parse(&self.data, self.index).ok())
                    .as_ref()
                    .map_or((0, 0), |face| lookup(face, c))
            };
            (at..at + c.len_utf8(), glyph)
        })
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = self.each_glyph(text).map(|(_, (_, a))| u32::from(a)).sum();
        units as f32 * size / self.units_per_em
    }

    /// `text` as glyphs placed one after another, as `width` measures it (no kerning, no
    /// ligatures: the report's words are set as the layout measured them).
    pub(crate) fn glyphs(&self, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        self.each_glyph(text)
            .map(|(range, (id, advance))| {
                krilla::text::KrillaGlyph::new(
                    krilla::text::GlyphId::new(u32::from(id)),
                    f32::from(advance) / self.units_per_em,
                    0.0,
                    0.0,
                    0.0,
                    range,
                    None,
                )
            })
            .collect()
    }
}

fn lookup(face: &ttf_parser::Face<'_>, c: char) -> (u16, u16) {
    match face.glyph_index(c) {
        Some(glyph) => (glyph.0, face.glyph_hor_advance(glyph).unwrap_or(0)),
        // Drawn as the font's .notdef glyph, which takes its own width.
        None => (
            0,
            face.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(0),
        ),
    }
}

/// The regular and bold faces of the report font.
#[derive(Clone, Debug)]
pub struct Fonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
    /// The family and file used, for the report's colophon and the logs.
    pub family: String,
    pub path: PathBuf,
}

impl Fonts {
    /// The report font from the computer's fonts, or the file in `SUBSTATION_REPORT_FONT`
    /// (a .ttf/.otf/.ttc with Hangul) when that is set.
    pub fn discover() -> Result<Fonts, ReportError> {
        if let Some(path) = std::env::var_os("SUBSTATION_REPORT_FONT") {
            return Fonts::from_file(Path::new(&path));
        }
        let mut db = Database::new();
        for file in KNOWN_FILES {
            if Path::new(file).is_file() {
                // A known file that cannot be read is skipped; the scan below may find another.
                let _ = db.load_font_file(file);
            }
        }
        if let Some(Ok(fonts)) = pick(&db) {
            return Ok(fonts);
        }
        db.load_system_fonts();
        pick(&db).unwrap_or(Err(ReportError::NoKoreanFont))
    }

    /// The report font from one file (both faces the same when it has no bold).
    pub fn from_file(path: &Path) -> Result<Fonts, ReportError> {
        let mut db = Database::new();
        db.load_font_file(path)
            .map_err(|e| ReportError::FontUnusable {
                path: path.display().to_string(),
                why: e.to_string(),
            })?;
        let mut families: Vec<String> = db
            .faces()
            .filter_map(|f| f.families.first().map(|(name, _)| name.clone()))
            .collect();
        // A CJK collection holds the same design for several languages: Korean's first.
        families.sort_by_key(|f| !(f.ends_with(" KR") || f.ends_with(" K")));
        families.dedup();
        let mut last = None;
        for family in families {
            match pick_family(&db, &family) {
                Some(Ok(fonts)) => return Ok(fonts),
                Some(Err(error)) => last = Some(error),
                None => {}
            }
        }
        Err(last.unwrap_or_else(|| ReportError::FontUnusable {
            path: path.display().to_string(),
            why: "it holds no font".into(),
        }))
    }
}

/// The first of [`FAMILIES`] that loads; a family that is there but unusable (a broken file)
/// gives way to the next, and its error is kept for when none loads.
fn pick(db: &Database) -> Option<Result<Fonts, ReportError>> {
    let mut last = None;
    for family in FAMILIES {
        match pick_family(db, family) {
            Some(Ok(fonts)) => return Some(Ok(fonts)),
            Some(Err(error)) => last = Some(Err(error)),
            None => {}
        }
    }
    last
}

fn pick_family(db: &Database, family: &str) -> Option<Result<Fonts, ReportError>> {
    let families = [Family::Name(family)];
    let query = |weight| Query {
        families: &families,
        weight,
        ..Query::default()
    };
    let regular_id = db.query(&query(Weight::NORMAL))?;
    let bold_id = db
        .query(&query(Weight::BOLD))
        .filter(|id| db.face(*id).is_some_and(|f| f.weight >= Weight::SEMIBOLD))
        .unwrap_or(regular_id);
    Some(load_pair(db, family, regular_id, bold_id))
}

fn load_pair(
    db: &Database,
    family: &str,
    regular_id: fontdb::ID,
    bold_id: fontdb::ID,
) -> Result<Fonts, ReportError> {
    let (regular, path) = load_face(db, regular_id)?;
    let bold = if bold_id == regular_id {
        regular.clone()
    } else {
        load_face(db, bold_id)
            .map(|(face, _)| face)
            .unwrap_or_else(|_| regular.clone())
    };
    Ok(Fonts {
        regular,
        bold,
        family: family.to_owned(),
        path,
    })
}

fn load_face(db: &Database, id: fontdb::ID) -> Result<(Face, PathBuf), ReportError> {
    let Some((source, index)) = db.face_source(id) else {
        return Err(ReportError::NoKoreanFont);
    };
    let (data, path) = match source {
        Source::File(path) => {
            let data = std::fs::read(&path).map_err(|e| ReportError::FontUnusable {
                path: path.display().to_string(),
                why: e.to_string(),
            })?;
            (data, path)
        }
        Source::Binary(bytes) => ((*bytes).as_ref().to_vec(), PathBuf::new()),
    };
    let face = Face::load(Arc::new(data), index, &path)?;
    Ok((face, path))
}
