//! Oil processing restarts the history: rates, steps and trends use the samples since.

use chrono::{Days, NaiveDate};
use substation_dga::methods::ieee_2019::Status;
use substation_dga::restart::HISTORY_RESTARTED;
use substation_dga::{
    Asset, DiagnosisError, DiagnosisRequest, Envelope, Gas, GasReadings, OilProcessing,
    OilTreatment, Sample, diagnose, handle_json,
};

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + Days::new(n)
}

/// An air-breathing sample with `h2` ppm of hydrogen and quiet other gases.
fn sample(on: u64, h2: f64) -> Sample {
    let gases = GasReadings::default()
        .with(Gas::H2, h2)
        .with(Gas::CH4, 2.0)
        .with(Gas::C2H6, 1.0)
        .with(Gas::C2H4, 1.0)
        .with(Gas::CO, 150.0)
        .with(Gas::CO2, 1500.0)
        .with(Gas::O2, 19_000.0)
        .with(Gas::N2, 52_000.0);
    Sample::new(day(on), gases)
}

/// Hydrogen climbing steadily for eight months (every level under Table 1, every step under
/// Table 3, the rate far above Table 4), then degassed on day 250, then three calm samples at
/// a level the degassing left.
fn history() -> Vec<Sample> {
    vec![
        sample(0, 2.0),
        sample(60, 12.0),
        sample(120, 22.0),
        sample(180, 32.0),
        sample(240, 38.0),
        sample(260, 15.0),
        sample(330, 16.0),
        sample(400, 17.0),
    ]
}

fn degassed() -> OilProcessing {
    OilProcessing {
        date: day(250),
        treatment: OilTreatment::Degassed,
    }
}

#[test]
fn rates_after_degassing_come_from_the_samples_since_alone() {
    // Across the treatment, the least-squares rate of the window still climbs: Status 3.
    let spanning = diagnose(&DiagnosisRequest::new(Asset::new("T-9"), history())).expect("ok");
    assert_eq!(spanning.ieee_c57_104_2019.status, Status::Three);
    assert!(
        spanning
            .rules
            .iter()
            .any(|r| r.code == "ieee2019.rate_above_table4" && r.gas == Some(Gas::H2)),
        "{:?}",
        spanning.rules
    );
    assert!(!spanning.rules.iter().any(|r| r.code == HISTORY_RESTARTED));

    let mut request = DiagnosisRequest::new(Asset::new("T-9"), history());
    request.oil_processed = Some(degassed());
    let restarted = diagnose(&request).expect("ok");
    // Three samples over four and a half months since: a rate of about 3 ppm/year, Status 1.
    assert_eq!(restarted.samples_used, 3);
    assert_eq!(restarted.latest_sample_date, day(400));
    assert_eq!(restarted.ieee_c57_104_2019.status, Status::One);
    let window = restarted
        .ieee_c57_104_2019
        .rate_window
        .as_ref()
        .expect("a rate window from the samples since");
    assert_eq!(window.samples, 3, "{window:?}");
    assert!(
        !restarted
            .rules
            .iter()
            .any(|r| r.code.starts_with("ieee2019.rate")),
        "{:?}",
        restarted.rules
    );
    let first = &restarted.rules[0];
    assert_eq!(first.code, HISTORY_RESTARTED);
    assert!(
        first.message.contains("degassed on 2024-09-07")
            && first.message.contains("only the 3 samples drawn since")
            && first.message.contains("5 earlier samples are left out"),
        "{}",
        first.message
    );
    assert!(restarted.severity < spanning.severity);
}

#[test]
fn a_treatment_after_the_latest_sample_is_a_coded_error() {
    let mut request = DiagnosisRequest::new(Asset::new("T-9"), history());
    request.oil_processed = Some(OilProcessing {
        date: day(450),
        treatment: OilTreatment::Replaced,
    });
    let err = diagnose(&request).expect_err("nothing since");
    assert!(matches!(
        err,
        DiagnosisError::NoSampleSinceOilProcessed { .. }
    ));
    assert_eq!(err.code(), "no_sample_since_oil_processed");
    assert!(DiagnosisError::CODES.contains(&err.code()));
    assert_eq!(err.status(), 422);
    let text = err.to_string();
    assert!(
        text.contains("T-9") && text.contains("replaced on 2025-03-26"),
        "{text}"
    );
}

#[test]
fn the_treatment_travels_in_the_request_json_and_is_checked() {
    let mut request = DiagnosisRequest::new(Asset::new("T-9"), history());
    let plain = serde_json::to_value(&request).expect("json");
    // Absent when there is none: requests without it hash as before.
    assert!(plain.get("oil_processed").is_none(), "{plain}");
    request.oil_processed = Some(degassed());
    let mut json = serde_json::to_value(&request).expect("json");
    assert_eq!(
        json["oil_processed"],
        serde_json::json!({"date": "2024-09-07", "treatment": "degassed"})
    );
    let body = serde_json::to_vec(&json).expect("bytes");
    let Envelope::Success { response, .. } = handle_json(&body) else {
        panic!("a request with a treatment is diagnosed");
    };
    assert_eq!(response.samples_used, 3);

    json["oil_processed"]["treatment"] = serde_json::json!("boiled");
    let body = serde_json::to_vec(&json).expect("bytes");
    let Envelope::Failure { error, .. } = handle_json(&body) else {
        panic!("an unknown treatment is refused");
    };
    assert_eq!(error.code, "malformed_request");
    assert!(error.message.contains("boiled"), "{}", error.message);
}
