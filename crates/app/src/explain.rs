//! Turning domain values into the views the screens show.

use substation_dga::consensus::Stance;
use substation_dga::methods::duval_pentagons::{self, pentagon_1_zones};
use substation_dga::methods::duval_triangles::{Triangle1Lines, triangle_1_zones};
use substation_dga::{Asset, Diagnosis, Gas, GasValue, Sample};

use crate::views::{
    DiagnosisView, DuvalPoint, DuvalZones, FindingView, GasCell, GasLimitView, NameplateView,
    RuleGroupView,
};

/// The gases shown in the history table and trend charts, in the order labs report them.
pub const GASES: [Gas; 9] = Gas::ALL;

pub use substation_dga::readout::code;

pub fn gas_cell(value: GasValue) -> GasCell {
    match value {
        GasValue::Measured(ppm) => GasCell {
            ppm: Some(ppm),
            below_detection: false,
        },
        GasValue::BelowDetection { limit } => GasCell {
            ppm: limit,
            below_detection: true,
        },
        GasValue::NotMeasured => GasCell {
            ppm: None,
            below_detection: false,
        },
    }
}

pub fn nameplate(asset: &Asset) -> NameplateView {
    NameplateView {
        id: asset.id.clone(),
        name: asset.name.clone(),
        substation: asset.substation.clone(),
        manufacturer: asset.manufacturer.clone(),
        year_of_manufacture: asset.year_of_manufacture,
        rated_kv: asset.rated_kv,
        rated_mva: asset.rated_mva,
        oil_volume_litres: asset.oil_volume_litres,
        oil_preservation: asset.oil_preservation.as_ref().map(code),
        communicating_oltc: asset.communicating_oltc,
    }
}

/// Where each sample falls on Triangle 1 and Pentagon 1 (the same functions the engine uses).
pub fn duval_path(samples: &[Sample]) -> Vec<DuvalPoint> {
    samples
        .iter()
        .map(|sample| {
            let point = substation_dga::readout::duval_point(&sample.gases);
            DuvalPoint {
                date: sample.date.to_string(),
                triangle_1: point.triangle_1,
                triangle_1_zone: point.triangle_1_zone.as_ref().map(code),
                pentagon_1: point.pentagon_1,
                pentagon_1_zone: point.pentagon_1_zone.as_ref().map(code),
            }
        })
        .collect()
}

pub fn duval_zones() -> DuvalZones {
    DuvalZones {
        triangle_1: triangle_1_zones(Triangle1Lines::default())
            .into_iter()
            .map(|(zone, vertices)| (code(&zone), vertices))
            .collect(),
        pentagon_1: pentagon_1_zones()
            .into_iter()
            .map(|(zone, points)| (code(&zone), points.iter().map(|p| [p.x, p.y]).collect()))
            .collect(),
        pentagon_outline: duval_pentagons::outline()
            .iter()
            .map(|p| [p.x, p.y])
            .collect(),
    }
}

pub fn limits(diagnosis: &Diagnosis) -> Vec<GasLimitView> {
    diagnosis
        .ieee_c57_104_2019
        .gases
        .iter()
        .map(|g| GasLimitView {
            gas: code(&g.gas),
            table1_ppm: g.table1_ppm,
            table2_ppm: g.table2_ppm,
            status: g.status.number(),
            rate_ppm_per_year: g.rate_ppm_per_year,
        })
        .collect()
}

fn finding(f: &substation_dga::methods::Finding) -> FindingView {
    FindingView {
        code: f.code.clone(),
        gas: f.gas.as_ref().map(code),
        message: f.message.clone(),
    }
}

pub fn explain(diagnosis: &Diagnosis) -> DiagnosisView {
    let d = diagnosis;
    let status = d.ieee_c57_104_2019.status.number();
    DiagnosisView {
        engine: format!("{} {}", d.engine.name, d.engine.version),
        latest_sample: d.latest_sample_date.to_string(),
        samples_used: u32::try_from(d.samples_used).unwrap_or(u32::MAX),
        fault: code(&d.fault),
        fault_description: d.fault_description.clone(),
        severity: code(&d.severity),
        fault_suspected: d.fault_suspected,
        paper_involved: d.paper_involved,
        ieee_status: status,
        iec_state: code(&d.iec_60599.state),
        tdcg_condition: d.ieee_c57_104_2008.tdcg_condition.unwrap_or(0),
        action: d.recommended_action.summary.clone(),
        action_code: code(&d.recommended_action.action),
        resample_within_days: d.recommended_action.resample_within_days,
        expert_review: d.recommended_action.expert_review,
        decided_by: d.agreement.decided_by.clone(),
        agreeing: d.agreement.agreeing.clone(),
        partly_agreeing: d
            .agreement
            .votes
            .iter()
            .filter(|v| v.stance == Stance::PartlyAgrees)
            .map(|v| v.method.clone())
            .collect(),
        disagreeing: d.agreement.disagreeing.clone(),
        overruled: d
            .agreement
            .votes
            .iter()
            .filter_map(|v| Some((v.method.clone(), v.overruled_because.clone()?)))
            .collect(),
        verdict_line: d.verdict_line(),
        rules: d.rules.iter().map(finding).collect(),
        rule_groups: substation_dga::readout::rules_by_gas(&d.rules)
            .into_iter()
            .map(|group| RuleGroupView {
                gas: group.gas.as_ref().map(code),
                worst: finding(group.worst),
                others: group.findings.iter().skip(1).map(|f| finding(f)).collect(),
            })
            .collect(),
        methods: substation_dga::readout::method_verdicts(d)
            .into_iter()
            .map(|(method, result)| (method.to_owned(), result))
            .collect(),
    }
}
