//! Reports of the sample fleet, read back as a person's PDF viewer would: poppler's pdftotext
//! for what the pages say (Korean included: the text maps back to Hangul, so it was set in a
//! font that has it) and pdftoppm for whether they render. Needs poppler-utils and a font with
//! Hangul (scripts/setup installs both).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use substation_report::{Fonts, Lang, Options, ReportError, asset_report, fleet_report};
use substation_store::{FleetQuery, Store};
use substation_testkit::{diagnose_fleet, import_sample, scratch};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::discover().expect("a font with Hangul (fonts-noto-cjk)"))
}

fn options(lang: Lang) -> Options {
    Options {
        lang,
        generated: "2026-12-07 09:00".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
    }
}

/// The sample fleet (170 transformers, English and Korean names), diagnosed.
fn fleet(dir: &Path) -> Store {
    let store = Store::open(&dir.join("fleet.sqlite3")).expect("open");
    store
        .import(import_sample("fleet-two-sheets.xlsx"))
        .expect("import");
    diagnose_fleet(&store);
    store
}

fn write(dir: &Path, name: &str, pdf: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write");
    path
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn text(pdf: &Path) -> String {
    poppler("pdftotext", &["-layout", &pdf.to_string_lossy(), "-"])
}

fn pages(pdf: &Path) -> usize {
    poppler("pdfinfo", &[&pdf.to_string_lossy()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

/// Renders page `page` in grey and returns the share of its pixels that carry ink.
fn ink(pdf: &Path, page: usize, dir: &Path) -> f64 {
    let stem = dir.join(format!("page-{page}"));
    let n = page.to_string();
    poppler(
        "pdftoppm",
        &[
            "-r",
            "40",
            "-gray",
            "-singlefile",
            "-f",
            &n,
            "-l",
            &n,
            &pdf.to_string_lossy(),
            &stem.to_string_lossy(),
        ],
    );
    let pgm = std::fs::read(stem.with_extension("pgm")).expect("pgm");
    // Binary PGM: a header of four tokens, then one byte per pixel.
    let mut fields = 0;
    let mut start = 0;
    let mut in_token = false;
    for (i, b) in pgm.iter().enumerate() {
        let space = b.is_ascii_whitespace();
        if in_token && space {
            fields += 1;
            if fields == 4 {
                start = i + 1;
                break;
            }
        }
        in_token = !space;
    }
    let pixels = &pgm[start..];
    pixels.iter().filter(|p| **p < 200).count() as f64 / pixels.len().max(1) as f64
}

#[test]
fn a_transformer_report_in_korean_says_who_it_is_the_verdict_and_the_methods() {
    let dir = scratch("report-asset-ko");
    let store = fleet(dir.path());
    let reader = store.reader().expect("reader");
    // TR-0024, 서귀포 2호 M.Tr: the sample fleet's arcing unit, critical.
    let report = asset_report(&reader, "TR-0024", fonts(), &options(Lang::Ko)).expect("report");
    let pdf = write(dir.path(), "tr-0024-ko.pdf", &report.pdf);
    assert_eq!(pages(&pdf), report.pages);
    assert!(report.pages >= 2, "{} pages", report.pages);
    let text = text(&pdf);
    for expected in [
        "TR-0024",
        "서귀포 2호 M.Tr",
        "종합 판정",
        "위험",
        "고에너지 방전 (아크)",
        "운전 정지 검토",
        "명판 정보",
        "듀발 삼각형 1",
        "듀발 오각형 1",
        "추이",
        "진단 기법별 판정",
        "가스별 판정 규칙",
        "내장 엔진 (오프라인) · substation-dga",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // The footer's "page 1 of 2" (pdftotext closes up the small print's spaces).
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed.contains(&format!("{}쪽중1쪽", report.pages)),
        "{text}"
    );
    // Every page renders with ink on it.
    for page in 1..=report.pages {
        let share = ink(&pdf, page, dir.path());
        assert!(share > 0.01, "page {page} is blank ({share})");
    }
}

#[test]
fn a_transformer_report_in_english_gives_the_action_and_the_next_sample_date() {
    let dir = scratch("report-asset-en");
    let store = fleet(dir.path());
    let reader = store.reader().expect("reader");
    let report = asset_report(&reader, "TR-0024", fonts(), &options(Lang::En)).expect("report");
    let pdf = write(dir.path(), "tr-0024-en.pdf", &report.pdf);
    let text = text(&pdf);
    let diagnosis = reader
        .diagnosis(reader.diagnoses("TR-0024").expect("rows")[0].id)
        .expect("read")
        .expect("stored");
    let next = diagnosis.latest_sample_date
        + chrono::Days::new(u64::from(diagnosis.recommended_action.resample_within_days));
    for expected in [
        "Verdict".to_owned(),
        "Critical".to_owned(),
        "High-energy discharges (arcing)".to_owned(),
        "Consider removal from service".to_owned(),
        diagnosis.latest_sample_date.to_string(),
        "Rules that fired, by gas".to_owned(),
        "this laptop".to_owned(),
        "Page 1 of".to_owned(),
    ] {
        assert!(
            text.contains(&expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let next_line = text
        .lines()
        .find(|l| l.contains("Next sample by"))
        .expect("the next sample line");
    assert!(next_line.contains(&next.to_string()), "{next_line}");
    // The report is dated 2026-12-07; the sample fell due long before.
    assert!(next < chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"));
    assert!(next_line.contains("overdue"), "{next_line}");
    assert!(
        !text.contains("위험"),
        "an English report has no Korean words"
    );
}

#[test]
fn the_fleet_report_counts_by_severity_lists_worst_first_and_details_every_unit_at_caution_or_worse()
 {
    let dir = scratch("report-fleet");
    let store = fleet(dir.path());
    let reader = store.reader().expect("reader");
    let rows = reader
        .fleet(&FleetQuery {
            include_undiagnosed: true,
            ..FleetQuery::default()
        })
        .expect("fleet");
    let at = |s: &str| {
        rows.iter()
            .filter(|r| r.severity.as_deref() == Some(s))
            .count()
    };
    let flagged: Vec<&str> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.severity.as_deref(),
                Some("caution" | "warning" | "critical")
            )
        })
        .map(|r| r.asset_id.as_str())
        .collect();
    for lang in [Lang::En, Lang::Ko] {
        let report =
            fleet_report(&reader, &FleetQuery::default(), fonts(), &options(lang)).expect("report");
        let pdf = write(
            dir.path(),
            &format!("fleet-{}.pdf", lang.tag()),
            &report.pdf,
        );
        assert_eq!(report.transformers, rows.len());
        assert_eq!(report.detailed, flagged.len());
        assert_eq!(pages(&pdf), report.pages);
        // A summary, then at least one page per flagged unit.
        assert!(report.pages > flagged.len(), "{} pages", report.pages);
        let text = text(&pdf);
        let (critical, title) = match lang {
            Lang::En => ("Critical", "Fleet DGA report"),
            Lang::Ko => ("위험", "설비 유중가스분석 종합 보고서"),
        };
        assert!(text.contains(title));
        let counted = text
            .lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_prefix(critical).map(|rest| rest.trim().to_owned())
            })
            .expect("the critical count line");
        assert_eq!(counted, at("critical").to_string(), "{lang:?}");
        // Worst first: the first critical unit is listed before the first normal one.
        let first_critical = rows
            .iter()
            .find(|r| r.severity.as_deref() == Some("critical"));
        let first_normal = rows
            .iter()
            .find(|r| r.severity.as_deref() == Some("normal"));
        let (c, n) = (
            first_critical.expect("a critical unit in the sample fleet"),
            first_normal.expect("a normal unit in the sample fleet"),
        );
        let ci = text.find(&c.asset_id).expect("the critical unit is listed");
        let ni = text.find(&n.asset_id).expect("the normal unit is listed");
        assert!(ci < ni, "{} before {}", c.asset_id, n.asset_id);
        // Each flagged unit has its own report: its id is a page title.
        for id in &flagged {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{id} ·")) || l.trim() == *id),
                "no page of its own for {id}"
            );
        }
    }
}

#[test]
fn a_status_selection_reports_only_those_transformers() {
    let dir = scratch("report-status");
    let store = fleet(dir.path());
    let reader = store.reader().expect("reader");
    let query = FleetQuery {
        status: Some(3),
        ..FleetQuery::default()
    };
    let expected = reader
        .fleet(&FleetQuery {
            status: Some(3),
            ..FleetQuery::default()
        })
        .expect("fleet");
    let report = fleet_report(&reader, &query, fonts(), &options(Lang::En)).expect("report");
    assert_eq!(report.transformers, expected.len());
    let pdf = write(dir.path(), "status-3.pdf", &report.pdf);
    let text = text(&pdf);
    assert!(text.contains("Selection: IEEE status 3"), "{text}");
    let normal = reader
        .fleet(&FleetQuery {
            status: Some(1),
            ..FleetQuery::default()
        })
        .expect("fleet");
    let outsider = &normal.first().expect("a status 1 unit").asset_id;
    assert!(
        !text.contains(outsider.as_str()),
        "{outsider} is not status 3"
    );
}

#[test]
fn before_any_run_the_report_says_its_diagnosis_is_a_preview() {
    let dir = scratch("report-preview");
    let store = Store::open(&dir.path().join("fresh.sqlite3")).expect("open");
    store
        .import(import_sample("korean-lab-export.xlsx"))
        .expect("import");
    let reader = store.reader().expect("reader");
    let id = reader.assets().expect("assets")[0].id.clone();
    let report = asset_report(&reader, &id, fonts(), &options(Lang::Ko)).expect("report");
    let text = text(&write(dir.path(), "preview.pdf", &report.pdf));
    assert!(text.contains("아직 진단하지 않았습니다"), "{text}");
    assert!(text.contains(&id));
}

#[test]
fn unknown_transformers_and_empty_selections_are_errors_with_their_codes() {
    let dir = scratch("report-errors");
    let store = fleet(dir.path());
    let reader = store.reader().expect("reader");
    let missing =
        asset_report(&reader, "TR-NONE", fonts(), &options(Lang::En)).expect_err("an error");
    assert!(matches!(missing, ReportError::NoSuchAsset(ref id) if id == "TR-NONE"));
    assert_eq!(missing.code(), "no_such_asset");
    let nothing = FleetQuery {
        substation: Some("Atlantis".into()),
        ..FleetQuery::default()
    };
    let empty = fleet_report(&reader, &nothing, fonts(), &options(Lang::En)).expect_err("an error");
    assert_eq!(empty.code(), "empty_selection");
}

#[test]
fn a_font_without_hangul_is_refused_rather_than_printing_empty_boxes() {
    // Latin fonts with no Hangul: DejaVu Sans (fonts-dejavu-core, installed by scripts/setup),
    // Helvetica on macOS.
    let latin = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
    ]
    .into_iter()
    .map(Path::new)
    .find(|p| p.is_file())
    .expect("a Latin-only font");
    let error = Fonts::from_file(latin).expect_err("an error");
    assert_eq!(error.code(), "font_unusable");
    assert!(error.to_string().contains("no glyph for '가'"), "{error}");
}

#[test]
fn the_logbook_is_printed_with_the_oil_treatment_and_a_typed_sample() {
    use substation_dga::{Gas, GasReadings, LogEntry, LogEvent, OilTreatment, SampleSource};
    let dir = scratch("report-logbook");
    let store = fleet(dir.path());
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2025, m, d).expect("date");
    let entry = |on, event, text: &str| LogEntry {
        asset_id: "TR-0024".into(),
        occurred_on: on,
        author: "김정민".into(),
        text: text.into(),
        event,
    };
    store
        .add_log_entry(entry(
            day(8, 2),
            LogEvent::OilProcessed {
                treatment: OilTreatment::Degassed,
            },
            "Vacuum degassing on site, 10 h",
        ))
        .expect("degassed");
    store
        .add_log_entry(entry(
            day(8, 20),
            LogEvent::Sample {
                source: SampleSource::Portable,
                gases: GasReadings::default()
                    .with(Gas::H2, 8.0)
                    .with(Gas::CO, 120.0),
            },
            "",
        ))
        .expect("typed");
    let reader = store.reader().expect("reader");
    for (lang, words) in [
        (
            Lang::En,
            [
                "Logbook",
                "Degassed",
                "the gas history restarts on this day",
                "Oil processed on 2025-08-02 (Degassed)",
                "on site, 10 h",
                "Sample (Portable",
            ],
        ),
        (
            Lang::Ko,
            [
                "2025-08-02에 절연유 처리(탈기)",
                "절연유 처리",
                "설비 일지",
                "김정민",
                "휴대용 분석기",
                "다시 시작",
            ],
        ),
    ] {
        let report = asset_report(&reader, "TR-0024", fonts(), &options(lang)).expect("report");
        let pdf = write(
            dir.path(),
            &format!("logbook-{}.pdf", lang.tag()),
            &report.pdf,
        );
        let said = text(&pdf);
        for word in words {
            assert!(
                said.contains(word),
                "{word:?} missing from {lang:?}:\n{said}"
            );
        }
        // The treatment's day appears only in the logbook (the samples table has no such day).
        assert!(said.contains("2025-08-02"), "{said}");
    }
}
