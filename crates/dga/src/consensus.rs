//! The consensus: one fault, one severity and one action an engineer can act on, with the
//! rules that led there. The choices are ours (documented in docs/diagnosis.md); each is
//! traceable to a method result in the same response.
//!
//! - **Suspected fault**: IEEE C57.104-2019 Status 2 or 3, or IEC 60599 alert/alarm.
//! - **Fault type**: Duval Triangle 1, refined by Triangle 4 / Pentagon 1 for stray gassing
//!   (a T1 or PD point that Triangle 4 or Pentagon 1 puts in S is stray gassing of the oil);
//!   without Triangle 1, the IEC ratio code. The other methods are listed as agreeing or not.
//! - **Severity**: normal, caution (Status 2 / IEC alert / 2008 Condition 2–3), warning
//!   (Status 3 / IEC alarm / 2008 Condition 4), critical (Status 3 with a high-energy fault
//!   D2 or T3, a level at least twice Table 2, or 2008 Condition 4 with TDCG rising > 30 ppm/day).
//! - **Action**: normal → routine sampling (12 months); caution → resample in 3 months (1 month
//!   when only a change triggered it); warning → expert review, resample within 1 month;
//!   critical → expert review and consider removal from service, resample within 1 week.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::methods::Finding;
use crate::methods::doernenburg::{Doernenburg, DoernenburgFault};
use crate::methods::duval_pentagons::{DuvalPentagon1, Pentagon1Zone};
use crate::methods::duval_triangles::{
    DuvalTriangle1, DuvalTriangle4, Triangle1Zone, Triangle4Zone,
};
use crate::methods::iec_60599::{Iec60599, IecState, RatioCode};
use crate::methods::ieee_2008::Ieee2008;
use crate::methods::ieee_2019::{Ieee2019, Status};
use crate::methods::key_gas::{KeyGas, KeyGasFault};
use crate::methods::rogers::{Rogers, RogersCase};

/// The most likely fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Fault {
    /// No fault suspected.
    #[serde(rename = "none")]
    None,
    PD,
    D1,
    D2,
    T1,
    T2,
    T3,
    DT,
    /// Stray gassing of the oil (not a fault in the insulation).
    S,
    /// A fault is suspected but the gases do not say which.
    #[serde(rename = "undetermined")]
    Undetermined,
}

impl Fault {
    /// Electrical, thermal or mixed, for comparing methods that name faults differently.
    fn family(self) -> Option<Family> {
        match self {
            Fault::PD | Fault::D1 | Fault::D2 => Some(Family::Electrical),
            Fault::T1 | Fault::T2 | Fault::T3 | Fault::S => Some(Family::Thermal),
            Fault::DT => Some(Family::Mixed),
            Fault::None | Fault::Undetermined => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Fault::None => "no fault suspected",
            Fault::PD => "partial discharges",
            Fault::D1 => "low-energy discharges (sparking)",
            Fault::D2 => "high-energy discharges (arcing)",
            Fault::T1 => "thermal fault below 300 °C",
            Fault::T2 => "thermal fault 300–700 °C",
            Fault::T3 => "thermal fault above 700 °C",
            Fault::DT => "mixed thermal and electrical faults",
            Fault::S => "stray gassing of the oil",
            Fault::Undetermined => "fault type undetermined",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Electrical,
    Thermal,
    Mixed,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Normal,
    Caution,
    Warning,
    Critical,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Keep the routine sampling interval.
    RoutineMonitoring,
    /// Resample sooner and watch the trend.
    Resample,
    /// Have a DGA specialist review the unit; identify the fault.
    ExpertReview,
    /// Expert review now and consider taking the unit out of service.
    ConsiderRemovalFromService,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecommendedAction {
    pub action: ActionKind,
    /// Take the next oil sample within this many days.
    pub resample_within_days: u32,
    pub expert_review: bool,
    /// The action in one English sentence.
    pub summary: String,
}

/// Which methods agree with the consensus fault.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Agreement {
    pub agreeing: Vec<String>,
    pub disagreeing: Vec<String>,
}

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
}

/// The consensus verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    pub suspected: bool,
    pub fault: Fault,
    pub severity: Severity,
    pub recommended_action: RecommendedAction,
    pub paper_involved: bool,
    pub agreement: Agreement,
    pub rules: Vec<Finding>,
}

/// True when screening suspects a fault.
pub fn fault_suspected(ieee_2019: &Ieee2019, iec: &Iec60599) -> bool {
    ieee_2019.status >= Status::Two || iec.state != IecState::Normal
}

fn from_triangle(zone: Triangle1Zone) -> Fault {
    match zone {
        Triangle1Zone::PD => Fault::PD,
        Triangle1Zone::T1 => Fault::T1,
        Triangle1Zone::T2 => Fault::T2,
        Triangle1Zone::T3 => Fault::T3,
        Triangle1Zone::D1 => Fault::D1,
        Triangle1Zone::D2 => Fault::D2,
        Triangle1Zone::DT => Fault::DT,
    }
}

fn from_ratio_code(code: RatioCode) -> Option<Fault> {
    match code {
        RatioCode::PD => Some(Fault::PD),
        RatioCode::D1 => Some(Fault::D1),
        RatioCode::D2 => Some(Fault::D2),
        RatioCode::T1 => Some(Fault::T1),
        RatioCode::T2 => Some(Fault::T2),
        RatioCode::T3 => Some(Fault::T3),
        RatioCode::ND => None,
    }
}

fn family_votes(inputs: &Inputs<'_>) -> Vec<(&'static str, Option<Family>)> {
    let pentagon = inputs.pentagon_1.zone.map(|zone| match zone {
        Pentagon1Zone::PD | Pentagon1Zone::D1 | Pentagon1Zone::D2 => Family::Electrical,
        Pentagon1Zone::S | Pentagon1Zone::T1 | Pentagon1Zone::T2 | Pentagon1Zone::T3 => {
            Family::Thermal
        }
    });
    let iec = inputs
        .iec
        .ratio_code
        .and_then(from_ratio_code)
        .and_then(Fault::family);
    let rogers = inputs.rogers.case.and_then(|case| match case {
        RogersCase::PartialDischarge | RogersCase::Arcing => Some(Family::Electrical),
        RogersCase::LowTemperatureThermal
        | RogersCase::ThermalBelow700C
        | RogersCase::ThermalAbove700C => Some(Family::Thermal),
        RogersCase::Normal | RogersCase::NotDetermined => None,
    });
    let doernenburg = match inputs.doernenburg.fault {
        DoernenburgFault::ThermalDecomposition => Some(Family::Thermal),
        DoernenburgFault::PartialDischarge | DoernenburgFault::Arcing => Some(Family::Electrical),
        DoernenburgFault::NotDetermined => None,
    }
    .filter(|_| inputs.doernenburg.fault_indicated);
    let key_gas = inputs.key_gas.fault.map(|fault| match fault {
        KeyGasFault::OverheatedOil | KeyGasFault::OverheatedCellulose => Family::Thermal,
        KeyGasFault::PartialDischarge | KeyGasFault::Arcing => Family::Electrical,
    });
    vec![
        (
            "duval_triangle_1",
            inputs
                .triangle_1
                .zone
                .map(from_triangle)
                .and_then(Fault::family),
        ),
        ("duval_pentagon_1", pentagon),
        ("iec_60599", iec),
        ("rogers", rogers),
        ("doernenburg", doernenburg),
        ("key_gas", key_gas),
    ]
}

fn action(severity: Severity, delta_only: bool) -> RecommendedAction {
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

/// Combines the method results.
pub fn decide(inputs: &Inputs<'_>) -> Consensus {
    let mut rules = Vec::new();
    let suspected = fault_suspected(inputs.ieee_2019, inputs.iec);

    // Severity from the three screenings.
    let mut severity = match inputs.ieee_2019.status {
        Status::One => Severity::Normal,
        Status::Two => Severity::Caution,
        Status::Three => Severity::Warning,
    };
    let iec_severity = match inputs.iec.state {
        IecState::Normal => Severity::Normal,
        IecState::Alert => Severity::Caution,
        IecState::Alarm => Severity::Warning,
    };
    severity = severity.max(iec_severity);
    let tdcg_severity = match inputs.ieee_2008.tdcg_condition {
        Some(2 | 3) => Severity::Caution,
        Some(4) => Severity::Warning,
        _ => Severity::Normal,
    };
    severity = severity.max(tdcg_severity);
    rules.push(Finding::new(
        "consensus.screening",
        format!(
            "IEEE C57.104-2019 {}, IEC 60599 {}, IEEE C57.104-2008 Condition {}",
            inputs.ieee_2019.status,
            inputs.iec.state.label(),
            inputs.ieee_2008.condition
        ),
    ));

    // Fault type.
    let mut fault = Fault::None;
    if suspected {
        fault = match inputs.triangle_1.zone {
            Some(zone) => {
                let mut fault = from_triangle(zone);
                rules.push(Finding::new(
                    "consensus.fault_from_triangle_1",
                    format!("Duval Triangle 1 places the latest sample in {zone:?}"),
                ));
                let stray = inputs.triangle_4.zone == Some(Triangle4Zone::S)
                    || inputs.pentagon_1.zone == Some(Pentagon1Zone::S);
                if matches!(zone, Triangle1Zone::PD | Triangle1Zone::T1) && stray {
                    fault = Fault::S;
                    rules.push(Finding::new(
                        "consensus.stray_gassing",
                        "Triangle 4 or Pentagon 1 shows stray gassing (S): the gases come from \
                         the oil itself, not from a fault in the insulation",
                    ));
                }
                fault
            }
            None => match inputs.iec.ratio_code.and_then(from_ratio_code) {
                Some(fault) => {
                    rules.push(Finding::new(
                        "consensus.fault_from_iec_ratios",
                        format!("IEC 60599 ratio code {fault:?} (Duval Triangle 1 not computable)"),
                    ));
                    fault
                }
                None => {
                    rules.push(Finding::new(
                        "consensus.fault_undetermined",
                        "neither Duval Triangle 1 nor the IEC ratios identify a fault type",
                    ));
                    Fault::Undetermined
                }
            },
        };
    }

    // Critical escalation.
    let high_energy = matches!(fault, Fault::D2 | Fault::T3);
    let tdcg_runaway = inputs.ieee_2008.tdcg_condition == Some(4)
        && inputs
            .ieee_2008
            .tdcg_rate_ppm_per_day
            .is_some_and(|r| r > 30.0);
    if (inputs.ieee_2019.status == Status::Three && (high_energy || inputs.ieee_2019.extreme))
        || tdcg_runaway
    {
        severity = Severity::Critical;
        let why = if tdcg_runaway {
            "TDCG is in Condition 4 and rising more than 30 ppm/day".to_owned()
        } else if high_energy {
            format!("Status 3 with a high-energy fault ({})", fault.describe())
        } else {
            "Status 3 with a gas at least twice its Table 2 limit".to_owned()
        };
        rules.push(Finding::new("consensus.critical", why));
    }

    let paper_involved = inputs.iec.paper_involvement_suspected
        || (suspected
            && inputs.triangle_4.zone == Some(Triangle4Zone::C)
            && inputs.triangle_4.applicability.applicable);
    if paper_involved {
        rules.push(Finding::new(
            "consensus.paper_involved",
            "the fault probably involves paper insulation (CO2/CO or Triangle 4 zone C)",
        ));
    }

    // Agreement among the fault-typing methods.
    let mut agreement = Agreement::default();
    if let Some(family) = fault.family() {
        for (method, vote) in family_votes(inputs) {
            match vote {
                Some(v) if v == family => agreement.agreeing.push(method.to_owned()),
                Some(_) => agreement.disagreeing.push(method.to_owned()),
                None => {}
            }
        }
    }

    let delta_only = inputs.ieee_2019.confirmation_sample_advised
        && iec_severity == Severity::Normal
        && tdcg_severity == Severity::Normal;
    let recommended_action = action(severity, delta_only && severity == Severity::Caution);
    Consensus {
        suspected,
        fault,
        severity,
        recommended_action,
        paper_involved,
        agreement,
        rules,
    }
}
