//! Reviewing what the cache holds: the fleet table by page, one transformer with its
//! samples and diagnoses, the Duval zones for the plots, and the history of runs and imports.

use substation_store::{FleetOrder, FleetQuery};

use crate::error::{AppError, Result};
use crate::views::*;
use crate::{App, MAX_PAGE, count, explain, profiles};

impl App {
    /// A page of the fleet table, with counts over the whole filter.
    pub fn fleet(&self, filter: &FleetFilter) -> Result<FleetPage> {
        let reader = self.store()?.reader()?;
        let query = fleet_query(filter);
        let rows = reader.fleet(&query)?;
        let total = reader.fleet_count(&query)?;
        let status_counts = reader.fleet_status_counts(&query)?.map(count);
        Ok(FleetPage {
            rows: rows
                .into_iter()
                .map(|r| FleetRowView {
                    asset_id: r.asset_id,
                    name: r.name,
                    substation: r.substation,
                    latest_sample: r.latest_sample_date,
                    ieee_status: r.ieee_status,
                    iec_state: r.iec_state,
                    fault: r.fault,
                    severity: r.severity,
                    diagnosed_at: r.diagnosed_at,
                    fault_label: r.fault_label,
                    score: r.score,
                    headline: r.headline,
                    profile: r.profile_name,
                })
                .collect(),
            total: count(total),
            offset: filter.offset,
            status_counts,
        })
    }

    /// One transformer: nameplate, gas history, Duval path, limits, diagnosis and history.
    pub fn asset(&self, id: &str) -> Result<AssetView> {
        let reader = self.store()?.reader()?;
        let summary = reader
            .asset(id)?
            .ok_or_else(|| AppError::NoSuchAsset(id.to_owned()))?;
        let stored = reader.samples(id)?;
        let history = reader.diagnoses(id)?;
        let diagnosis = match history.first() {
            // An answer that is not a whole diagnosis (a function of another build, say) is
            // still shown, as it came, below.
            Some(latest) => reader.diagnosis(latest.id).unwrap_or_else(|error| {
                tracing::warn!(asset = id, %error, "a stored answer is not a whole diagnosis");
                None
            }),
            None => None,
        };
        // A team's own function's answer (or one that is not a whole diagnosis): what was read
        // from it, and the answer as it came.
        let answer = match history.first() {
            Some(latest) if latest.profile_name.is_some() || diagnosis.is_none() => {
                reader.answer(latest.id)?.map(|a| CustomAnswerView {
                    summary: profiles::SummaryView::from(&a.summary),
                    answer_json: String::from_utf8_lossy(&a.json).into_owned(),
                    diagnosed_at: latest.created_at.clone(),
                })
            }
            _ => None,
        };
        let samples: Vec<substation_dga::Sample> = stored.iter().map(|s| s.sample).collect();
        // Before any run, the embedded engine (microseconds) gives the limits and a preview.
        let preview = match &diagnosis {
            Some(_) => None,
            None => substation_dga::diagnose(&substation_store::request_with(
                summary.asset.clone(),
                &stored,
                reader.oil_processing(&summary.asset.id)?,
            ))
            .ok(),
        };
        let limits = diagnosis
            .as_ref()
            .or(preview.as_ref())
            .map(explain::limits)
            .unwrap_or_default();
        Ok(AssetView {
            nameplate: explain::nameplate(&summary.asset),
            gases: explain::GASES.iter().map(explain::code).collect(),
            samples: stored
                .iter()
                .map(|s| SampleView {
                    date: s.sample.date.to_string(),
                    gases: explain::GASES
                        .iter()
                        .map(|g| explain::gas_cell(s.sample.gases.get(*g)))
                        .collect(),
                    sheet: s.source_sheet.clone(),
                    row: s.source_row,
                })
                .collect(),
            duval: explain::duval_path(&samples),
            limits,
            diagnosis: diagnosis.as_ref().map(explain::explain),
            answer,
            preview: preview.as_ref().map(explain::explain),
            history: history
                .into_iter()
                .map(|h| HistoryEntry {
                    id: h.id,
                    run_id: h.run_id,
                    created_at: h.created_at,
                    latest_sample: h.latest_sample_date,
                    ieee_status: h.ieee_status,
                    fault: h.fault,
                    severity: h.severity,
                })
                .collect(),
            log: reader
                .log_entries(id)?
                .iter()
                .map(crate::logbook::entry_view)
                .collect(),
            oil_processed: reader.oil_processing(id)?.map(crate::logbook::oil_view),
        })
    }

    pub fn duval_zones() -> DuvalZones {
        explain::duval_zones()
    }

    /// Earlier imports and runs, from the cache.
    pub fn history(&self) -> Result<CacheHistory> {
        let reader = self.store()?.reader()?;
        let batches = reader
            .batches()?
            .into_iter()
            .map(|b| BatchView {
                id: b.id,
                file_name: b.file_name,
                imported_at: b.imported_at,
                assets: count(b.assets),
                samples_new: count(b.samples_new),
                origin: b.origin,
            })
            .collect();
        let runs = reader
            .runs()?
            .into_iter()
            .map(|r| {
                // The scope the run was started with: {"scope": {"batch": 3}} or "all".
                let batch_id = serde_json::from_str::<serde_json::Value>(&r.options_json)
                    .ok()
                    .and_then(|o| o.pointer("/scope/batch").and_then(|b| b.as_i64()));
                RunView {
                    id: r.id,
                    batch_id,
                    engine: r.engine,
                    state: r.state,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    assets: count(r.assets_total),
                    succeeded: count(r.succeeded),
                    failed: count(r.failed),
                    reused: count(r.reused),
                    owed: count(r.owed),
                    origin: r.origin,
                }
            })
            .collect();
        Ok(CacheHistory {
            batches,
            runs,
            outbox_pending: count(reader.outbox_pending()?),
            cached_assets: count(reader.fleet_count(&FleetQuery {
                include_undiagnosed: true,
                ..FleetQuery::default()
            })?),
        })
    }
}

pub(crate) fn fleet_query(filter: &FleetFilter) -> FleetQuery {
    let text = |t: &Option<String>| {
        t.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    FleetQuery {
        substation: text(&filter.substation),
        // Status 0: the transformers with no diagnosis yet.
        status: filter.status.filter(|s| *s != 0),
        undiagnosed_only: filter.status == Some(0),
        reverse: filter.reverse,
        fault: text(&filter.fault),
        search: text(&filter.search),
        include_undiagnosed: true,
        batch_id: filter.batch_id,
        order: match filter.sort.as_deref() {
            Some("id") => FleetOrder::Id,
            Some("name") => FleetOrder::Name,
            Some("substation") => FleetOrder::Substation,
            Some("date") => FleetOrder::LatestSample,
            _ => FleetOrder::Worst,
        },
        limit: filter.limit.clamp(1, MAX_PAGE),
        offset: filter.offset,
    }
}
