//! A transformer report's logbook section: the entries, newest first, as a table.

use substation_dga::{Gas, LogEvent};

use crate::canvas::MUTED;
use crate::charts::gas_value;
use crate::gather::AssetData;
use crate::layout::{BODY, Cell, Column, Flow, SMALL};
use crate::words::Lang;

/// Logbook entries a report lists, newest first.
const LOG_LISTED: usize = 12;

/// The logbook: date, what, the text, who; a typed-in sample with its readings.
pub fn section(flow: &mut Flow<'_>, data: &AssetData, lang: Lang) {
    flow.heading(&lang.t("log.title"), 40.0);
    let columns = [
        Column {
            share: 1.2,
            right: false,
        },
        Column {
            share: 1.8,
            right: false,
        },
        Column {
            share: 5.0,
            right: false,
        },
        Column {
            share: 1.6,
            right: false,
        },
    ];
    let header = [
        Cell::from(lang.t("log.date")),
        Cell::from(lang.t("log.kind")),
        Cell::from(lang.t("log.text")),
        Cell::from(lang.t("log.author")),
    ];
    let rows: Vec<Vec<Cell>> = data
        .log
        .iter()
        .take(LOG_LISTED)
        .map(|record| {
            let e = &record.entry;
            let kind = lang.code("log.kind", e.event.kind());
            let (what, detail) = match &e.event {
                LogEvent::Sample { source, gases } => {
                    let readings: Vec<String> = Gas::ALL
                        .iter()
                        .filter(|g| !gases.get(**g).is_not_measured())
                        .map(|g| format!("{} {}", g.formula(), gas_value(gases.get(*g))))
                        .collect();
                    (
                        format!("{kind} ({})", lang.code("log.source", source.label())),
                        readings.join(" · "),
                    )
                }
                LogEvent::OilProcessed { treatment } => (
                    kind,
                    format!(
                        "{} — {}",
                        lang.code("log.treatment", treatment.label()),
                        lang.t("report.log_restart")
                    ),
                ),
                _ => (kind, String::new()),
            };
            let text = [detail, e.text.replace('\n', " / ")]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(". ");
            let who = match &record.origin {
                Some(origin) => format!("{} ({origin})", e.author),
                None => e.author.clone(),
            };
            vec![
                Cell::from(e.occurred_on.to_string()),
                Cell {
                    text: what,
                    bold: matches!(e.event, LogEvent::OilProcessed { .. }),
                    ..Cell::default()
                },
                Cell::from(text),
                Cell::from(who),
            ]
        })
        .collect();
    flow.table(&columns, &header, &rows, BODY);
    let older = data.log.len().saturating_sub(LOG_LISTED);
    if older > 0 {
        flow.space(2.0);
        flow.paragraph(
            &lang.tf("report.log_older", &[("n", &older.to_string())]),
            SMALL,
            false,
            MUTED,
        );
    }
}
