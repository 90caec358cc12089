//! Limit tables, kept as data (`crates/dga/data/*.json`) so that a utility can replace them
//! with its own percentiles without touching code. A request may carry its own tables in
//! its options; otherwise the built-in ones below apply.

use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gas::Gas;

/// One limit per fault gas (ppm, or ppm per year for rates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasLimits {
    pub h2: f64,
    pub ch4: f64,
    pub c2h6: f64,
    pub c2h4: f64,
    pub c2h2: f64,
    pub co: f64,
    pub co2: f64,
}

impl GasLimits {
    /// The limit for `gas`; `None` for O2 and N2, which have none.
    pub fn get(&self, gas: Gas) -> Option<f64> {
        match gas {
            Gas::H2 => Some(self.h2),
            Gas::CH4 => Some(self.ch4),
            Gas::C2H6 => Some(self.c2h6),
            Gas::C2H4 => Some(self.c2h4),
            Gas::C2H2 => Some(self.c2h2),
            Gas::CO => Some(self.co),
            Gas::CO2 => Some(self.co2),
            Gas::O2 | Gas::N2 => None,
        }
    }

    fn values(&self) -> [f64; 7] {
        [
            self.h2, self.ch4, self.c2h6, self.c2h4, self.c2h2, self.co, self.co2,
        ]
    }
}

/// The IEEE C57.104-2019 split by O2/N2 ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OxygenBand {
    /// O2/N2 ≤ 0.2: sealed, nitrogen-blanketed or membrane units.
    LowOxygen,
    /// O2/N2 > 0.2 (or unknown): air-breathing units; the lower limits.
    HighOxygen,
}

/// Age columns of IEEE C57.104-2019 Tables 1 and 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    UnknownAge,
    #[serde(rename = "age_1_to_9")]
    Age1To9,
    #[serde(rename = "age_10_to_30")]
    Age10To30,
    #[serde(rename = "age_over_30")]
    AgeOver30,
}

impl AgeBand {
    /// The column for a transformer of `age` years (a new unit, age 0, counts as 1–9).
    pub fn of(age: Option<i32>) -> AgeBand {
        match age {
            None => AgeBand::UnknownAge,
            Some(years) if years < 10 => AgeBand::Age1To9,
            Some(years) if years <= 30 => AgeBand::Age10To30,
            Some(_) => AgeBand::AgeOver30,
        }
    }
}

/// Sampling-interval columns of IEEE C57.104-2019 Table 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalBand {
    #[serde(rename = "months_4_to_9")]
    Months4To9,
    #[serde(rename = "months_10_to_24")]
    Months10To24,
}

impl IntervalBand {
    /// The column for a rate window spanning `months` (4 to under 10 → 4–9; else 10–24).
    pub fn of(months: f64) -> IntervalBand {
        if months < 10.0 {
            IntervalBand::Months4To9
        } else {
            IntervalBand::Months10To24
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByOxygen<T> {
    pub low_oxygen: T,
    pub high_oxygen: T,
}

impl<T> ByOxygen<T> {
    pub fn get(&self, band: OxygenBand) -> &T {
        match band {
            OxygenBand::LowOxygen => &self.low_oxygen,
            OxygenBand::HighOxygen => &self.high_oxygen,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByAge<T> {
    pub unknown_age: T,
    pub age_1_to_9: T,
    pub age_10_to_30: T,
    pub age_over_30: T,
}

impl<T> ByAge<T> {
    pub fn get(&self, band: AgeBand) -> &T {
        match band {
            AgeBand::UnknownAge => &self.unknown_age,
            AgeBand::Age1To9 => &self.age_1_to_9,
            AgeBand::Age10To30 => &self.age_10_to_30,
            AgeBand::AgeOver30 => &self.age_over_30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByInterval<T> {
    pub months_4_to_9: T,
    pub months_10_to_24: T,
}

impl<T> ByInterval<T> {
    pub fn get(&self, band: IntervalBand) -> &T {
        match band {
            IntervalBand::Months4To9 => &self.months_4_to_9,
            IntervalBand::Months10To24 => &self.months_10_to_24,
        }
    }
}

/// IEEE C57.104-2019 Tables 1–4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ieee2019Limits {
    /// Where the numbers come from.
    pub source: String,
    /// Table 1: 90th-percentile concentrations, ppm.
    pub table1_90th_percentile: ByOxygen<ByAge<GasLimits>>,
    /// Table 2: 95th-percentile concentrations, ppm.
    pub table2_95th_percentile: ByOxygen<ByAge<GasLimits>>,
    /// Table 3: 95th percentile of the change between consecutive samples, ppm.
    /// 0 means "any measurable increase" (C2H2).
    pub table3_delta: ByOxygen<GasLimits>,
    /// Table 4: 95th percentile of the least-squares rate, ppm per year.
    /// 0 means "any measurable increase" (C2H2).
    pub table4_rate_per_year: ByOxygen<ByInterval<GasLimits>>,
    /// The O2/N2 ratio dividing the two column sets (0.2).
    pub oxygen_nitrogen_split: f64,
    /// A change smaller than this (ppm) is within laboratory resolution and never counts as
    /// an increase, whatever the table says; it makes "any increase" testable.
    pub minimum_measurable_change_ppm: f64,
}

/// IEEE C57.104-2008 Table 1 upper bounds for Conditions 1–3 (above Condition 3 is 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ieee2008Limits {
    pub source: String,
    pub condition_1_max: TdcgLimits,
    pub condition_2_max: TdcgLimits,
    pub condition_3_max: TdcgLimits,
}

/// Per-gas and total-dissolved-combustible-gas bounds, ppm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TdcgLimits {
    pub h2: f64,
    pub ch4: f64,
    pub c2h6: f64,
    pub c2h4: f64,
    pub c2h2: f64,
    pub co: f64,
    pub co2: f64,
    pub tdcg: f64,
}

impl TdcgLimits {
    pub fn get(&self, gas: Gas) -> Option<f64> {
        match gas {
            Gas::H2 => Some(self.h2),
            Gas::CH4 => Some(self.ch4),
            Gas::C2H6 => Some(self.c2h6),
            Gas::C2H4 => Some(self.c2h4),
            Gas::C2H2 => Some(self.c2h2),
            Gas::CO => Some(self.co),
            Gas::CO2 => Some(self.co2),
            Gas::O2 | Gas::N2 => None,
        }
    }

    fn values(&self) -> [f64; 8] {
        [
            self.h2, self.ch4, self.c2h6, self.c2h4, self.c2h2, self.co, self.co2, self.tdcg,
        ]
    }
}

/// IEC 60599 values that depend on whether the tap changer communicates with the main tank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IecGasLimits {
    pub h2: f64,
    pub ch4: f64,
    pub c2h6: f64,
    pub c2h4: f64,
    pub c2h2_no_oltc: f64,
    pub c2h2_communicating_oltc: f64,
    pub co: f64,
    pub co2: f64,
}

impl IecGasLimits {
    pub fn get(&self, gas: Gas, communicating_oltc: bool) -> Option<f64> {
        match gas {
            Gas::H2 => Some(self.h2),
            Gas::CH4 => Some(self.ch4),
            Gas::C2H6 => Some(self.c2h6),
            Gas::C2H4 => Some(self.c2h4),
            Gas::C2H2 if communicating_oltc => Some(self.c2h2_communicating_oltc),
            Gas::C2H2 => Some(self.c2h2_no_oltc),
            Gas::CO => Some(self.co),
            Gas::CO2 => Some(self.co2),
            Gas::O2 | Gas::N2 => None,
        }
    }

    fn values(&self) -> [f64; 8] {
        [
            self.h2,
            self.ch4,
            self.c2h6,
            self.c2h4,
            self.c2h2_no_oltc,
            self.c2h2_communicating_oltc,
            self.co,
            self.co2,
        ]
    }
}

/// IEC 60599 typical values, typical rates and ratio thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IecLimits {
    pub source: String,
    /// 90 % typical concentrations, ppm.
    pub typical_concentration: IecGasLimits,
    /// 90 % typical rates of increase, ppm per year. 0 means any measurable increase.
    pub typical_rate_per_year: IecGasLimits,
    /// C2H2/H2 above this suggests contamination from a communicating OLTC (2–3).
    pub oltc_contamination_c2h2_h2: f64,
    /// CO2/CO below this suggests a fault involving paper (3).
    pub paper_co2_co_below: f64,
    /// CO2/CO above this, with CO2 above `paper_overheating_co2_min_ppm`, suggests mild
    /// paper overheating or oil oxidation (10).
    pub paper_overheating_co2_co_above: f64,
    pub paper_overheating_co2_min_ppm: f64,
    /// O2/N2 below this in an air-breathing unit means excessive oxygen consumption (0.3).
    pub oxygen_consumption_o2_n2_below: f64,
    /// A change smaller than this (ppm) is within laboratory resolution.
    pub minimum_measurable_change_ppm: f64,
}

/// A limit table that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("limit table {table}: {problem}")]
pub struct InvalidLimits {
    pub table: &'static str,
    pub problem: String,
}

fn check_all(
    table: &'static str,
    values: impl IntoIterator<Item = f64>,
) -> Result<(), InvalidLimits> {
    for value in values {
        if !value.is_finite() || value < 0.0 {
            return Err(InvalidLimits {
                table,
                problem: format!("{value} is not a non-negative number"),
            });
        }
    }
    Ok(())
}

impl Ieee2019Limits {
    /// The built-in tables.
    pub fn builtin() -> &'static Ieee2019Limits {
        &IEEE_2019
    }

    /// Every number must be finite and non-negative, and each Table 2 cell at least its
    /// Table 1 cell (otherwise Status 2 would be unreachable).
    pub fn validate(&self) -> Result<(), InvalidLimits> {
        const TABLE: &str = "IEEE C57.104-2019";
        let oxygen = [OxygenBand::LowOxygen, OxygenBand::HighOxygen];
        let ages = [
            AgeBand::UnknownAge,
            AgeBand::Age1To9,
            AgeBand::Age10To30,
            AgeBand::AgeOver30,
        ];
        for o in oxygen {
            check_all(TABLE, self.table3_delta.get(o).values())?;
            for i in [IntervalBand::Months4To9, IntervalBand::Months10To24] {
                check_all(TABLE, self.table4_rate_per_year.get(o).get(i).values())?;
            }
            for a in ages {
                let t1 = self.table1_90th_percentile.get(o).get(a);
                let t2 = self.table2_95th_percentile.get(o).get(a);
                check_all(TABLE, t1.values())?;
                check_all(TABLE, t2.values())?;
                for gas in Gas::FAULT_GASES {
                    if t2.get(gas) < t1.get(gas) {
                        return Err(InvalidLimits {
                            table: TABLE,
                            problem: format!("{gas} Table 2 is below Table 1 for {o:?} / {a:?}"),
                        });
                    }
                }
            }
        }
        check_all(
            TABLE,
            [
                self.oxygen_nitrogen_split,
                self.minimum_measurable_change_ppm,
            ],
        )
    }
}

impl Ieee2008Limits {
    pub fn builtin() -> &'static Ieee2008Limits {
        &IEEE_2008
    }

    /// Numbers must be finite, non-negative and rise from Condition 1 to 3.
    pub fn validate(&self) -> Result<(), InvalidLimits> {
        const TABLE: &str = "IEEE C57.104-2008";
        let tiers = [
            self.condition_1_max.values(),
            self.condition_2_max.values(),
            self.condition_3_max.values(),
        ];
        for tier in &tiers {
            check_all(TABLE, *tier)?;
        }
        let rising = (0..8).all(|i| tiers[0][i] <= tiers[1][i] && tiers[1][i] <= tiers[2][i]);
        if !rising {
            return Err(InvalidLimits {
                table: TABLE,
                problem: "condition bounds must rise from Condition 1 to 3".to_owned(),
            });
        }
        Ok(())
    }
}

impl IecLimits {
    pub fn builtin() -> &'static IecLimits {
        &IEC_60599
    }

    pub fn validate(&self) -> Result<(), InvalidLimits> {
        const TABLE: &str = "IEC 60599";
        check_all(TABLE, self.typical_concentration.values())?;
        check_all(TABLE, self.typical_rate_per_year.values())?;
        check_all(
            TABLE,
            [
                self.oltc_contamination_c2h2_h2,
                self.paper_co2_co_below,
                self.paper_overheating_co2_co_above,
                self.paper_overheating_co2_min_ppm,
                self.oxygen_consumption_o2_n2_below,
                self.minimum_measurable_change_ppm,
            ],
        )
    }
}

static IEEE_2019: LazyLock<Ieee2019Limits> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/ieee_c57_104_2019.json"))
        .expect("built-in IEEE C57.104-2019 table parses (checked by a unit test)")
});

static IEEE_2008: LazyLock<Ieee2008Limits> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/ieee_c57_104_2008.json"))
        .expect("built-in IEEE C57.104-2008 table parses (checked by a unit test)")
});

static IEC_60599: LazyLock<IecLimits> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/iec_60599.json"))
        .expect("built-in IEC 60599 table parses (checked by a unit test)")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_parse_and_are_consistent() {
        Ieee2019Limits::builtin().validate().expect("IEEE 2019");
        Ieee2008Limits::builtin().validate().expect("IEEE 2008");
        IecLimits::builtin().validate().expect("IEC 60599");
    }

    #[test]
    fn builtin_cells_match_the_standard() {
        let t = Ieee2019Limits::builtin();
        let t1 = t.table1_90th_percentile.get(OxygenBand::HighOxygen);
        assert_eq!(t1.get(AgeBand::UnknownAge).get(Gas::H2), Some(40.0));
        assert_eq!(t1.get(AgeBand::Age1To9).get(Gas::CO2), Some(3500.0));
        // The disputed cell (docs/diagnosis.md, section 4): 75, with the majority of the
        // open transcriptions.
        let low = t.table1_90th_percentile.get(OxygenBand::LowOxygen);
        assert_eq!(low.get(AgeBand::Age10To30).get(Gas::H2), Some(75.0));
        let t2 = t.table2_95th_percentile.get(OxygenBand::LowOxygen);
        assert_eq!(t2.get(AgeBand::AgeOver30).get(Gas::C2H6), Some(250.0));
        let t4 = t.table4_rate_per_year.get(OxygenBand::HighOxygen);
        assert_eq!(t4.get(IntervalBand::Months10To24).get(Gas::CO), Some(80.0));
        let iec = IecLimits::builtin();
        assert_eq!(iec.typical_concentration.get(Gas::C2H2, true), Some(60.0));
        assert_eq!(iec.typical_concentration.get(Gas::C2H2, false), Some(2.0));
        assert_eq!(iec.typical_concentration.get(Gas::O2, false), None);
    }

    #[test]
    fn bands_are_chosen_at_their_edges() {
        assert_eq!(AgeBand::of(None), AgeBand::UnknownAge);
        assert_eq!(AgeBand::of(Some(0)), AgeBand::Age1To9);
        assert_eq!(AgeBand::of(Some(9)), AgeBand::Age1To9);
        assert_eq!(AgeBand::of(Some(10)), AgeBand::Age10To30);
        assert_eq!(AgeBand::of(Some(30)), AgeBand::Age10To30);
        assert_eq!(AgeBand::of(Some(31)), AgeBand::AgeOver30);
        assert_eq!(IntervalBand::of(4.0), IntervalBand::Months4To9);
        assert_eq!(IntervalBand::of(9.9), IntervalBand::Months4To9);
        assert_eq!(IntervalBand::of(10.0), IntervalBand::Months10To24);
    }

    #[test]
    fn a_table_with_table2_below_table1_is_refused() {
        let mut t = Ieee2019Limits::builtin().clone();
        t.table2_95th_percentile.high_oxygen.unknown_age.h2 = 10.0;
        let err = t.validate().expect_err("inverted");
        assert!(err.problem.contains("H2"), "{err}");
        let mut t = Ieee2019Limits::builtin().clone();
        t.table3_delta.low_oxygen.co = f64::NAN;
        assert!(t.validate().is_err());
    }
}
