//! Report benchmark on the sample fleet (170 transformers, diagnosed): the fleet report of
//! all of them (a summary and a report per unit at caution or worse, one PDF), and 170
//! transformer reports one after another (what "a report for every unit" costs). Goal: under
//! 10 s for the 170. Run: `cargo bench -p substation-report --bench report` (or with
//! `--workspace`, as scripts/test builds).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use substation_report::{Fonts, Lang, Options, asset_report, fleet_report};
use substation_store::{FleetQuery, Store};

fn bench(c: &mut Criterion) {
    let dir = substation_testkit::scratch("report-bench");
    let store = Store::open(&dir.path().join("fleet.sqlite3")).expect("open");
    store
        .import(substation_testkit::import_sample("fleet-two-sheets.xlsx"))
        .expect("import");
    substation_testkit::diagnose_fleet(&store);
    let reader = store.reader().expect("reader");
    let ids: Vec<String> = reader
        .assets()
        .expect("assets")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids.len(), 170);
    let fonts = Fonts::discover().expect("a font with Hangul");
    let options = Options {
        lang: Lang::Ko,
        generated: "2026-12-07 09:00".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
    };

    let mut group = c.benchmark_group("report");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("fleet_all_170_ko", |b| {
        b.iter(|| {
            let report =
                fleet_report(&reader, &FleetQuery::default(), &fonts, &options).expect("report");
            assert!(report.pages > 40);
            report.pdf.len()
        })
    });
    group.bench_function("each_of_170_ko", |b| {
        b.iter(|| {
            ids.iter()
                .map(|id| {
                    asset_report(&reader, id, &fonts, &options)
                        .expect("report")
                        .pdf
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("font_discovery", |b| {
        b.iter(|| Fonts::discover().expect("font").family.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
