//! `substation import` and `substation template`.

use std::ops::ControlFlow;
use std::path::Path;
use std::process::ExitCode;

use substation_import::headers::Mapping;
use substation_import::sink::{Collect, Discard};
use substation_import::values::DayOrder;
use substation_import::{
    BlankGas, Import, ImportError, ImportOptions, ImportedSample, MappingMemory, SampleSink,
    Severity, TextEncoding, import_file, import_into,
};

use crate::error::CliError;

/// How many issues the text output lists before pointing to `--json`.
const SHOWN_ISSUES: usize = 40;

pub struct ImportArgs<'a> {
    pub file: &'a Path,
    pub json: bool,
    pub mapping: Option<&'a Path>,
    pub encoding: Option<TextEncoding>,
    pub day_order: Option<DayOrder>,
    pub max_megabytes: Option<u64>,
    pub blank_gas: Option<BlankGas>,
    /// Where to store the result; `None` for a dry run.
    pub db: Option<std::path::PathBuf>,
}

pub fn run(args: &ImportArgs<'_>) -> Result<ExitCode, CliError> {
    let mut options = ImportOptions::new(chrono::Local::now().date_naive());
    options.encoding = args.encoding;
    options.day_order = args.day_order;
    options.blank_gas = args.blank_gas;
    if let Some(mb) = args.max_megabytes {
        options.max_file_bytes = mb.saturating_mul(1_000_000);
    }
    if let Some(path) = args.mapping {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: path.to_owned(),
            source,
        })?;
        options.mapping =
            serde_json::from_str::<Mapping>(&text).map_err(|source| CliError::NotJson {
                path: path.to_owned(),
                source,
            })?;
    }
    // Mappings given once are remembered for workbooks with the same header row. A memory
    // file that cannot be read or written costs the convenience, never the import.
    let memory_path = crate::data_dir().join("header-mappings.json");
    let mut memory = MappingMemory::load(&memory_path).unwrap_or_else(|error| {
        eprintln!("warning: remembered header mappings ignored: {error}");
        MappingMemory::default()
    });
    let explicit = options.mapping.clone();
    options.remembered = Some(&memory);
    // Stored while it is read: the writer inserts samples on its thread as this one parses,
    // and nothing but the summary is held. The samples are collected only for `--json`,
    // which lists them.
    let mut collect = args.json.then(Collect::default);
    let (import, stored) = match &args.db {
        Some(db) => {
            // A workbook that is not there (or is a folder) fails before the database is
            // made or opened.
            let is_file = std::fs::metadata(args.file).and_then(|metadata| {
                if metadata.is_file() {
                    Ok(())
                } else {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "not a file",
                    ))
                }
            });
            is_file.map_err(|source| ImportError::Unreadable {
                path: args.file.to_owned(),
                source,
            })?;
            let store = substation_store::Store::open(db)?;
            let mut session = store.import_session()?;
            let read = import_into(
                args.file,
                &options,
                &mut Tee {
                    first: &mut session,
                    second: collect.as_mut(),
                },
            );
            match read {
                Ok(import) if import.is_usable() => {
                    let outcome = session.finish(import.clone())?;
                    (import, Some(outcome))
                }
                Ok(import) => {
                    session.abandon();
                    (import, None)
                }
                Err(error) => {
                    // The writer's own failure, when it was the one that stopped the read.
                    return Err(match session.abandon() {
                        Some(stored) if matches!(error, ImportError::Cancelled) => stored.into(),
                        _ => error.into(),
                    });
                }
            }
        }
        None if args.json => (import_file(args.file, &options)?, None),
        None => (import_into(args.file, &options, &mut Discard)?, None),
    };
    let import = match collect {
        Some(collect) if args.db.is_some() => Import {
            samples: collect.into_samples(),
            ..import
        },
        _ => import,
    };
    drop(options);
    if args.json {
        let body = serde_json::json!({ "import": &import, "stored": stored });
        let text = serde_json::to_string_pretty(&body)
            .unwrap_or_else(|e| format!(r#"{{"error":{{"code":"internal","message":"{e}"}}}}"#));
        println!("{text}");
    } else {
        print_report(&import);
        if let (Some(outcome), Some(db)) = (stored, &args.db) {
            println!(
                "stored in {}: {} new and {} updated transformer(s), {} new and {} updated sample(s), {} unchanged",
                db.display(),
                outcome.assets_new,
                outcome.assets_updated,
                outcome.samples_new,
                outcome.samples_updated,
                outcome.samples_unchanged
            );
        }
    }
    if import.is_usable() && (!explicit.columns.is_empty() || args.blank_gas.is_some()) {
        memory.remember(&import, &explicit);
        if let Some(choice) = args.blank_gas {
            memory.remember_blank_gas(&import, choice);
        }
        if let Err(error) = memory.save(&memory_path) {
            eprintln!("warning: the header mapping could not be remembered: {error}");
        }
    }
    Ok(if import.is_usable() {
        ExitCode::SUCCESS
    } else {
        if !args.json {
            eprintln!(
                "error: nothing could be imported from {}",
                args.file.display()
            );
        }
        ExitCode::from(2)
    })
}

fn print_report(import: &Import) {
    let s = &import.summary;
    let span = match (s.first_sample, s.last_sample) {
        (Some(first), Some(last)) => format!(", {first} to {last}"),
        _ => String::new(),
    };
    println!(
        "{}: {} transformer(s), {} sample(s){span}",
        import.file_name, s.assets, s.samples
    );
    for sheet in &import.sheets {
        let role = match sheet.role {
            substation_import::SheetRole::Assets => "transformers",
            substation_import::SheetRole::Samples => "samples",
            substation_import::SheetRole::Ignored => "ignored",
        };
        match sheet.header_row {
            Some(row) => println!(
                "  sheet {}: {role}, header row {row}, {} column(s) recognised",
                sheet.sheet,
                sheet.columns.len()
            ),
            None => println!("  sheet {}: {role}", sheet.sheet),
        }
    }
    let blank = &import.blank_gas;
    if !blank.columns.is_empty() {
        let reading = match blank.applied {
            BlankGas::NotDetected => "not detected (zero)",
            BlankGas::NotMeasured => "not measured",
        };
        let why = match blank.chosen_by {
            substation_import::BlankGasChoice::Option => "--blank-gas",
            substation_import::BlankGasChoice::Remembered => {
                "remembered for this header row; --blank-gas changes it"
            }
            substation_import::BlankGasChoice::Default => {
                "the default; --blank-gas not-detected if the lab leaves undetected gases blank"
            }
        };
        println!("blank gas cells read as {reading} ({why}):");
        for c in &blank.columns {
            println!(
                "  {} {}!{} ({}): {} blank, {} with a value",
                c.gas, c.sheet, c.column, c.header, c.blank, c.values
            );
        }
    }
    println!(
        "{} error(s), {} warning(s); {} row(s) left out, {} duplicate(s) merged",
        s.errors, s.warnings, s.rows_left_out, s.duplicates_merged
    );
    let mut issues: Vec<_> = import.issues.iter().collect();
    issues.sort_by_key(|i| std::cmp::Reverse(i.severity));
    for issue in issues.iter().take(SHOWN_ISSUES) {
        let severity = match issue.severity {
            Severity::Error => "error  ",
            Severity::Warning => "warning",
        };
        println!("  {severity} {}: {}", issue.location(), issue.message_en);
    }
    if issues.len() > SHOWN_ISSUES {
        println!(
            "  … and {} more (--json lists them all)",
            issues.len() - SHOWN_ISSUES
        );
    }
    if issues.iter().any(|i| i.code == "ambiguous_date") {
        println!("hint: --day-first or --month-first settles the day/month order of dates");
    }
}

pub fn template(out: &Path) -> Result<ExitCode, CliError> {
    substation_import::template::write_template(out)?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Hands every sample to two sinks (the store, and the list `--json` prints).
struct Tee<'a> {
    first: &'a mut dyn SampleSink,
    second: Option<&'a mut Collect>,
}

impl SampleSink for Tee<'_> {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        if let Some(second) = self.second.as_deref_mut() {
            second.keep(sample.clone())?;
        }
        self.first.keep(sample)
    }

    fn retract(&mut self, asset_id: &str, date: chrono::NaiveDate, sheet: &str) -> ControlFlow<()> {
        if let Some(second) = self.second.as_deref_mut() {
            second.retract(asset_id, date, sheet)?;
        }
        self.first.retract(asset_id, date, sheet)
    }
}
