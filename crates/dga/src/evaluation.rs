//! Scoring the methods and the consensus on published cases whose fault was found by
//! inspection (or set up in a laboratory). The cases are data with their source named
//! (`crates/dga/data/labelled/`); this module reads them, diagnoses each one as a single-sample
//! transformer and counts, per method, how often its answer matches the label.
//!
//! Pure: it takes the CSV text and returns a [`Report`]; `examples/evaluate.rs` reads the files
//! and prints the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::consensus::Fault;
use crate::contract::{Diagnosis, DiagnosisRequest, diagnose};
use crate::domain::{Asset, Sample};
use crate::gas::{Gas, GasReadings, GasValue};
use crate::methods::doernenburg::DoernenburgFault;
use crate::methods::duval_pentagons::Pentagon1Zone;
use crate::methods::iec_60599::RatioCode;
use crate::methods::key_gas::KeyGasFault;
use crate::methods::rogers::RogersCase;

/// What a blank gas cell in a labelled file means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlankCell {
    /// Looked for and not found (counts as zero).
    NotDetected,
    /// Not reported (the gas takes no part).
    NotMeasured,
}

impl BlankCell {
    pub fn label(self) -> &'static str {
        match self {
            BlankCell::NotDetected => "not detected",
            BlankCell::NotMeasured => "not measured",
        }
    }
}

/// The fault found by inspection, at the precision the source gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    PD,
    D1,
    D2,
    T1,
    T2,
    T3,
    /// Thermal below 700 °C, not split into T1 and T2 by the source.
    T1T2,
    /// Thermal, not split.
    T,
    /// Discharge, not split into D1 and D2.
    D,
    /// Mixed thermal and electrical.
    DT,
}

impl Label {
    pub fn parse(text: &str) -> Option<Label> {
        Some(match text.trim() {
            "PD" => Label::PD,
            "D1" => Label::D1,
            "D2" => Label::D2,
            "T1" => Label::T1,
            "T2" => Label::T2,
            "T3" => Label::T3,
            "T1/T2" => Label::T1T2,
            "T" => Label::T,
            "D" => Label::D,
            "DT" => Label::DT,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Label::PD => "PD",
            Label::D1 => "D1",
            Label::D2 => "D2",
            Label::T1 => "T1",
            Label::T2 => "T2",
            Label::T3 => "T3",
            Label::T1T2 => "T1/T2",
            Label::T => "T",
            Label::D => "D",
            Label::DT => "DT",
        }
    }

    /// The three broad classes of IEC 60599's simplified scheme: partial discharge,
    /// discharge, thermal. A mixed fault has none.
    fn class(self) -> Option<Class> {
        match self {
            Label::PD => Some(Class::PartialDischarge),
            Label::D1 | Label::D2 | Label::D => Some(Class::Discharge),
            Label::T1 | Label::T2 | Label::T3 | Label::T1T2 | Label::T => Some(Class::Thermal),
            Label::DT => None,
        }
    }

    /// True when the answer names this fault at the label's precision.
    fn accepts(self, answer: Answer) -> bool {
        use Answer as A;
        match self {
            Label::T1T2 => matches!(answer, A::T1 | A::T2),
            Label::T => matches!(answer, A::T1 | A::T2 | A::T3 | A::Thermal),
            Label::D => matches!(answer, A::D1 | A::D2 | A::Discharge),
            Label::PD => answer == A::PD,
            Label::D1 => answer == A::D1,
            Label::D2 => answer == A::D2,
            Label::T1 => answer == A::T1,
            Label::T2 => answer == A::T2,
            Label::T3 => answer == A::T3,
            Label::DT => answer == A::DT,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    PartialDischarge,
    Discharge,
    Thermal,
}

/// A method's answer, in one vocabulary for all methods. Some methods only name a family
/// (`Thermal`, `Discharge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    PD,
    D1,
    D2,
    T1,
    T2,
    T3,
    DT,
    /// Stray gassing of the oil: not a fault of the insulation.
    S,
    Thermal,
    Discharge,
    /// No answer (not computable, not determined, no fault suspected).
    None,
}

impl Answer {
    pub fn code(self) -> &'static str {
        match self {
            Answer::PD => "PD",
            Answer::D1 => "D1",
            Answer::D2 => "D2",
            Answer::T1 => "T1",
            Answer::T2 => "T2",
            Answer::T3 => "T3",
            Answer::DT => "DT",
            Answer::S => "S",
            Answer::Thermal => "T",
            Answer::Discharge => "D",
            Answer::None => "-",
        }
    }

    fn class(self) -> Option<Class> {
        match self {
            Answer::PD => Some(Class::PartialDischarge),
            Answer::D1 | Answer::D2 | Answer::Discharge => Some(Class::Discharge),
            Answer::T1 | Answer::T2 | Answer::T3 | Answer::Thermal => Some(Class::Thermal),
            Answer::DT | Answer::S | Answer::None => None,
        }
    }

    fn of_fault(fault: Fault) -> Answer {
        match fault {
            Fault::PD => Answer::PD,
            Fault::D1 => Answer::D1,
            Fault::D2 => Answer::D2,
            Fault::T1 => Answer::T1,
            Fault::T2 => Answer::T2,
            Fault::T3 => Answer::T3,
            Fault::DT => Answer::DT,
            Fault::S => Answer::S,
            Fault::None | Fault::Undetermined => Answer::None,
        }
    }
}

/// The methods scored, in report order. Each is read as it answers on its own, whether or not
/// screening would have let it apply.
pub const METHODS: [&str; 7] = [
    "consensus",
    "duval_triangle_1",
    "duval_pentagon_1",
    "iec_60599",
    "rogers",
    "doernenburg",
    "key_gas",
];

fn answers(d: &Diagnosis) -> [Answer; 7] {
    use crate::methods::duval_triangles::Triangle1Zone as Z;
    let triangle = match d.duval_triangle_1.zone {
        Some(Z::PD) => Answer::PD,
        Some(Z::D1) => Answer::D1,
        Some(Z::D2) => Answer::D2,
        Some(Z::T1) => Answer::T1,
        Some(Z::T2) => Answer::T2,
        Some(Z::T3) => Answer::T3,
        Some(Z::DT) => Answer::DT,
        None => Answer::None,
    };
    let pentagon = match d.duval_pentagon_1.zone {
        Some(Pentagon1Zone::PD) => Answer::PD,
        Some(Pentagon1Zone::D1) => Answer::D1,
        Some(Pentagon1Zone::D2) => Answer::D2,
        Some(Pentagon1Zone::T1) => Answer::T1,
        Some(Pentagon1Zone::T2) => Answer::T2,
        Some(Pentagon1Zone::T3) => Answer::T3,
        Some(Pentagon1Zone::S) => Answer::S,
        None => Answer::None,
    };
    let iec = match d.iec_60599.ratio_code {
        Some(RatioCode::PD) => Answer::PD,
        Some(RatioCode::D1) => Answer::D1,
        Some(RatioCode::D2) => Answer::D2,
        Some(RatioCode::T1) => Answer::T1,
        Some(RatioCode::T2) => Answer::T2,
        Some(RatioCode::T3) => Answer::T3,
        Some(RatioCode::ND) | None => Answer::None,
    };
    let rogers = match d.rogers.case {
        Some(RogersCase::PartialDischarge) => Answer::PD,
        Some(RogersCase::Arcing) => Answer::D2,
        Some(RogersCase::LowTemperatureThermal) => Answer::T1,
        Some(RogersCase::ThermalBelow700C) => Answer::T2,
        Some(RogersCase::ThermalAbove700C) => Answer::T3,
        Some(RogersCase::Normal | RogersCase::NotDetermined) | None => Answer::None,
    };
    let doernenburg = match d.doernenburg.fault {
        DoernenburgFault::ThermalDecomposition => Answer::Thermal,
        DoernenburgFault::PartialDischarge => Answer::PD,
        DoernenburgFault::Arcing => Answer::Discharge,
        DoernenburgFault::NotDetermined => Answer::None,
    };
    let key_gas = match d.key_gas.fault {
        Some(KeyGasFault::OverheatedOil | KeyGasFault::OverheatedCellulose) => Answer::Thermal,
        Some(KeyGasFault::PartialDischarge) => Answer::PD,
        Some(KeyGasFault::Arcing) => Answer::Discharge,
        None => Answer::None,
    };
    [
        Answer::of_fault(d.fault),
        triangle,
        pentagon,
        iec,
        rogers,
        doernenburg,
        key_gas,
    ]
}

/// One published case.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledCase {
    pub id: String,
    pub gases: GasReadings,
    pub label: Label,
}

/// Why a labelled file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluationError {
    #[error("{file}: {problem}")]
    Header { file: String, problem: String },
    #[error("{file}, line {line}: {problem}")]
    Row {
        file: String,
        line: u64,
        problem: String,
    },
}

const COLUMNS: [(&str, Gas); 7] = [
    ("H2", Gas::H2),
    ("CH4", Gas::CH4),
    ("C2H6", Gas::C2H6),
    ("C2H4", Gas::C2H4),
    ("C2H2", Gas::C2H2),
    ("CO", Gas::CO),
    ("CO2", Gas::CO2),
];

/// Reads a labelled CSV (`case_id`, the seven fault gases in ppm, `fault_label`, other columns
/// ignored). `file` names the source in errors.
pub fn parse_cases(
    file: &str,
    text: &str,
    blank: BlankCell,
) -> Result<Vec<LabelledCase>, EvaluationError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header_error = |problem: String| EvaluationError::Header {
        file: file.to_owned(),
        problem,
    };
    let headers = reader
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| header_error(format!("no column \"{name}\"")))
    };
    let id_column = column("case_id")?;
    let label_column = column("fault_label")?;
    let gas_columns = COLUMNS
        .iter()
        .map(|(name, gas)| column(name).map(|i| (i, *gas)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cases = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| EvaluationError::Row {
            file: file.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            problem: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row_error = |problem: String| EvaluationError::Row {
            file: file.to_owned(),
            line,
            problem,
        };
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let id = field(id_column).to_owned();
        let label = Label::parse(field(label_column)).ok_or_else(|| {
            row_error(format!(
                "fault label \"{}\" is not one of PD, D1, D2, T1, T2, T3, T1/T2, T, D, DT",
                field(label_column)
            ))
        })?;
        let mut gases = GasReadings::default();
        for (i, gas) in &gas_columns {
            let cell = field(*i);
            let value = if cell.is_empty() {
                match blank {
                    BlankCell::NotDetected => GasValue::BelowDetection { limit: None },
                    BlankCell::NotMeasured => GasValue::NotMeasured,
                }
            } else {
                let ppm: f64 = cell
                    .parse()
                    .map_err(|_| row_error(format!("{gas} \"{cell}\" is not a number")))?;
                let value = GasValue::Measured(ppm);
                value
                    .validate()
                    .map_err(|e| row_error(format!("{gas}: {e}")))?;
                value
            };
            gases.set(*gas, value);
        }
        cases.push(LabelledCase { id, gases, label });
    }
    Ok(cases)
}

/// How one method did on one set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MethodScore {
    pub cases: usize,
    /// Right at the label's precision.
    pub right: usize,
    /// Right at the level of partial discharge / discharge / thermal.
    pub right_class: usize,
    /// Gave no answer.
    pub unanswered: usize,
    /// (label, answer) → count.
    pub confusion: BTreeMap<(Label, Answer), usize>,
}

/// One case and every method's answer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub id: String,
    pub label: Label,
    pub answers: [Answer; 7],
}

/// The scores of every method on one set of cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub set: String,
    pub blank: BlankCell,
    pub scores: Vec<(&'static str, MethodScore)>,
    pub cases: Vec<CaseResult>,
}

impl Report {
    /// The score of one method (see [`METHODS`]).
    pub fn score(&self, method: &str) -> Option<&MethodScore> {
        self.scores
            .iter()
            .find(|(name, _)| *name == method)
            .map(|(_, s)| s)
    }

    /// The best single method (consensus excluded) by cases right, and its count.
    pub fn best_single_method(&self) -> (&'static str, usize) {
        self.scores
            .iter()
            .filter(|(name, _)| *name != "consensus")
            .map(|(name, s)| (*name, s.right))
            .fold(("none", 0), |best, m| if m.1 > best.1 { m } else { best })
    }

    /// Cases the consensus gets wrong while some method gets right.
    pub fn consensus_misses(&self) -> Vec<&CaseResult> {
        self.cases
            .iter()
            .filter(|c| !c.label.accepts(c.answers[0]))
            .filter(|c| c.answers[1..].iter().any(|a| c.label.accepts(*a)))
            .collect()
    }

    /// The report as text: accuracy per method, confusion matrices, the consensus's misses.
    pub fn render(&self, confusion: bool) -> String {
        let mut out = String::new();
        let n = self.cases.len();
        let _ = writeln!(
            out,
            "== {} ({n} cases; a blank gas cell read as {})",
            self.set,
            self.blank.label()
        );
        let _ = writeln!(
            out,
            "{:<18} {:>9} {:>7} {:>15} {:>11}",
            "method", "right", "%", "right (PD/D/T)", "no answer"
        );
        for (name, s) in &self.scores {
            let _ = writeln!(
                out,
                "{:<18} {:>9} {:>6.1}% {:>15} {:>11}",
                name,
                format!("{}/{}", s.right, s.cases),
                percent(s.right, s.cases),
                format!("{}/{}", s.right_class, s.cases),
                s.unanswered
            );
        }
        let (best, best_right) = self.best_single_method();
        let consensus = self.score("consensus").map_or(0, |s| s.right);
        let _ = writeln!(
            out,
            "consensus {consensus}/{n} vs best single method ({best}) {best_right}/{n}: {}",
            if consensus >= best_right {
                "at least as good"
            } else {
                "WORSE"
            }
        );
        if confusion {
            for (name, s) in &self.scores {
                let _ = writeln!(out, "\n{name}: label → answers");
                let mut labels: Vec<Label> = s.confusion.keys().map(|(l, _)| *l).collect();
                labels.dedup();
                for label in labels {
                    let row: Vec<String> = s
                        .confusion
                        .iter()
                        .filter(|((l, _), _)| *l == label)
                        .map(|((_, a), count)| format!("{} {count}", a.code()))
                        .collect();
                    let _ = writeln!(out, "  {:<6} {}", label.code(), row.join(", "));
                }
            }
        }
        let misses = self.consensus_misses();
        if !misses.is_empty() {
            let _ = writeln!(out, "\nconsensus wrong while a method was right:");
            for case in misses {
                let answers: Vec<String> = METHODS
                    .iter()
                    .zip(case.answers)
                    .map(|(m, a)| format!("{m} {}", a.code()))
                    .collect();
                let _ = writeln!(
                    out,
                    "  {} (label {}): {}",
                    case.id,
                    case.label.code(),
                    answers.join(", ")
                );
            }
        }
        out
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The request a case becomes: one sample, nameplate unknown, O2 and N2 not reported (so
/// IEEE C57.104-2019 uses its air-breathing limits, the lower ones).
pub fn request_for(case: &LabelledCase) -> DiagnosisRequest {
    let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    DiagnosisRequest::new(
        Asset::new(case.id.clone()),
        vec![Sample::new(date, case.gases)],
    )
}

/// Diagnoses every case and scores every method.
pub fn evaluate(set: &str, cases: &[LabelledCase], blank: BlankCell) -> Report {
    let mut scores: Vec<(&'static str, MethodScore)> = METHODS
        .iter()
        .map(|m| (*m, MethodScore::default()))
        .collect();
    let mut results = Vec::new();
    for case in cases {
        let answers = match diagnose(&request_for(case)) {
            Ok(d) => answers(&d),
            // A case the engine refuses (no fault gas at all) gets no answer from anyone.
            Err(_) => [Answer::None; 7],
        };
        for ((_, score), answer) in scores.iter_mut().zip(answers) {
            score.cases += 1;
            if case.label.accepts(answer) {
                score.right += 1;
            }
            if answer.class().is_some() && answer.class() == case.label.class() {
                score.right_class += 1;
            }
            if answer == Answer::None {
                score.unanswered += 1;
            }
            *score.confusion.entry((case.label, answer)).or_default() += 1;
        }
        results.push(CaseResult {
            id: case.id.clone(),
            label: case.label,
            answers,
        });
    }
    Report {
        set: set.to_owned(),
        blank,
        scores,
        cases: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "case_id,H2,CH4,C2H6,C2H4,C2H2,CO,CO2,fault_label,source\n";

    #[test]
    fn labels_accept_answers_at_their_own_precision() {
        assert!(Label::T1T2.accepts(Answer::T2));
        assert!(!Label::T1T2.accepts(Answer::T3));
        assert!(
            !Label::T1.accepts(Answer::Thermal),
            "a family is not a class"
        );
        assert!(Label::T.accepts(Answer::Thermal));
        assert!(
            !Label::PD.accepts(Answer::S),
            "stray gassing is not a fault"
        );
        assert!(Label::D.accepts(Answer::D2));
    }

    #[test]
    fn blank_cells_follow_the_choice() {
        let text = format!("{HEADER}A,100,10,,1,,50,500,PD,\"x, y\"\n");
        let detected = parse_cases("f.csv", &text, BlankCell::NotDetected).expect("parse");
        assert_eq!(
            detected[0].gases.c2h6,
            GasValue::BelowDetection { limit: None }
        );
        let absent = parse_cases("f.csv", &text, BlankCell::NotMeasured).expect("parse");
        assert_eq!(absent[0].gases.c2h6, GasValue::NotMeasured);
        assert_eq!(absent[0].label, Label::PD);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let text = format!("{HEADER}A,100,10,1,1,0,50,500,PD,s\nB,1,2,x,1,0,50,500,T1,s\n");
        let error = parse_cases("f.csv", &text, BlankCell::NotDetected).expect_err("bad");
        assert_eq!(
            error.to_string(),
            "f.csv, line 3: C2H6 \"x\" is not a number"
        );
        let text = format!("{HEADER}A,100,10,1,1,0,50,500,X9,s\n");
        let error = parse_cases("f.csv", &text, BlankCell::NotDetected).expect_err("bad");
        assert!(error.to_string().contains("line 2"), "{error}");
        let error = parse_cases("f.csv", "case_id,H2\n", BlankCell::NotDetected).expect_err("bad");
        assert_eq!(error.to_string(), "f.csv: no column \"fault_label\"");
    }

    #[test]
    fn scores_count_what_each_method_said() {
        // An arc: Triangle 1 D2 (C2H2 45 %, C2H4 36 %); a hot spot: Triangle 1 T3.
        let text =
            format!("{HEADER}arc,200,20,5,80,100,50,500,D2,s\nhot,50,100,30,300,1,100,900,T3,s\n");
        let cases = parse_cases("f.csv", &text, BlankCell::NotDetected).expect("parse");
        let report = evaluate("two", &cases, BlankCell::NotDetected);
        let triangle = report.score("duval_triangle_1").expect("scored");
        assert_eq!((triangle.cases, triangle.right), (2, 2));
        assert_eq!(triangle.confusion.get(&(Label::D2, Answer::D2)), Some(&1));
        assert!(report.render(true).contains("duval_triangle_1"));
    }
}
