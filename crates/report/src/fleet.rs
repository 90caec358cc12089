//! The fleet report: how many transformers stand at each severity, every one of the selection
//! worst first, then a transformer report for each unit at caution or worse.

use substation_store::{FleetQuery, FleetRow, Reader};

use crate::ReportError;
use crate::asset::{self, severity_fill};
use crate::canvas::MUTED;
use crate::gather;
use crate::layout::{BODY, Cell, Column, Flow, SMALL};
use crate::words::Lang;

/// Severities from the worst, as the fleet table sorts them.
const SEVERITIES: [&str; 4] = ["critical", "warning", "caution", "normal"];

/// What the selection is, in words: "IEEE status 3", "every transformer in the cache".
pub fn describe(query: &FleetQuery, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(batch) = query.batch_id {
        parts.push(lang.tf("report.import_n", &[("n", &batch.to_string())]));
    }
    if query.undiagnosed_only {
        parts.push(lang.t("chip.undiagnosed"));
    }
    if let Some(status) = query.status {
        parts.push(lang.tf("report.status_n", &[("n", &status.to_string())]));
    }
    if let Some(substation) = &query.substation {
        parts.push(format!("{} {substation}", lang.t("np.substation")));
    }
    if let Some(fault) = &query.fault {
        parts.push(lang.code("fault", fault));
    }
    if let Some(search) = &query.search {
        parts.push(format!("\u{201c}{search}\u{201d}"));
    }
    if parts.is_empty() {
        lang.t("report.all")
    } else {
        parts.join(" · ")
    }
}

/// The fleet's rows for the report: every match of the query (its paging and sort aside),
/// worst first, undiagnosed ones last.
pub fn rows(reader: &Reader, query: &FleetQuery) -> Result<Vec<FleetRow>, ReportError> {
    let query = FleetQuery {
        order: substation_store::FleetOrder::Worst,
        reverse: false,
        limit: 0,
        offset: 0,
        ..query.clone()
    };
    Ok(reader.fleet(&query)?)
}

/// Lays out the fleet report; returns how many transformers got their own pages.
pub fn pages(
    flow: &mut Flow<'_>,
    reader: &Reader,
    rows: &[FleetRow],
    selection: &str,
    lang: Lang,
    today: chrono::NaiveDate,
) -> Result<usize, ReportError> {
    flow.title(
        &lang.t("report.fleet_title"),
        &lang.tf("report.selection", &[("what", selection)]),
    );
    flow.heading(&lang.t("report.by_severity"), 60.0);
    let count = |severity: Option<&str>| match severity {
        Some(_) => rows
            .iter()
            .filter(|r| r.diagnosis_id.is_some() && r.severity.as_deref() == severity)
            .count(),
        None => rows.iter().filter(|r| r.diagnosis_id.is_none()).count(),
    };
    let total = rows.len().max(1) as f32;
    let bar = |n: usize, fill| Cell {
        bar: Some(n as f32 / total),
        fill,
        ..Cell::default()
    };
    let mut counts: Vec<Vec<Cell>> = SEVERITIES
        .iter()
        .map(|s| {
            let n = count(Some(s));
            vec![
                Cell {
                    text: lang.code("sev", s),
                    fill: Some(severity_fill(s)),
                    bold: true,
                    ..Cell::default()
                },
                Cell::from(n.to_string()),
                bar(n, Some(severity_fill(s))),
            ]
        })
        .collect();
    let undiagnosed = count(None);
    counts.push(vec![
        Cell::from(lang.t("chip.undiagnosed")),
        Cell::from(undiagnosed.to_string()),
        bar(undiagnosed, None),
    ]);
    counts.push(vec![
        Cell {
            text: lang.t("report.total"),
            bold: true,
            ..Cell::default()
        },
        Cell {
            text: rows.len().to_string(),
            bold: true,
            ..Cell::default()
        },
        Cell::default(),
    ]);
    flow.table(
        &[
            Column {
                share: 2.0,
                right: false,
            },
            Column {
                share: 1.0,
                right: true,
            },
            Column {
                share: 5.0,
                right: false,
            },
        ],
        &[
            Cell::from(lang.t("col.severity")),
            Cell::from(lang.t("report.count")),
            Cell::default(),
        ],
        &counts,
        BODY,
    );

    let detailed: Vec<&FleetRow> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.severity.as_deref(),
                Some("caution" | "warning" | "critical")
            )
        })
        .collect();
    flow.space(4.0);
    let note = if detailed.is_empty() {
        lang.t("report.no_details")
    } else {
        lang.tf(
            "report.details_follow",
            &[("n", &detailed.len().to_string())],
        )
    };
    flow.paragraph(&note, SMALL, false, MUTED);

    flow.space(6.0);
    flow.heading(&lang.t("report.worst_first"), 40.0);
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let severity = r.severity.as_deref().unwrap_or("");
            let fault = match (&r.fault_label, &r.fault) {
                (Some(label), _) => label.clone(),
                (None, Some(fault)) => lang.code("fault", fault),
                (None, None) => "—".into(),
            };
            vec![
                Cell {
                    text: r.asset_id.clone(),
                    bold: true,
                    ..Cell::default()
                },
                Cell::from(r.name.clone().unwrap_or_default()),
                Cell::from(r.substation.clone().unwrap_or_default()),
                Cell::from(r.latest_sample_date.clone().unwrap_or_else(|| "—".into())),
                Cell::from(
                    r.ieee_status
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "—".into()),
                ),
                Cell::from(fault),
                match r.severity.as_deref() {
                    Some(s) => Cell {
                        text: lang.code("sev", s),
                        fill: Some(severity_fill(severity)),
                        ..Cell::default()
                    },
                    None => Cell::from(lang.t("chip.undiagnosed")),
                },
            ]
        })
        .collect();
    flow.table(
        &[
            Column {
                share: 1.3,
                right: false,
            },
            Column {
                share: 1.6,
                right: false,
            },
            Column {
                share: 1.4,
                right: false,
            },
            Column {
                share: 1.2,
                right: false,
            },
            Column {
                share: 0.6,
                right: true,
            },
            Column {
                share: 2.2,
                right: false,
            },
            Column {
                share: 1.0,
                right: false,
            },
        ],
        &[
            Cell::from(lang.t("col.asset")),
            Cell::from(lang.t("col.name")),
            Cell::from(lang.t("col.substation")),
            Cell::from(lang.t("col.latest")),
            Cell::from(lang.t("col.ieee")),
            Cell::from(lang.t("col.fault")),
            Cell::from(lang.t("col.severity")),
        ],
        &table,
        SMALL,
    );

    let engines = gather::run_engines(reader)?;
    for row in &detailed {
        flow.new_page();
        let data = gather::asset(reader, &row.asset_id, &engines)?;
        asset::pages(flow, &data, lang, today);
    }
    Ok(detailed.len())
}
