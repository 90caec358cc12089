//! A diagnosis read out for people, the same way on every screen and page: each method's
//! verdict in one short line, and where a sample falls on Duval Triangle 1 and Pentagon 1
//! (with the functions the engine classifies with).

use serde::Serialize;

use crate::Diagnosis;
use crate::gas::{Gas, GasReadings};
use crate::methods::duval_pentagons::{Pentagon1Zone, pentagon_1};
use crate::methods::duval_triangles::{Triangle1Lines, Triangle1Zone, triangle_1};

/// The serde name of a value (`"T3"`, `"alarm"`), which is what hosts translate.
pub fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One field of a method's result as a code: `not_applicable` when the method did not apply,
/// `—` when it gave nothing.
fn verdict<T: Serialize>(method: &T, field: &str) -> String {
    let value = serde_json::to_value(method).unwrap_or_default();
    if value.get("applicable") == Some(&serde_json::Value::Bool(false)) {
        return "not_applicable".into();
    }
    match value.get(field) {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Null) | None => "—".into(),
        Some(other) => other.to_string(),
    }
}

/// Each method's verdict, in the order the methods are listed: (method, result), where the
/// result is `status N`, `condition N` or the code of the zone, ratio case or fault.
pub fn method_verdicts(d: &Diagnosis) -> Vec<(&'static str, String)> {
    vec![
        (
            "ieee_c57_104_2019",
            format!("status {}", d.ieee_c57_104_2019.status.number()),
        ),
        (
            "ieee_c57_104_2008",
            format!("condition {}", verdict(&d.ieee_c57_104_2008, "condition")),
        ),
        ("iec_60599", verdict(&d.iec_60599, "ratio_code")),
        ("duval_triangle_1", verdict(&d.duval_triangle_1, "zone")),
        ("duval_triangle_4", verdict(&d.duval_triangle_4, "zone")),
        ("duval_triangle_5", verdict(&d.duval_triangle_5, "zone")),
        ("duval_pentagon_1", verdict(&d.duval_pentagon_1, "zone")),
        ("duval_pentagon_2", verdict(&d.duval_pentagon_2, "zone")),
        ("rogers", verdict(&d.rogers, "case")),
        ("doernenburg", verdict(&d.doernenburg, "fault")),
        ("key_gas", verdict(&d.key_gas, "fault")),
    ]
}

/// Where one sample falls on the two Duval plots; `None` where its gases are too low.
#[derive(Debug, Clone, PartialEq)]
pub struct DuvalPoint {
    /// %CH4, %C2H4, %C2H2.
    pub triangle_1: Option<[f64; 3]>,
    pub triangle_1_zone: Option<Triangle1Zone>,
    /// The pentagon centroid (x, y) in the published figure's coordinates (radius 40).
    pub pentagon_1: Option<[f64; 2]>,
    pub pentagon_1_zone: Option<Pentagon1Zone>,
}

pub fn duval_point(gases: &GasReadings) -> DuvalPoint {
    let triangle = triangle_1(gases, Triangle1Lines::default());
    let pentagon = pentagon_1(gases);
    let share = |shares: &crate::methods::Shares, gas| shares.get(&gas).copied().unwrap_or(0.0);
    DuvalPoint {
        triangle_1: triangle
            .shares
            .as_ref()
            .map(|s| [share(s, Gas::CH4), share(s, Gas::C2H4), share(s, Gas::C2H2)]),
        triangle_1_zone: triangle.zone,
        pentagon_1: pentagon.centroid.map(|p| [p.x, p.y]),
        pentagon_1_zone: pentagon.zone,
    }
}

/// How alarming a finding is, for picking each gas's worst: an IEEE 2019 level twice Table 2,
/// then a rate above Table 4, a level above Table 2, a rise above Table 3, a level above
/// Table 1, then IEC 60599's alarm, typical rate and typical level, then IEEE 2008's condition.
/// Findings that only inform rank 0.
pub fn finding_rank(code: &str) -> u8 {
    match code {
        "ieee2019.extreme_level" => 9,
        "ieee2019.rate_above_table4" => 8,
        "ieee2019.level_above_table2" => 7,
        "ieee2019.delta_above_table3" => 6,
        "ieee2019.level_above_table1" => 5,
        "iec60599.alarm" | "iec60599.alarm_d2" => 4,
        "iec60599.rate_above_typical" => 3,
        "iec60599.above_typical" => 2,
        "ieee2008.gas_condition" | "ieee2019.confirm_delta" => 1,
        _ => 0,
    }
}

/// How alarming a gas is, from its findings: its worst finding's rank, except that a gas above
/// both IEC 60599's typical concentration and its typical rate of increase (IEC's alarm
/// condition for that gas) ranks with a rise above IEEE Table 3, not below a Table 1 level.
fn group_rank(group: &GasFindings<'_>) -> u8 {
    let has = |code: &str| group.findings.iter().any(|f| f.code == code);
    let worst = finding_rank(&group.worst.code);
    if has("iec60599.above_typical") && has("iec60599.rate_above_typical") {
        worst.max(finding_rank("ieee2019.delta_above_table3"))
    } else {
        worst
    }
}

/// The findings about one gas (or, with `gas` empty, about the whole sample).
#[derive(Debug, Clone, PartialEq)]
pub struct GasFindings<'a> {
    pub gas: Option<Gas>,
    /// The most alarming of them (the first of equals).
    pub worst: &'a crate::methods::Finding,
    /// All of them, most alarming first, otherwise in the order they fired.
    pub findings: Vec<&'a crate::methods::Finding>,
}

/// The rules that fired grouped by gas: the gases with the most alarming findings first (gases
/// of equal rank in the order labs report them), the findings about no one gas last.
pub fn rules_by_gas(rules: &[crate::methods::Finding]) -> Vec<GasFindings<'_>> {
    let mut groups: Vec<GasFindings<'_>> = Vec::new();
    for gas in Gas::ALL.into_iter().map(Some).chain([None]) {
        let mut findings: Vec<&crate::methods::Finding> =
            rules.iter().filter(|f| f.gas == gas).collect();
        // Stable: equals keep the order they fired in.
        findings.sort_by_key(|f| std::cmp::Reverse(finding_rank(&f.code)));
        if let Some(worst) = findings.first().copied() {
            groups.push(GasFindings {
                gas,
                worst,
                findings,
            });
        }
    }
    let (mut by_gas, rest): (Vec<_>, Vec<_>) = groups.into_iter().partition(|g| g.gas.is_some());
    by_gas.sort_by_key(|g| std::cmp::Reverse(group_rank(g)));
    by_gas.extend(rest);
    by_gas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::Finding;

    fn about(code: &str, gas: Option<Gas>) -> Finding {
        Finding {
            code: code.to_owned(),
            gas,
            message: String::new(),
        }
    }

    #[test]
    fn gases_are_ordered_by_their_most_alarming_finding_and_the_whole_sample_comes_last() {
        let rules = vec![
            about("consensus.screening", None),
            about("ieee2019.level_above_table1", Some(Gas::H2)),
            about("iec60599.above_typical", Some(Gas::CH4)),
            about("iec60599.rate_above_typical", Some(Gas::CH4)),
            about("ieee2008.gas_condition", Some(Gas::C2H2)),
            about("ieee2019.extreme_level", Some(Gas::C2H2)),
            about("iec60599.oxygen_consumption", None),
        ];
        let groups = rules_by_gas(&rules);
        let order: Vec<Option<Gas>> = groups.iter().map(|g| g.gas).collect();
        // C2H2: twice Table 2. CH4: above IEC's typical level and rate (IEC's alarm for the
        // gas), which outranks H2's Table 1 level though each of its findings alone would not.
        assert_eq!(
            order,
            [Some(Gas::C2H2), Some(Gas::CH4), Some(Gas::H2), None]
        );
        assert_eq!(groups[0].worst.code, "ieee2019.extreme_level");
        assert_eq!(groups[0].findings.len(), 2);
        assert_eq!(groups[1].worst.code, "iec60599.rate_above_typical");
        // The whole sample's findings keep the order they fired in.
        let sample: Vec<&str> = groups[3].findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            sample,
            ["consensus.screening", "iec60599.oxygen_consumption"]
        );
    }
}
