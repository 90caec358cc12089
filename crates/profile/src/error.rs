//! Why a profile cannot be used, a request cannot be made or an answer cannot be read: each
//! with a stable code for `{code, message}`.

/// Why a profile cannot be used. Stable codes for `{code, message}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("the profile is not valid TOML or has an unknown field: {0}")]
    Format(String),
    #[error("{field}: the jq filter does not compile: {problem}")]
    Filter { field: String, problem: String },
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
}

impl ProfileError {
    /// Every code [`ProfileError::code`] gives.
    pub const CODES: &'static [&'static str] =
        &["profile_format", "profile_filter", "profile_invalid"];

    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::Format(_) => "profile_format",
            ProfileError::Filter { .. } => "profile_filter",
            ProfileError::Invalid { .. } => "profile_invalid",
        }
    }
}

/// Why the request for one transformer could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("request.transform `{filter}`: {problem}")]
pub struct RequestError {
    pub filter: String,
    pub problem: String,
}

/// Why one transformer's answer could not be read. Stable codes for `{code, message}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    /// The request held no sample, so the answer cannot say which one it is about.
    #[error("the request holds no sample")]
    NoSamples,
    /// The function said it could not diagnose (its `ok` filter was false).
    #[error("the function refused: {message}")]
    Refused { message: String },
    #[error("answer.{field} `{filter}` gave nothing (null or no value), and {field} is required")]
    Missing { field: &'static str, filter: String },
    #[error("answer.{field} `{filter}` gave {found}, {expected}")]
    Unexpected {
        field: &'static str,
        filter: String,
        found: String,
        expected: String,
    },
    #[error("answer.{field} `{filter}` failed: {problem}")]
    Failed {
        field: &'static str,
        filter: String,
        problem: String,
    },
}

impl AnswerError {
    /// Every code [`AnswerError::code`] gives.
    pub const CODES: &'static [&'static str] = &[
        "answer_not_json",
        "no_samples",
        "function_refused",
        "answer_missing_field",
        "answer_unexpected_value",
        "answer_filter_failed",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            AnswerError::NotJson(_) => "answer_not_json",
            AnswerError::NoSamples => "no_samples",
            AnswerError::Refused { .. } => "function_refused",
            AnswerError::Missing { .. } => "answer_missing_field",
            AnswerError::Unexpected { .. } => "answer_unexpected_value",
            AnswerError::Failed { .. } => "answer_filter_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let s = String::new;
        let profile = [
            ProfileError::Format(s()),
            ProfileError::Filter {
                field: s(),
                problem: s(),
            },
            ProfileError::Invalid {
                field: s(),
                problem: s(),
            },
        ];
        let given: Vec<&str> = profile.iter().map(ProfileError::code).collect();
        assert_eq!(given, ProfileError::CODES);
        let answer = [
            AnswerError::NotJson(s()),
            AnswerError::NoSamples,
            AnswerError::Refused { message: s() },
            AnswerError::Missing {
                field: "fault",
                filter: s(),
            },
            AnswerError::Unexpected {
                field: "fault",
                filter: s(),
                found: s(),
                expected: s(),
            },
            AnswerError::Failed {
                field: "fault",
                filter: s(),
                problem: s(),
            },
        ];
        let given: Vec<&str> = answer.iter().map(AnswerError::code).collect();
        assert_eq!(given, AnswerError::CODES);
    }
}
