//! Sheet planning: the header row found among a sheet's first rows, its columns mapped, its role.

use crate::error::ImportError;
use crate::headers::{Field, Mapping};
use crate::issue::{Issue, Severity, column_letter};
use crate::outcome::{MappedColumn, SheetMapping, SheetRole};
use crate::values::{self, Cell, DateSystem, Unit};

use super::ImportOptions;

/// A sheet's header and what each column holds.
pub(super) struct SheetPlan {
    pub(super) name: String,
    pub(super) role: SheetRole,
    pub(super) header_row: Option<u32>,
    /// Column index → (field, unit, header text), in column order.
    pub(super) columns: Vec<(u32, Field, Option<Unit>, String)>,
    /// Every header of the header row (or of the most header-like row), in column order.
    headers: Vec<String>,
    pub(super) mapping: SheetMapping,
    /// Sheet-wide issues (duplicate columns), reported only when the sheet is read.
    pub(super) issues: Vec<Issue>,
}

impl SheetPlan {
    pub(super) fn column_of(&self, field: Field) -> Option<&(u32, Field, Option<Unit>, String)> {
        self.columns.iter().find(|c| c.1 == field)
    }
}

fn header_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        _ => None,
    }
}

/// Text that reads like a header: not blank, not a number, not a date.
fn is_header_like(cell: &Cell) -> bool {
    match cell {
        Cell::Text(text) => {
            !cell.is_blank()
                && values::parse_number_text(text).is_none()
                && !matches!(values::parse_date(cell, DateSystem::Excel1900), Ok(Some(_)))
        }
        _ => false,
    }
}

/// The explicit mapping, then one remembered for this header row's signature.
fn mapping_for(cells: &[Cell], options: &ImportOptions<'_>) -> Mapping {
    let mut mapping = options.mapping.clone();
    if let Some(memory) = options.remembered {
        let headers: Vec<String> = cells.iter().filter_map(header_text).collect();
        if let Some(remembered) = memory.lookup(&crate::headers::signature(&headers)) {
            mapping.columns.extend(remembered.columns.iter().cloned());
        }
    }
    mapping
}

/// How many distinct fields a row's cells name.
fn recognised_fields(cells: &[Cell], options: &ImportOptions<'_>) -> usize {
    let mapping = mapping_for(cells, options);
    let fields: std::collections::HashSet<Field> = cells
        .iter()
        .filter_map(header_text)
        .filter_map(|h| mapping.resolve(&h).map(|m| m.field))
        .collect();
    fields.len()
}

pub(super) fn plan_sheet(
    name: &str,
    preview: &[(u32, Vec<Cell>)],
    options: &ImportOptions<'_>,
) -> SheetPlan {
    // The header row is the one whose cells name the most distinct fields (at least two).
    let scores: Vec<usize> = preview
        .iter()
        .map(|(_, cells)| recognised_fields(cells, options))
        .collect();
    let mut best: Option<(usize, usize)> = None;
    for (i, &fields) in scores.iter().enumerate() {
        if fields >= 2 && best.is_none_or(|(_, n)| fields > n) {
            best = Some((i, fields));
        }
    }
    let Some((index, _)) = best else {
        // Nothing to read. For the error message, the most header-like row: the most
        // recognised fields, then the most header-like text, the first such row.
        let mut likeliest: Option<(usize, (usize, usize))> = None;
        for (i, (_, cells)) in preview.iter().enumerate() {
            let score = (
                scores[i],
                cells.iter().filter(|c| is_header_like(c)).count(),
            );
            if likeliest.is_none_or(|(_, s)| score > s) {
                likeliest = Some((i, score));
            }
        }
        let headers: Vec<String> = likeliest
            .map(|(i, _)| preview[i].1.iter().filter_map(header_text).collect())
            .unwrap_or_default();
        return SheetPlan {
            name: name.to_owned(),
            role: SheetRole::Ignored,
            header_row: None,
            columns: Vec::new(),
            headers: headers.clone(),
            mapping: SheetMapping {
                sheet: name.to_owned(),
                role: SheetRole::Ignored,
                header_row: None,
                columns: Vec::new(),
                signature: crate::headers::signature(&headers),
                unrecognised: headers,
            },
            issues: Vec::new(),
        };
    };
    let (row, cells) = &preview[index];
    let mapping = mapping_for(cells, options);
    let mut columns: Vec<(u32, Field, Option<Unit>, String)> = Vec::new();
    let mut unrecognised = Vec::new();
    let mut headers = Vec::new();
    let mut issues = Vec::new();
    for (col, cell) in cells.iter().enumerate() {
        let Some(header) = header_text(cell) else {
            continue;
        };
        headers.push(header.clone());
        let col = u32::try_from(col).unwrap_or(u32::MAX);
        let Some(found) = mapping.resolve(&header) else {
            unrecognised.push(header);
            continue;
        };
        let Some(position) = columns.iter().position(|c| c.1 == found.field) else {
            columns.push((col, found.field, found.unit, header));
            continue;
        };
        // Two date columns: a sampling date outranks an analysis date, whichever comes first.
        if found.field == Field::SampleDate {
            let theirs = crate::headers::sample_date_preference(&columns[position].3);
            let ours = crate::headers::sample_date_preference(&header);
            if ours > theirs {
                let replaced = std::mem::replace(
                    &mut columns[position],
                    (col, found.field, found.unit, header),
                );
                unrecognised.push(replaced.3);
                continue;
            }
            if ours < theirs {
                unrecognised.push(header);
                continue;
            }
        }
        let first = columns[position].0;
        issues.push(Issue {
            severity: Severity::Warning,
            code: "duplicate_column".into(),
            sheet: name.to_owned(),
            row: Some(row + 1),
            column: Some(column_letter(col)),
            header: Some(header.clone()),
            raw: None,
            message_en: format!(
                "this column is also {}; column {} is used",
                found.field.label_en(),
                column_letter(first)
            ),
            message_ko: format!(
                "이 열도 {}입니다. {} 열을 사용합니다",
                found.field.label_ko(),
                column_letter(first)
            ),
        });
    }
    columns.sort_by_key(|c| c.0);
    let has = |field: Field| columns.iter().any(|c| c.1 == field);
    let has_gas = columns.iter().any(|c| matches!(c.1, Field::Gas(_)));
    let nameplate = columns.iter().any(|c| {
        !matches!(
            c.1,
            Field::AssetId | Field::SampleDate | Field::LabSampleId | Field::Gas(_)
        )
    });
    let role = if has(Field::AssetId) && has(Field::SampleDate) && has_gas {
        SheetRole::Samples
    } else if has(Field::AssetId) && nameplate && !has_gas {
        SheetRole::Assets
    } else {
        SheetRole::Ignored
    };
    let mapped = columns
        .iter()
        .map(|(col, field, unit, header)| MappedColumn {
            column: column_letter(*col),
            header: header.clone(),
            field: *field,
            unit: *unit,
        })
        .collect();
    SheetPlan {
        name: name.to_owned(),
        role,
        header_row: Some(*row),
        mapping: SheetMapping {
            sheet: name.to_owned(),
            role,
            header_row: Some(row + 1),
            columns: mapped,
            unrecognised,
            signature: crate::headers::signature(&headers),
        },
        headers,
        columns,
        issues,
    }
}

/// At most this many headers per sheet are listed in [`ImportError::Unmapped`].
const LISTED_HEADERS: usize = 20;
/// Listed headers are cut to this many characters.
const LISTED_HEADER_CHARS: usize = 40;

pub(super) fn unmapped(plans: &[SheetPlan]) -> ImportError {
    let found = plans
        .iter()
        .map(|p| {
            let mut listed: Vec<String> = p
                .headers
                .iter()
                .take(LISTED_HEADERS)
                .map(|h| {
                    if h.chars().count() > LISTED_HEADER_CHARS {
                        let cut: String = h.chars().take(LISTED_HEADER_CHARS - 1).collect();
                        format!("{}…", cut.trim_end())
                    } else {
                        h.clone()
                    }
                })
                .collect();
            if p.headers.len() > LISTED_HEADERS {
                listed.push(format!("… (+{})", p.headers.len() - LISTED_HEADERS));
            }
            format!(
                "{}: {}",
                p.name,
                if listed.is_empty() {
                    "(no header row)".to_owned()
                } else {
                    listed.join(", ")
                }
            )
        })
        .collect();
    let mut missing = Vec::new();
    let any = |test: &dyn Fn(&SheetPlan) -> bool| plans.iter().any(test);
    if !any(&|p| p.column_of(Field::AssetId).is_some()) {
        missing.push(Field::AssetId.label_en().to_owned());
    }
    if !any(&|p| p.column_of(Field::SampleDate).is_some()) {
        missing.push(Field::SampleDate.label_en().to_owned());
    }
    if !any(&|p| p.columns.iter().any(|c| matches!(c.1, Field::Gas(_)))) {
        missing.push("gas columns (H2, CH4, …)".to_owned());
    }
    if missing.is_empty() {
        missing.push("asset id, sample date and gases on one sheet".to_owned());
    }
    let headers = plans
        .iter()
        .map(|p| {
            let named = p.headers.iter().filter(|h| !h.trim().is_empty()).cloned();
            (p.name.clone(), named.collect())
        })
        .collect();
    ImportError::Unmapped {
        found,
        missing,
        headers,
    }
}
