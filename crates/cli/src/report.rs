//! `substation report`: a PDF of one transformer or of a fleet selection, from the cache.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use substation_report::{Fonts, Lang, Options};
use substation_store::FleetQuery;

use crate::error::CliError;

pub struct ReportArgs<'a> {
    pub db: &'a Path,
    pub out: &'a Path,
    pub json: bool,
    pub asset: Option<&'a str>,
    pub status: Option<u8>,
    pub substation: Option<String>,
    pub fault: Option<String>,
    pub lang: Option<&'a str>,
}

/// `--lang`, else the language of the environment (LC_ALL, LC_MESSAGES, LANG), else English.
fn language(given: Option<&str>) -> Lang {
    if let Some(given) = given {
        return Lang::parse(given);
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .map(|v| Lang::parse(&v))
        .unwrap_or_default()
}

pub fn run(args: &ReportArgs<'_>) -> Result<ExitCode, CliError> {
    let store = crate::open_existing(args.db)?;
    let reader = store.reader()?;
    let fonts = Fonts::discover()?;
    let options = Options::now(language(args.lang));
    let report = match args.asset {
        Some(id) => substation_report::asset_report(&reader, id, &fonts, &options)?,
        None => {
            let query = FleetQuery {
                status: args.status,
                substation: args.substation.clone(),
                fault: args.fault.clone(),
                include_undiagnosed: args.status.is_none() && args.fault.is_none(),
                ..FleetQuery::default()
            };
            substation_report::fleet_report(&reader, &query, &fonts, &options)?
        }
    };
    substation_import::replace_file(args.out, &report.pdf)?;
    let out: PathBuf = args.out.to_path_buf();
    if args.json {
        let body = serde_json::json!({
            "out": out,
            "pages": report.pages,
            "transformers": report.transformers,
            "detailed": report.detailed,
            "lang": options.lang.tag(),
            "font": fonts.family,
        });
        println!("{body}");
    } else {
        println!(
            "wrote {}: {} page(s), {} transformer(s), {} with pages of their own ({}, font {})",
            out.display(),
            report.pages,
            report.transformers,
            report.detailed,
            options.lang.tag(),
            fonts.family
        );
    }
    Ok(ExitCode::SUCCESS)
}
