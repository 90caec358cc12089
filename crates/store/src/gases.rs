//! The nine gases of a sample packed into one small BLOB (`sample.gases`).
//!
//! Eighteen columns (a value and a state per gas) made the million-row table wide and every
//! import bind and check eighteen values per row; one BLOB is a third of the row and one bind.
//!
//! Layout, gases in the order h2, ch4, c2h6, c2h4, c2h2, co, co2, o2, n2; for each, one tag
//! byte, then its value if it has one:
//! - tag bits 0–1: the state: 0 not measured, 1 measured, 2 below detection (bits 6–7 are 0);
//! - tag bits 2–5: how the value is stored: 0 no value; 1–7 a decimal with 0–6 fraction digits,
//!   `n / 10^(code - 1)`, `n` a zigzag LEB128 varint; 15 the 8 IEEE-754 bytes, little-endian.
//!
//! A decimal is chosen only when decoding it gives the very same bits, so every value reads
//! back exactly; laboratory figures (12.5, 0.03, 1234) take 1–3 bytes instead of 8. The packing
//! of given readings is deterministic, so equal readings have equal BLOBs (re-imports compare
//! them).

use substation_dga::{GasReadings, GasValue};

/// Tag byte per gas plus at most 8 bytes of value (a varint of |n| ≤ 2^53 takes ≤ 8 bytes).
const MAX_LEN: usize = 9 * (1 + 8);
/// Powers of ten for 0–6 fraction digits; exact in f64.
const SCALES: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
/// Largest integer every f64 holds exactly.
const EXACT: i64 = 1 << 53;
const RAW: u8 = 15;

/// Packed readings, kept inline: a million-sample import allocates nothing per row for them.
#[derive(Clone, Copy)]
pub(crate) struct PackedGases {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl PackedGases {
    pub(crate) fn new(readings: &GasReadings) -> Self {
        let mut packed = PackedGases {
            bytes: [0; MAX_LEN],
            len: 0,
        };
        for value in in_order(readings) {
            let (state, value) = match value {
                GasValue::NotMeasured => (0, None),
                GasValue::Measured(ppm) => (1, Some(ppm)),
                GasValue::BelowDetection { limit } => (2, limit),
            };
            let Some(value) = value else {
                packed.push(state);
                continue;
            };
            if let Some((digits, n)) = decimal(value) {
                packed.push(state | (digits + 1) << 2);
                packed.push_varint(zigzag(n));
            } else {
                packed.push(state | RAW << 2);
                for byte in value.to_bits().to_le_bytes() {
                    packed.push(byte);
                }
            }
        }
        packed
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn push(&mut self, byte: u8) {
        // Cannot overflow: MAX_LEN is the longest packing of nine gases.
        self.bytes[usize::from(self.len)] = byte;
        self.len += 1;
    }

    fn push_varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.push(n as u8);
    }
}

impl rusqlite::ToSql for PackedGases {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Blob(self.as_bytes()),
        ))
    }
}

fn in_order(g: &GasReadings) -> [GasValue; 9] {
    [g.h2, g.ch4, g.c2h6, g.c2h4, g.c2h2, g.co, g.co2, g.o2, g.n2]
}

/// The fewest fraction digits (0–6) that give back exactly `value`, with the scaled integer.
fn decimal(value: f64) -> Option<(u8, i64)> {
    SCALES.iter().zip(0u8..).find_map(|(&scale, digits)| {
        let scaled = value * scale;
        if scaled.is_nan() || scaled.abs() > EXACT as f64 {
            return None;
        }
        // Nearest integer without `f64::round`, a libm call on baseline x86-64 and a tenth of
        // an import's time; a rare wrong guess only fails the check below.
        let n = (scaled + 0.5f64.copysign(scaled)) as i64;
        // Compared as bits: -0.0 and NaN are not decimals and are stored raw.
        ((n as f64 / scale).to_bits() == value.to_bits()).then_some((digits, n))
    })
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// The readings back from their packed form; an error names what is malformed.
pub(crate) fn unpack(bytes: &[u8]) -> Result<GasReadings, String> {
    let mut rest = bytes;
    let mut next = || -> Result<u8, String> {
        let (&first, tail) = rest
            .split_first()
            .ok_or("packed gases end too soon".to_owned())?;
        rest = tail;
        Ok(first)
    };
    let mut values = [GasValue::NotMeasured; 9];
    for slot in &mut values {
        let tag = next()?;
        let value = match tag >> 2 {
            0 => None,
            code @ 1..=7 => {
                let mut n: u64 = 0;
                let mut shift = 0;
                loop {
                    let byte = next()?;
                    if shift > 56 {
                        return Err("a packed gas value is too long".into());
                    }
                    n |= u64::from(byte & 0x7f) << shift;
                    shift += 7;
                    if byte & 0x80 == 0 {
                        break;
                    }
                }
                Some(unzigzag(n) as f64 / SCALES[usize::from(code - 1)])
            }
            RAW => {
                let mut raw = [0u8; 8];
                for byte in &mut raw {
                    *byte = next()?;
                }
                Some(f64::from_bits(u64::from_le_bytes(raw)))
            }
            code => return Err(format!("unknown packed gas value code {code}")),
        };
        *slot = match (tag & 0b11, value) {
            (0, None) => GasValue::NotMeasured,
            (1, Some(ppm)) => GasValue::Measured(ppm),
            (2, limit) => GasValue::BelowDetection { limit },
            _ => return Err(format!("invalid packed gas tag {tag:#04x}")),
        };
    }
    if !rest.is_empty() {
        return Err("packed gases have trailing bytes".into());
    }
    let [h2, ch4, c2h6, c2h4, c2h2, co, co2, o2, n2] = values;
    Ok(GasReadings {
        h2,
        ch4,
        c2h6,
        c2h4,
        c2h2,
        co,
        co2,
        o2,
        n2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bits(g: &GasReadings) -> Vec<(u8, Option<u64>)> {
        in_order(g)
            .iter()
            .map(|v| match *v {
                GasValue::NotMeasured => (0, None),
                GasValue::Measured(x) => (1, Some(x.to_bits())),
                GasValue::BelowDetection { limit } => (2, limit.map(f64::to_bits)),
            })
            .collect()
    }

    fn gas_value() -> impl Strategy<Value = GasValue> {
        let any_f64 = prop_oneof![
            any::<f64>(),
            // Laboratory-like decimals, the common case.
            (-1_000_000i64..10_000_000, 0u32..7).prop_map(|(n, d)| n as f64 / 10f64.powi(d as i32)),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(9_007_199_254_740_993.0),
        ];
        prop_oneof![
            Just(GasValue::NotMeasured),
            any_f64.clone().prop_map(GasValue::Measured),
            proptest::option::of(any_f64).prop_map(|limit| GasValue::BelowDetection { limit }),
        ]
    }

    proptest! {
        #[test]
        fn every_reading_reads_back_bit_exact(values in proptest::array::uniform9(gas_value())) {
            let [h2, ch4, c2h6, c2h4, c2h2, co, co2, o2, n2] = values;
            let readings = GasReadings { h2, ch4, c2h6, c2h4, c2h2, co, co2, o2, n2 };
            let packed = PackedGases::new(&readings);
            let back = unpack(packed.as_bytes()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(bits(&back), bits(&readings));
        }
    }

    #[test]
    fn laboratory_figures_pack_small() {
        let readings = GasReadings::default()
            .with(substation_dga::Gas::H2, 12.5)
            .with(substation_dga::Gas::CO2, 1234.0)
            .with(substation_dga::Gas::C2H2, 0.03);
        let packed = PackedGases::new(&readings);
        // Nine tags, then 12.5 → 125 (2 bytes), 0.03 → 3 (1 byte), 1234 (2 bytes).
        assert_eq!(packed.as_bytes().len(), 9 + 2 + 1 + 2);
        assert_eq!(unpack(packed.as_bytes()), Ok(readings));
    }

    #[test]
    fn malformed_blobs_are_refused() {
        let good = PackedGases::new(&GasReadings::default().with(substation_dga::Gas::H2, 7.25));
        let bytes = good.as_bytes();
        assert!(unpack(&bytes[..bytes.len() - 1]).is_err(), "truncated");
        assert!(unpack(&[bytes, &[0]].concat()).is_err(), "trailing byte");
        assert!(
            unpack(&[0b0000_0001; 9]).is_err(),
            "measured without a value"
        );
        assert!(unpack(&[0b0100_0000; 9]).is_err(), "unknown value code");
    }
}
