//! Tests of date parsing and of what dates say about day/month order.

use super::*;
use crate::values::tests::{date, text};

fn date_text(s: &str) -> Result<Option<DateCandidate>, ValueProblem> {
    parse_date(&text(s), DateSystem::Excel1900)
}

fn exact(s: &str) -> NaiveDate {
    match date_text(s) {
        Ok(Some(DateCandidate::Exact(d))) => d,
        other => panic!("{s:?} gave {other:?}"),
    }
}

#[test]
fn excel_serials_1900() {
    let s = |n| excel_serial_to_date(n, DateSystem::Excel1900);
    assert_eq!(s(1.0), Some(date(1900, 1, 1)));
    assert_eq!(s(59.0), Some(date(1900, 2, 28)));
    assert_eq!(s(60.0), None);
    assert_eq!(s(61.0), Some(date(1900, 3, 1)));
    assert_eq!(s(45000.0), Some(date(2023, 3, 15)));
    assert_eq!(s(45224.0), Some(date(2023, 10, 25)));
    assert_eq!(s(45224.75), Some(date(2023, 10, 25)));
    assert_eq!(s(2_958_465.0), Some(date(9999, 12, 31)));
    assert_eq!(s(2_958_466.0), None);
    assert_eq!(s(0.0), None);
    assert_eq!(s(0.5), None);
    assert_eq!(s(-1.0), None);
    assert_eq!(s(f64::NAN), None);
    assert_eq!(s(f64::INFINITY), None);
}

#[test]
fn excel_serials_1904() {
    let s = |n| excel_serial_to_date(n, DateSystem::Excel1904);
    assert_eq!(s(0.0), Some(date(1904, 1, 1)));
    assert_eq!(s(1.0), Some(date(1904, 1, 2)));
    assert_eq!(s(45000.0 - 1462.0), Some(date(2023, 3, 15)));
    assert_eq!(s(2_957_003.0), Some(date(9999, 12, 31)));
    assert_eq!(s(2_957_004.0), None);
    assert_eq!(s(-0.5), None);
}

#[test]
fn date_cells() {
    let dt = date(2023, 10, 25).and_hms_opt(8, 30, 0).expect("time");
    assert_eq!(
        parse_date(&Cell::DateTime(dt), DateSystem::Excel1900),
        Ok(Some(DateCandidate::Exact(date(2023, 10, 25))))
    );
    assert_eq!(parse_date(&Cell::Empty, DateSystem::Excel1900), Ok(None));
    assert_eq!(date_text("  "), Ok(None));
    assert_eq!(date_text("-"), Ok(None));
    assert_eq!(
        parse_date(&Cell::Number(45000.5), DateSystem::Excel1900),
        Ok(Some(DateCandidate::Exact(date(2023, 3, 15))))
    );
    assert_eq!(
        parse_date(&Cell::Number(45000.0), DateSystem::Excel1904),
        Ok(Some(DateCandidate::Exact(date(2027, 3, 16))))
    );
    assert_eq!(
        parse_date(&Cell::Number(20231025.0), DateSystem::Excel1900),
        Ok(Some(DateCandidate::Exact(date(2023, 10, 25))))
    );
    assert_eq!(
        parse_date(&Cell::Number(20231325.0), DateSystem::Excel1900),
        Err(ValueProblem::ImpossibleDate {
            text: "20231325".into()
        })
    );
    assert_eq!(
        parse_date(&Cell::Number(60.0), DateSystem::Excel1900),
        Err(ValueProblem::ImpossibleDate { text: "60".into() })
    );
    for bad in [-1.0, 0.0, 3_000_000.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                parse_date(&Cell::Number(bad), DateSystem::Excel1900),
                Err(ValueProblem::NotADate { .. })
            ),
            "{bad}"
        );
    }
    assert_eq!(
        parse_date(&Cell::Bool(true), DateSystem::Excel1900),
        Err(ValueProblem::NotADate {
            text: "TRUE".into()
        })
    );
    assert_eq!(
        parse_date(&Cell::Error("#REF!".into()), DateSystem::Excel1900),
        Err(ValueProblem::ExcelError {
            code: "#REF!".into()
        })
    );
}

#[test]
fn year_first_text_dates() {
    let expected = date(2023, 10, 25);
    for s in [
        "2023-10-25",
        "2023-10-25T08:30:00",
        "2023-10-25T08:30:00.000Z",
        "2023-10-25 08:30",
        "2023-10-25 8:30 PM",
        "2023.10.25",
        "2023. 10. 25.",
        "2023. 10. 25. 오후 3:15:00",
        "2023/10/25",
        "20231025",
        "2023년 10월 25일",
        "2023년10월25일",
        "2023년 10월 25일 08:30",
        "２０２３－１０－２５",
        " 2023-10-25 ",
    ] {
        assert_eq!(exact(s), expected, "{s:?}");
    }
    assert_eq!(exact("2023-1-5"), date(2023, 1, 5));
}

#[test]
fn month_name_dates() {
    let expected = date(2023, 10, 25);
    for s in [
        "25-Oct-2023",
        "25 October 2023",
        "Oct 25, 2023",
        "2023-Oct-25",
        "25 Sept 2023",
    ] {
        let got = exact(s);
        if s.contains("Sept") {
            assert_eq!(got, date(2023, 9, 25));
        } else {
            assert_eq!(got, expected, "{s:?}");
        }
    }
    assert!(matches!(
        date_text("31-Feb-2023"),
        Err(ValueProblem::ImpossibleDate { .. })
    ));
    assert!(matches!(
        date_text("25 Foo 2023"),
        Err(ValueProblem::NotADate { .. })
    ));
}

#[test]
fn year_last_text_dates() {
    assert_eq!(
        date_text("25/10/2023"),
        Ok(Some(DateCandidate::Settles {
            date: date(2023, 10, 25),
            order: DayOrder::DayFirst
        }))
    );
    assert_eq!(
        date_text("10/25/2023"),
        Ok(Some(DateCandidate::Settles {
            date: date(2023, 10, 25),
            order: DayOrder::MonthFirst
        }))
    );
    assert_eq!(
        date_text("05/10/2023"),
        Ok(Some(DateCandidate::Ambiguous {
            day_first: date(2023, 10, 5),
            month_first: date(2023, 5, 10)
        }))
    );
    assert_eq!(exact("07/07/2023"), date(2023, 7, 7));
    assert_eq!(
        date_text("25.10.2023"),
        Ok(Some(DateCandidate::Settles {
            date: date(2023, 10, 25),
            order: DayOrder::DayFirst
        }))
    );
    assert_eq!(
        date_text("25-10-2023 14:00"),
        Ok(Some(DateCandidate::Settles {
            date: date(2023, 10, 25),
            order: DayOrder::DayFirst
        }))
    );
    assert_eq!(
        date_text("1/2/2023"),
        Ok(Some(DateCandidate::Ambiguous {
            day_first: date(2023, 2, 1),
            month_first: date(2023, 1, 2)
        }))
    );
}

#[test]
fn impossible_dates() {
    for s in [
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "2023/04/31",
        "20230230",
        "2023년 2월 30일",
        "31/02/2023",
        "04/31/2023",
        "32/13/2023",
        "00/00/2023",
    ] {
        assert_eq!(
            date_text(s),
            Err(ValueProblem::ImpossibleDate { text: s.into() }),
            "{s:?}"
        );
    }
    // Leap years.
    assert_eq!(exact("2024-02-29"), date(2024, 2, 29));
    assert!(matches!(
        date_text("29/02/2023"),
        Err(ValueProblem::ImpossibleDate { .. })
    ));
}

#[test]
fn not_dates() {
    for s in [
        "abc",
        "25/10/23",
        "23-10-25",
        "23년 10월 25일",
        "2023 10 25",
        "2023-10",
        "2023-10/25",
        "2023.10.25.25",
        "2023-10-25 25:00",
        "2023-10-25 08:61",
        "2023-10-25T",
        "Date: 2023-10-25",
        "2023-010-25",
        "45000",
        "123456789",
        "2023-10-25-",
        "10/25/2023.",
    ] {
        assert_eq!(
            date_text(s),
            Err(ValueProblem::NotADate { text: s.into() }),
            "{s:?}"
        );
    }
}

#[test]
fn resolve_candidates() {
    let d = date(2023, 10, 25);
    let amb = DateCandidate::Ambiguous {
        day_first: date(2023, 10, 5),
        month_first: date(2023, 5, 10),
    };
    assert_eq!(DateCandidate::Exact(d).resolve(None), Some(d));
    let settles = DateCandidate::Settles {
        date: d,
        order: DayOrder::DayFirst,
    };
    assert_eq!(settles.resolve(Some(DayOrder::MonthFirst)), Some(d));
    assert_eq!(amb.resolve(None), None);
    assert_eq!(
        amb.resolve(Some(DayOrder::DayFirst)),
        Some(date(2023, 10, 5))
    );
    assert_eq!(
        amb.resolve(Some(DayOrder::MonthFirst)),
        Some(date(2023, 5, 10))
    );
}

#[test]
fn column_day_order_from_evidence() {
    let d = date(2023, 10, 25);
    let settles = |order| DateCandidate::Settles { date: d, order };
    let amb = DateCandidate::Ambiguous {
        day_first: date(2023, 10, 5),
        month_first: date(2023, 5, 10),
    };
    let exact = DateCandidate::Exact(d);
    assert_eq!(column_day_order(&[]), None);
    assert_eq!(column_day_order(&[amb, exact]), None);
    assert_eq!(
        column_day_order(&[amb, settles(DayOrder::DayFirst), exact]),
        Some(DayOrder::DayFirst)
    );
    assert_eq!(
        column_day_order(&[settles(DayOrder::MonthFirst), settles(DayOrder::MonthFirst)]),
        Some(DayOrder::MonthFirst)
    );
    assert_eq!(
        column_day_order(&[settles(DayOrder::DayFirst), settles(DayOrder::MonthFirst)]),
        None
    );
    let from_text: Vec<DateCandidate> = ["05/10/2023", "25/10/2023", "2023-01-01"]
        .iter()
        .filter_map(|s| date_text(s).ok().flatten())
        .collect();
    assert_eq!(column_day_order(&from_text), Some(DayOrder::DayFirst));
}
