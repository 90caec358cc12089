//! Printable reports of what the cache holds, as PDF, in English or Korean: one transformer
//! (`asset_report`) or a selection of the fleet (`fleet_report`). Both read through the store's
//! reader, so a report says what the app shows; both are laid out here (`layout`, `charts`) and
//! written with krilla, set in a font of the computer that has Hangul (`Fonts::discover`).
//!
//! Why our own layout rather than Typst: the report is a fixed form (a title, a verdict band,
//! tables, two Duval plots and small trend charts), Typst breaks Korean lines between syllables
//! and would roughly double the installer; the layout here breaks lines at spaces only.

mod asset;
mod canvas;
mod charts;
mod fleet;
mod fonts;
mod gather;
mod layout;
mod logbook;
mod words;

use substation_store::{FleetQuery, Reader, StoreError};

pub use fonts::Fonts;
pub use words::{Lang, WORDS};

/// Why a report could not be made, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no transformer {0} in the cache")]
    NoSuchAsset(String),
    #[error("no transformer in the cache matches the selection")]
    EmptySelection,
    #[error(
        "no font with Korean letters was found on this computer (looked for Malgun Gothic, Apple SD Gothic Neo, Noto Sans CJK KR)"
    )]
    NoKoreanFont,
    #[error("font {path} cannot be used: {why}")]
    FontUnusable { path: String, why: String },
    #[error("the report could not be laid out: {0}")]
    Layout(&'static str),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReportError {
    /// Every code [`ReportError::code`] gives (the store's are the store's).
    pub const CODES: &'static [&'static str] = &[
        "no_such_asset",
        "empty_selection",
        "no_korean_font",
        "font_unusable",
        "layout",
        "pdf_unwritable",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NoSuchAsset(_) => "no_such_asset",
            ReportError::EmptySelection => "empty_selection",
            ReportError::NoKoreanFont => "no_korean_font",
            ReportError::FontUnusable { .. } => "font_unusable",
            ReportError::Layout(_) => "layout",
            ReportError::Pdf(_) => "pdf_unwritable",
            ReportError::Store(e) => e.code(),
        }
    }
}

/// A report made.
#[derive(Debug, Clone)]
pub struct Report {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Transformers listed (fleet) or reported (one).
    pub transformers: usize,
    /// Transformers with pages of their own.
    pub detailed: usize,
}

/// How a report is written.
#[derive(Debug, Clone)]
pub struct Options {
    pub lang: Lang,
    /// When it was made, as printed in the footer (the host's local time).
    pub generated: String,
    /// The host's local date, for telling an overdue sample.
    pub today: chrono::NaiveDate,
}

impl Options {
    /// A report made now: the footer's time and the date an overdue sample is told by are the
    /// computer's local ones.
    pub fn now(lang: Lang) -> Options {
        let now = chrono::Local::now();
        Options {
            lang,
            generated: now.format("%Y-%m-%d %H:%M").to_string(),
            today: now.date_naive(),
        }
    }
}

fn finish(
    flow: layout::Flow<'_>,
    fonts: &Fonts,
    title: &str,
    options: &Options,
) -> Result<(Vec<u8>, usize), ReportError> {
    let footer = format!(
        "{title} · {}",
        options.lang.tf(
            "report.generated",
            &[
                ("time", &options.generated),
                ("version", env!("CARGO_PKG_VERSION")),
            ],
        )
    );
    let page_of = options.lang.t("report.page_of");
    let frame = canvas::Frame {
        title,
        footer: &footer,
        page_of: &page_of,
        language: options.lang.tag(),
    };
    let pages = flow.pages.len();
    Ok((canvas::write_pdf(&flow.pages, fonts, &frame)?, pages))
}

/// One transformer's report.
pub fn asset_report(
    reader: &Reader,
    asset_id: &str,
    fonts: &Fonts,
    options: &Options,
) -> Result<Report, ReportError> {
    let data = gather::asset(reader, asset_id, &gather::run_engines(reader)?)?;
    let mut flow = layout::Flow::new(fonts);
    asset::pages(&mut flow, &data, options.lang, options.today);
    let title = format!("{} {}", options.lang.t("report.asset_title"), data.asset.id);
    let (pdf, pages) = finish(flow, fonts, &title, options)?;
    Ok(Report {
        pdf,
        pages,
        transformers: 1,
        detailed: 1,
    })
}

/// The fleet report of the transformers `query` selects (its paging is ignored).
pub fn fleet_report(
    reader: &Reader,
    query: &FleetQuery,
    fonts: &Fonts,
    options: &Options,
) -> Result<Report, ReportError> {
    let rows = fleet::rows(reader, query)?;
    if rows.is_empty() {
        return Err(ReportError::EmptySelection);
    }
    let selection = fleet::describe(query, options.lang);
    let mut flow = layout::Flow::new(fonts);
    let detailed = fleet::pages(
        &mut flow,
        reader,
        &rows,
        &selection,
        options.lang,
        options.today,
    )?;
    let title = options.lang.t("report.fleet_title");
    let (pdf, pages) = finish(flow, fonts, &title, options)?;
    Ok(Report {
        pdf,
        pages,
        transformers: rows.len(),
        detailed,
    })
}
