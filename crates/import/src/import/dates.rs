//! Day/month date settling: what a date column says about its order, and each date read by it.

use chrono::NaiveDate;

use super::plan::SheetPlan;
use super::run::Run;
use crate::issue::Severity;
use crate::values::{Cell, DateCandidate, DayOrder};

/// What a date column says about its day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnOrder {
    /// Set by the user (`ImportOptions::day_order`).
    Told(DayOrder),
    /// Every date that settles the order settles it the same way.
    Settled(DayOrder),
    /// Some dates can only be day-first, others only month-first.
    Mixed {
        day_first: usize,
        month_first: usize,
    },
    /// No date settles it.
    Unknown,
}

impl ColumnOrder {
    /// The order of a column from the user's choice, else from its votes: how many of its
    /// dates can only be read day-first and how many only month-first.
    pub(super) fn of(told: Option<DayOrder>, (day_first, month_first): (usize, usize)) -> Self {
        if let Some(order) = told {
            return ColumnOrder::Told(order);
        }
        match (day_first, month_first) {
            (0, 0) => ColumnOrder::Unknown,
            (_, 0) => ColumnOrder::Settled(DayOrder::DayFirst),
            (0, _) => ColumnOrder::Settled(DayOrder::MonthFirst),
            _ => ColumnOrder::Mixed {
                day_first,
                month_first,
            },
        }
    }
}

fn order_en(order: DayOrder) -> &'static str {
    match order {
        DayOrder::DayFirst => "day-first (day/month/year)",
        DayOrder::MonthFirst => "month-first (month/day/year)",
    }
}

fn order_ko(order: DayOrder) -> &'static str {
    match order {
        DayOrder::DayFirst => "일/월/연 순서",
        DayOrder::MonthFirst => "월/일/연 순서",
    }
}

fn other_order(order: DayOrder) -> DayOrder {
    match order {
        DayOrder::DayFirst => DayOrder::MonthFirst,
        DayOrder::MonthFirst => DayOrder::DayFirst,
    }
}

impl Run<'_, '_> {
    /// The date of one cell given what its column says about day/month order, or `None`
    /// with an error issue.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle_date(
        &mut self,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        cell: &Cell,
        candidate: DateCandidate,
        order: ColumnOrder,
    ) -> Option<NaiveDate> {
        // Only a date that is refused needs the cell as the user sees it.
        let raw = match candidate {
            DateCandidate::Exact(date) => return Some(date),
            _ => cell.display(),
        };
        let (code, en, ko) = match candidate {
            DateCandidate::Exact(date) => return Some(date),
            DateCandidate::Settles { date, order: own } => match order {
                ColumnOrder::Told(told) if told != own => (
                    "impossible_date",
                    format!(
                        "“{raw}” is not a real date read {}, the order the import was told to \
                         use; only read {} would it be {date}",
                        order_en(told),
                        order_en(own)
                    ),
                    format!(
                        "“{raw}”은(는) 지정된 {}로 읽으면 달력에 없는 날짜입니다. {}로 읽어야만 \
                         {date}입니다",
                        order_ko(told),
                        order_ko(own)
                    ),
                ),
                ColumnOrder::Mixed {
                    day_first,
                    month_first,
                } => {
                    let (ours, theirs) = match own {
                        DayOrder::DayFirst => (day_first, month_first),
                        DayOrder::MonthFirst => (month_first, day_first),
                    };
                    if ours > theirs {
                        return Some(date);
                    }
                    let other = other_order(own);
                    let (en_most, ko_most) = if ours < theirs {
                        (
                            format!("most dates in this column ({theirs} against {ours})"),
                            format!("이 열의 날짜 대부분({theirs}개 대 {ours}개)"),
                        )
                    } else {
                        (
                            format!("as many dates in this column ({theirs})"),
                            format!("이 열의 같은 수의 날짜({theirs}개)"),
                        )
                    };
                    (
                        "mixed_date_order",
                        format!(
                            "“{raw}” can only be read {}, as {date}, but {en_most} can only be \
                             read {}; the column mixes the two orders, so this date is not \
                             trusted. If {date} is right, write it year first",
                            order_en(own),
                            order_en(other)
                        ),
                        format!(
                            "“{raw}”은(는) {}로만 읽을 수 있어 {date}이지만, {ko_most}는 {}로만 \
                             읽을 수 있습니다. 열에 두 순서가 섞여 있어 이 날짜를 믿을 수 없습니다. \
                             {date}이(가) 맞다면 연도부터 쓰십시오",
                            order_ko(own),
                            order_ko(other)
                        ),
                    )
                }
                ColumnOrder::Told(_) | ColumnOrder::Settled(_) | ColumnOrder::Unknown => {
                    return Some(date);
                }
            },
            DateCandidate::Ambiguous {
                day_first,
                month_first,
            } => match order {
                ColumnOrder::Told(DayOrder::DayFirst)
                | ColumnOrder::Settled(DayOrder::DayFirst) => return Some(day_first),
                ColumnOrder::Told(DayOrder::MonthFirst)
                | ColumnOrder::Settled(DayOrder::MonthFirst) => return Some(month_first),
                ColumnOrder::Mixed {
                    day_first: days,
                    month_first: months,
                } => (
                    "ambiguous_date",
                    format!(
                        "“{raw}” could be {day_first} or {month_first}, and this column mixes \
                         day-first and month-first dates (day-first only: {days}, month-first \
                         only: {months}), so it cannot settle which; write the date year first \
                         (like 2023-10-25)"
                    ),
                    format!(
                        "“{raw}”은(는) {day_first} 또는 {month_first}일 수 있는데, 이 열에는 일/월 \
                         순서가 섞여 있어(일/월만 가능 {days}개, 월/일만 가능 {months}개) 알 수 \
                         없습니다. 연도부터 쓰십시오(예: 2023-10-25)"
                    ),
                ),
                ColumnOrder::Unknown => (
                    "ambiguous_date",
                    format!(
                        "“{raw}” could be {day_first} or {month_first}; nothing in the column \
                         settles the day/month order; write the date year first (like 2023-10-25)"
                    ),
                    format!(
                        "“{raw}”은(는) {day_first} 또는 {month_first}일 수 있습니다. 열에서 일/월 \
                         순서를 알 수 없습니다. 연도부터 쓰십시오(예: 2023-10-25)"
                    ),
                ),
            },
        };
        self.cell_issue(
            Severity::Error,
            plan,
            row,
            col,
            header,
            Some(raw),
            code,
            en,
            ko,
        );
        None
    }
}
