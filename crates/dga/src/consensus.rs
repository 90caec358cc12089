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

use crate::gas::Gas;
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

    /// The code as it appears in JSON ("none", "PD", …, "undetermined").
    pub fn label(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::PD => "PD",
            Fault::D1 => "D1",
            Fault::D2 => "D2",
            Fault::T1 => "T1",
            Fault::T2 => "T2",
            Fault::T3 => "T3",
            Fault::DT => "DT",
            Fault::S => "S",
            Fault::Undetermined => "undetermined",
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

impl Severity {
    /// The level as it appears in JSON.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::Caution => "caution",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
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

/// Triangles 4 and Pentagon 1 read low-energy faults better than Triangle 1, which has no
/// stray-gassing zone and puts PD only at ≥ 98 % CH4 (Duval 2008; Duval and Lamarre 2014).
fn refine_low_energy(
    zone: Triangle1Zone,
    fault: Fault,
    inputs: &Inputs<'_>,
    rules: &mut Vec<Finding>,
) -> Fault {
    if !matches!(
        zone,
        Triangle1Zone::PD | Triangle1Zone::T1 | Triangle1Zone::T2
    ) {
        return fault;
    }
    let refined = match inputs.triangle_4.zone {
        Some(Triangle4Zone::S) => Some((
            Fault::S,
            "Triangle 4 shows stray gassing (S): the gases come from the oil itself, not from a fault in the insulation",
        )),
        Some(Triangle4Zone::PD) => Some((Fault::PD, "Triangle 4 shows partial discharges (PD)")),
        Some(Triangle4Zone::O) => {
            Some((Fault::T1, "Triangle 4 shows overheating below 250 °C (O)"))
        }
        _ => None,
    };
    let refined = refined.or_else(|| {
        (matches!(zone, Triangle1Zone::PD | Triangle1Zone::T1) && inputs.pentagon_1.zone == Some(Pentagon1Zone::S))
            .then_some((Fault::S, "Pentagon 1 shows stray gassing (S): the gases come from the oil itself, not from a fault in the insulation"))
    });
    match refined {
        Some((refined, why)) if refined != fault => {
            rules.push(Finding::new("consensus.refined_low_energy", why));
            refined
        }
        _ => fault,
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
                fault = refine_low_energy(zone, fault, inputs, &mut rules);
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

    // Critical escalation, and its limits.
    let oltc_explains_acetylene =
        inputs.iec.oltc_contamination_suspected && matches!(fault, Fault::D1 | Fault::D2);
    if oltc_explains_acetylene {
        rules.push(Finding::new(
            "consensus.oltc_contamination",
            "C2H2/H2 points to oil from the tap-changer compartment: inspect the OLTC \
             compartment and its seals before concluding that the main tank is arcing",
        ));
    }
    let high_energy = matches!(fault, Fault::D2 | Fault::T3) && !oltc_explains_acetylene;
    let runaway_gases: Vec<Gas> = inputs
        .ieee_2019
        .gases
        .iter()
        // Carbon oxides come from paper ageing too; acetylene from a leaking tap changer
        // says nothing about the main tank.
        .filter(|g| !matches!(g.gas, Gas::CO | Gas::CO2))
        .filter(|g| !(g.gas == Gas::C2H2 && inputs.iec.oltc_contamination_suspected))
        .filter(|g| g.level_ppm >= 2.0 * g.table2_ppm)
        .filter(|g| {
            g.delta_ppm.is_some_and(|d| d > g.table3_ppm)
                || matches!((g.rate_ppm_per_year, g.table4_ppm_per_year), (Some(r), Some(l)) if r > l)
        })
        .map(|g| g.gas)
        .collect();
    let tdcg_runaway = inputs.ieee_2008.tdcg_condition == Some(4)
        && inputs
            .ieee_2008
            .tdcg_rate_ppm_per_day
            .is_some_and(|r| r > 30.0);
    let status_3 = inputs.ieee_2019.status == Status::Three;
    let critical_reason = if fault == Fault::S {
        None
    } else if status_3 && high_energy {
        Some(format!(
            "Status 3 with a high-energy fault ({})",
            fault.describe()
        ))
    } else if status_3 && !runaway_gases.is_empty() {
        let names: Vec<&str> = runaway_gases.iter().map(|g| g.formula()).collect();
        Some(format!(
            "Status 3 with {} at least twice the Table 2 limit and still rising",
            names.join(", ")
        ))
    } else if tdcg_runaway {
        Some("TDCG is in Condition 4 and rising more than 30 ppm/day".to_owned())
    } else {
        None
    };
    if let Some(why) = critical_reason {
        severity = Severity::Critical;
        rules.push(Finding::new("consensus.critical", why));
    }

    let co_elevated = inputs
        .ieee_2019
        .gases
        .iter()
        .any(|g| g.gas == Gas::CO && g.status >= Status::Two);
    let paper_involved = inputs.iec.paper_involvement_suspected
        || (suspected
            && inputs.triangle_4.applicability.applicable
            && inputs.triangle_4.zone == Some(Triangle4Zone::C))
        || (co_elevated && inputs.key_gas.fault == Some(KeyGasFault::OverheatedCellulose));
    if paper_involved {
        rules.push(Finding::new(
            "consensus.paper_involved",
            "paper insulation is probably involved (CO2/CO, Triangle 4 zone C, or CO dominant \
             and above Table 1)",
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

    // A jump that only a confirmation sample can tell from a sampling or lab error.
    let delta_only = inputs.ieee_2019.confirmation_sample_advised
        && !inputs.iec.gases.iter().any(|g| g.above_typical)
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
