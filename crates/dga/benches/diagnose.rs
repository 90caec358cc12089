//! Full diagnosis of one transformer with 50 samples (about 12 years of quarterly sampling),
//! the unit of work every engine does per asset. Goal: ≥ 50,000 transformers per second on
//! one core. Also: reading a contract answer as the Lambda client does, before (building the
//! whole diagnosis) and now (a summary pass, the bytes kept). Run: `cargo bench -p
//! substation-dga --bench diagnose`.

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use substation_dga::{
    Asset, DiagnosisRequest, Gas, GasReadings, OilPreservation, Sample, diagnose,
};

/// A slowly developing thermal fault: every gas drifts up with some scatter, so that every
/// method has something to compute (rates, ratios, triangles, pentagons).
fn request(samples: usize) -> DiagnosisRequest {
    let origin = NaiveDate::from_ymd_opt(2013, 1, 15).expect("date");
    let samples = (0..samples)
        .map(|i| {
            let t = i as f64;
            let wobble = if i % 2 == 0 { 1.04 } else { 0.97 };
            let gases = GasReadings::default()
                .with(Gas::H2, (20.0 + 1.5 * t) * wobble)
                .with(Gas::CH4, (15.0 + 2.0 * t) * wobble)
                .with(Gas::C2H6, (8.0 + 0.8 * t) * wobble)
                .with(Gas::C2H4, (10.0 + 3.0 * t) * wobble)
                .with(Gas::C2H2, 0.02 * t)
                .with(Gas::CO, (250.0 + 5.0 * t) * wobble)
                .with(Gas::CO2, (2500.0 + 40.0 * t) * wobble)
                .with(Gas::O2, 18_000.0)
                .with(Gas::N2, 52_000.0);
            Sample::new(origin + Days::new(91 * i as u64), gases)
        })
        .collect();
    let mut asset = Asset::new("BENCH-1");
    asset.year_of_manufacture = Some(1995);
    asset.oil_preservation = Some(OilPreservation::Conservator);
    asset.communicating_oltc = Some(false);
    DiagnosisRequest::new(asset, samples)
}

fn bench(c: &mut Criterion) {
    let request = request(50);
    let mut group = c.benchmark_group("diagnose");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_transformer_50_samples", |b| {
        b.iter(|| diagnose(black_box(&request)).expect("diagnosis"))
    });
    group.bench_function("one_transformer_50_samples_json_round_trip", |b| {
        let body = serde_json::to_vec(&request).expect("json");
        b.iter(|| serde_json::to_vec(&substation_dga::handle_json(black_box(&body))).expect("json"))
    });
    group.finish();

    // What a client does with each contract answer it receives (~20 KB): before, the whole
    // diagnosis was built from it; now a pass reads the version, the asset id and the indexed
    // keys, and the bytes are kept as they came.
    let answer = serde_json::to_vec(&diagnose(&request).expect("diagnosis")).expect("json");
    let mut group = c.benchmark_group("read_answer");
    group.throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("build_the_diagnosis", |b| {
        b.iter(|| {
            serde_json::from_slice::<substation_dga::Diagnosis>(black_box(&answer))
                .expect("diagnosis")
        })
    });
    group.bench_function("summary_pass_and_keep_the_bytes", |b| {
        b.iter(|| {
            substation_dga::Answer::from_contract_json(black_box(&answer[..]).into(), "BENCH-1")
                .expect("answer")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
