//! Duval Triangles 1, 4 and 5.
//!
//! Sources:
//! - Triangle 1: M. Duval, "Dissolved gas analysis: it can save your transformer", IEEE
//!   Electrical Insulation Magazine 5(6), 1989; zone limits as tabulated in IEEE
//!   C57.104-2019 Table 6 (T1|T2 at 20 % C2H4, D2|DT at 40 % C2H4). DL/T 722-2014 Table C.1
//!   prints 10 % and 38 % instead (IEC 60599 Annex B reportedly does too; not verified
//!   here); both are selectable.
//! - Triangles 4 and 5: M. Duval, "The Duval Triangle for load tap changers, non-mineral
//!   oils and low temperature faults in transformers", IEEE Electrical Insulation Magazine
//!   24(6), 2008; IEEE C57.104-2019 Annex D Tables D.3 and D.4.
//!
//! Every classifier is a first-match rule list over percentages, so each point lands in
//! exactly one zone and the rule order decides points on a line.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Applicability, Shares, shares_of};
use crate::gas::{Gas, GasReadings};
use crate::numeric::percent_shares;

/// Which published line positions Triangle 1 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Triangle1Lines {
    /// T1|T2 at 20 % C2H4 and D2|DT at 40 % C2H4 (IEEE C57.104-2019, Duval's later papers).
    #[default]
    #[serde(rename = "ieee_20_40")]
    Ieee20And40,
    /// T1|T2 at 10 % C2H4 and D2|DT at 38 % C2H4 (DL/T 722-2014; reportedly IEC 60599 Annex B).
    #[serde(rename = "iec_10_38")]
    Iec10And38,
}

impl Triangle1Lines {
    fn t1_t2(self) -> f64 {
        match self {
            Triangle1Lines::Ieee20And40 => 20.0,
            Triangle1Lines::Iec10And38 => 10.0,
        }
    }

    fn d2_dt(self) -> f64 {
        match self {
            Triangle1Lines::Ieee20And40 => 40.0,
            Triangle1Lines::Iec10And38 => 38.0,
        }
    }
}

/// Where Triangle 5 puts the PD/S/O lines, which its transcriptions print differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Triangle5Lines {
    /// PD up to 14 % C2H6, as IEEE C57.104-2019 Table D.4 prints it.
    #[default]
    #[serde(rename = "ieee_2019")]
    Ieee2019,
    /// PD up to 15 % C2H6, as open transcriptions of Duval's (2008) figure draw it.
    #[serde(rename = "duval_2008")]
    Duval2008,
}

impl Triangle5Lines {
    fn pd_limit(self) -> f64 {
        match self {
            Triangle5Lines::Ieee2019 => 14.0,
            Triangle5Lines::Duval2008 => 15.0,
        }
    }
}

/// Triangle 1 zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Triangle1Zone {
    /// Partial discharges (corona type).
    PD,
    /// Thermal fault below 300 °C.
    T1,
    /// Thermal fault 300–700 °C.
    T2,
    /// Thermal fault above 700 °C.
    T3,
    /// Discharges of low energy (sparking).
    D1,
    /// Discharges of high energy (arcing).
    D2,
    /// Mixture of thermal and electrical faults.
    DT,
}

/// Triangle 4 zones (low-temperature faults, after Triangle 1 says PD, T1 or T2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Triangle4Zone {
    PD,
    /// Stray gassing of the oil (below about 200 °C).
    S,
    /// Overheating below 250 °C.
    O,
    /// Possible carbonisation of paper.
    C,
    /// Not determined.
    ND,
}

/// Triangle 5 zones (after Triangle 1 says T2 or T3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Triangle5Zone {
    PD,
    S,
    O,
    C,
    T2,
    T3,
    ND,
}

/// Classifies Triangle 1 percentages (%CH4, %C2H4, %C2H2 of their sum).
pub fn classify_triangle_1(ch4: f64, c2h4: f64, c2h2: f64, lines: Triangle1Lines) -> Triangle1Zone {
    use Triangle1Zone::*;
    if ch4 >= 98.0 {
        PD
    } else if c2h2 < 4.0 && c2h4 < lines.t1_t2() {
        T1
    } else if c2h2 < 4.0 && c2h4 < 50.0 {
        T2
    } else if c2h2 < 15.0 && c2h4 >= 50.0 {
        T3
    } else if c2h2 >= 13.0 && c2h4 < 23.0 {
        D1
    } else if c2h2 >= 13.0 && (c2h4 < lines.d2_dt() || c2h2 >= 29.0) {
        D2
    } else {
        DT
    }
}

/// True when the two published line positions give different Triangle 1 zones.
pub fn triangle_1_standard_dependent(ch4: f64, c2h4: f64, c2h2: f64) -> bool {
    classify_triangle_1(ch4, c2h4, c2h2, Triangle1Lines::Ieee20And40)
        != classify_triangle_1(ch4, c2h4, c2h2, Triangle1Lines::Iec10And38)
}

/// Classifies Triangle 4 percentages (%H2, %C2H6, %CH4 of their sum).
pub fn classify_triangle_4(h2: f64, c2h6: f64, ch4: f64) -> Triangle4Zone {
    use Triangle4Zone::*;
    if c2h6 < 1.0 && (2.0..15.0).contains(&ch4) {
        PD
    } else if h2 < 9.0 && c2h6 >= 30.0 {
        O
    } else if (ch4 >= 36.0 && c2h6 < 24.0) || (h2 < 15.0 && (24.0..30.0).contains(&c2h6)) {
        // IEEE C57.104-2019 Table D.3 prints "C2H6 ≥ 24" in the first branch; the drawn
        // triangle and every other transcription say "< 24" (see docs/diagnosis.md).
        C
    } else if h2 >= 9.0 && c2h6 >= 46.0 {
        ND
    } else {
        S
    }
}

/// Classifies Triangle 5 percentages (%CH4, %C2H6, %C2H4 of their sum).
pub fn classify_triangle_5(
    _ch4: f64,
    c2h6: f64,
    c2h4: f64,
    lines: Triangle5Lines,
) -> Triangle5Zone {
    use Triangle5Zone::*;
    let pd_limit = lines.pd_limit();
    if c2h4 < 10.0 {
        if c2h4 < 1.0 && c2h6 < 2.0 {
            O
        } else if c2h4 < 1.0 && c2h6 < pd_limit {
            PD
        } else if c2h6 < pd_limit || c2h6 >= 54.0 {
            O
        } else {
            S
        }
    } else if c2h6 < 12.0 {
        if c2h4 < 35.0 { T2 } else { T3 }
    } else if c2h6 < 14.0 {
        if c2h4 < 50.0 { C } else { T3 }
    } else if c2h6 < 30.0 {
        if c2h4 < 70.0 { C } else { T3 }
    } else if c2h4 < 35.0 {
        ND
    } else {
        T3
    }
}

/// Duval Triangle 1 for one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DuvalTriangle1 {
    #[serde(flatten)]
    pub applicability: Applicability,
    pub lines: Triangle1Lines,
    pub zone: Option<Triangle1Zone>,
    /// %CH4, %C2H4, %C2H2 of their sum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Shares>,
    /// The point lies where the 20/40 and 10/38 line positions disagree.
    pub standard_dependent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

/// Duval Triangle 4 or 5 for one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DuvalSubTriangle<Z> {
    #[serde(flatten)]
    pub applicability: Applicability,
    pub zone: Option<Z>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Shares>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

pub type DuvalTriangle4 = DuvalSubTriangle<Triangle4Zone>;
pub type DuvalTriangle5 = DuvalSubTriangle<Triangle5Zone>;

const T1_GASES: [Gas; 3] = [Gas::CH4, Gas::C2H4, Gas::C2H2];
const T4_GASES: [Gas; 3] = [Gas::H2, Gas::C2H6, Gas::CH4];
const T5_GASES: [Gas; 3] = [Gas::CH4, Gas::C2H6, Gas::C2H4];

fn shares(gases: &GasReadings, which: [Gas; 3]) -> Result<[f64; 3], String> {
    if let Some(missing) = which.iter().find(|gas| gases.get(**gas).is_not_measured()) {
        return Err(format!("{missing} not measured"));
    }
    percent_shares(which.map(|gas| gases.level(gas))).ok_or_else(|| {
        format!(
            "{} + {} + {} is zero (none detected)",
            which[0], which[1], which[2]
        )
    })
}

/// Triangle 1 of a sample.
pub fn triangle_1(gases: &GasReadings, lines: Triangle1Lines) -> DuvalTriangle1 {
    match shares(gases, T1_GASES) {
        Ok([ch4, c2h4, c2h2]) => DuvalTriangle1 {
            applicability: Applicability::applies(),
            lines,
            zone: Some(classify_triangle_1(ch4, c2h4, c2h2, lines)),
            shares: Some(shares_of(T1_GASES, [ch4, c2h4, c2h2])),
            standard_dependent: triangle_1_standard_dependent(ch4, c2h4, c2h2),
            not_computable: None,
        },
        Err(reason) => DuvalTriangle1 {
            applicability: Applicability::not_applicable(reason.clone()),
            lines,
            zone: None,
            shares: None,
            standard_dependent: false,
            not_computable: Some(reason),
        },
    }
}

fn sub_triangle<Z>(
    gases: &GasReadings,
    which: [Gas; 3],
    classify: impl Fn([f64; 3]) -> Z,
) -> DuvalSubTriangle<Z> {
    match shares(gases, which) {
        Ok(percents) => DuvalSubTriangle {
            applicability: Applicability::applies(),
            zone: Some(classify(percents)),
            shares: Some(shares_of(which, percents)),
            not_computable: None,
        },
        Err(reason) => DuvalSubTriangle {
            applicability: Applicability::not_applicable(reason.clone()),
            zone: None,
            shares: None,
            not_computable: Some(reason),
        },
    }
}

/// Triangle 4 of a sample.
pub fn triangle_4(gases: &GasReadings) -> DuvalTriangle4 {
    sub_triangle(gases, T4_GASES, |[h2, c2h6, ch4]| {
        classify_triangle_4(h2, c2h6, ch4)
    })
}

/// Triangle 5 of a sample.
pub fn triangle_5(gases: &GasReadings, lines: Triangle5Lines) -> DuvalTriangle5 {
    sub_triangle(gases, T5_GASES, |[ch4, c2h6, c2h4]| {
        classify_triangle_5(ch4, c2h6, c2h4, lines)
    })
}

/// Triangle 1 zone outlines as (%CH4, %C2H4, %C2H2) vertices, for drawing. They are the
/// same lines as [`classify_triangle_1`] (a property test checks that they agree).
pub fn triangle_1_zones(lines: Triangle1Lines) -> Vec<(Triangle1Zone, Vec<[f64; 3]>)> {
    use Triangle1Zone::*;
    let a = lines.t1_t2();
    let b = lines.d2_dt();
    vec![
        (
            PD,
            vec![[100.0, 0.0, 0.0], [98.0, 2.0, 0.0], [98.0, 0.0, 2.0]],
        ),
        (
            T1,
            vec![
                [98.0, 2.0, 0.0],
                [100.0 - a, a, 0.0],
                [96.0 - a, a, 4.0],
                [96.0, 0.0, 4.0],
                [98.0, 0.0, 2.0],
            ],
        ),
        (
            T2,
            vec![
                [100.0 - a, a, 0.0],
                [50.0, 50.0, 0.0],
                [46.0, 50.0, 4.0],
                [96.0 - a, a, 4.0],
            ],
        ),
        (
            T3,
            vec![
                [50.0, 50.0, 0.0],
                [0.0, 100.0, 0.0],
                [0.0, 85.0, 15.0],
                [35.0, 50.0, 15.0],
            ],
        ),
        (
            D1,
            vec![
                [0.0, 0.0, 100.0],
                [0.0, 23.0, 77.0],
                [64.0, 23.0, 13.0],
                [87.0, 0.0, 13.0],
            ],
        ),
        (
            D2,
            vec![
                [0.0, 23.0, 77.0],
                [0.0, 71.0, 29.0],
                [71.0 - b, b, 29.0],
                [87.0 - b, b, 13.0],
                [64.0, 23.0, 13.0],
            ],
        ),
        (
            DT,
            vec![
                [96.0, 0.0, 4.0],
                [87.0, 0.0, 13.0],
                [87.0 - b, b, 13.0],
                [71.0 - b, b, 29.0],
                [0.0, 71.0, 29.0],
                [0.0, 85.0, 15.0],
                [35.0, 50.0, 15.0],
                [46.0, 50.0, 4.0],
            ],
        ),
    ]
}

/// Triangle 4 zone outlines as (%H2, %C2H6, %CH4) vertices, for drawing.
pub fn triangle_4_zones() -> Vec<(Triangle4Zone, Vec<[f64; 3]>)> {
    use Triangle4Zone::*;
    vec![
        (
            PD,
            vec![
                [98.0, 0.0, 2.0],
                [97.0, 1.0, 2.0],
                [84.0, 1.0, 15.0],
                [85.0, 0.0, 15.0],
            ],
        ),
        (
            O,
            vec![
                [0.0, 100.0, 0.0],
                [0.0, 30.0, 70.0],
                [9.0, 30.0, 61.0],
                [9.0, 91.0, 0.0],
            ],
        ),
        (
            C,
            vec![
                [0.0, 30.0, 70.0],
                [0.0, 0.0, 100.0],
                [64.0, 0.0, 36.0],
                [40.0, 24.0, 36.0],
                [15.0, 24.0, 61.0],
                [15.0, 30.0, 55.0],
            ],
        ),
        (
            ND,
            vec![[54.0, 46.0, 0.0], [9.0, 91.0, 0.0], [9.0, 46.0, 45.0]],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Triangle1Zone as Z1;

    fn z1(ch4: f64, c2h4: f64, c2h2: f64) -> Triangle1Zone {
        classify_triangle_1(ch4, c2h4, c2h2, Triangle1Lines::Ieee20And40)
    }

    #[test]
    fn triangle_1_boundaries_land_in_the_documented_zone() {
        // PD apex: the 98 % CH4 line belongs to PD.
        assert_eq!(z1(98.0, 1.0, 1.0), Z1::PD);
        assert_eq!(z1(97.9, 1.1, 1.0), Z1::T1);
        // T1|T2 at 20 % C2H4: the line belongs to T2.
        assert_eq!(z1(80.1, 19.9, 0.0), Z1::T1);
        assert_eq!(z1(80.0, 20.0, 0.0), Z1::T2);
        // T2|T3 at 50 % C2H4.
        assert_eq!(z1(50.1, 49.9, 0.0), Z1::T2);
        assert_eq!(z1(50.0, 50.0, 0.0), Z1::T3);
        // 4 % C2H2 leaves T1/T2 for DT.
        assert_eq!(z1(66.1, 30.0, 3.9), Z1::T2);
        assert_eq!(z1(66.0, 30.0, 4.0), Z1::DT);
        // T3|DT at 15 % C2H2 (C2H4 ≥ 50).
        assert_eq!(z1(35.1, 50.0, 14.9), Z1::T3);
        assert_eq!(z1(35.0, 50.0, 15.0), Z1::DT);
        // D1 from 13 % C2H2 below 23 % C2H4.
        assert_eq!(z1(75.1, 12.0, 12.9), Z1::DT);
        assert_eq!(z1(75.0, 12.0, 13.0), Z1::D1);
        assert_eq!(z1(64.0, 22.9, 13.1), Z1::D1);
        assert_eq!(z1(63.9, 23.0, 13.1), Z1::D2);
        // D2|DT at 40 % C2H4 between 13 and 29 % C2H2; above 29 % C2H2 D2 goes on.
        assert_eq!(z1(40.1, 39.9, 20.0), Z1::D2);
        assert_eq!(z1(40.0, 40.0, 20.0), Z1::DT);
        assert_eq!(z1(26.0, 45.0, 29.0), Z1::D2);
        assert_eq!(z1(26.1, 45.0, 28.9), Z1::DT);
    }

    #[test]
    fn iec_lines_move_the_t1_t2_and_d2_dt_boundaries() {
        let iec = |a, b, c| classify_triangle_1(a, b, c, Triangle1Lines::Iec10And38);
        assert_eq!(iec(85.0, 15.0, 0.0), Z1::T2);
        assert_eq!(z1(85.0, 15.0, 0.0), Z1::T1);
        assert_eq!(iec(41.0, 39.0, 20.0), Z1::DT);
        assert_eq!(z1(41.0, 39.0, 20.0), Z1::D2);
        assert!(triangle_1_standard_dependent(85.0, 15.0, 0.0));
        assert!(!triangle_1_standard_dependent(70.0, 30.0, 0.0));
    }

    #[test]
    fn triangle_4_boundaries() {
        use Triangle4Zone::*;
        assert_eq!(classify_triangle_4(90.0, 0.5, 9.5), PD);
        assert_eq!(classify_triangle_4(90.0, 1.0, 9.0), S);
        assert_eq!(classify_triangle_4(98.5, 0.0, 1.5), S);
        assert_eq!(classify_triangle_4(5.0, 30.0, 65.0), O);
        assert_eq!(classify_triangle_4(9.0, 30.0, 61.0), S);
        assert_eq!(classify_triangle_4(50.0, 10.0, 40.0), C);
        assert_eq!(classify_triangle_4(60.0, 10.0, 30.0), S);
        assert_eq!(classify_triangle_4(10.0, 25.0, 65.0), C);
        assert_eq!(classify_triangle_4(15.0, 25.0, 60.0), S);
        assert_eq!(classify_triangle_4(20.0, 46.0, 34.0), ND);
        assert_eq!(classify_triangle_4(20.0, 45.9, 34.1), S);
    }

    #[test]
    fn triangle_5_boundaries() {
        use Triangle5Zone::*;
        let t5 = |c2h6, c2h4| {
            classify_triangle_5(100.0 - c2h6 - c2h4, c2h6, c2h4, Triangle5Lines::Ieee2019)
        };
        assert_eq!(t5(1.9, 0.5), O);
        assert_eq!(t5(2.0, 0.5), PD);
        assert_eq!(t5(13.9, 0.5), PD);
        assert_eq!(t5(14.0, 0.5), S);
        let duval = |c2h6, c2h4| {
            classify_triangle_5(100.0 - c2h6 - c2h4, c2h6, c2h4, Triangle5Lines::Duval2008)
        };
        assert_eq!(duval(14.5, 0.5), PD);
        assert_eq!(t5(10.0, 5.0), O);
        assert_eq!(t5(30.0, 5.0), S);
        assert_eq!(t5(54.0, 5.0), O);
        assert_eq!(t5(11.9, 34.9), T2);
        assert_eq!(t5(11.9, 35.0), T3);
        assert_eq!(t5(12.0, 30.0), C);
        assert_eq!(t5(13.0, 50.0), T3);
        assert_eq!(t5(20.0, 69.9), C);
        assert_eq!(t5(20.0, 70.0), T3);
        assert_eq!(t5(30.0, 34.9), ND);
        assert_eq!(t5(30.0, 35.0), T3);
    }

    #[test]
    fn triangle_1_of_a_sample() {
        let gases = GasReadings::default()
            .with(Gas::CH4, 20.0)
            .with(Gas::C2H4, 60.0)
            .with(Gas::C2H2, 20.0);
        let t = triangle_1(&gases, Triangle1Lines::default());
        assert_eq!(t.zone, Some(Z1::DT));
        let shares = t.shares.expect("shares");
        assert_eq!(shares[&Gas::C2H4], 60.0);
        let none = triangle_1(
            &GasReadings::default()
                .with(Gas::CH4, 0.0)
                .with(Gas::C2H4, 0.0)
                .with(Gas::C2H2, 0.0),
            Triangle1Lines::default(),
        );
        assert_eq!(none.zone, None);
        assert!(none.not_computable.expect("reason").contains("zero"));
        let missing = triangle_1(
            &GasReadings::default().with(Gas::CH4, 3.0),
            Triangle1Lines::default(),
        );
        assert_eq!(missing.not_computable.as_deref(), Some("C2H4 not measured"));
    }
}
