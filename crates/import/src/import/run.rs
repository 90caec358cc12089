//! One import run's state (counts, issues, what is kept so far), its progress and cell issues.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use substation_dga::Gas;

use super::guard::PanicPayload;
use super::kept::{FastMap, KeptRow, KeptValue, NameplateEntry, Pending, RepeatedNameplate};
use super::plan::SheetPlan;
use super::{ImportOptions, Progress};
use crate::error::ImportError;
use crate::headers::Field;
use crate::issue::{Issue, Severity, column_letter};
use crate::outcome::BlankColumn;
use crate::sink::SampleSink;
use crate::values::{Cell, DateSystem, Unit, ValueProblem};

/// Progress is reported (and cancellation checked) every this many rows.
const PROGRESS_EVERY: u64 = 2_000;

pub(super) struct Run<'o, 'a> {
    pub(super) options: &'o ImportOptions<'a>,
    pub(super) date_system: DateSystem,
    pub(super) issues: Vec<Issue>,
    pub(super) rows_read: u64,
    pub(super) rows_left_out: u64,
    pub(super) duplicates_merged: u64,
    /// Asset id → the nameplate values kept, field by field.
    pub(super) nameplates: HashMap<String, Vec<KeptValue>>,
    /// Asset ids in the order their nameplates were first kept.
    pub(super) asset_order: Vec<String>,
    /// Asset ids on a transformers (assets) sheet.
    pub(super) registered: std::collections::HashSet<String>,
    /// Every sample row that passed its own checks, in the order read.
    pub(super) kept: Vec<KeptRow>,
    /// Rows kept whole until the end (see `RowState::Held`).
    pub(super) held: Vec<Pending>,
    /// Asset ids, interned: id → index into `id_names`.
    pub(super) ids: FastMap<String, u32>,
    pub(super) id_names: Vec<String>,
    /// (asset, date) → the first row noted for it.
    pub(super) seen: FastMap<(u32, chrono::NaiveDate), u32>,
    /// Every sheet read so far, by index; `sheet` is the one being read.
    pub(super) sheet_names: Vec<String>,
    pub(super) sheet: u32,
    /// Issues of a sheet's second look at each row (required fields, dates settled,
    /// nameplates kept), by row: put after the sheet's cell issues once it is read.
    pub(super) finish_issues: Vec<(u32, Issue)>,
    /// Day-first and month-first-only dates of the sheet being read.
    pub(super) order_votes: (usize, usize),
    /// Rows with blank fault-gas cells can be given at once: whatever is chosen, blank
    /// reads as not measured.
    pub(super) stream_blanks: bool,
    pub(super) sink: &'o mut dyn SampleSink,
    /// (sheet index, gas) → its column's blank and filled cells. Counted on every row kept:
    /// keyed by index, not name, so counting costs no copy of the name.
    pub(super) blank_stats: BTreeMap<(u32, Gas), BlankColumn>,
    /// Asset id → the nameplate of its last sample row, to share rather than copy.
    pub(super) last_nameplate: HashMap<String, Arc<Vec<NameplateEntry>>>,
    /// The previous samples-sheet row's nameplate cells, when reading them raised nothing.
    pub(super) repeated: Option<RepeatedNameplate>,
    /// A panic in the progress callback, passed on once the import has stopped.
    pub(super) callback_panic: Option<PanicPayload>,
}

impl<'o, 'a> Run<'o, 'a> {
    pub(super) fn new(
        options: &'o ImportOptions<'a>,
        date_system: DateSystem,
        sink: &'o mut dyn SampleSink,
    ) -> Self {
        let stream_blanks = match options.blank_gas {
            Some(choice) => choice == crate::values::BlankGas::NotMeasured,
            None => options.remembered.is_none_or(|memory| {
                memory
                    .by_signature
                    .values()
                    .all(|mapping| mapping.blank_gas.is_none())
            }),
        };
        Run {
            options,
            date_system,
            issues: Vec::new(),
            rows_read: 0,
            rows_left_out: 0,
            duplicates_merged: 0,
            nameplates: HashMap::new(),
            asset_order: Vec::new(),
            registered: std::collections::HashSet::new(),
            kept: Vec::new(),
            held: Vec::new(),
            ids: FastMap::default(),
            id_names: Vec::new(),
            seen: FastMap::default(),
            sheet_names: Vec::new(),
            sheet: 0,
            finish_issues: Vec::new(),
            order_votes: (0, 0),
            stream_blanks,
            sink,
            blank_stats: BTreeMap::new(),
            last_nameplate: HashMap::new(),
            repeated: None,
            callback_panic: None,
        }
    }

    pub(super) fn tick(&mut self, sheet: &str) -> Result<(), ImportError> {
        self.rows_read += 1;
        if self.rows_read.is_multiple_of(PROGRESS_EVERY) {
            if self
                .options
                .cancel
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                return Err(ImportError::Cancelled);
            }
            if let Some(progress) = self.options.progress {
                let report = Progress {
                    sheet: sheet.to_owned(),
                    rows_read: self.rows_read,
                };
                // The caller's panic is the caller's: kept apart from the reader's panics,
                // and passed on by `import_file`.
                if let Err(payload) =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| progress(&report)))
                {
                    self.callback_panic = Some(payload);
                    return Err(ImportError::Cancelled);
                }
            }
        }
        Ok(())
    }

    /// `text` without control characters (NUL, line breaks, tabs, …; CP949 CSV and .xls cells
    /// can carry them, and a database refuses NUL in text), with a warning naming the cell when
    /// any were removed. Line breaks and tabs become a space.
    pub(super) fn without_controls(
        &mut self,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        text: String,
    ) -> String {
        if !text.chars().any(char::is_control) {
            return text;
        }
        let cleaned: String = text
            .chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect::<String>()
            .split(' ')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.cell_issue(
            Severity::Warning,
            plan,
            row,
            col,
            header,
            Some(format!("{text:?}")),
            "control_characters",
            format!("control characters removed: read as “{cleaned}”"),
            format!("제어 문자를 제거했습니다: “{cleaned}”(으)로 읽음"),
        );
        cleaned
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn cell_issue(
        &mut self,
        severity: Severity,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        raw: Option<String>,
        code: &str,
        message_en: String,
        message_ko: String,
    ) {
        self.issues.push(Issue {
            severity,
            code: code.to_owned(),
            sheet: plan.name.clone(),
            row: Some(row + 1),
            column: Some(column_letter(col)),
            header: Some(header.to_owned()),
            raw,
            message_en,
            message_ko,
        });
    }

    pub(super) fn problem(
        &mut self,
        severity: Severity,
        plan: &SheetPlan,
        row: u32,
        column: &(u32, Field, Option<Unit>, String),
        cell: &Cell,
        problem: &ValueProblem,
    ) {
        self.cell_issue(
            severity,
            plan,
            row,
            column.0,
            &column.3,
            Some(cell.display()),
            problem.code(),
            problem.message_en(),
            problem.message_ko(),
        );
    }
}
