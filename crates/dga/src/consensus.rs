//! The consensus: one fault, one severity and one action an engineer can act on, with the
//! rules that led there. The choices are ours (documented in docs/diagnosis.md); each is
//! traceable to a method result in the same response.
//!
//! - **Suspected fault**: IEEE C57.104-2019 Status 2 or 3, IEC 60599 alert or alarm, or an
//!   IEEE C57.104-2008 TDCG Condition of 2 or more.
//! - **Fault type** is read only from gases that are themselves elevated (IEEE Status ≥ 2, or
//!   above the IEC typical value or rate): ratios of trace gases are noise.
//!   - CH4, C2H4 or C2H2 elevated: Duval Triangle 1; a PD or T1 point that Triangle 4 calls S,
//!     PD or O (or that Pentagon 1 calls S) takes that reading, since Triangle 1 has no
//!     stray-gassing zone and sees PD only at ≥ 98 % CH4;
//!   - only H2 or C2H6 elevated: Duval Triangle 4 (PD, S, O → T1, C → T2);
//!   - otherwise the IEC ratio code when IEC finds it applicable, else "undetermined";
//!   - only CO/CO2 elevated: "undetermined" (paper ageing or overheating, see `paper_involved`).
//! - **Severity**: normal; caution (Status 2, IEC alert, TDCG Condition 2–3); warning (Status 3,
//!   IEC alarm, TDCG Condition 4); critical when Status 3 comes with a high-energy fault (D2 or
//!   T3) whose signature gas (C2H2, C2H4) is itself elevated, or with H2 or a hydrocarbon at twice its Table 2 limit and still rising, or when TDCG
//!   is in Condition 4 and rising more than 30 ppm/day. Not critical: D1/D2 that C2H2/H2 blames
//!   on a communicating tap changer; H2 and C2H6 of stray gassing.
//! - **Action**: normal → routine sampling (12 months); caution → resample in 3 months (1 month
//!   when only a step change triggered it); warning → expert review, resample within 1 month;
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
    /// From the nameplate: does the tap changer share oil with the main tank?
    pub communicating_oltc: Option<bool>,
}

/// The consensus verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    pub suspected: bool,
    pub fault: Fault,
    /// The method the fault type came from.
    pub source: Option<&'static str>,
    pub severity: Severity,
    pub recommended_action: RecommendedAction,
    pub paper_involved: bool,
    pub agreement: Agreement,
    pub rules: Vec<Finding>,
}

/// True when screening suspects a fault.
pub fn fault_suspected(ieee_2019: &Ieee2019, ieee_2008: &Ieee2008, iec: &Iec60599) -> bool {
    ieee_2019.status >= Status::Two
        || iec.state != IecState::Normal
        || ieee_2008.tdcg_condition.is_some_and(|c| c >= 2)
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

fn from_triangle_4(zone: Triangle4Zone) -> Option<Fault> {
    match zone {
        Triangle4Zone::PD => Some(Fault::PD),
        Triangle4Zone::S => Some(Fault::S),
        Triangle4Zone::O => Some(Fault::T1),
        Triangle4Zone::C => Some(Fault::T2),
        Triangle4Zone::ND => None,
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

/// A gas is elevated when any screening flags it.
fn elevated(inputs: &Inputs<'_>, gas: Gas) -> bool {
    inputs
        .ieee_2019
        .gases
        .iter()
        .any(|g| g.gas == gas && g.status >= Status::Two)
        || inputs
            .iec
            .gases
            .iter()
            .any(|g| g.gas == gas && (g.above_typical || g.rate_above_typical))
}

fn family_votes(inputs: &Inputs<'_>) -> [(&'static str, Option<Family>); 6] {
    let pentagon = inputs.pentagon_1.zone.map(|zone| match zone {
        Pentagon1Zone::PD | Pentagon1Zone::D1 | Pentagon1Zone::D2 => Family::Electrical,
        Pentagon1Zone::S | Pentagon1Zone::T1 | Pentagon1Zone::T2 | Pentagon1Zone::T3 => {
            Family::Thermal
        }
    });
    let iec = inputs
        .iec
        .ratio_code
        .filter(|_| inputs.iec.ratio_code_applicability.applicable)
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
    [
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

/// A Triangle 1 PD or T1 point read again by Triangle 4 and Pentagon 1, which see low-energy
/// faults that Triangle 1 cannot (Duval 2008; Duval and Lamarre 2014).
fn refine_low_energy(zone: Triangle1Zone, inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> Fault {
    let fault = from_triangle(zone);
    if !matches!(zone, Triangle1Zone::PD | Triangle1Zone::T1) {
        return fault;
    }
    let refined = match inputs.triangle_4.zone {
        Some(Triangle4Zone::S) => Some((
            Fault::S,
            "Triangle 4 shows stray gassing (S): the gases come from the oil itself, not from a fault in the insulation",
        )),
        Some(Triangle4Zone::PD) => Some((Fault::PD, "Triangle 4 shows partial discharges (PD)")),
        Some(Triangle4Zone::O) => Some((Fault::T1, "Triangle 4 shows overheating below 250 °C (O)")),
        _ => None,
    }
    .or_else(|| {
        (inputs.pentagon_1.zone == Some(Pentagon1Zone::S)).then_some((
            Fault::S,
            "Pentagon 1 shows stray gassing (S): the gases come from the oil itself, not from a fault in the insulation",
        ))
    });
    match refined {
        Some((refined, why)) if refined != fault => {
            rules.push(Finding::new("consensus.refined_low_energy", why));
            refined
        }
        _ => fault,
    }
}

/// The fault type and the method it came from.
fn fault_type(inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> (Fault, Option<&'static str>) {
    let any = |gases: &[Gas]| gases.iter().any(|gas| elevated(inputs, *gas));
    if !any(&[Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2]) {
        rules.push(Finding::new(
            "consensus.carbon_oxides_only",
            "no H2 or hydrocarbon is elevated (the suspicion rests on CO, CO2 or TDCG): paper \
             ageing or overheating; the oil gases are too low to type a fault",
        ));
        return (Fault::Undetermined, None);
    }
    if any(&[Gas::CH4, Gas::C2H4, Gas::C2H2])
        && let Some(zone) = inputs.triangle_1.zone
    {
        rules.push(Finding::new(
            "consensus.fault_from_triangle_1",
            format!("Duval Triangle 1 places the latest sample in {zone:?}"),
        ));
        if inputs.triangle_1.standard_dependent {
            rules.push(Finding::new(
                "consensus.standard_dependent",
                "the point lies where IEEE (20/40 %) and IEC (10/38 %) Triangle 1 lines disagree",
            ));
        }
        return (
            refine_low_energy(zone, inputs, rules),
            Some("duval_triangle_1"),
        );
    }
    if let Some(fault) = inputs.triangle_4.zone.and_then(from_triangle_4) {
        let why = match &inputs.triangle_1.not_computable {
            Some(reason) if any(&[Gas::CH4, Gas::C2H4, Gas::C2H2]) => {
                format!("Duval Triangle 1 is not computable ({reason})")
            }
            _ => "only H2 or C2H6 is elevated".to_owned(),
        };
        rules.push(Finding::new(
            "consensus.fault_from_triangle_4",
            format!("{why}: Duval Triangle 4 reads {}", fault.describe()),
        ));
        return (fault, Some("duval_triangle_4"));
    }
    if inputs.iec.ratio_code_applicability.applicable
        && let Some(fault) = inputs.iec.ratio_code.and_then(from_ratio_code)
    {
        rules.push(Finding::new(
            "consensus.fault_from_iec_ratios",
            format!("IEC 60599 ratio code {}", fault.label()),
        ));
        return (fault, Some("iec_60599"));
    }
    rules.push(Finding::new(
        "consensus.fault_undetermined",
        "the Duval triangles and the IEC ratios do not identify a fault type",
    ));
    (Fault::Undetermined, None)
}

/// Combines the method results.
pub fn decide(inputs: &Inputs<'_>) -> Consensus {
    let mut rules = Vec::new();
    let suspected = fault_suspected(inputs.ieee_2019, inputs.ieee_2008, inputs.iec);

    let ieee_severity = match inputs.ieee_2019.status {
        Status::One => Severity::Normal,
        Status::Two => Severity::Caution,
        Status::Three => Severity::Warning,
    };
    let iec_severity = match inputs.iec.state {
        IecState::Normal => Severity::Normal,
        IecState::Alert => Severity::Caution,
        IecState::Alarm => Severity::Warning,
    };
    // Table 3 of the 2008 guide (sampling intervals) is indexed by TDCG, so TDCG sets severity;
    // a single gas in a higher Condition shows in `ieee_c57_104_2008.condition` only.
    let tdcg_severity = match inputs.ieee_2008.tdcg_condition {
        Some(2 | 3) => Severity::Caution,
        Some(4) => Severity::Warning,
        _ => Severity::Normal,
    };
    let mut severity = ieee_severity.max(iec_severity).max(tdcg_severity);
    let tdcg_text = match inputs.ieee_2008.tdcg_condition {
        Some(c) => format!("TDCG Condition {c}"),
        None => "TDCG not available".to_owned(),
    };
    rules.push(Finding::new(
        "consensus.screening",
        format!(
            "IEEE C57.104-2019 {}, IEC 60599 {}, IEEE C57.104-2008 {tdcg_text}",
            inputs.ieee_2019.status,
            inputs.iec.state.label(),
        ),
    ));

    let (fault, source) = if suspected {
        fault_type(inputs, &mut rules)
    } else {
        (Fault::None, None)
    };

    // Escalation to critical, and what keeps a reading from it.
    let is_discharge = matches!(fault, Fault::D1 | Fault::D2);
    let oltc_explains_acetylene = is_discharge
        && inputs.iec.oltc_contamination_suspected
        && inputs.communicating_oltc == Some(true);
    if oltc_explains_acetylene {
        rules.push(Finding::new(
            "consensus.oltc_contamination",
            "C2H2/H2 points to oil from the communicating tap changer: inspect the OLTC \
             compartment and its seals before concluding that the main tank is arcing",
        ));
    } else if is_discharge && inputs.iec.oltc_contamination_suspected {
        rules.push(Finding::new(
            "consensus.oltc_unknown",
            "C2H2/H2 would fit oil from a tap changer, but the nameplate does not say the OLTC \
             communicates with the main tank: treated as a fault in the main tank",
        ));
    }
    // A high-energy zone counts only when its signature gas is itself elevated: a T3 point made
    // of a few ppm of C2H4, next to a C2H2 just over its limit, is not a hot spot to act on.
    let signature_elevated = match fault {
        Fault::T3 => elevated(inputs, Gas::C2H4),
        Fault::D2 => elevated(inputs, Gas::C2H2),
        _ => false,
    };
    let high_energy = signature_elevated && !oltc_explains_acetylene;
    let runaway: Vec<&str> = inputs
        .ieee_2019
        .gases
        .iter()
        // Carbon oxides come from paper ageing too; acetylene from a leaking tap changer and
        // H2/C2H6 from stray gassing say nothing about a fault in the insulation.
        .filter(|g| !matches!(g.gas, Gas::CO | Gas::CO2))
        .filter(|g| !(g.gas == Gas::C2H2 && oltc_explains_acetylene))
        .filter(|g| !(fault == Fault::S && matches!(g.gas, Gas::H2 | Gas::C2H6)))
        .filter(|g| g.table2_ppm > 0.0 && g.level_ppm >= 2.0 * g.table2_ppm)
        .filter(|g| g.delta_exceeded || g.rate_exceeded)
        .map(|g| g.gas.formula())
        .collect();
    let tdcg_runaway = inputs.ieee_2008.tdcg_condition == Some(4)
        && inputs
            .ieee_2008
            .tdcg_rate_ppm_per_day
            .is_some_and(|r| r > 30.0);
    let status_3 = inputs.ieee_2019.status == Status::Three;
    let critical = if status_3 && high_energy {
        Some(format!(
            "Status 3 with a high-energy fault: {}",
            fault.describe()
        ))
    } else if status_3 && !runaway.is_empty() {
        Some(format!(
            "Status 3 with {} at least twice the Table 2 limit and still rising",
            runaway.join(", ")
        ))
    } else if tdcg_runaway {
        Some("TDCG is in Condition 4 and rising more than 30 ppm/day".to_owned())
    } else {
        None
    };
    if let Some(why) = critical {
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
            "paper insulation is probably involved (CO2/CO below 3, Triangle 4 zone C, or CO \
             dominant and flagged by IEEE C57.104-2019 screening)",
        ));
    }

    // The other fault-typing methods, by family; the method the fault came from is not a
    // witness for itself, and a mixed fault (DT) agrees with either family.
    let mut agreement = Agreement::default();
    if let Some(family) = fault.family() {
        for (method, vote) in family_votes(inputs) {
            if Some(method) == source {
                continue;
            }
            match vote {
                Some(v) if v == family || family == Family::Mixed => {
                    agreement.agreeing.push(method.to_owned())
                }
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
        source,
        severity,
        recommended_action,
        paper_involved,
        agreement,
        rules,
    }
}
