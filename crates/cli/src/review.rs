//! `substation review`: the cached diagnoses, offline.

use std::path::Path;
use std::process::ExitCode;

use substation_store::FleetQuery;

use crate::error::CliError;

pub struct ReviewArgs<'a> {
    pub db: &'a Path,
    pub json: bool,
    pub status: Option<u8>,
    pub fault: Option<String>,
    pub substation: Option<String>,
    pub asset: Option<String>,
    pub limit: u32,
    pub page: u32,
}

pub fn run(args: &ReviewArgs<'_>) -> Result<ExitCode, CliError> {
    let store = crate::open_existing(args.db)?;
    let reader = store.reader()?;
    // An exact asset id shows that transformer; anything else searches ids and names.
    if let Some(id) = &args.asset
        && let Some(summary) = reader.asset(id)?
    {
        let samples = reader.samples(id)?;
        let diagnoses = reader.diagnoses(id)?;
        let log = reader.log_entries(id)?;
        if args.json {
            let body = serde_json::json!({
                "asset": summary,
                "samples": samples,
                "diagnoses": diagnoses,
                "log": log,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_default()
            );
        } else {
            let a = &summary.asset;
            println!(
                "{}  {}  {}",
                a.id,
                a.name.as_deref().unwrap_or(""),
                a.substation.as_deref().unwrap_or("")
            );
            println!(
                "{} sample(s), {} diagnosis(es)",
                summary.samples, summary.diagnoses
            );
            for d in &diagnoses {
                let by = d
                    .profile_name
                    .as_deref()
                    .map_or(String::new(), |p| format!("  (read through profile {p})"));
                println!(
                    "  {}  latest sample {}  IEEE {}  IEC {}  fault {}  {}{}{by}",
                    d.created_at,
                    d.latest_sample_date.as_deref().unwrap_or("-"),
                    d.ieee_status.map_or("-".to_owned(), |s| s.to_string()),
                    d.iec_state.as_deref().unwrap_or("-"),
                    shown_fault(d.fault_label.as_deref(), d.fault.as_deref()).unwrap_or("-"),
                    d.severity.as_deref().unwrap_or("-"),
                    d.origin
                        .as_deref()
                        .map_or(String::new(), |o| format!("  (from {o})")),
                );
            }
            if let Some(latest) = diagnoses.first() {
                if let Some(full) = reader.diagnosis(latest.id)? {
                    println!("  next: {}", full.recommended_action.summary);
                    for rule in full.rules.iter().take(8) {
                        println!("    - {}", rule.message);
                    }
                } else {
                    // A team's own function: what its profile read.
                    for line in [&latest.headline, &latest.action].into_iter().flatten() {
                        println!("  {line}");
                    }
                }
            }
            if !log.is_empty() {
                println!("logbook, newest first:");
                for record in &log {
                    println!("  {}", crate::log::line(record));
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let query = FleetQuery {
        substation: args.substation.clone(),
        status: args.status,
        fault: args.fault.clone(),
        search: args.asset.clone(),
        include_undiagnosed: false,
        limit: args.limit.max(1),
        offset: args
            .page
            .saturating_sub(1)
            .saturating_mul(args.limit.max(1)),
        ..FleetQuery::default()
    };
    let rows = reader.fleet(&query)?;
    let total = reader.fleet_count(&query)?;
    if args.json {
        let body = serde_json::json!({ "total": total, "page": args.page, "rows": rows });
        println!(
            "{}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no diagnoses match (run `substation diagnose` to diagnose the imported fleet)");
        return Ok(ExitCode::SUCCESS);
    }
    let header = [
        "ASSET",
        "NAME",
        "SUBSTATION",
        "LATEST",
        "IEEE",
        "IEC",
        "FAULT",
        "SEVERITY",
    ];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.asset_id.clone(),
                r.name.clone().unwrap_or_default(),
                r.substation.clone().unwrap_or_default(),
                r.latest_sample_date.clone().unwrap_or_default(),
                r.ieee_status.map(|s| s.to_string()).unwrap_or_default(),
                r.iec_state.clone().unwrap_or_default(),
                shown_fault(r.fault_label.as_deref(), r.fault.as_deref())
                    .unwrap_or_default()
                    .to_owned(),
                r.severity.clone().unwrap_or_default(),
            ]
        })
        .collect();
    for line in crate::table::render(&header, &table) {
        println!("{line}");
    }
    let first = query.offset + 1;
    println!(
        "\n{first}–{} of {total} diagnosed transformer(s), worst first ({}).",
        query.offset as usize + rows.len(),
        args.db.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A fault as listed: a team's own function's label when it gave one, else the tool's code.
fn shown_fault<'a>(label: Option<&'a str>, code: Option<&'a str>) -> Option<&'a str> {
    label.or(code)
}
