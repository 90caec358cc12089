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

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gas::Gas;
use crate::methods::doernenburg::{Doernenburg, DoernenburgFault};
use crate::methods::duval_pentagons::{DuvalPentagon1, Pentagon1Zone};
use crate::methods::duval_triangles::{
    DuvalTriangle1, DuvalTriangle4, Triangle1Zone, Triangle4Zone,
};
use crate::methods::iec_60599::{Iec60599, IecState, RatioCode};
use crate::methods::ieee_2008::Ieee2008;
use crate::methods::ieee_2019::{GasStatus, Ieee2019, Status};
use crate::methods::key_gas::{KeyGas, KeyGasFault};
use crate::methods::rogers::{Rogers, RogersCase};
use crate::methods::{Finding, num};

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
    /// Every fault code, in the order of the enum.
    pub const ALL: [Fault; 10] = [
        Fault::None,
        Fault::PD,
        Fault::D1,
        Fault::D2,
        Fault::T1,
        Fault::T2,
        Fault::T3,
        Fault::DT,
        Fault::S,
        Fault::Undetermined,
    ];

    /// The fault whose code is `code` ("none", "PD", …, "undetermined").
    pub fn from_label(code: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|fault| fault.label() == code)
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

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Normal = 0,
    Caution = 1,
    Warning = 2,
    Critical = 3,
}

impl Severity {
    /// Every level, from the mildest.
    pub const ALL: [Severity; 4] = [
        Severity::Normal,
        Severity::Caution,
        Severity::Warning,
        Severity::Critical,
    ];

    /// The level whose JSON name is `name` ("normal", …, "critical").
    pub fn from_label(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|level| level.label() == name)
    }

    /// 0 (normal) to 3 (critical): the order of `Ord`, as the stores keep it to sort on.
    pub fn rank(self) -> u8 {
        self as u8
    }

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

/// How one method's answer stands against the consensus fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// Names the same kind of fault (partial discharge, discharge, thermal, stray gassing, mixed).
    Agrees,
    /// Names one part of a mixed fault (a discharge or a thermal fault when the consensus is DT,
    /// or DT when the consensus is one of them).
    PartlyAgrees,
    Disagrees,
}

/// One fault-typing method's answer and how it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vote {
    /// The method's key in the response (`duval_pentagon_1`, `rogers`, …).
    pub method: String,
    /// Its own answer, as it reports it (zone, ratio code, case or profile).
    pub answer: String,
    pub stance: Stance,
    /// For a method that disagrees: why the consensus did not follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overruled_because: Option<String>,
}

/// Which method made the call, and how every other fault-typing method stands.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Agreement {
    /// Methods that name the same kind of fault (the method that made the call not included).
    pub agreeing: Vec<String>,
    /// Methods that name another kind of fault.
    pub disagreeing: Vec<String>,
    /// The method whose reading is the consensus fault; none for `none` and `undetermined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Every other fault-typing method that gave an answer, with its stance.
    #[serde(default)]
    pub votes: Vec<Vote>,
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

/// The smallest change a laboratory can tell from its own scatter: 1 ppm near the detection
/// limits, 10 % of the level above 10 ppm. Our reading of the repeatability that IEC 60567
/// asks of laboratories; it decides only whether a rise counts for escalation and for typing,
/// never the IEEE or IEC screening itself (docs/diagnosis.md, section 3).
pub fn repeatability_ppm(level_ppm: f64) -> f64 {
    (0.1 * level_ppm.abs()).max(1.0)
}

/// The smallest total of CH4 + C2H4 + C2H2 whose Triangle 1 reading the consensus uses when no
/// hydrocarbon is elevated: below it a 1 ppm scatter moves a share by more than 10 points.
pub const TRIANGLE_1_READABLE_PPM: f64 = 10.0;

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

fn from_pentagon(zone: Pentagon1Zone) -> Fault {
    match zone {
        Pentagon1Zone::PD => Fault::PD,
        Pentagon1Zone::S => Fault::S,
        Pentagon1Zone::D1 => Fault::D1,
        Pentagon1Zone::D2 => Fault::D2,
        Pentagon1Zone::T1 => Fault::T1,
        Pentagon1Zone::T2 => Fault::T2,
        Pentagon1Zone::T3 => Fault::T3,
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

fn ieee_gas<'a>(inputs: &Inputs<'a>, gas: Gas) -> Option<&'a GasStatus> {
    inputs.ieee_2019.gases.iter().find(|g| g.gas == gas)
}

/// The rise of a gas counts only when it is at least the laboratory's repeatability: the step
/// since the previous sample, or what the Table 4 rate adds up to over its window.
fn rise_is_real(inputs: &Inputs<'_>, g: &GasStatus) -> bool {
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
fn elevated(inputs: &Inputs<'_>, gas: Gas) -> bool {
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

/// A gas at IEEE Status 3 by itself: above its Table 2 level, or rising faster than Table 4 by
/// more than a laboratory's repeatability over the window.
fn at_status_3(inputs: &Inputs<'_>, g: &GasStatus) -> bool {
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

/// At or above this level of H2, CH4 or C2H6 the gases are not stray gassing, which is
/// documented at up to a few hundred ppm (our choice, docs/diagnosis.md, section 3).
pub const STRAY_GASSING_CEILING_PPM: f64 = 1000.0;

/// Why the gases cannot be stray gassing, if they cannot.
fn stray_gassing_ruled_out(inputs: &Inputs<'_>) -> Option<String> {
    for gas in [Gas::H2, Gas::CH4, Gas::C2H6] {
        if let Some(g) = ieee_gas(inputs, gas)
            && g.level_ppm >= STRAY_GASSING_CEILING_PPM
        {
            return Some(format!(
                "{gas} {} ppm is far above the few hundred ppm that stray gassing reaches",
                num(g.level_ppm)
            ));
        }
    }
    // CO above Table 2 alone is common in old units (paper ageing); it rules stray gassing
    // out only when it is extreme or still rising.
    if inputs.iec.paper_involvement_suspected
        || ieee_gas(inputs, Gas::CO).is_some_and(|g| {
            g.level_ppm >= 2.0 * g.table2_ppm
                || (g.level_ppm > g.table2_ppm && rise_is_real(inputs, g))
        })
    {
        return Some(
            "CO points to paper (CO2/CO below 3, or CO at twice its Table 2 level or above it \
             and rising); stray gassing comes from the oil alone"
                .to_owned(),
        );
    }
    if let Some(g) = ieee_gas(inputs, Gas::C2H2)
        && g.level_ppm >= g.table1_ppm
        && g.level_ppm > 0.0
    {
        return Some(format!(
            "C2H2 {} ppm is at or above its Table 1 level; stray gassing makes no acetylene",
            num(g.level_ppm)
        ));
    }
    None
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

/// The fault type, the method that made the call and why the others were not followed.
struct Typing {
    fault: Fault,
    source: Option<&'static str>,
    /// Why a method that disagrees was overruled, for every method.
    overruled: &'static str,
    /// A more specific reason for some methods (Triangle 1 when a refinement overrules it;
    /// Triangle 4 and Pentagon 1 when their stray-gassing reading is ruled out). Each of these
    /// disagrees whenever its answer differs from the fault, even within the same kind.
    overruled_some: Vec<(&'static str, String)>,
}

const TRIANGLE_1_DECIDES: &str = "Duval Triangle 1 decides the fault type when a hydrocarbon is \
     elevated: it is right most often on faults found by inspection";

impl Typing {
    fn none(fault: Fault) -> Self {
        Typing {
            fault,
            source: None,
            overruled: "",
            overruled_some: Vec::new(),
        }
    }

    fn by(fault: Fault, source: &'static str, overruled: &'static str) -> Self {
        Typing {
            fault,
            source: Some(source),
            overruled,
            overruled_some: Vec::new(),
        }
    }
}

/// Triangle 4 and Pentagon 1 re-read a Triangle 1 point in PD, T1 or T2, where Triangle 1 has
/// no stray-gassing zone and sees partial discharges only at ≥ 98 % CH4 (Duval 2008; Duval and
/// Lamarre 2014). See the table in docs/diagnosis.md, section 3.
fn refine_low_energy(zone: Triangle1Zone, inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> Typing {
    let fault = from_triangle(zone);
    let keep = Typing::by(fault, "duval_triangle_1", TRIANGLE_1_DECIDES);
    if !matches!(
        zone,
        Triangle1Zone::PD | Triangle1Zone::T1 | Triangle1Zone::T2
    ) {
        return keep;
    }
    let t4 = inputs.triangle_4.zone;
    let p1 = inputs.pentagon_1.zone;
    if t4 == Some(Triangle4Zone::C) {
        rules.push(Finding::new(
            "consensus.triangle_4_carbonisation",
            "Duval Triangle 4 shows possible carbonisation of paper (zone C)",
        ));
    }
    // What the refinement would read. Triangle 4 proposes. At the CH4 corner Pentagon 1,
    // which sees all five gases, must read the same kind of fault (or have no answer); inside
    // T1 or T2, where Triangle 1 has read a thermal fault, it must read the very zone (S for
    // S, PD for PD, T1 for O on a T2 point), and Triangle 4's carbonisation zone C only
    // annotates.
    let at_apex = zone == Triangle1Zone::PD;
    let proposal: Option<Fault> =
        t4.and_then(from_triangle_4)
            .filter(|f| *f != fault)
            .filter(|f| {
                if at_apex {
                    p1.is_none_or(|p| kind(from_pentagon(p)) == kind(*f))
                } else {
                    matches!(
                        (t4, p1),
                        (Some(Triangle4Zone::S), Some(Pentagon1Zone::S))
                            | (Some(Triangle4Zone::PD), Some(Pentagon1Zone::PD))
                    ) || (zone == Triangle1Zone::T2
                        && t4 == Some(Triangle4Zone::O)
                        && p1 == Some(Pentagon1Zone::T1))
                }
            });
    let Some(refined) = proposal else {
        return keep;
    };
    if refined == Fault::S
        && let Some(why) = stray_gassing_ruled_out(inputs)
    {
        rules.push(Finding::new(
            "consensus.not_stray_gassing",
            format!("Triangle 4 reads stray gassing (S), but {why}: Triangle 1's {zone:?} stands"),
        ));
        let reason = format!("stray gassing is ruled out: {why}");
        return Typing {
            overruled_some: vec![
                ("duval_triangle_4", reason.clone()),
                ("duval_pentagon_1", reason),
            ],
            ..keep
        };
    }
    let t4_name = t4.map_or("?".to_owned(), |z| format!("{z:?}"));
    let why = if at_apex {
        format!(
            "the point sits at Triangle 1's CH4 corner, where partial discharges, stray gassing \
             and low-temperature overheating meet; Duval Triangle 4 zone {t4_name} reads {}{}",
            refined.describe(),
            p1.map_or(String::new(), |z| format!(
                ", and Pentagon 1 ({z:?}) reads the same kind of fault"
            ))
        )
    } else {
        format!(
            "Duval Triangle 4 zone {t4_name} and Pentagon 1 zone {} both read {}, which \
             Triangle 1 ({zone:?}) cannot tell from its own zone",
            p1.map_or("?".to_owned(), |z| format!("{z:?}")),
            refined.describe()
        )
    };
    rules.push(Finding::new("consensus.refined_low_energy", why.clone()));
    Typing {
        fault: refined,
        source: Some("duval_triangle_4"),
        overruled: if at_apex {
            "at Triangle 1's CH4 corner Duval Triangle 4 types the fault"
        } else {
            "Duval Triangle 4 and Pentagon 1 agree on a low-energy reading"
        },
        overruled_some: vec![("duval_triangle_1", why)],
    }
}

/// The fault type and the method it came from (rules F1–F5 of docs/diagnosis.md, section 3).
fn fault_type(inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> Typing {
    let any = |gases: &[Gas]| gases.iter().any(|gas| elevated(inputs, *gas));
    let triangle_gases = [Gas::CH4, Gas::C2H4, Gas::C2H2];
    // F1: a hydrocarbon of Triangle 1 is elevated.
    if any(&triangle_gases)
        && inputs.triangle_1.zone.is_some()
        && readable_triangle_1(inputs).is_none()
    {
        rules.push(Finding::new(
            "consensus.fault_undetermined",
            format!(
                "CH4 + C2H4 + C2H2 add up to less than {} ppm: a laboratory's scatter moves \
                 Duval Triangle 1's shares too far to type the fault; resample",
                num(TRIANGLE_1_READABLE_PPM)
            ),
        ));
        return Typing::none(Fault::Undetermined);
    }
    if any(&triangle_gases)
        && let Some(zone) = readable_triangle_1(inputs)
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
        return refine_low_energy(zone, inputs, rules);
    }
    // F2: only H2 or C2H6 (or Triangle 1 cannot be computed).
    if any(&[Gas::H2, Gas::C2H6, Gas::CH4, Gas::C2H4, Gas::C2H2])
        && let Some(fault) = inputs.triangle_4.zone.and_then(from_triangle_4)
    {
        let why = match &inputs.triangle_1.not_computable {
            Some(reason) if any(&triangle_gases) => {
                format!("Duval Triangle 1 is not computable ({reason})")
            }
            _ => "only H2 or C2H6 is elevated".to_owned(),
        };
        if fault == Fault::S
            && let Some(ruled_out) = stray_gassing_ruled_out(inputs)
        {
            rules.push(Finding::new(
                "consensus.not_stray_gassing",
                format!("{why}: Triangle 4 reads stray gassing (S), but {ruled_out}"),
            ));
            if let Some(zone) = readable_triangle_1(inputs) {
                rules.push(Finding::new(
                    "consensus.fault_from_triangle_1",
                    format!("Duval Triangle 1 places the latest sample in {zone:?}"),
                ));
                return Typing::by(
                    from_triangle(zone),
                    "duval_triangle_1",
                    "stray gassing is ruled out and Duval Triangle 1 reads the remaining gases",
                );
            }
            rules.push(Finding::new(
                "consensus.fault_undetermined",
                "the hydrocarbons are too low for Duval Triangle 1 to type the fault",
            ));
            return Typing::none(Fault::Undetermined);
        }
        rules.push(Finding::new(
            "consensus.fault_from_triangle_4",
            format!("{why}: Duval Triangle 4 reads {}", fault.describe()),
        ));
        return Typing::by(
            fault,
            "duval_triangle_4",
            if inputs.triangle_1.zone.is_none() {
                "Duval Triangle 1 cannot be computed; Duval Triangle 4 types the fault"
            } else {
                "only H2 or C2H6 is elevated, the gases Duval Triangle 4 is drawn for"
            },
        );
    }
    // F3: only CO or CO2 is elevated.
    if !any(&[Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2]) {
        let co_elevated = elevated(inputs, Gas::CO);
        if co_elevated
            && let Some(zone) = readable_triangle_1(inputs).filter(|zone| {
                matches!(
                    zone,
                    Triangle1Zone::T1 | Triangle1Zone::T2 | Triangle1Zone::T3
                )
            })
        {
            rules.push(Finding::new(
                "consensus.thermal_fault_in_paper",
                format!(
                    "CO is elevated and Duval Triangle 1 reads {} from measurable hydrocarbons: \
                     a thermal fault involving paper",
                    from_triangle(zone).describe()
                ),
            ));
            return Typing::by(
                from_triangle(zone),
                "duval_triangle_1",
                "CO is elevated and Duval Triangle 1 reads a thermal fault",
            );
        }
        rules.push(Finding::new(
            "consensus.carbon_oxides_only",
            "no H2 or hydrocarbon is elevated (the suspicion rests on CO, CO2 or TDCG): paper \
             ageing or overheating; the oil gases are too low to type a fault",
        ));
        return Typing::none(Fault::Undetermined);
    }
    // F4: the IEC ratio code.
    if inputs.iec.ratio_code_applicability.applicable
        && let Some(fault) = inputs.iec.ratio_code.and_then(from_ratio_code)
    {
        rules.push(Finding::new(
            "consensus.fault_from_iec_ratios",
            format!("IEC 60599 ratio code {}", fault.label()),
        ));
        return Typing::by(
            fault,
            "iec_60599",
            "the Duval triangles cannot be computed; the IEC 60599 ratio code decides",
        );
    }
    // F5.
    rules.push(Finding::new(
        "consensus.fault_undetermined",
        "the Duval triangles and the IEC ratios do not identify a fault type",
    ));
    Typing::none(Fault::Undetermined)
}

/// Triangle 1's zone when its gases add up to enough to read (see
/// [`TRIANGLE_1_READABLE_PPM`]).
fn readable_triangle_1(inputs: &Inputs<'_>) -> Option<Triangle1Zone> {
    let total: f64 = inputs
        .ieee_2019
        .gases
        .iter()
        .filter(|g| matches!(g.gas, Gas::CH4 | Gas::C2H4 | Gas::C2H2))
        .map(|g| g.level_ppm)
        .sum();
    inputs
        .triangle_1
        .zone
        .filter(|_| total >= TRIANGLE_1_READABLE_PPM)
}

/// The broad kind of a fault, for comparing methods that name faults differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PartialDischarge,
    Discharge,
    Thermal,
    Stray,
    Mixed,
}

fn kind(fault: Fault) -> Option<Kind> {
    match fault {
        Fault::PD => Some(Kind::PartialDischarge),
        Fault::D1 | Fault::D2 => Some(Kind::Discharge),
        Fault::T1 | Fault::T2 | Fault::T3 => Some(Kind::Thermal),
        Fault::S => Some(Kind::Stray),
        Fault::DT => Some(Kind::Mixed),
        Fault::None | Fault::Undetermined => None,
    }
}

fn stance(consensus: Kind, vote: Kind) -> Stance {
    let part = |k: Kind| matches!(k, Kind::Discharge | Kind::Thermal);
    if consensus == vote {
        Stance::Agrees
    } else if (consensus == Kind::Mixed && part(vote)) || (vote == Kind::Mixed && part(consensus)) {
        Stance::PartlyAgrees
    } else {
        Stance::Disagrees
    }
}

/// Every fault-typing method's answer: (method, answer as reported, kind).
fn answers(inputs: &Inputs<'_>) -> Vec<(&'static str, String, Kind)> {
    let mut out = Vec::new();
    if let Some(zone) = inputs.triangle_1.zone
        && let Some(k) = kind(from_triangle(zone))
    {
        out.push(("duval_triangle_1", format!("{zone:?}"), k));
    }
    if inputs.triangle_4.applicability.applicable
        && let Some(zone) = inputs.triangle_4.zone
        && let Some(k) = from_triangle_4(zone).and_then(kind)
    {
        out.push(("duval_triangle_4", format!("{zone:?}"), k));
    }
    if let Some(zone) = inputs.pentagon_1.zone
        && let Some(k) = kind(from_pentagon(zone))
    {
        out.push(("duval_pentagon_1", format!("{zone:?}"), k));
    }
    if inputs.iec.ratio_code_applicability.applicable
        && let Some(code) = inputs.iec.ratio_code
        && let Some(k) = from_ratio_code(code).and_then(kind)
    {
        out.push(("iec_60599", format!("{code:?}"), k));
    }
    let rogers = inputs.rogers.case.and_then(|case| match case {
        RogersCase::PartialDischarge => Some(("case 1, PD", Kind::PartialDischarge)),
        RogersCase::Arcing => Some(("case 2, arcing", Kind::Discharge)),
        RogersCase::LowTemperatureThermal => {
            Some(("case 3, low-temperature thermal", Kind::Thermal))
        }
        RogersCase::ThermalBelow700C => Some(("case 4, thermal < 700 °C", Kind::Thermal)),
        RogersCase::ThermalAbove700C => Some(("case 5, thermal > 700 °C", Kind::Thermal)),
        RogersCase::Normal | RogersCase::NotDetermined => None,
    });
    if let Some((answer, k)) = rogers {
        out.push(("rogers", answer.to_owned(), k));
    }
    let doernenburg = match inputs.doernenburg.fault {
        DoernenburgFault::ThermalDecomposition => Some(("thermal decomposition", Kind::Thermal)),
        DoernenburgFault::PartialDischarge => Some(("partial discharge", Kind::PartialDischarge)),
        DoernenburgFault::Arcing => Some(("arcing", Kind::Discharge)),
        DoernenburgFault::NotDetermined => None,
    };
    if inputs.doernenburg.fault_indicated
        && let Some((answer, k)) = doernenburg
    {
        out.push(("doernenburg", answer.to_owned(), k));
    }
    // Overheated cellulose is what CO dominating the six gases looks like: a sign of paper,
    // not a fault type (it is read into `paper_involved`).
    let key_gas = inputs.key_gas.fault.and_then(|fault| match fault {
        KeyGasFault::OverheatedOil => Some(("overheated oil", Kind::Thermal)),
        KeyGasFault::PartialDischarge => Some(("partial discharge", Kind::PartialDischarge)),
        KeyGasFault::Arcing => Some(("arcing", Kind::Discharge)),
        KeyGasFault::OverheatedCellulose => None,
    });
    if let Some((answer, k)) = key_gas {
        out.push(("key_gas", answer.to_owned(), k));
    }
    out
}

fn agreement(inputs: &Inputs<'_>, typing: &Typing) -> Agreement {
    let mut agreement = Agreement {
        decided_by: typing.source.map(str::to_owned),
        ..Agreement::default()
    };
    let Some(consensus) = kind(typing.fault) else {
        return agreement;
    };
    for (method, answer, k) in answers(inputs) {
        if Some(method) == typing.source {
            continue;
        }
        let special = typing
            .overruled_some
            .iter()
            .find(|(one, _)| *one == method)
            .map(|(_, why)| why.clone());
        let stance = match &special {
            // A method the consensus overruled by name disagrees even within the same kind
            // (Triangle 1's T2 refined to T1).
            Some(_) if answer != typing.fault.label() => Stance::Disagrees,
            _ => stance(consensus, k),
        };
        let overruled_because = (stance == Stance::Disagrees)
            .then(|| special.unwrap_or_else(|| typing.overruled.to_owned()));
        match stance {
            Stance::Agrees => agreement.agreeing.push(method.to_owned()),
            Stance::Disagrees => agreement.disagreeing.push(method.to_owned()),
            Stance::PartlyAgrees => {}
        }
        agreement.votes.push(Vote {
            method: method.to_owned(),
            answer,
            stance,
            overruled_because,
        });
    }
    agreement
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
