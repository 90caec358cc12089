//! The reports speak the app's words: every key the report shares with the desktop app has the
//! app's English and Korean text, so a fault, a severity or an action reads the same on screen
//! and on paper.

use std::collections::HashMap;
use std::path::PathBuf;

use substation_report::{Lang, WORDS};

fn catalogue(lang: &str) -> HashMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/src/lib")
        .join(format!("messages.{lang}.ts"));
    let text = std::fs::read_to_string(&path).expect("the UI's messages");
    text.lines()
        .filter_map(|line| {
            // `  "key": "text",`
            let line = line.trim().strip_suffix(',').unwrap_or(line.trim());
            let (key, value) = line.split_once("\": ")?;
            let key = key.strip_prefix('"')?;
            let value: String = serde_json::from_str(value).ok()?;
            Some((key.to_owned(), value))
        })
        .collect()
}

#[test]
fn shared_keys_carry_the_apps_text_in_both_languages() {
    let (en, ko) = (catalogue("en"), catalogue("ko"));
    assert!(en.len() > 300 && ko.len() > 300, "the catalogues were read");
    let mut shared = 0;
    for (key, english, korean) in WORDS {
        if key.starts_with("report.") {
            assert!(!en.contains_key(*key), "{key} is the app's: use its text");
            continue;
        }
        shared += 1;
        assert_eq!(en.get(*key).map(String::as_str), Some(*english), "en {key}");
        assert_eq!(ko.get(*key).map(String::as_str), Some(*korean), "ko {key}");
    }
    assert!(shared > 100);
}

#[test]
fn every_fault_severity_action_and_method_the_engine_names_has_words() {
    use substation_dga::readout::code;
    for severity in substation_dga::Severity::ALL {
        let key = format!("sev.{}", code(&severity));
        assert!(WORDS.iter().any(|(k, _, _)| *k == key), "{key}");
    }
    for fault in [
        "none",
        "PD",
        "D1",
        "D2",
        "T1",
        "T2",
        "T3",
        "DT",
        "S",
        "undetermined",
    ] {
        let key = format!("fault.{fault}");
        assert_ne!(Lang::Ko.t(&key), key, "{key}");
    }
    use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample};
    let gases = GasReadings::default()
        .with(Gas::H2, 120.0)
        .with(Gas::CH4, 60.0)
        .with(Gas::C2H6, 20.0)
        .with(Gas::C2H4, 90.0)
        .with(Gas::C2H2, 3.0);
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let request = DiagnosisRequest::new(Asset::new("X"), vec![Sample::new(date, gases)]);
    let diagnosis = substation_dga::diagnose(&request).expect("diagnosis");
    for (method, _) in substation_dga::readout::method_verdicts(&diagnosis) {
        let key = format!("method.{method}");
        assert_ne!(Lang::Ko.t(&key), key, "{key}");
    }
    for finding in &diagnosis.rules {
        let key = format!("rule.{}", finding.code);
        assert_ne!(Lang::Ko.t(&key), key, "{key}");
    }
    assert_eq!(Lang::parse("ko-KR"), Lang::Ko);
    assert_eq!(Lang::parse("en_GB.UTF-8"), Lang::En);
    assert_eq!(Lang::Ko.tf("dx.resample", &[("n", "7")]), "7일 이내 재채취");
}
