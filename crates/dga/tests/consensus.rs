//! The consensus on hand-built cases: each test is one situation an engineer meets, with the
//! numbers worked out in its comment.

use chrono::{Days, NaiveDate};
use substation_dga::{
    Asset, DiagnosisRequest, Fault, Gas, GasReadings, OilPreservation, Sample, Severity, diagnose,
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

/// An air-breathing sample (O2/N2 = 0.37) with the seven fault gases in `GASES` order.
fn air(values: [f64; 7]) -> GasReadings {
    let mut gases = GasReadings::default()
        .with(Gas::O2, 19_000.0)
        .with(Gas::N2, 52_000.0);
    for (gas, ppm) in GASES.into_iter().zip(values) {
        gases = gases.with(gas, ppm);
    }
    gases
}

fn history(oltc: Option<bool>, samples: &[(u64, GasReadings)]) -> substation_dga::Diagnosis {
    let origin = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let mut asset = Asset::new("CASE");
    asset.oil_preservation = Some(OilPreservation::Conservator);
    asset.communicating_oltc = oltc;
    let samples = samples
        .iter()
        .map(|(day, gases)| Sample::new(origin + Days::new(*day), *gases))
        .collect();
    diagnose(&DiagnosisRequest::new(asset, samples)).expect("diagnosis")
}

fn codes(d: &substation_dga::Diagnosis) -> Vec<&str> {
    d.rules.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn carbon_oxides_alone_do_not_type_an_oil_fault() {
    // CO 550 > Table 1 (500), below Table 2 (600): Status 2. Hydrocarbons at trace levels; CH4 = 1 would put
    // Triangle 1 at 100 % CH4 (PD) if noise were read as a fault.
    let d = history(
        Some(false),
        &[(0, air([5.0, 1.0, 0.0, 0.0, 0.0, 550.0, 2500.0]))],
    );
    assert_eq!(d.ieee_c57_104_2019.status.number(), 2);
    assert_eq!(d.fault, Fault::Undetermined);
    assert!(codes(&d).contains(&"consensus.carbon_oxides_only"));
    assert_eq!(d.severity, Severity::Caution);
}

#[test]
fn a_non_applicable_iec_code_is_not_a_fault() {
    // H2 exactly at Table 1 (40): Status 2. CH4 and C2H4 undetected: Triangle 1 cannot be
    // computed and the IEC code would be PD from zeros; IEC says the code does not apply.
    let mut gases = air([40.0, 0.0, 5.0, 0.0, 0.0, 100.0, 1000.0]);
    gases.ch4 = substation_dga::GasValue::BelowDetection { limit: Some(1.0) };
    gases.c2h4 = substation_dga::GasValue::BelowDetection { limit: Some(1.0) };
    let d = history(Some(false), &[(0, gases)]);
    assert_eq!(d.ieee_c57_104_2019.status.number(), 2);
    assert!(!d.iec_60599.ratio_code_applicability.applicable);
    assert_ne!(d.fault, Fault::PD);
}

#[test]
fn arcing_is_critical_unless_a_communicating_tap_changer_explains_it() {
    // C2H2 80, H2 30: C2H2/H2 = 2.7 > 2. Triangle 1: CH4 10, C2H4 40, C2H2 80 → 61.5 % C2H2,
    // 30.8 % C2H4 → D2. C2H2 80 > Table 2 (7): Status 3.
    let gases = air([30.0, 10.0, 2.0, 40.0, 80.0, 300.0, 2500.0]);
    let known = history(Some(true), &[(0, gases)]);
    assert_eq!(known.fault, Fault::D2);
    assert_eq!(known.severity, Severity::Warning);
    assert!(codes(&known).contains(&"consensus.oltc_contamination"));
    let unknown = history(None, &[(0, gases)]);
    assert_eq!(unknown.severity, Severity::Critical);
    assert!(codes(&unknown).contains(&"consensus.oltc_unknown"));
    let none = history(Some(false), &[(0, gases)]);
    assert_eq!(none.severity, Severity::Critical);
}

#[test]
fn a_runaway_low_temperature_fault_is_not_stray_gassing() {
    // A T1/S signature (H2 and C2H6 high, CH4 moderate, no C2H4) with TDCG jumping from 620
    // to 6360 ppm in 30 days: Condition 4 and 191 ppm/day. Triangle 1: CH4 1200, C2H4 40 →
    // 96.8 % CH4 → T1; Triangle 4 would read S, but C2H6 2000 is far above the 1,000 ppm that
    // stray gassing can reach: not stray gassing. C2H6 and H2 are T1's own gases, above Table 2 and rising.
    let before = air([300.0, 100.0, 100.0, 2.0, 0.0, 118.0, 2000.0]);
    let after = air([3000.0, 1200.0, 2000.0, 40.0, 0.0, 120.0, 2100.0]);
    let d = history(Some(false), &[(0, before), (30, after)]);
    assert_eq!(d.ieee_c57_104_2008.tdcg_condition, Some(4));
    assert!(
        d.ieee_c57_104_2008
            .tdcg_rate_ppm_per_day
            .is_some_and(|r| r > 30.0)
    );
    assert_eq!(d.fault, Fault::T1, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.not_stray_gassing"));
    assert_eq!(d.severity, Severity::Critical);
}

#[test]
fn a_change_below_lab_resolution_is_not_still_rising() {
    // DT zone: CH4 20, C2H4 45, C2H2 15 → 25 % CH4, 56 % C2H4, 19 % C2H2 (DT). C2H2 15 ≥
    // 2 × Table 2 (7) but moves only 0.1 ppm, then 1 ppm: within a laboratory's repeatability
    // at that level (10 %, 1.6 ppm), not a runaway; and DT is not high energy.
    let before = air([20.0, 20.0, 5.0, 45.0, 15.0, 200.0, 2000.0]);
    let after = air([20.0, 20.0, 5.0, 45.0, 15.1, 200.0, 2000.0]);
    let d = history(Some(false), &[(0, before), (60, after)]);
    assert_eq!(d.fault, Fault::DT);
    assert_eq!(d.severity, Severity::Warning, "{:#?}", d.rules);
    let after = air([20.0, 20.0, 5.0, 45.0, 16.0, 200.0, 2000.0]);
    let d = history(Some(false), &[(0, before), (60, after)]);
    assert_eq!(d.severity, Severity::Warning, "{:#?}", d.rules);
    // A 3 ppm rise is beyond that: C2H2, a gas of DT, at Status 3 and still rising.
    let after = air([20.0, 20.0, 5.0, 45.0, 18.0, 200.0, 2000.0]);
    let d = history(Some(false), &[(0, before), (60, after)]);
    assert_eq!(d.severity, Severity::Critical);
}

#[test]
fn a_mixed_fault_counts_both_families_as_agreeing() {
    let d = history(
        Some(false),
        &[(0, air([60.0, 20.0, 5.0, 45.0, 15.0, 200.0, 2000.0]))],
    );
    assert_eq!(d.fault, Fault::DT);
    assert!(
        !d.agreement.agreeing.iter().any(|m| m == "duval_triangle_1"),
        "not its own witness"
    );
    assert!(d.agreement.disagreeing.is_empty(), "{:?}", d.agreement);
}

#[test]
fn a_healthy_unit_is_left_alone() {
    let d = history(
        Some(false),
        &[
            (0, air([10.0, 5.0, 3.0, 4.0, 0.0, 250.0, 2200.0])),
            (180, air([11.0, 5.0, 3.0, 4.0, 0.0, 260.0, 2300.0])),
            (365, air([12.0, 6.0, 3.0, 5.0, 0.0, 270.0, 2400.0])),
        ],
    );
    assert!(!d.fault_suspected);
    assert_eq!((d.fault, d.severity), (Fault::None, Severity::Normal));
    assert_eq!(d.recommended_action.resample_within_days, 365);
    for applicable in [
        d.duval_triangle_1.applicability.applicable,
        d.duval_pentagon_1.applicability.applicable,
        d.rogers.applicability.applicable,
        d.key_gas.applicability.applicable,
    ] {
        assert!(!applicable);
    }
}

#[test]
fn hydrogen_alone_is_typed_by_triangle_4_and_marked_applicable() {
    // H2 150 > Table 2 (90): Status 3. CH4, C2H4 and C2H2 at trace levels, below every
    // screening limit, so Triangle 1 is not used. Triangle 4: H2 150, C2H6 2, CH4 1 →
    // 98 % H2, 1.3 % C2H6, 0.7 % CH4 → S; at 150 ppm, stray gassing can make it.
    let d = history(
        Some(false),
        &[(0, air([150.0, 1.0, 2.0, 5.0, 0.0, 100.0, 1000.0]))],
    );
    assert_eq!(d.fault, Fault::S, "{:#?}", d.rules);
    assert!(d.duval_triangle_4.applicability.applicable);
    assert!(codes(&d).contains(&"consensus.fault_from_triangle_4"));
    assert_eq!(d.agreement.decided_by.as_deref(), Some("duval_triangle_4"));
    // H2 2,000 ppm is no stray gassing; the hydrocarbons (8 ppm) are too low to say more.
    let d = history(
        Some(false),
        &[(0, air([2000.0, 1.0, 2.0, 5.0, 0.0, 100.0, 1000.0]))],
    );
    assert_eq!(d.fault, Fault::Undetermined, "{:#?}", d.rules);
    assert!(codes(&d).contains(&"consensus.not_stray_gassing"));
}

#[test]
fn acetylene_over_undetected_hydrogen_still_points_to_the_tap_changer() {
    let mut gases = air([0.0, 2.0, 1.0, 3.0, 12.0, 100.0, 1000.0]);
    gases.h2 = substation_dga::GasValue::BelowDetection { limit: Some(5.0) };
    let d = history(None, &[(0, gases)]);
    assert_eq!(d.iec_60599.c2h2_h2.value, None);
    assert!(d.iec_60599.oltc_contamination_suspected);
}

#[test]
fn a_high_energy_zone_needs_its_signature_gas_to_be_elevated() {
    // Sealed unit, C2H2 2.1 ppm just over the low-oxygen Table 2 limit (2): Status 3.
    // Triangle 1 from CH4 2, C2H4 10, C2H2 2.1 → 14 % CH4, 71 % C2H4, 15 % C2H2 → T3, but
    // C2H4 at 10 ppm is far below every limit: an expert review, not a removal from service.
    let mut gases = air([20.0, 2.0, 3.0, 10.0, 2.1, 200.0, 2000.0]);
    gases.o2 = substation_dga::GasValue::Measured(1500.0);
    gases.n2 = substation_dga::GasValue::Measured(60_000.0);
    let d = history(Some(false), &[(0, gases)]);
    assert_eq!(d.ieee_c57_104_2019.status.number(), 3);
    assert_eq!(d.severity, Severity::Warning, "{:#?}", d.rules);
    // The same with C2H4 at 300 ppm (above Table 2) is a hot spot: critical.
    let mut hot = gases;
    hot.c2h4 = substation_dga::GasValue::Measured(300.0);
    hot.ch4 = substation_dga::GasValue::Measured(60.0);
    let d = history(Some(false), &[(0, hot)]);
    assert_eq!(d.fault, Fault::T3, "{:#?}", d.rules);
    assert_eq!(d.severity, Severity::Critical);
}
