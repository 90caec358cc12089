//! Severity rules: suspicion, the gases that may make a fault critical, each level's action.

use crate::gas::Gas;
use crate::methods::iec_60599::{Iec60599, IecState};
use crate::methods::ieee_2008::Ieee2008;
use crate::methods::ieee_2019::{GasStatus, Ieee2019, Status};

use super::evidence::{Inputs, repeatability_ppm};
use super::verdict::{ActionKind, Fault, RecommendedAction, Severity};

/// True when screening suspects a fault.
pub fn fault_suspected(ieee_2019: &Ieee2019, ieee_2008: &Ieee2008, iec: &Iec60599) -> bool {
    ieee_2019.status >= Status::Two
        || iec.state != IecState::Normal
        || ieee_2008.tdcg_condition.is_some_and(|c| c >= 2)
}

/// The gases a fault makes; only these can make its verdict critical. Stray gassing, an
/// undetermined fault and no fault make none. CO and CO2 are never among them, not even for a
/// fault in paper: ageing raises them in healthy units, and a paper fault that needs the unit
/// out of service shows in the hydrocarbons it makes too; CO alone asks for an expert review.
pub fn fault_gases(fault: Fault) -> &'static [Gas] {
    match fault {
        Fault::PD => &[Gas::H2, Gas::CH4],
        Fault::D1 => &[Gas::C2H2, Gas::H2],
        Fault::D2 => &[Gas::C2H2, Gas::H2, Gas::C2H4],
        Fault::T1 => &[Gas::CH4, Gas::C2H6, Gas::H2],
        Fault::T2 => &[Gas::CH4, Gas::C2H4, Gas::C2H6],
        Fault::T3 => &[Gas::C2H4, Gas::CH4, Gas::H2],
        Fault::DT => &[Gas::C2H2, Gas::C2H4, Gas::CH4, Gas::H2],
        Fault::S | Fault::None | Fault::Undetermined => &[],
    }
}

/// A gas at IEEE Status 3 by itself: above its Table 2 level, or rising faster than Table 4 by
/// more than a laboratory's repeatability over the window.
pub(super) fn at_status_3(inputs: &Inputs<'_>, g: &GasStatus) -> bool {
    let span_years = inputs
        .ieee_2019
        .rate_window
        .as_ref()
        .map(|w| w.months / 12.0);
    let trend = g.rate_exceeded
        && g.rate_ppm_per_year
            .zip(span_years)
            .is_some_and(|(rate, years)| rate * years >= repeatability_ppm(g.level_ppm));
    g.level_ppm > g.table2_ppm || trend
}

pub(super) fn action(severity: Severity, delta_only: bool) -> RecommendedAction {
    let (action, days, expert, summary) = match severity {
        Severity::Normal => (
            ActionKind::RoutineMonitoring,
            365,
            false,
            "Continue routine sampling (next sample within 12 months).",
        ),
        Severity::Caution if delta_only => (
            ActionKind::Resample,
            30,
            false,
            "Take a confirmation sample within 1 month: the change since the last sample may be a sampling or lab error.",
        ),
        Severity::Caution => (
            ActionKind::Resample,
            90,
            false,
            "Resample within 3 months and watch the trend.",
        ),
        Severity::Warning => (
            ActionKind::ExpertReview,
            30,
            true,
            "Have a DGA specialist review the unit and resample within 1 month.",
        ),
        Severity::Critical => (
            ActionKind::ConsiderRemovalFromService,
            7,
            true,
            "Expert review now; consider removing the unit from service. Resample within 1 week.",
        ),
    };
    RecommendedAction {
        action,
        resample_within_days: days,
        expert_review: expert,
        summary: summary.to_owned(),
    }
}
