//! The English and Korean messages of a [`ValueProblem`]: above the parsers, since a
//! number that reads as a date is said to be one.

use super::date::looks_like_date;
use super::format_number;
use super::problem::ValueProblem;

impl ValueProblem {
    /// The message in English, for a field engineer.
    pub fn message_en(&self) -> String {
        match self {
            ValueProblem::Negative { value } => format!(
                "“{}” is negative; a concentration cannot be below zero",
                format_number(*value)
            ),
            ValueProblem::NotNumeric { text } if looks_like_date(text) => format!(
                "“{text}” looks like a date, not a number; the spreadsheet may have turned the \
                 value into a date"
            ),
            ValueProblem::NotNumeric { text } => format!("“{text}” is not a number"),
            ValueProblem::Absurd { ppm } => format!(
                "{} ppm is more than 1,000,000 ppm (100 %), which no oil sample can hold; check \
                 the unit",
                format_number(*ppm)
            ),
            ValueProblem::NotADate { text } => {
                format!("“{text}” is not a date (write it like 2023-10-25)")
            }
            ValueProblem::ImpossibleDate { text } => {
                format!("“{text}” is not a real calendar date")
            }
            ValueProblem::ExcelError { code } => format!(
                "the cell holds the spreadsheet error {code} instead of a value; check the formula"
            ),
            ValueProblem::NotAYear { text } => {
                format!("“{text}” is not a year (write it like 1998)")
            }
            ValueProblem::NotABoolean { text } => format!("“{text}” is not yes or no"),
            ValueProblem::UnknownChoice { text, allowed } => {
                format!("“{text}” is not one of: {allowed}")
            }
            ValueProblem::AboveRange { text } => format!(
                "“{text}” only says the value is above the lab's measuring range; it is not a \
                 value that can be used"
            ),
        }
    }

    /// The message in Korean, for a field engineer.
    pub fn message_ko(&self) -> String {
        match self {
            ValueProblem::Negative { value } => format!(
                "“{}”은(는) 음수입니다. 농도는 0보다 작을 수 없습니다",
                format_number(*value)
            ),
            ValueProblem::NotNumeric { text } if looks_like_date(text) => format!(
                "“{text}”은(는) 숫자가 아니라 날짜로 보입니다. 스프레드시트가 값을 날짜로 \
                 바꿨을 수 있습니다"
            ),
            ValueProblem::NotNumeric { text } => format!("“{text}”은(는) 숫자가 아닙니다"),
            ValueProblem::Absurd { ppm } => format!(
                "{} ppm은 1,000,000 ppm(100 %)을 넘어 오일 시료에서 나올 수 없는 값입니다. \
                 단위를 확인하세요",
                format_number(*ppm)
            ),
            ValueProblem::NotADate { text } => {
                format!("“{text}”은(는) 날짜가 아닙니다 (예: 2023-10-25)")
            }
            ValueProblem::ImpossibleDate { text } => {
                format!("“{text}”은(는) 달력에 없는 날짜입니다")
            }
            ValueProblem::ExcelError { code } => {
                format!("셀에 값 대신 스프레드시트 오류({code})가 있습니다. 수식을 확인하세요")
            }
            ValueProblem::NotAYear { text } => {
                format!("“{text}”은(는) 연도가 아닙니다 (예: 1998)")
            }
            ValueProblem::NotABoolean { text } => {
                format!("“{text}”은(는) 예/아니오 값이 아닙니다")
            }
            ValueProblem::UnknownChoice { text, allowed } => {
                format!("“{text}”은(는) 다음 중 하나가 아닙니다: {allowed}")
            }
            ValueProblem::AboveRange { text } => format!(
                "“{text}”은(는) 측정 범위를 넘었다는 표시일 뿐 사용할 수 있는 값이 아닙니다"
            ),
        }
    }
}
