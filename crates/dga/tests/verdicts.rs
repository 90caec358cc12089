//! The headline verdict (fault, severity, action) on the cases a DGA specialist checked the
//! consensus with (issue 15), one test per rule of the consensus table in docs/diagnosis.md
//! (section 3), and a sweep of generated histories for the escalation invariant.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use substation_dga::consensus::{Stance, fault_gases};
use substation_dga::{
    Asset, Diagnosis, DiagnosisRequest, Fault, Gas, GasReadings, GasValue, OilPreservation, Sample,
    Severity, diagnose,
};

const GASES: [Gas; 7] = [
    Gas::H2,
    Gas::CH4,
    Gas::C2H6,
    Gas::C2H4,
    Gas::C2H2,
    Gas::CO,
    Gas::CO2,
];

/// Gases in `GASES` order; `None` = not measured. O2 and N2 not reported.
fn gases(values: [Option<f64>; 7]) -> GasReadings {
    let mut readings = GasReadings::default();
    for (gas, value) in GASES.into_iter().zip(values) {
        if let Some(ppm) = value {
            readings = readings.with(gas, ppm);
        }
    }
    readings
}

/// An air-breathing sample (O2/N2 = 0.37).
fn air(values: [f64; 7]) -> GasReadings {
    gases(values.map(Some))
        .with(Gas::O2, 19_000.0)
        .with(Gas::N2, 52_000.0)
}

fn run(samples: &[(u64, GasReadings)]) -> Diagnosis {
    let origin = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let samples = samples
        .iter()
        .map(|(day, gases)| Sample::new(origin + Days::new(*day), *gases))
        .collect();
    diagnose(&DiagnosisRequest::new(Asset::new("CASE"), samples)).expect("diagnosis")
}

fn codes(d: &Diagnosis) -> Vec<&str> {
    d.rules.iter().map(|r| r.code.as_str()).collect()
}

fn message(d: &Diagnosis, code: &str) -> String {
    d.rules
        .iter()
        .filter(|r| r.code == code)
        .map(|r| r.message.clone())
        .collect::<Vec<_>>()
        .join(" | ")
}

// Issue 15, point 1: massive partial discharge is not stray gassing.

#[test]
fn massive_partial_discharges_are_pd_not_stray_gassing() {
    // Single samples of units found with partial discharges; CO and CO2 not reported.
    for (h2, ch4, c2h6, c2h4, c2h2) in [
        (36_036.0, 4_704.0, 554.0, 5.0, 10.0),
        (33_046.0, 619.0, 58.0, 2.0, 0.0),
        (40_280.0, 1_069.0, 1_060.0, 1.0, 1.0),
        (26_788.0, 18_342.0, 2_111.0, 27.0, 0.0),
    ] {
        let d = run(&[(
            0,
            gases([
                Some(h2),
                Some(ch4),
                Some(c2h6),
                Some(c2h4),
                Some(c2h2),
                None,
                None,
            ]),
        )]);
        assert_eq!(d.fault, Fault::PD, "H2 {h2}: {:#?}", d.rules);
        assert!(
            matches!(d.severity, Severity::Warning | Severity::Critical),
            "H2 {h2}: {:?}",
            d.severity
        );
        // A single sample says nothing of a rise: warning, with an expert review.
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.recommended_action.expert_review);
        assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_1"));
        // Where Triangle 4 and Pentagon 1 both read stray gassing, the level rules it out.
        if codes(&d).contains(&"consensus.not_stray_gassing") {
            assert!(
                message(&d, "consensus.not_stray_gassing").contains("far above"),
                "{:#?}",
                d.rules
            );
        }
    }
}

/// Triangle 1 T1 (CH4 20 of 21), Triangle 4 S, Pentagon 1 S: a stray-gassing signature, with
/// CH4 at its air-breathing Table 1 level (20) so that a hydrocarbon is elevated.
const STRAY: [f64; 5] = [60.0, 20.0, 18.0, 1.0, 0.0];

fn with_oxides(oil: [f64; 5], scale: f64, co: f64, co2: f64) -> GasReadings {
    let [h2, ch4, c2h6, c2h4, c2h2] = oil.map(|v| v * scale);
    air([h2, ch4, c2h6, c2h4, c2h2, co, co2])
}

#[test]
fn stray_gassing_when_triangle_4_and_pentagon_1_both_read_it() {
    // R2: a T1 point that Triangle 4 and Pentagon 1 both read as S, at low levels, no paper.
    let d = run(&[(0, with_oxides(STRAY, 1.0, 300.0, 2_400.0))]);
    assert_eq!(d.fault, Fault::S, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.refined_low_energy"));
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_4"));
    let t1 = d
        .agreement
        .votes
        .iter()
        .find(|v| v.method == "duval_triangle_1")
        .expect("Triangle 1 voted");
    assert_eq!((t1.answer.as_str(), t1.stance), ("T1", Stance::Disagrees));
}

#[test]
fn stray_gassing_is_ruled_out_by_paper_acetylene_or_level() {
    // R5, three ways; each time Triangle 1's T1 stands and the reason is given.
    let cases = [
        // CO 1,000 with CO2/CO = 2: a fault in paper (IEC 60599).
        (
            with_oxides(STRAY, 1.0, 1_000.0, 2_000.0),
            "CO points to paper",
        ),
        // Acetylene at its Table 1 level (2), still a T1 point (C2H2 1.9 % of the three).
        (
            air([300.0, 100.0, 90.0, 5.0, 2.0, 300.0, 2_400.0]),
            "stray gassing makes no acetylene",
        ),
        // Twenty times the gases: H2 1,200 ppm is no stray gassing.
        (
            with_oxides(STRAY, 20.0, 300.0, 2_400.0),
            "far above the few hundred ppm",
        ),
    ];
    for (gases, reason) in cases {
        let d = run(&[(0, gases)]);
        assert_eq!(
            d.duval_triangle_4.zone,
            Some(substation_dga::methods::duval_triangles::Triangle4Zone::S)
        );
        assert_eq!(d.fault, Fault::T1, "{reason}: {:#?}", d.rules);
        assert!(
            message(&d, "consensus.not_stray_gassing").contains(reason),
            "{reason}: {:#?}",
            d.rules
        );
        let t4 = d
            .agreement
            .votes
            .iter()
            .find(|v| v.method == "duval_triangle_4")
            .expect("Triangle 4 voted");
        assert!(
            t4.overruled_because
                .as_deref()
                .is_some_and(|why| why.contains(reason)),
            "{t4:?}"
        );
    }
}

#[test]
fn a_thermal_fault_in_paper_is_not_stray_gassing() {
    // CO climbing to 2,900 ppm with CO2/CO about 2 (paper, IEC 60599); the latest sample sits
    // in Triangle 1 T1 (CH4 180, C2H4 15 → 7.7 % C2H4); Triangle 4 reads S (H2 150, C2H6 120,
    // CH4 180 → 33 % H2, 27 % C2H6), Pentagon 1 T1.
    let d = run(&[
        (0, air([50.0, 60.0, 40.0, 5.0, 0.0, 800.0, 2_000.0])),
        (180, air([100.0, 120.0, 80.0, 10.0, 0.0, 2_000.0, 4_500.0])),
        (360, air([150.0, 180.0, 120.0, 15.0, 0.0, 2_900.0, 6_000.0])),
    ]);
    assert_eq!(
        d.duval_triangle_4.zone,
        Some(substation_dga::methods::duval_triangles::Triangle4Zone::S)
    );
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
    assert!(d.paper_involved);
}

#[test]
fn plain_low_temperature_overheating_stays_t1() {
    // CH4 and C2H6 in the hundreds, C2H4 under 25: Triangle 1 T1 (CH4 300, C2H4 20 → 6 %),
    // Triangle 4 O (H2 40 → 6.8 %, C2H6 42 %): overheating below 250 °C, a thermal fault.
    let d = run(&[(0, air([40.0, 300.0, 250.0, 20.0, 0.0, 400.0, 3_000.0]))]);
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
}

// Point 2: a thermal fault read from measurable hydrocarbons when only CO is elevated.

#[test]
fn a_low_level_thermal_fault_with_elevated_co_is_thermal() {
    // H2 12, CH4 18, C2H6 4, C2H4 4, C2H2 0 with CO 554 (> Table 1, 500) and CO2 1710: Status 2
    // from CO alone; Triangle 1 on 22 ppm of hydrocarbons reads T1 (18 % C2H4).
    let d = run(&[(0, air([12.0, 18.0, 4.0, 4.0, 0.0, 554.0, 1_710.0]))]);
    assert!(matches!(d.fault, Fault::T1 | Fault::T2), "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.thermal_fault_in_paper"));
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_1"));
}

#[test]
fn carbon_oxides_with_trace_hydrocarbons_stay_undetermined() {
    // The same CO with 3 ppm of hydrocarbons: too little to read a triangle.
    let d = run(&[(0, air([12.0, 2.0, 1.0, 1.0, 0.0, 554.0, 1_710.0]))]);
    assert_eq!(d.fault, Fault::Undetermined, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.carbon_oxides_only"));
}

// Point 3: CO2 alone and half a ppm of acetylene are not a reason to take a unit out.

#[test]
fn carbon_dioxide_and_a_trace_of_acetylene_make_a_warning_not_critical() {
    let before = air([20.0, 3.0, 2.0, 2.0, 1.0, 300.0, 7_500.0]);
    let after = air([20.0, 3.0, 2.0, 2.0, 1.5, 300.0, 7_600.0]);
    let d = run(&[(0, before), (180, after)]);
    assert_eq!(d.ieee_c57_104_2019.status.number(), 3, "CO2 above Table 2");
    assert_eq!(d.severity, Severity::Warning, "{:#?}", d.rules);
    assert!(!codes(&d).contains(&"consensus.critical"));
    // 0.5 ppm is within a laboratory's repeatability: acetylene does not type the fault.
    assert_ne!(d.fault, Fault::D2);
    assert_ne!(d.fault, Fault::D1);
}

// Point 4: Triangle 4 zone C at Triangle 1's CH4 corner.

#[test]
fn triangle_4_reads_the_ch4_corner_and_names_its_zone() {
    let mut g = air([10.0, 25.0, 10.0, 0.0, 0.0, 300.0, 3_000.0]);
    g.c2h4 = GasValue::BelowDetection { limit: Some(1.0) };
    g.c2h2 = GasValue::BelowDetection { limit: Some(0.5) };
    let d = run(&[(0, g)]);
    assert_eq!(
        d.duval_triangle_1.zone,
        Some(substation_dga::methods::duval_triangles::Triangle1Zone::PD)
    );
    assert!(
        matches!(d.fault, Fault::T1 | Fault::T2 | Fault::S),
        "{:#?}",
        d.rules
    );
    assert!(
        message(&d, "consensus.refined_low_energy").contains("zone C"),
        "{:#?}",
        d.rules
    );
    assert!(d.paper_involved, "zone C is paper carbonisation");
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_4"));
    // Triangle 1, overruled, says why.
    let t1 = d
        .agreement
        .votes
        .iter()
        .find(|v| v.method == "duval_triangle_1")
        .expect("Triangle 1 voted");
    assert_eq!(t1.stance, Stance::Disagrees);
    assert!(
        t1.overruled_because
            .as_deref()
            .is_some_and(|why| why.contains("CH4 corner")),
        "{t1:?}"
    );
    // One line for the transformer view and `diagnose --explain`.
    let line = d.verdict_line().expect("a fault type");
    assert!(line.starts_with("T2 from Duval Triangle 4 (C)"), "{line}");
    assert!(
        line.contains("disagree: Duval Triangle 1 (PD), overruled: "),
        "{line}"
    );
}

#[test]
fn triangle_4_refines_a_t2_point_only_with_pentagon_1_in_t1() {
    use substation_dga::methods::duval_pentagons::Pentagon1Zone;
    use substation_dga::methods::duval_triangles::{Triangle1Zone, Triangle4Zone};
    // R4: Triangle 1 T2 (CH4 1660, C2H4 1140 → 41 % C2H4); Triangle 4 O (H2 5.9 %,
    // C2H6 51 %); Pentagon 1 T1: both read overheating below 250-300 °C.
    let d = run(&[(
        0,
        air([220.0, 1_660.0, 1_880.0, 1_140.0, 0.0, 410.0, 2_430.0]),
    )]);
    assert_eq!(
        (
            d.duval_triangle_1.zone,
            d.duval_triangle_4.zone,
            d.duval_pentagon_1.zone
        ),
        (
            Some(Triangle1Zone::T2),
            Some(Triangle4Zone::O),
            Some(Pentagon1Zone::T1)
        )
    );
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.refined_low_energy"));
    // Triangle 1 (T2), overruled within the thermal kind, is listed as disagreeing, with why.
    let t1 = d
        .agreement
        .votes
        .iter()
        .find(|v| v.method == "duval_triangle_1")
        .expect("Triangle 1 voted");
    assert_eq!(t1.stance, Stance::Disagrees, "{t1:?}");
    assert!(t1.overruled_because.is_some());

    // Not when Pentagon 1 reads T2 like Triangle 1 (H2 10, CH4 100, C2H6 100, C2H4 90).
    let d = run(&[(0, air([10.0, 100.0, 100.0, 90.0, 0.0, 300.0, 2_400.0]))]);
    assert_eq!(
        (d.duval_triangle_4.zone, d.duval_pentagon_1.zone),
        (Some(Triangle4Zone::O), Some(Pentagon1Zone::T2))
    );
    assert_eq!(d.fault, Fault::T2, "{:#?}", d.rules);
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_1"));
}

#[test]
fn triangle_4_carbonisation_only_annotates_a_thermal_point() {
    // R6: Triangle 1 T1 (CH4 200, C2H4 20), Triangle 4 C (CH4 83 %, C2H6 8 %).
    let d = run(&[(0, air([20.0, 200.0, 20.0, 20.0, 0.0, 300.0, 2_400.0]))]);
    assert_eq!(
        d.duval_triangle_4.zone,
        Some(substation_dga::methods::duval_triangles::Triangle4Zone::C)
    );
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.triangle_4_carbonisation"));
    assert!(!codes(&d).contains(&"consensus.refined_low_energy"));
    assert!(d.paper_involved);
}

#[test]
fn a_few_ppm_of_hydrocarbons_do_not_type_a_fault() {
    // Sealed unit: C2H2 2.5 over its Table 2 level (2), CH4 3, C2H4 2: Triangle 1 would read
    // D2 from 7.5 ppm. Too little to type (F1's floor): undetermined, a warning, not critical.
    let mut g = gases([
        Some(20.0),
        Some(3.0),
        Some(2.0),
        Some(2.0),
        Some(2.5),
        Some(200.0),
        Some(2_000.0),
    ]);
    g = g.with(Gas::O2, 1_500.0).with(Gas::N2, 60_000.0);
    let d = run(&[(0, g)]);
    assert_eq!(d.ieee_c57_104_2019.status.number(), 3);
    assert_eq!(d.fault, Fault::Undetermined, "{:#?}", d.rules);
    assert_eq!(d.severity, Severity::Warning);
    assert!(message(&d, "consensus.fault_undetermined").contains("less than 10 ppm"));
}

// Point 5: an H2-only sample.

#[test]
fn hydrogen_alone_is_never_d1() {
    let mut g = air([150.0, 0.0, 0.0, 0.0, 0.0, 300.0, 3_000.0]);
    for gas in [Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2] {
        g.set(gas, GasValue::BelowDetection { limit: Some(1.0) });
    }
    let d = run(&[(0, g)]);
    assert_eq!(d.duval_pentagon_1.zone, None);
    assert_eq!(d.duval_pentagon_2.zone, None);
    assert!(!matches!(d.fault, Fault::D1 | Fault::D2), "{:?}", d.fault);
}

// Point 6: who made the call, who agrees, who disagrees.

#[test]
fn the_method_that_made_the_call_is_named_and_not_its_own_witness() {
    // A hot spot: Triangle 1 T3 (C2H4 300 of 360).
    let d = run(&[(0, air([50.0, 60.0, 30.0, 300.0, 1.0, 400.0, 3_000.0]))]);
    assert_eq!(d.fault, Fault::T3);
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_1"));
    assert!(
        !d.agreement
            .votes
            .iter()
            .any(|v| v.method == "duval_triangle_1")
    );
    let line = d.verdict_line().expect("a fault type");
    assert!(
        line.starts_with("T3 from Duval Triangle 1 (T3); agree: "),
        "{line}"
    );
    for vote in &d.agreement.votes {
        let listed_agreeing = d.agreement.agreeing.contains(&vote.method);
        assert_eq!(listed_agreeing, vote.stance == Stance::Agrees, "{vote:?}");
        assert_eq!(
            vote.overruled_because.is_some(),
            vote.stance == Stance::Disagrees,
            "{vote:?}"
        );
    }
}

#[test]
fn a_mixed_fault_is_not_agreed_with_by_everyone() {
    // DT: CH4 20, C2H4 45, C2H2 15. A partial-discharge or stray-gassing answer disagrees; a
    // thermal or discharge answer is one part of it.
    let d = run(&[(0, air([60.0, 20.0, 5.0, 45.0, 15.0, 200.0, 2_000.0]))]);
    assert_eq!(d.fault, Fault::DT);
    for vote in &d.agreement.votes {
        assert_ne!(
            vote.stance,
            Stance::Agrees,
            "only DT agrees with DT: {vote:?}"
        );
    }
}

#[test]
fn overheated_cellulose_is_not_a_witness_for_a_fault_type() {
    // CO dominates the six gases: key gas names overheated cellulose.
    let d = run(&[(0, air([60.0, 70.0, 20.0, 20.0, 0.0, 1_500.0, 3_000.0]))]);
    assert_eq!(
        d.key_gas.fault,
        Some(substation_dga::methods::key_gas::KeyGasFault::OverheatedCellulose)
    );
    assert!(!d.agreement.votes.iter().any(|v| v.method == "key_gas"));
    assert!(d.paper_involved);
}

// Escalation rows.

#[test]
fn a_high_energy_fault_is_critical_when_its_signature_gas_is_at_status_3() {
    // D2: C2H2 80 > Table 2 (7), no tap changer.
    let d = run(&[(0, air([30.0, 10.0, 2.0, 40.0, 80.0, 300.0, 2_500.0]))]);
    assert_eq!((d.fault, d.severity), (Fault::D2, Severity::Critical));
    assert!(message(&d, "consensus.critical").contains("signature gas"));
}

#[test]
fn a_runaway_tdcg_makes_critical_with_a_fault_gas_at_status_3() {
    // E3: TDCG from 580 to 4,737 ppm in 20 days (Condition 4, 208 ppm/day); Triangle 1 T2
    // (CH4 55, C2H4 40); CH4 55 above its Table 2 level (50), not twice it: neither E1 nor E2.
    let before = air([20.0, 30.0, 10.0, 20.0, 0.0, 500.0, 3_000.0]);
    let after = air([30.0, 55.0, 12.0, 40.0, 0.0, 4_600.0, 3_500.0]);
    let d = run(&[(0, before), (20, after)]);
    assert_eq!(d.ieee_c57_104_2008.tdcg_condition, Some(4));
    assert_eq!(d.fault, Fault::T2, "{:#?}", d.rules);
    assert_eq!(d.severity, Severity::Critical, "{:#?}", d.rules);
    assert!(message(&d, "consensus.critical").contains("TDCG is in Condition 4"));
}

#[test]
fn a_runaway_tdcg_alone_does_not_make_a_critical_undetermined_verdict() {
    // TDCG from 700 to 6,000 ppm in 20 days, all of it CO: Condition 4 and 265 ppm/day, but
    // CO is no fault gas and no fault type can be read.
    let before = air([20.0, 3.0, 2.0, 2.0, 0.0, 670.0, 3_000.0]);
    let after = air([25.0, 3.0, 2.0, 2.0, 0.0, 5_970.0, 3_500.0]);
    let d = run(&[(0, before), (20, after)]);
    assert_eq!(d.ieee_c57_104_2008.tdcg_condition, Some(4));
    assert_ne!(d.severity, Severity::Critical, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.not_critical"));
}

// The invariant: no critical verdict unless a gas of the identified fault is itself at IEEE
// Status 3 (above its Table 2 level) or rising faster than Table 4.

/// The fault gases of docs/diagnosis.md, section 3, restated here as the specification.
fn specified_fault_gases(fault: Fault) -> &'static [Gas] {
    match fault {
        Fault::PD => &[Gas::H2, Gas::CH4],
        Fault::D1 => &[Gas::C2H2, Gas::H2],
        Fault::D2 => &[Gas::C2H2, Gas::H2, Gas::C2H4],
        Fault::T1 => &[Gas::CH4, Gas::C2H6, Gas::H2],
        Fault::T2 => &[Gas::CH4, Gas::C2H4, Gas::C2H6],
        Fault::T3 => &[Gas::C2H4, Gas::CH4, Gas::H2],
        Fault::DT => &[Gas::C2H2, Gas::C2H4, Gas::CH4, Gas::H2],
        Fault::S | Fault::None | Fault::Undetermined => &[],
    }
}

#[test]
fn the_engine_uses_the_specified_fault_gases() {
    for fault in Fault::ALL {
        assert_eq!(
            fault_gases(fault),
            specified_fault_gases(fault),
            "{fault:?}"
        );
    }
}

fn level() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 0.0..20.0f64,
        3 => 0.0..300.0f64,
        2 => 0.0..5_000.0f64,
        1 => 0.0..50_000.0f64,
    ]
    .prop_map(|v| (v * 10.0).round() / 10.0)
}

fn sample() -> impl Strategy<Value = [f64; 7]> {
    (
        level(),
        level(),
        level(),
        level(),
        level(),
        level(),
        level(),
    )
        .prop_map(|(h2, ch4, c2h6, c2h4, c2h2, co, co2)| {
            [h2, ch4, c2h6, c2h4, c2h2 / 10.0, co, co2 * 4.0]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn critical_only_with_a_fault_gas_at_status_3(
        history in prop::collection::vec((sample(), 20u64..400), 1..5),
        sealed in any::<bool>(),
        oltc in prop::option::of(any::<bool>()),
    ) {
        let origin = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let mut day = 0;
        let samples: Vec<Sample> = history
            .iter()
            .map(|(values, gap)| {
                day += gap;
                let g = if sealed {
                    gases(values.map(Some)).with(Gas::O2, 1_500.0).with(Gas::N2, 60_000.0)
                } else {
                    air(*values)
                };
                Sample::new(origin + Days::new(day), g)
            })
            .collect();
        let mut asset = Asset::new("SWEEP");
        asset.oil_preservation = Some(if sealed { OilPreservation::Sealed } else { OilPreservation::Conservator });
        asset.communicating_oltc = oltc;
        let Ok(d) = diagnose(&DiagnosisRequest::new(asset, samples)) else {
            return Ok(());
        };
        if d.severity == Severity::Critical {
            let own = specified_fault_gases(d.fault);
            let escalating = d.ieee_c57_104_2019.gases.iter().any(|g| {
                own.contains(&g.gas) && (g.level_ppm > g.table2_ppm || g.rate_exceeded)
            });
            prop_assert!(escalating, "critical {:?} without a fault gas at Status 3: {:#?}", d.fault, d.ieee_c57_104_2019.gases);
        }
        // Never a stray-gassing verdict at a thousand ppm of its gases.
        if d.fault == Fault::S {
            for g in &d.ieee_c57_104_2019.gases {
                if matches!(g.gas, Gas::H2 | Gas::CH4 | Gas::C2H6) {
                    prop_assert!(g.level_ppm < 1_000.0, "S with {:?} at {}", g.gas, g.level_ppm);
                }
            }
        }
    }
}

// The harness: on every labelled set in the project, the consensus is right at least as often
// as the best single method.

#[test]
fn the_consensus_is_at_least_as_right_as_the_best_single_method() {
    use substation_dga::evaluation::{BlankCell, evaluate, parse_cases};
    let sets = [(
        "duval2002_published_32.csv",
        include_str!("../data/labelled/duval2002_published_32.csv"),
    )];
    for (name, text) in sets {
        let cases = parse_cases(name, text, BlankCell::NotDetected).expect("labelled set");
        let report = evaluate(name, &cases, BlankCell::NotDetected);
        let consensus = report.score("consensus").expect("scored").right;
        let (best, best_right) = report.best_single_method();
        assert!(
            consensus >= best_right,
            "{name}: consensus {consensus} < {best} {best_right}\n{}",
            report.render(false)
        );
    }
}

#[test]
fn triangle_4_and_pentagon_1_together_read_partial_discharges_in_t1() {
    // Triangle 1 T1 (CH4 60, C2H4 4 → 6.3 % C2H4); Triangle 4 PD (H2 93.4 %, C2H6 0.2 %,
    // CH4 6.4 %); Pentagon 1 PD (H2-dominated with some CH4): partial discharges.
    let d = run(&[(0, air([880.0, 60.0, 2.0, 4.0, 0.0, 300.0, 3_000.0]))]);
    assert_eq!(
        d.duval_triangle_1.zone,
        Some(substation_dga::methods::duval_triangles::Triangle1Zone::T1)
    );
    assert_eq!(
        d.duval_pentagon_1.zone,
        Some(substation_dga::methods::duval_pentagons::Pentagon1Zone::PD)
    );
    assert_eq!(d.fault, Fault::PD, "{:#?}", d.rules);
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_4"));
}

#[test]
fn the_iec_code_types_the_fault_when_no_triangle_can() {
    // F4: C2H2 not measured (no Triangle 1); Triangle 4 not determined (H2 13 %, C2H6 67 %:
    // ND); C2H6 100 elevated. IEC: CH4/H2 1.5 > 1, C2H4/C2H6 0.5 < 1 → T1, applicable
    // (C2H6 above its typical value).
    let g = gases([
        Some(20.0),
        Some(30.0),
        Some(100.0),
        Some(50.0),
        None,
        Some(300.0),
        Some(2_400.0),
    ])
    .with(Gas::O2, 19_000.0)
    .with(Gas::N2, 52_000.0);
    let d = run(&[(0, g)]);
    assert_eq!(d.duval_triangle_1.zone, None);
    assert_eq!(
        d.duval_triangle_4.zone,
        Some(substation_dga::methods::duval_triangles::Triangle4Zone::ND)
    );
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
    assert_eq!(d.agreement.decided_by.as_deref(), Some("iec_60599"));
    assert!(codes(&d).contains(&"consensus.fault_from_iec_ratios"));
}
