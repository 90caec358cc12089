//! Duval Pentagons 1 and 2.
//!
//! Source: M. Duval and L. Lamarre, "The Duval Pentagon – a new complementary tool for the
//! interpretation of dissolved gas analysis in transformers", IEEE Electrical Insulation
//! Magazine 30(6), 2014; also IEEE C57.143-2019 and CIGRE TB 771.
//!
//! The five hydrocarbon gases' relative percentages are laid along five axes 72° apart (H2 up,
//! then C2H6, CH4, C2H4, C2H2 counter-clockwise); the diagnosis point is the area centroid of
//! the irregular pentagon they span (not the mean of its vertices). Zone vertices are the
//! published ones; points on a shared edge go to the more severe zone.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Applicability, Shares, shares_of};
use crate::gas::{Gas, GasReadings};
use crate::geometry::{Point, area_centroid, locate};
use crate::numeric::percent_shares;

/// The five gases in axis order.
pub const PENTAGON_GASES: [Gas; 5] = [Gas::H2, Gas::C2H6, Gas::CH4, Gas::C2H4, Gas::C2H2];

/// Axis direction of each gas: 90°, 162°, 234°, 306° and 18° from +x.
fn axis(index: usize) -> Point {
    let degrees = 90.0 + 72.0 * index as f64;
    let radians = degrees.to_radians();
    Point::new(radians.cos(), radians.sin())
}

/// Pentagon 1 zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Pentagon1Zone {
    PD,
    /// Stray gassing of mineral oil.
    S,
    D1,
    D2,
    T1,
    T2,
    T3,
}

/// Pentagon 2 zones (PD, S, D1 and D2 as in Pentagon 1; thermal faults split by what burns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Pentagon2Zone {
    PD,
    S,
    D1,
    D2,
    /// Thermal fault above 700 °C in oil only.
    #[serde(rename = "T3-H")]
    T3H,
    /// Possible carbonisation of paper (above 300 °C).
    C,
    /// Overheating below 250 °C.
    O,
}

const fn p(x: f64, y: f64) -> Point {
    Point::new(x, y)
}

const PD: [Point; 4] = [p(0.0, 33.0), p(-1.0, 33.0), p(-1.0, 24.5), p(0.0, 24.5)];
const D1: [Point; 5] = [
    p(0.0, 40.0),
    p(38.0, 12.0),
    p(32.0, -6.1),
    p(4.0, 16.0),
    p(0.0, 1.5),
];
const D2: [Point; 5] = [
    p(4.0, 16.0),
    p(32.0, -6.1),
    p(24.3, -30.0),
    p(0.0, -3.0),
    p(0.0, 1.5),
];
const S: [Point; 8] = [
    p(0.0, 1.5),
    p(-35.0, 3.1),
    p(-38.0, 12.4),
    p(0.0, 40.0),
    p(0.0, 33.0),
    p(-1.0, 33.0),
    p(-1.0, 24.5),
    p(0.0, 24.5),
];
const T3: [Point; 5] = [
    p(0.0, -3.0),
    p(24.3, -30.0),
    p(23.5, -32.4),
    p(1.0, -32.4),
    p(-6.0, -4.0),
];
const T2: [Point; 3] = [p(-6.0, -4.0), p(1.0, -32.4), p(-22.5, -32.4)];
const T1: [Point; 6] = [
    p(-6.0, -4.0),
    p(-22.5, -32.4),
    p(-23.5, -32.4),
    p(-35.0, 3.1),
    p(0.0, 1.5),
    p(0.0, -3.0),
];
const T3_H: [Point; 5] = [
    p(0.0, -3.0),
    p(24.3, -30.0),
    p(23.5, -32.4),
    p(2.5, -32.4),
    p(-3.5, -3.0),
];
const C: [Point; 4] = [
    p(-3.5, -3.0),
    p(2.5, -32.4),
    p(-21.5, -32.4),
    p(-11.0, -8.0),
];
const O: [Point; 7] = [
    p(-3.5, -3.0),
    p(-11.0, -8.0),
    p(-21.5, -32.4),
    p(-23.5, -32.4),
    p(-35.0, 3.1),
    p(0.0, 1.5),
    p(0.0, -3.0),
];

/// Pentagon 1 zones, most severe first (the order settles points on a shared edge).
pub fn pentagon_1_zones() -> [(Pentagon1Zone, &'static [Point]); 7] {
    [
        (Pentagon1Zone::D2, &D2),
        (Pentagon1Zone::D1, &D1),
        (Pentagon1Zone::T3, &T3),
        (Pentagon1Zone::T2, &T2),
        (Pentagon1Zone::T1, &T1),
        (Pentagon1Zone::PD, &PD),
        (Pentagon1Zone::S, &S),
    ]
}

/// Pentagon 2 zones, most severe first.
pub fn pentagon_2_zones() -> [(Pentagon2Zone, &'static [Point]); 7] {
    [
        (Pentagon2Zone::D2, &D2),
        (Pentagon2Zone::D1, &D1),
        (Pentagon2Zone::T3H, &T3_H),
        (Pentagon2Zone::C, &C),
        (Pentagon2Zone::O, &O),
        (Pentagon2Zone::PD, &PD),
        (Pentagon2Zone::S, &S),
    ]
}

/// The outer pentagon (radius 40), for drawing.
pub fn outline() -> [Point; 5] {
    std::array::from_fn(|i| {
        let a = axis(i);
        Point::new(40.0 * a.x, 40.0 * a.y)
    })
}

/// The smallest share (%) that counts as a gas the pentagon can read (see `pentagon`).
pub const MIN_SHARE_PERCENT: f64 = 1.0;

/// The diagnosis point for five percentages in [`PENTAGON_GASES`] order.
///
/// A gas at 0 % would collapse the pentagon to a line or a point, whose area centroid is
/// undefined; zero shares are replaced by 1e-6 %, which gives the limit of the centroid as
/// that gas tends to zero (the published figures behave the same way).
pub fn centroid(percents: [f64; 5]) -> Option<Point> {
    let vertices: [Point; 5] = std::array::from_fn(|i| {
        let share = percents[i].max(1e-6);
        let a = axis(i);
        Point::new(share * a.x, share * a.y)
    });
    area_centroid(&vertices)
}

/// Zone of a point in Pentagon 1.
pub fn classify_pentagon_1(point: Point) -> Pentagon1Zone {
    locate(&pentagon_1_zones(), point).unwrap_or(Pentagon1Zone::S)
}

/// Zone of a point in Pentagon 2.
pub fn classify_pentagon_2(point: Point) -> Pentagon2Zone {
    locate(&pentagon_2_zones(), point).unwrap_or(Pentagon2Zone::S)
}

/// A pentagon's answer for one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DuvalPentagon<Z> {
    #[serde(flatten)]
    pub applicability: Applicability,
    pub zone: Option<Z>,
    /// The area centroid, in the coordinates of the published figure (radius 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centroid: Option<Point>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Shares>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

pub type DuvalPentagon1 = DuvalPentagon<Pentagon1Zone>;
pub type DuvalPentagon2 = DuvalPentagon<Pentagon2Zone>;

fn pentagon<Z>(gases: &GasReadings, classify: fn(Point) -> Z) -> DuvalPentagon<Z> {
    let failed = |reason: String| DuvalPentagon {
        applicability: Applicability::not_applicable(reason.clone()),
        zone: None,
        centroid: None,
        shares: None,
        not_computable: Some(reason),
    };
    if let Some(missing) = PENTAGON_GASES
        .iter()
        .find(|gas| gases.get(**gas).is_not_measured())
    {
        return failed(format!("{missing} not measured"));
    }
    let Some(percents) = percent_shares(PENTAGON_GASES.map(|gas| gases.level(gas))) else {
        return failed("H2 + C2H6 + CH4 + C2H4 + C2H2 is zero (none detected)".to_owned());
    };
    // One gas alone puts the centroid on its own axis, which is a zone boundary (H2: S|D1): the
    // position restates which gas was found and says nothing of a fault. A trace of a second
    // gas (H2 150 with 1 ppm of C2H4) only moves it a hair off that line, so a gas counts
    // when it makes at least 1 % of the five.
    let significant: Vec<Gas> = PENTAGON_GASES
        .iter()
        .zip(percents)
        .filter(|(_, share)| *share >= MIN_SHARE_PERCENT)
        .map(|(gas, _)| *gas)
        .collect();
    if let [only] = significant.as_slice() {
        return failed(format!(
            "only {only} makes 1 % or more of the five gases: a pentagon needs at least two"
        ));
    }
    let Some(point) = centroid(percents) else {
        return failed("the gas pentagon has no area".to_owned());
    };
    DuvalPentagon {
        applicability: Applicability::applies(),
        zone: Some(classify(point)),
        centroid: Some(point),
        shares: Some(shares_of(PENTAGON_GASES, percents)),
        not_computable: None,
    }
}

/// Pentagon 1 of a sample.
pub fn pentagon_1(gases: &GasReadings) -> DuvalPentagon1 {
    pentagon(gases, classify_pentagon_1)
}

/// Pentagon 2 of a sample.
pub fn pentagon_2(gases: &GasReadings) -> DuvalPentagon2 {
    pentagon(gases, classify_pentagon_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        (a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6
    }

    #[test]
    fn axes_are_where_the_paper_draws_them() {
        assert!(close(axis(0), p(0.0, 1.0)));
        assert!(close(axis(1), p(-0.951_056_516, 0.309_016_994)));
        assert!(close(axis(2), p(-0.587_785_252, -0.809_016_994)));
        assert!(close(axis(3), p(0.587_785_252, -0.809_016_994)));
        assert!(close(axis(4), p(0.951_056_516, 0.309_016_994)));
    }

    #[test]
    fn equal_shares_sit_at_the_centre() {
        let c = centroid([20.0; 5]).expect("centroid");
        assert!(close(c, p(0.0, 0.0)), "{c:?}");
    }

    #[test]
    fn hand_computed_centroid() {
        // H2 = C2H2 = 50 %: the triangle origin, (0,50) and (47.55,15.45) after the 1e-6 %
        // substitution for the others; its centroid is the vertex mean.
        let c = centroid([50.0, 0.0, 0.0, 0.0, 50.0]).expect("centroid");
        assert!((c.x - 50.0 * 0.951_056_516 / 3.0).abs() < 1e-4, "{c:?}");
        assert!(
            (c.y - (50.0 + 50.0 * 0.309_016_994) / 3.0).abs() < 1e-4,
            "{c:?}"
        );
        assert_eq!(classify_pentagon_1(c), Pentagon1Zone::D1);
    }

    #[test]
    fn typical_fault_signatures() {
        // Corona partial discharge: H2 dominant with some CH4.
        let pd = centroid([88.0, 1.0, 10.0, 0.5, 0.5]).expect("pd");
        assert_eq!(classify_pentagon_1(pd), Pentagon1Zone::PD, "{pd:?}");
        // High-temperature thermal fault: C2H4 dominant.
        let t3 = centroid([5.0, 5.0, 20.0, 68.0, 2.0]).expect("t3");
        assert_eq!(classify_pentagon_1(t3), Pentagon1Zone::T3, "{t3:?}");
        // Stray gassing: H2 and C2H6.
        let s = centroid([45.0, 40.0, 14.0, 1.0, 0.0]).expect("s");
        assert_eq!(classify_pentagon_1(s), Pentagon1Zone::S, "{s:?}");
        // Arcing: C2H2 and H2.
        let d2 = centroid([30.0, 2.0, 8.0, 25.0, 35.0]).expect("d2");
        assert_eq!(classify_pentagon_1(d2), Pentagon1Zone::D2, "{d2:?}");
    }

    #[test]
    fn one_gas_alone_has_no_zone() {
        // "Only H2 detected", a common laboratory result: not D1 (issue 15, point 5).
        let only_h2 = GasReadings::default()
            .with(Gas::H2, 120.0)
            .with(Gas::CH4, 0.0)
            .with(Gas::C2H6, 0.0)
            .with(Gas::C2H4, 0.0)
            .with(Gas::C2H2, 0.0);
        let p1 = pentagon_1(&only_h2);
        assert_eq!(p1.zone, None);
        assert_eq!(
            p1.not_computable.as_deref(),
            Some("only H2 makes 1 % or more of the five gases: a pentagon needs at least two")
        );
        assert_eq!(pentagon_2(&only_h2).zone, None);
        // A trace of a second gas is not enough (the point sits a hair off the S|D1 line)...
        let trace = only_h2.with(Gas::C2H4, 1.0);
        assert_eq!(pentagon_1(&trace).zone, None);
        // ...one percent of the five is.
        let two = only_h2.with(Gas::CH4, 5.0);
        assert!(pentagon_1(&two).zone.is_some());
    }

    #[test]
    fn shared_edges_go_to_the_more_severe_zone() {
        // On the D1|D2 edge from (4,16) to (32,-6.1).
        assert_eq!(classify_pentagon_1(p(18.0, 4.95)), Pentagon1Zone::D2);
        // On x = 0 between S and D1.
        assert_eq!(classify_pentagon_1(p(0.0, 20.0)), Pentagon1Zone::D1);
    }
}
