//! Gas behaviour: a healthy baseline that ages slowly, and five faults that develop over the last
//! two to three years of a unit's history.

use chrono::{NaiveDate, TimeDelta};
use rand::{RngExt, seq::SliceRandom};

pub use crate::fault::{Fault, FaultPlan};
use crate::model::{
    C2H2, C2H4, C2H6, CH4, CO, CO2, END, GAS_COUNT, Gas, H2, N2, O2, Preservation, Sample,
    Transformer, Unit, lab_round, noisy,
};

/// A unit's own baseline, fixed for its life.
#[derive(Debug, Clone)]
pub struct Profile {
    h2: f64,
    ch4: f64,
    c2h6: f64,
    c2h4: f64,
    /// Relative rise per year of the hydrocarbons (slow ageing).
    drift: f64,
    co_floor: f64,
    co_rate: f64,
    co2_ratio: f64,
    o2: f64,
    n2: f64,
    /// Steady C2H2 from a tap changer that shares the main tank's oil.
    oltc_c2h2: Option<f64>,
    /// Lab noise spread (0.05 = ±5 %).
    noise: f64,
}

impl Profile {
    pub fn new<R: rand::Rng + ?Sized>(rng: &mut R, transformer: &Transformer) -> Self {
        let (o2, n2) = match transformer.preservation {
            Preservation::Conservator => (noisy(rng, 19_000.0, 0.05), noisy(rng, 52_000.0, 0.05)),
            Preservation::Sealed | Preservation::NitrogenBlanket => (
                rng.random_range(600.0..=2_800.0),
                rng.random_range(57_000.0..=73_000.0),
            ),
        };
        Profile {
            h2: rng.random_range(4.0..=38.0),
            ch4: rng.random_range(2.0..=18.0),
            c2h6: rng.random_range(1.0..=13.0),
            c2h4: rng.random_range(1.0..=13.0),
            drift: rng.random_range(0.005..=0.025),
            co_floor: rng.random_range(30.0..=80.0),
            co_rate: rng.random_range(6.0..=14.0),
            co2_ratio: rng.random_range(6.0..=11.0),
            o2,
            n2,
            oltc_c2h2: transformer
                .communicating_oltc
                .then(|| rng.random_range(0.8..=2.5)),
            noise: 0.05,
        }
    }

    fn co_base(&self, transformer: &Transformer, date: NaiveDate) -> f64 {
        self.co_floor + self.co_rate * transformer.age_at(date).powf(0.8)
    }

    /// The lab result for `date`; `first` is the unit's first sample date.
    pub fn sample<R: rand::Rng + ?Sized>(
        &self,
        rng: &mut R,
        transformer: &Transformer,
        fault: Option<&FaultPlan>,
        first: NaiveDate,
        date: NaiveDate,
    ) -> Sample {
        let years = (date - first).num_days() as f64 / 365.25;
        let growth = 1.0 + self.drift * years;
        let mut v = [0.0f64; GAS_COUNT];
        v[H2] = self.h2 * growth;
        v[CH4] = self.ch4 * growth;
        v[C2H6] = self.c2h6 * growth;
        v[C2H4] = self.c2h4 * growth;
        v[C2H2] = self.oltc_c2h2.unwrap_or(0.0);
        v[CO] = self.co_base(transformer, date);
        v[CO2] = v[CO] * self.co2_ratio;
        v[O2] = self.o2;
        v[N2] = self.n2;
        if let Some(plan) = fault {
            self.add_fault(transformer, plan, date, &mut v);
        }
        let mut gases = [Gas::Ppm(0.0); GAS_COUNT];
        for (index, value) in v.iter().enumerate() {
            let mut measured = lab_round(noisy(rng, *value, self.noise));
            if index == O2 || index == N2 {
                measured = match transformer.preservation {
                    Preservation::Conservator => measured,
                    _ if index == O2 => measured.clamp(500.0, 3_000.0),
                    _ => measured.clamp(55_000.0, 75_000.0),
                };
            }
            gases[index] = match index {
                H2 if measured < 5.0 => Gas::Below(5.0),
                C2H2 if measured < 0.5 => Gas::Below(0.5),
                _ => Gas::Ppm(measured.max(0.1)),
            };
        }
        Sample { date, gases }
    }

    fn add_fault(
        &self,
        transformer: &Transformer,
        plan: &FaultPlan,
        date: NaiveDate,
        v: &mut [f64; GAS_COUNT],
    ) {
        let t = plan.progress(date);
        if t <= 0.0 {
            return;
        }
        let s = plan.severity;
        match plan.kind {
            Fault::HotSpotT3 => {
                let c2h4 = s * 320.0 * t.powf(1.5);
                v[C2H4] += c2h4;
                v[CH4] += 0.45 * c2h4;
                v[C2H6] += 0.12 * c2h4;
                v[H2] += 0.12 * c2h4;
                if t > 0.3 {
                    v[C2H2] += 0.8 + 3.0 * t * s;
                }
            }
            Fault::SparkingD1 => {
                let c2h2: f64 = plan
                    .steps
                    .iter()
                    .filter(|(at, _)| *at <= t)
                    .map(|(_, ppm)| ppm)
                    .sum();
                v[C2H2] += c2h2;
                v[H2] += 9.0 * c2h2;
                v[CH4] += 1.2 * c2h2;
                v[C2H4] += 0.6 * c2h2;
            }
            Fault::PartialDischarge => {
                let h2 = s * 380.0 * t.powf(1.2);
                v[H2] += h2;
                v[CH4] += 0.07 * h2;
                v[C2H6] += 0.015 * h2;
            }
            Fault::PaperOverheating => {
                // Aim the last sample at CO well above 1,000 with CO2/CO about 2.4.
                let co_end = self.co_base(transformer, plan.end);
                let co2_end = co_end * self.co2_ratio;
                let mut co_target = 1_150.0 + 450.0 * (s - 0.8) / 0.6;
                let co2_target = (co_target * 2.4).max(co2_end * 1.1);
                co_target = co_target.max(co2_target / 2.4);
                v[CO] += (co_target - co_end) * t.powf(1.2);
                v[CO2] += (co2_target - co2_end) * t;
                v[H2] += 15.0 * t;
                v[CH4] += 6.0 * t;
            }
            Fault::StrayGassing => {
                let shape = t.powf(0.8);
                v[H2] += s * 190.0 * shape;
                v[C2H6] += s * 140.0 * shape;
                v[CH4] += s * 40.0 * shape;
            }
        }
    }
}

/// Sample dates every 6–12 months from about `years` before [`END`] (never before the unit's
/// first year in service) up to [`END`].
pub fn history_dates<R: rand::Rng + ?Sized>(
    rng: &mut R,
    transformer: &Transformer,
    years: u32,
) -> Vec<NaiveDate> {
    let earliest =
        END - TimeDelta::days(i64::from(years) * 365) + TimeDelta::days(rng.random_range(0..=180));
    let in_service = transformer.in_service_from() + TimeDelta::days(rng.random_range(0..=120));
    let mut date = earliest.max(in_service);
    let mut dates = Vec::new();
    while date <= END {
        dates.push(date);
        date += TimeDelta::days(rng.random_range(182..=365));
    }
    dates
}

/// `count` dates every 6–12 months ending within four months of [`END`], oldest first,
/// never before the unit went into service.
pub fn recent_dates<R: rand::Rng + ?Sized>(
    rng: &mut R,
    transformer: &Transformer,
    count: usize,
) -> Vec<NaiveDate> {
    let mut date = END - TimeDelta::days(rng.random_range(0..=120));
    let earliest = transformer.in_service_from();
    let mut dates = Vec::with_capacity(count);
    while dates.len() < count && date >= earliest {
        dates.push(date);
        date -= TimeDelta::days(rng.random_range(182..=365));
    }
    dates.reverse();
    dates
}

/// Gives `per_kind` units each kind of fault, on units with at least four years of history.
/// Stray gassing goes to a sealed unit (one is made sealed if none is free).
pub fn assign_faults<R: rand::Rng + ?Sized>(
    rng: &mut R,
    transformers: &mut [Transformer],
    dates: &[Vec<NaiveDate>],
    per_kind: usize,
) -> Vec<Option<FaultPlan>> {
    let mut plans: Vec<Option<FaultPlan>> = vec![None; transformers.len()];
    let mut candidates: Vec<usize> = (0..transformers.len())
        .filter(|&i| {
            let d = &dates[i];
            d.len() >= 5
                && d.last()
                    .zip(d.first())
                    .is_some_and(|(last, first)| (*last - *first).num_days() >= 4 * 365)
        })
        .collect();
    candidates.shuffle(rng);
    for kind in Fault::ALL {
        for _ in 0..per_kind {
            let pick = if kind == Fault::StrayGassing {
                candidates
                    .iter()
                    .position(|&i| transformers[i].preservation == Preservation::Sealed)
                    .or(if candidates.is_empty() { None } else { Some(0) })
            } else {
                candidates
                    .iter()
                    .position(|&i| {
                        // Keep sealed units for stray gassing when there are few of them.
                        transformers[i].preservation != Preservation::Sealed
                    })
                    .or(if candidates.is_empty() { None } else { Some(0) })
            };
            let Some(position) = pick else { break };
            let index = candidates.remove(position);
            if kind == Fault::StrayGassing {
                transformers[index].preservation = Preservation::Sealed;
            }
            if let Some(last) = dates[index].last() {
                plans[index] = Some(FaultPlan::new(rng, kind, *last));
            }
        }
    }
    plans
}

/// Builds each unit's history: profile, optional fault, one sample per date.
pub fn build_units<R: rand::Rng + ?Sized>(
    rng: &mut R,
    transformers: Vec<Transformer>,
    dates: Vec<Vec<NaiveDate>>,
    faults: Vec<Option<FaultPlan>>,
) -> Vec<Unit> {
    transformers
        .into_iter()
        .zip(dates)
        .zip(faults)
        .map(|((transformer, dates), fault)| {
            let profile = Profile::new(rng, &transformer);
            let first = dates.first().copied().unwrap_or(END);
            let samples = dates
                .iter()
                .map(|date| profile.sample(rng, &transformer, fault.as_ref(), first, *date))
                .collect();
            Unit {
                transformer,
                samples,
                fault,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::names::{NameplateOptions, Naming, nameplates};

    fn value(gas: Gas) -> f64 {
        match gas {
            Gas::Ppm(v) => v,
            Gas::Below(_) => 0.0,
        }
    }

    fn faulty_fleet(seed: u64) -> Vec<Unit> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut fleet = nameplates(
            &mut rng,
            170,
            NameplateOptions {
                naming: Naming::Mixed,
                latest_year: 2022,
            },
        );
        let dates: Vec<_> = fleet
            .iter()
            .map(|t| history_dates(&mut rng, t, 10))
            .collect();
        let faults = assign_faults(&mut rng, &mut fleet, &dates, 3);
        build_units(&mut rng, fleet, dates, faults)
    }

    #[test]
    fn faults_show_their_signatures_at_the_last_sample() {
        let units = faulty_fleet(7);
        let mut seen = Vec::new();
        for unit in &units {
            let Some(plan) = &unit.fault else { continue };
            seen.push(plan.kind);
            let last = unit
                .samples
                .last()
                .map(|s| s.gases)
                .unwrap_or([Gas::Ppm(0.0); GAS_COUNT]);
            let g = |i: usize| value(last[i]);
            match plan.kind {
                Fault::HotSpotT3 => assert!(
                    g(C2H4) > 150.0 && g(CH4) > 60.0 && g(C2H2) < 10.0,
                    "{last:?}"
                ),
                Fault::SparkingD1 => assert!(g(C2H2) >= 4.0 && g(H2) > 40.0, "{last:?}"),
                Fault::PartialDischarge => assert!(g(H2) > 200.0 && g(C2H6) < 30.0, "{last:?}"),
                Fault::PaperOverheating => {
                    assert!(g(CO) > 1_000.0 && g(CO2) / g(CO) < 3.0, "{last:?}")
                }
                Fault::StrayGassing => {
                    assert!(g(H2) > 100.0 && g(C2H6) > 80.0, "{last:?}");
                    assert_eq!(unit.transformer.preservation, Preservation::Sealed);
                }
            }
        }
        for kind in Fault::ALL {
            assert_eq!(seen.iter().filter(|k| **k == kind).count(), 3, "{kind:?}");
        }
    }

    #[test]
    fn healthy_units_look_healthy() {
        for unit in faulty_fleet(8)
            .iter()
            .filter(|u| u.fault.is_none() && !u.transformer.communicating_oltc)
        {
            for sample in &unit.samples {
                assert_eq!(sample.gases[C2H2], Gas::Below(0.5));
                assert!(value(sample.gases[H2]) <= 50.0);
                assert!(value(sample.gases[CO]) < 800.0, "{sample:?}");
                let (o2, n2) = (value(sample.gases[O2]), value(sample.gases[N2]));
                if unit.transformer.preservation == Preservation::Conservator {
                    assert!(
                        (17_100.0..=20_900.0).contains(&o2) && (46_800.0..=57_200.0).contains(&n2)
                    );
                } else {
                    assert!((500.0..=3_000.0).contains(&o2) && (55_000.0..=75_000.0).contains(&n2));
                }
            }
        }
    }
}
