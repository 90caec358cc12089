//! The data every generator shares: nameplates, gas values and samples.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use rand::RngExt;

/// The newest date any generated sample may carry ("today" for the sample data).
pub const END: NaiveDate = match NaiveDate::from_ymd_opt(2025, 10, 31) {
    Some(date) => date,
    None => panic!("2025-10-31 is a date"),
};

/// Fixed creation time written into every workbook so output is byte-stable.
pub const CREATED: NaiveDateTime = NaiveDateTime::new(END, NaiveTime::MIN);

/// Builds a date from parts that are known to be valid at compile time.
pub const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// How the oil is kept from the air; decides the dissolved O2 and N2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preservation {
    Sealed,
    Conservator,
    NitrogenBlanket,
}

impl Preservation {
    /// The value the importer's template expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Preservation::Sealed => "sealed",
            Preservation::Conservator => "conservator",
            Preservation::NitrogenBlanket => "nitrogen_blanket",
        }
    }
}

/// One transformer's nameplate.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformer {
    pub id: String,
    pub name: String,
    pub substation: String,
    pub manufacturer: String,
    /// The manufacturer as a Korean lab system writes it (효성, LS일렉트릭, …).
    pub manufacturer_ko: String,
    pub year: i32,
    pub rated_kv: f64,
    pub rated_mva: f64,
    pub oil_litres: u32,
    pub preservation: Preservation,
    pub communicating_oltc: bool,
}

impl Transformer {
    pub fn oltc_text(&self) -> &'static str {
        if self.communicating_oltc { "yes" } else { "no" }
    }

    /// The first day a sample of this unit can plausibly be taken (commissioning).
    pub fn in_service_from(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year + 1, 1, 1).unwrap_or(END)
    }

    /// Age in years (fractional) at `date`, at least half a year.
    pub fn age_at(&self, date: NaiveDate) -> f64 {
        let years = f64::from(date.year() - self.year) + f64::from(date.ordinal0()) / 365.0;
        years.max(0.5)
    }
}

/// The nine gases, in the column order of every layout.
pub const GAS_COUNT: usize = 9;
pub const H2: usize = 0;
pub const CH4: usize = 1;
pub const C2H6: usize = 2;
pub const C2H4: usize = 3;
pub const C2H2: usize = 4;
pub const CO: usize = 5;
pub const CO2: usize = 6;
pub const O2: usize = 7;
pub const N2: usize = 8;

/// One gas result as a lab reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gas {
    /// A measured concentration in ppm.
    Ppm(f64),
    /// Below the detection limit given (written "<0.5").
    Below(f64),
}

impl Gas {
    /// The `<limit>` text form for below-detection values, the number otherwise.
    pub fn text(self) -> String {
        match self {
            Gas::Ppm(value) => number_text(value),
            Gas::Below(limit) => format!("<{}", number_text(limit)),
        }
    }
}

/// A number as a lab writes it: no trailing ".0".
pub fn number_text(value: f64) -> String {
    format!("{value}")
}

/// One oil sample of one transformer.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub date: NaiveDate,
    pub gases: [Gas; GAS_COUNT],
}

/// A transformer with its sample history, oldest first.
#[derive(Debug, Clone)]
pub struct Unit {
    pub transformer: Transformer,
    pub samples: Vec<Sample>,
    /// The fault the unit develops, if any (for the printed summary).
    pub fault: Option<crate::fault::FaultPlan>,
}

/// Rounds a concentration the way lab reports print it.
pub fn lab_round(value: f64) -> f64 {
    if value < 10.0 {
        (value * 10.0).round() / 10.0
    } else if value < 10_000.0 {
        value.round()
    } else {
        (value / 100.0).round() * 100.0
    }
}

/// Multiplies by a factor in [1 - spread, 1 + spread] (lab noise).
pub fn noisy<R: rand::Rng + ?Sized>(rng: &mut R, value: f64, spread: f64) -> f64 {
    value * rng.random_range((1.0 - spread)..=(1.0 + spread))
}

/// Picks an index with probability proportional to its weight.
pub fn weighted<R: rand::Rng + ?Sized>(rng: &mut R, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut pick = rng.random_range(0..total);
    for (index, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return index;
        }
        pick -= weight;
    }
    weights.len() - 1
}

/// Excel's column letters for a 0-based column index: 0 → A, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_trailing_zero() {
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(2.3), "2.3");
        assert_eq!(Gas::Below(0.5).text(), "<0.5");
        assert_eq!(Gas::Below(5.0).text(), "<5");
    }

    #[test]
    fn lab_rounding() {
        assert_eq!(lab_round(2.345), 2.3);
        assert_eq!(lab_round(123.6), 124.0);
        assert_eq!(lab_round(19_049.0), 19_000.0);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(10), "K");
        assert_eq!(column_letter(26), "AA");
    }
}
