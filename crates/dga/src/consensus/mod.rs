//! The consensus: one fault, one severity and one action an engineer can act on, with the
//! rules that led there and which method made the call. The rule set is written as tables in
//! docs/diagnosis.md, section 3 (F1–F5 fault type, R1–R6 refinements, S1 and E1–E5 severity),
//! each row with its test; this module is their code. In short:
//!
//! - **Suspected fault**: IEEE C57.104-2019 Status 2 or 3, IEC 60599 alert or alarm, or an
//!   IEEE C57.104-2008 TDCG Condition of 2 or more.
//! - **Fault type** is read only from elevated gases, and from Duval Triangle 1 only when its
//!   gases add up to at least 10 ppm. Triangle 1 decides; Triangle 4 with Pentagon 1 refine
//!   its PD, T1 and T2 readings (stray gassing, partial discharges, low-temperature
//!   overheating) when they agree, and stray gassing is ruled out at levels, CO or acetylene
//!   it cannot explain. Triangle 4 types H2/C2H6-only gas; CO with measurable hydrocarbons in
//!   a thermal zone is a thermal fault in paper.
//! - **Severity**: the highest of IEEE 2019, IEC 60599 and the TDCG condition; critical only
//!   through the identified fault's own gases at Status 3 (a high-energy signature gas, a gas
//!   at twice Table 2 still rising beyond a laboratory's repeatability, or a runaway TDCG with
//!   such a gas).
//! - **Action** follows the severity: routine sampling, resample, expert review, or expert
//!   review and consider removal from service.

use crate::gas::Gas;
use crate::methods::Finding;
use crate::methods::duval_triangles::Triangle4Zone;
use crate::methods::iec_60599::IecState;
use crate::methods::ieee_2019::{GasStatus, Status};
use crate::methods::key_gas::KeyGasFault;

mod agreement;
mod evidence;
mod readings;
mod severity;
mod typing;
mod verdict;

pub use evidence::{Inputs, repeatability_ppm};
pub use severity::{fault_gases, fault_suspected};
pub use typing::{STRAY_GASSING_CEILING_PPM, TRIANGLE_1_READABLE_PPM};
pub use verdict::{
    ActionKind, Agreement, Consensus, Fault, RecommendedAction, Severity, Stance, Vote,
};

use agreement::agreement;
use evidence::{ieee_gas, rise_is_real};
use severity::{action, at_status_3};
use typing::{Typing, fault_type};

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
    // TDCG, not the worst single gas, sets the 2008 guide's share of severity: a single gas in
    // a higher 2008 Condition is judged by the 2019 tables gas by gas.
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

    let typing = if suspected {
        fault_type(inputs, &mut rules)
    } else {
        Typing::none(Fault::None)
    };
    let fault = typing.fault;

    let co_elevated = ieee_gas(inputs, Gas::CO).is_some_and(|g| g.status >= Status::Two);
    let paper_involved = inputs.iec.paper_involvement_suspected
        || (suspected
            && (inputs.triangle_4.applicability.applicable
                || typing.source == Some("duval_triangle_4"))
            && inputs.triangle_4.zone == Some(Triangle4Zone::C))
        || (co_elevated && inputs.key_gas.fault == Some(KeyGasFault::OverheatedCellulose));
    if paper_involved {
        rules.push(Finding::new(
            "consensus.paper_involved",
            "paper insulation is probably involved (CO2/CO below 3, Triangle 4 zone C, or CO \
             dominant and flagged by IEEE C57.104-2019 screening)",
        ));
    }

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
    // Only the identified fault's own gases can escalate it, each at Status 3 by itself.
    let own: Vec<&GasStatus> = fault_gases(fault)
        .iter()
        .filter(|gas| !(**gas == Gas::C2H2 && oltc_explains_acetylene))
        .filter_map(|gas| ieee_gas(inputs, *gas))
        .filter(|g| at_status_3(inputs, g))
        .collect();
    let signature = match fault {
        Fault::T3 => Some(Gas::C2H4),
        Fault::D2 => Some(Gas::C2H2),
        _ => None,
    };
    let high_energy = signature.is_some_and(|gas| own.iter().any(|g| g.gas == gas));
    let runaway: Vec<&str> = own
        .iter()
        .filter(|g| {
            g.table2_ppm > 0.0 && g.level_ppm >= 2.0 * g.table2_ppm && rise_is_real(inputs, g)
        })
        .map(|g| g.gas.formula())
        .collect();
    let tdcg_runaway = inputs.ieee_2008.tdcg_condition == Some(4)
        && inputs
            .ieee_2008
            .tdcg_rate_ppm_per_day
            .is_some_and(|r| r > 30.0);
    let critical = if high_energy {
        Some(format!(
            "{} with its signature gas at Status 3",
            fault.describe()
        ))
    } else if !runaway.is_empty() {
        Some(format!(
            "{} at least twice the Table 2 level and still rising",
            runaway.join(", ")
        ))
    } else if tdcg_runaway && !own.is_empty() {
        Some(format!(
            "TDCG is in Condition 4 and rising more than 30 ppm/day, with {} at Status 3",
            own.iter()
                .map(|g| g.gas.formula())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        None
    };
    if let Some(why) = critical {
        severity = Severity::Critical;
        rules.push(Finding::new("consensus.critical", why));
    } else if tdcg_runaway {
        rules.push(Finding::new(
            "consensus.not_critical",
            "TDCG is in Condition 4 and rising, but no gas of the identified fault is at \
             Status 3 by itself",
        ));
    }

    let agreement = agreement(inputs, &typing);

    // A jump that only a confirmation sample can tell from a sampling or lab error.
    let delta_only = inputs.ieee_2019.confirmation_sample_advised
        && !inputs.iec.gases.iter().any(|g| g.above_typical)
        && tdcg_severity == Severity::Normal;
    let recommended_action = action(severity, delta_only && severity == Severity::Caution);
    Consensus {
        suspected,
        fault,
        source: typing.source,
        severity,
        recommended_action,
        paper_involved,
        agreement,
        rules,
    }
}
