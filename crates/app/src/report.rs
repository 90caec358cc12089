//! PDF reports from the desktop: one transformer, or the fleet as the table is filtered,
//! written where the save dialog said, in the UI's language.

use std::path::Path;
use std::sync::OnceLock;

use substation_report::{Fonts, Lang, Options};

use crate::App;
use crate::error::Result;
use crate::views::{FleetFilter, ReportResult};

/// The report font, found once per process (scanning the system's fonts takes a moment).
fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    if let Some(fonts) = FONTS.get() {
        return Ok(fonts);
    }
    let found = Fonts::discover()?;
    Ok(FONTS.get_or_init(|| found))
}

impl App {
    /// One transformer's report (`asset`), or the fleet report of what `filter` selects
    /// (every row, not only the page shown), in `lang` (`en`, `ko`); the file is replaced
    /// whole or not at all.
    pub fn report(
        &self,
        path: &Path,
        asset: Option<&str>,
        filter: &FleetFilter,
        lang: &str,
    ) -> Result<ReportResult> {
        crate::file_name::named_for(path, "pdf")?;
        let reader = self.store()?.reader()?;
        let fonts = fonts()?;
        let options = Options::now(Lang::parse(lang));
        let report = match asset {
            Some(id) => substation_report::asset_report(&reader, id, fonts, &options)?,
            None => substation_report::fleet_report(
                &reader,
                &crate::review::fleet_query(filter),
                fonts,
                &options,
            )?,
        };
        substation_import::replace_file(path, &report.pdf)?;
        Ok(ReportResult {
            path: path.display().to_string(),
            pages: u32::try_from(report.pages).unwrap_or(u32::MAX),
            transformers: u32::try_from(report.transformers).unwrap_or(u32::MAX),
        })
    }
}
