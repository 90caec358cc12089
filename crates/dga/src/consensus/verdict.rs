//! The verdict and its public types: fault, severity, action, and each method's stance.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::methods::Finding;

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
