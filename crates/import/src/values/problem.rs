//! Why a cell cannot be read: the problem and its code (its messages are in `message.rs`).

/// Why a cell cannot be read as what its column holds. Each variant has an English and a
/// Korean message ([`ValueProblem::message_en`], [`ValueProblem::message_ko`]) and a stable
/// id ([`ValueProblem::code`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueProblem {
    /// A gas concentration below zero.
    #[error("{}", self.message_en())]
    Negative { value: f64 },
    /// Text (or a boolean, date or non-finite number) where a number belongs.
    #[error("{}", self.message_en())]
    NotNumeric { text: String },
    /// A concentration above [`MAX_PLAUSIBLE_PPM`](substation_dga::gas::MAX_PLAUSIBLE_PPM)
    /// after unit conversion.
    #[error("{}", self.message_en())]
    Absurd { ppm: f64 },
    /// Something that is not a date in any form we read.
    #[error("{}", self.message_en())]
    NotADate { text: String },
    /// A date form we read, but a day that is not on the calendar ("2023-02-30").
    #[error("{}", self.message_en())]
    ImpossibleDate { text: String },
    /// A spreadsheet error value (`#N/A`, `#DIV/0!`, ...), in an error cell or as text.
    #[error("{}", self.message_en())]
    ExcelError { code: String },
    /// Not a plausible year of manufacture.
    #[error("{}", self.message_en())]
    NotAYear { text: String },
    /// Not a yes/no answer.
    #[error("{}", self.message_en())]
    NotABoolean { text: String },
    /// ">5000": the lab only says the value is above its measuring range.
    #[error("{}", self.message_en())]
    AboveRange { text: String },
    /// Not one of the values a field allows (oil preservation).
    #[error("{}", self.message_en())]
    UnknownChoice { text: String, allowed: &'static str },
}

impl ValueProblem {
    /// A stable snake_case id for the problem kind.
    pub fn code(&self) -> &'static str {
        match self {
            ValueProblem::Negative { .. } => "negative_value",
            ValueProblem::NotNumeric { .. } => "not_numeric",
            ValueProblem::Absurd { .. } => "absurd_value",
            ValueProblem::NotADate { .. } => "not_a_date",
            ValueProblem::ImpossibleDate { .. } => "impossible_date",
            ValueProblem::ExcelError { .. } => "excel_error",
            ValueProblem::NotAYear { .. } => "not_a_year",
            ValueProblem::NotABoolean { .. } => "not_a_boolean",
            ValueProblem::AboveRange { .. } => "above_range",
            ValueProblem::UnknownChoice { .. } => "unknown_choice",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_messages_and_a_code() {
        let problems = [
            ValueProblem::Negative { value: -5.0 },
            ValueProblem::NotNumeric { text: "abc".into() },
            ValueProblem::Absurd { ppm: 2e6 },
            ValueProblem::NotADate { text: "abc".into() },
            ValueProblem::ImpossibleDate {
                text: "2023-02-30".into(),
            },
            ValueProblem::ExcelError {
                code: "#N/A".into(),
            },
            ValueProblem::NotAYear { text: "98".into() },
            ValueProblem::NotABoolean {
                text: "maybe".into(),
            },
            ValueProblem::AboveRange {
                text: ">5000".into(),
            },
        ];
        let mut codes = std::collections::HashSet::new();
        for problem in &problems {
            assert!(!problem.message_en().is_empty());
            assert!(!problem.message_ko().is_empty());
            assert_eq!(problem.to_string(), problem.message_en());
            assert!(
                codes.insert(problem.code()),
                "duplicate code {}",
                problem.code()
            );
            assert!(
                problem
                    .code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
        assert_eq!(problems[1].message_ko(), "“abc”은(는) 숫자가 아닙니다");
        assert_eq!(
            problems[0].message_en(),
            "“-5” is negative; a concentration cannot be below zero"
        );
        assert!(problems[2].message_en().starts_with("2000000 ppm"));
        assert!(problems[4].message_en().contains("2023-02-30"));
        assert!(problems[5].message_ko().contains("#N/A"));
    }
}
