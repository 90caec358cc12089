//! What the consensus reads: the methods' results, and per gas a real rise or an elevated level.

use crate::gas::Gas;
use crate::methods::doernenburg::Doernenburg;
use crate::methods::duval_pentagons::DuvalPentagon1;
use crate::methods::duval_triangles::{DuvalTriangle1, DuvalTriangle4};
use crate::methods::iec_60599::Iec60599;
use crate::methods::ieee_2008::Ieee2008;
use crate::methods::ieee_2019::{GasStatus, Ieee2019, Status};
use crate::methods::key_gas::KeyGas;
use crate::methods::rogers::Rogers;

/// Everything the consensus reads.
pub struct Inputs<'a> {
    pub ieee_2019: &'a Ieee2019,
    pub ieee_2008: &'a Ieee2008,
    pub iec: &'a Iec60599,
    pub triangle_1: &'a DuvalTriangle1,
    pub triangle_4: &'a DuvalTriangle4,
    pub pentagon_1: &'a DuvalPentagon1,
    pub rogers: &'a Rogers,
    pub doernenburg: &'a Doernenburg,
    pub key_gas: &'a KeyGas,
    /// From the nameplate: does the tap changer share oil with the main tank?
    pub communicating_oltc: Option<bool>,
}

/// The smallest change a laboratory can tell from its own scatter: 1 ppm near the detection
/// limits, 10 % of the level above 10 ppm. Our reading of the repeatability that IEC 60567
/// asks of laboratories; it decides only whether a rise counts for escalation and for typing,
/// never the IEEE or IEC screening itself (docs/diagnosis.md, section 3).
pub fn repeatability_ppm(level_ppm: f64) -> f64 {
    (0.1 * level_ppm.abs()).max(1.0)
}

pub(super) fn ieee_gas<'a>(inputs: &Inputs<'a>, gas: Gas) -> Option<&'a GasStatus> {
    inputs.ieee_2019.gases.iter().find(|g| g.gas == gas)
}

/// The rise of a gas counts only when it is at least the laboratory's repeatability: the step
/// since the previous sample, or what the Table 4 rate adds up to over its window.
pub(super) fn rise_is_real(inputs: &Inputs<'_>, g: &GasStatus) -> bool {
    let floor = repeatability_ppm(g.level_ppm);
    let step = g.delta_exceeded && g.delta_ppm.is_some_and(|delta| delta >= floor);
    let span_years = inputs
        .ieee_2019
        .rate_window
        .as_ref()
        .map(|w| w.months / 12.0);
    let trend = g.rate_exceeded
        && g.rate_ppm_per_year
            .zip(span_years)
            .is_some_and(|(rate, years)| rate * years >= floor);
    step || trend
}

/// A gas is elevated (for choosing the method that types the fault) when it is at or above its
/// IEEE Table 1 level, rises by more than Table 3 or 4 allow and by more than a laboratory's
/// repeatability, or is above its IEC typical value or rate.
pub(super) fn elevated(inputs: &Inputs<'_>, gas: Gas) -> bool {
    let ieee = ieee_gas(inputs, gas).is_some_and(|g| {
        g.status >= Status::Two && (g.level_ppm >= g.table1_ppm || rise_is_real(inputs, g))
    });
    let iec_span_years = inputs.iec.rate_window.as_ref().map(|w| w.months / 12.0);
    let iec = inputs.iec.gases.iter().any(|g| {
        let real_rise = g
            .rate_ppm_per_year
            .zip(iec_span_years)
            .is_some_and(|(rate, years)| rate * years >= repeatability_ppm(g.level_ppm));
        g.gas == gas && (g.above_typical || (g.rate_above_typical && real_rise))
    });
    ieee || iec
}
