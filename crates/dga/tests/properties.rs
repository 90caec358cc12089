//! Properties every method must keep over any non-negative input: no panic, no NaN or
//! infinity, ternary shares summing to 100, pentagon centroids inside the pentagon, and
//! zones that are exhaustive and exclusive.

use chrono::NaiveDate;
use proptest::prelude::*;
use substation_dga::geometry::{Point, contains, distance_to_boundary};
use substation_dga::methods::duval_pentagons::{
    centroid, classify_pentagon_1, classify_pentagon_2, outline, pentagon_1_zones, pentagon_2_zones,
};
use substation_dga::methods::duval_triangles::{
    Triangle1Lines, Triangle4Zone, classify_triangle_1, classify_triangle_4, triangle_1_zones,
    triangle_4_zones,
};
use substation_dga::{
    Asset, DiagnosisRequest, Gas, GasReadings, GasValue, OilPreservation, Sample, diagnose,
};

/// Concentrations as labs report them: often zero or tiny, sometimes huge.
fn ppm() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        0.0..5.0,
        0.0..500.0,
        0.0..100_000.0,
        Just(1_000_000.0),
        Just(1e-300),
    ]
}

fn gas_value() -> impl Strategy<Value = GasValue> {
    prop_oneof![
        6 => ppm().prop_map(GasValue::Measured),
        1 => proptest::option::of(0.0..10.0f64).prop_map(|limit| GasValue::BelowDetection { limit }),
        1 => Just(GasValue::NotMeasured),
    ]
}

fn readings() -> impl Strategy<Value = GasReadings> {
    proptest::collection::vec(gas_value(), 9)
        .prop_map(|values| {
            let mut gases = GasReadings::default();
            for (gas, value) in Gas::ALL.into_iter().zip(values) {
                gases.set(gas, value);
            }
            gases
        })
        .prop_filter("a sample reports at least one gas", |g| !g.is_empty())
}

fn request() -> impl Strategy<Value = DiagnosisRequest> {
    let samples = proptest::collection::btree_map(0u32..4000, readings(), 1..8);
    let asset = (
        proptest::option::of(1950i32..2030),
        proptest::option::of(prop_oneof![
            Just(OilPreservation::Sealed),
            Just(OilPreservation::Conservator),
            Just(OilPreservation::NitrogenBlanket)
        ]),
        proptest::option::of(any::<bool>()),
    );
    (samples, asset).prop_map(|(samples, (year, preservation, oltc))| {
        let origin = NaiveDate::from_ymd_opt(2015, 1, 1).expect("date");
        let samples = samples
            .into_iter()
            .map(|(days, gases)| Sample::new(origin + chrono::Days::new(days.into()), gases))
            .collect();
        let mut asset = Asset::new("PROP-1");
        asset.year_of_manufacture = year;
        asset.oil_preservation = preservation;
        asset.communicating_oltc = oltc;
        DiagnosisRequest::new(asset, samples)
    })
}

/// Every float in the value, found through CBOR, which keeps NaN and infinity (JSON would
/// have turned them into null and hidden them).
fn floats(value: &ciborium::Value, out: &mut Vec<f64>) {
    match value {
        ciborium::Value::Float(f) => out.push(*f),
        ciborium::Value::Array(items) => items.iter().for_each(|v| floats(v, out)),
        ciborium::Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            floats(k, out);
            floats(v, out);
        }),
        ciborium::Value::Tag(_, inner) => floats(inner, out),
        _ => {}
    }
}

fn share_sum(shares: &std::collections::BTreeMap<Gas, f64>) -> f64 {
    shares.values().sum()
}

/// Ternary (a, b, c) percentages to the plane of an equilateral triangle.
fn ternary(a: f64, b: f64) -> Point {
    Point::new(b + 0.5 * a, a * 3f64.sqrt() / 2.0)
}

/// Distance from `p` to the nearest zone outline of a set.
fn nearest_edge(zones: &[Vec<Point>], p: Point) -> f64 {
    zones
        .iter()
        .map(|z| distance_to_boundary(p, z))
        .fold(f64::INFINITY, f64::min)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn diagnosis_is_total_and_finite(request in request()) {
        let diagnosis = diagnose(&request).expect("every generated request is valid");
        let mut encoded = Vec::new();
        ciborium::into_writer(&diagnosis, &mut encoded).expect("encode");
        let value: ciborium::Value = ciborium::from_reader(encoded.as_slice()).expect("decode");
        let mut all = Vec::new();
        floats(&value, &mut all);
        prop_assert!(all.iter().all(|f| f.is_finite()), "non-finite number in {diagnosis:#?}");

        for shares in [
            &diagnosis.duval_triangle_1.shares,
            &diagnosis.duval_triangle_4.shares,
            &diagnosis.duval_triangle_5.shares,
            &diagnosis.duval_pentagon_1.shares,
            &diagnosis.duval_pentagon_2.shares,
            &diagnosis.key_gas.shares,
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!((share_sum(shares) - 100.0).abs() < 1e-9, "{shares:?}");
        }
        if let Some(c) = diagnosis.duval_pentagon_1.centroid {
            let frame = outline();
            prop_assert!(contains(&frame, c) || distance_to_boundary(c, &frame) < 1e-9, "{c:?}");
        }
        // A zone is reported whenever shares are, and a reason whenever it is not.
        let t1 = &diagnosis.duval_triangle_1;
        prop_assert_eq!(t1.zone.is_some(), t1.not_computable.is_none());
        // Fault-typing methods are never applicable when no fault is suspected.
        if !diagnosis.fault_suspected {
            prop_assert!(!t1.applicability.applicable);
            prop_assert_eq!(diagnosis.fault, substation_dga::Fault::None);
        }
    }

    #[test]
    fn pentagon_centroids_lie_inside_the_pentagon(
        shares in proptest::collection::vec(0.0..100.0f64, 5)
            .prop_filter("some gas", |s| s.iter().sum::<f64>() > 0.0)
    ) {
        let total: f64 = shares.iter().sum();
        let percents: [f64; 5] = std::array::from_fn(|i| 100.0 * shares[i] / total);
        let c = centroid(percents).expect("centroid");
        // The centroid is a convex combination of points at most 100 from the origin in a
        // triangle fan; a third of that bounds it (the H2 apex is at 33.3).
        prop_assert!((c.x * c.x + c.y * c.y).sqrt() <= 100.0 / 3.0 + 1e-6, "{c:?}");
        prop_assert!(contains(&outline(), c));
    }

    #[test]
    fn pentagon_zones_tile_the_reachable_area(x in -33.4..33.4f64, y in -33.4..33.4f64) {
        let p = Point::new(x, y);
        // Centroids reach at most a third of the way along each axis: the pentagon of
        // circumradius 100/3, inside the drawn one of radius 40.
        let reachable = outline().map(|v| Point::new(v.x * 100.0 / 120.0, v.y * 100.0 / 120.0));
        prop_assume!(contains(&reachable, p));
        let zones1: Vec<Vec<Point>> = pentagon_1_zones().iter().map(|(_, z)| z.to_vec()).collect();
        prop_assume!(nearest_edge(&zones1, p) > 1e-6);
        let holders = zones1.iter().filter(|z| contains(z, p)).count();
        prop_assert_eq!(holders, 1, "Pentagon 1 at {:?}", p);
        let zones2: Vec<Vec<Point>> = pentagon_2_zones().iter().map(|(_, z)| z.to_vec()).collect();
        prop_assume!(nearest_edge(&zones2, p) > 1e-6);
        let holders = zones2.iter().filter(|z| contains(z, p)).count();
        prop_assert_eq!(holders, 1, "Pentagon 2 at {:?}", p);
        // The classifiers agree with the polygons.
        let (zone1, _) = pentagon_1_zones().into_iter().find(|(_, z)| contains(z, p)).expect("holder");
        prop_assert_eq!(classify_pentagon_1(p), zone1);
        let (zone2, _) = pentagon_2_zones().into_iter().find(|(_, z)| contains(z, p)).expect("holder");
        prop_assert_eq!(classify_pentagon_2(p), zone2);
    }

    #[test]
    fn triangle_1_rules_and_drawn_zones_agree(
        a in 0.0..100.0f64, b in 0.0..100.0f64,
        lines in prop_oneof![Just(Triangle1Lines::Ieee20And40), Just(Triangle1Lines::Iec10And38)],
    ) {
        prop_assume!(a + b <= 100.0);
        let (ch4, c2h4, c2h2) = (a, b, 100.0 - a - b);
        let p = ternary(ch4, c2h4);
        let zones: Vec<(_, Vec<Point>)> = triangle_1_zones(lines)
            .into_iter()
            .map(|(zone, vertices)| (zone, vertices.iter().map(|v| ternary(v[0], v[1])).collect()))
            .collect();
        let outlines: Vec<Vec<Point>> = zones.iter().map(|(_, z)| z.clone()).collect();
        prop_assume!(nearest_edge(&outlines, p) > 1e-6);
        let holders: Vec<_> = zones.iter().filter(|(_, z)| contains(z, p)).map(|(zone, _)| *zone).collect();
        prop_assert_eq!(holders.len(), 1, "at {:?}: {:?}", (ch4, c2h4, c2h2), holders);
        prop_assert_eq!(classify_triangle_1(ch4, c2h4, c2h2, lines), holders[0]);
    }

    #[test]
    fn triangle_4_rules_and_drawn_zones_agree(a in 0.0..100.0f64, b in 0.0..100.0f64) {
        prop_assume!(a + b <= 100.0);
        let (h2, c2h6, ch4) = (a, b, 100.0 - a - b);
        let p = ternary(h2, c2h6);
        let zones: Vec<(Triangle4Zone, Vec<Point>)> = triangle_4_zones()
            .into_iter()
            .map(|(zone, vertices)| (zone, vertices.iter().map(|v| ternary(v[0], v[1])).collect()))
            .collect();
        let outlines: Vec<Vec<Point>> = zones.iter().map(|(_, z)| z.clone()).collect();
        prop_assume!(nearest_edge(&outlines, p) > 1e-6);
        let holders: Vec<_> = zones.iter().filter(|(_, z)| contains(z, p)).map(|(zone, _)| *zone).collect();
        prop_assert!(holders.len() <= 1, "{holders:?}");
        // S is everything the drawn zones leave.
        let expected = holders.first().copied().unwrap_or(Triangle4Zone::S);
        prop_assert_eq!(classify_triangle_4(h2, c2h6, ch4), expected, "at {:?}", (h2, c2h6, ch4));
    }
}
