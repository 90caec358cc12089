//! One transformer's report, in the order an engineer reads it: who it is, the verdict and what
//! to do, the latest samples, where they fall on the Duval plots and how the key gases trend,
//! then each method's reading and the rules that fired, grouped by gas.

use chrono::{Days, NaiveDate};
use substation_dga::consensus::Stance;
use substation_dga::readout::{code, duval_point, method_verdicts, rules_by_gas};
use substation_dga::{Diagnosis, Gas, GasValue};

use crate::canvas::{BLACK, BODY_W, MARGIN, MUTED, Rgb, Style};
use crate::charts::{self, Frame, Trend};
use crate::gather::AssetData;
use crate::layout::{BODY, Cell, Column, Flow, SMALL, line_height};
use crate::words::Lang;

/// How many samples the table lists, latest first.
const SAMPLES_LISTED: usize = 10;

/// A severity's background, as the app colours its chips.
pub fn severity_fill(severity: &str) -> Rgb {
    match severity {
        "normal" => Rgb(0xd9, 0xef, 0xdd),
        "caution" => Rgb(0xfc, 0xef, 0xc0),
        "warning" => Rgb(0xf9, 0xd3, 0xab),
        "critical" => Rgb(0xf2, 0xbd, 0xb8),
        _ => Rgb(0xee, 0xf1, 0xf4),
    }
}

/// Lays out one transformer's report from the top of a new page; `today` tells an overdue
/// sample.
pub fn pages(flow: &mut Flow<'_>, data: &AssetData, lang: Lang, today: NaiveDate) {
    let asset = &data.asset;
    let title = match &asset.name {
        Some(name) => format!("{} · {}", asset.id, name),
        None => asset.id.clone(),
    };
    let subtitle = [Some(lang.t("report.asset_title")), asset.substation.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    flow.title(&title, &subtitle);

    match (&data.diagnosis, &data.answer) {
        (Some(diagnosis), _) => verdict(flow, data, diagnosis, lang, today),
        (None, Some(answer)) => custom_answer(flow, answer, lang),
        (None, None) if data.samples.is_empty() => {
            flow.paragraph(&lang.t("report.no_diagnosis"), BODY, false, MUTED)
        }
        (None, None) => flow.paragraph(&lang.t("report.no_preview"), BODY, false, MUTED),
    }

    flow.space(6.0);
    flow.heading(&lang.t("asset.nameplate"), 30.0);
    nameplate(flow, data, lang);

    flow.space(6.0);
    samples(flow, data, lang);

    if !data.samples.is_empty() {
        flow.space(6.0);
        plots(flow, data, lang);
    }

    if !data.log.is_empty() {
        flow.space(6.0);
        crate::logbook::section(flow, data, lang);
    }

    if let Some(diagnosis) = &data.diagnosis {
        flow.space(6.0);
        methods(flow, diagnosis, lang);
        flow.space(6.0);
        rules(flow, diagnosis, lang);
    }
}

fn verdict(flow: &mut Flow<'_>, data: &AssetData, d: &Diagnosis, lang: Lang, today: NaiveDate) {
    let severity = code(&d.severity);
    let fault = code(&d.fault);
    let action = code(&d.recommended_action.action);
    let days = d.recommended_action.resample_within_days;
    let next = match d
        .latest_sample_date
        .checked_add_days(Days::new(u64::from(days)))
    {
        Some(date) if date < today => format!("{date} — {}", lang.t("report.overdue")),
        Some(date) => date.to_string(),
        None => String::new(),
    };
    flow.heading(&lang.t("report.verdict"), 60.0);
    // The band: severity, fault and the screening results side by side.
    let top = flow.block(40.0);
    let fonts = flow.fonts;
    let status = lang.tf(
        "ieee.status",
        &[("n", &d.ieee_c57_104_2019.status.number().to_string())],
    );
    let page = flow.page();
    page.rect(
        MARGIN,
        top,
        BODY_W,
        34.0,
        Some(severity_fill(&severity)),
        None,
    );
    page.text(
        MARGIN + 8.0,
        top + 15.0,
        13.0,
        true,
        BLACK,
        &lang.code("sev", &severity),
    );
    page.text(
        MARGIN + 8.0,
        top + 28.0,
        BODY,
        false,
        BLACK,
        &lang.code("fault", &fault),
    );
    let right = MARGIN + BODY_W - 8.0;
    let screening = format!(
        "{} {} · {} {} · {} {}",
        lang.t("dx.ieee"),
        status,
        lang.t("dx.iec"),
        lang.code("iec", &code(&d.iec_60599.state)),
        lang.t("dx.tdcg"),
        d.ieee_c57_104_2008
            .tdcg_condition
            .map(|c| c.to_string())
            .unwrap_or_else(|| "—".into()),
    );
    page.text_right(fonts, right, top + 15.0, BODY, MUTED, &screening);

    let mut pairs = vec![
        (
            lang.t("dx.action"),
            format!(
                "{} — {}",
                lang.code("action", &action),
                lang.tf(&format!("actionText.{action}"), &[("n", &days.to_string())])
            ),
        ),
        (lang.t("report.next_sample"), next),
    ];
    if let Some(method) = &d.agreement.decided_by {
        pairs.push((
            lang.t("dx.decided"),
            lang.tf("dx.decidedBy", &[("method", &lang.code("method", method))]),
        ));
    }
    let mut flags = Vec::new();
    if d.recommended_action.expert_review {
        flags.push(lang.t("dx.expert"));
    }
    if d.paper_involved {
        flags.push(lang.t("dx.paper"));
    }
    if !flags.is_empty() {
        pairs.push((String::new(), flags.join(" · ")));
    }
    flow.grid(&pairs, 1);
    if data.preview {
        flow.paragraph(&lang.t("report.preview"), SMALL, false, MUTED);
    }
    if data.newer_samples > 0 {
        let n = data.newer_samples.to_string();
        flow.paragraph(&lang.tf("report.newer", &[("n", &n)]), SMALL, true, BLACK);
    }
    // An oil treatment after the diagnosis's latest sample: the verdict is of other oil.
    if let Some(treated) = data
        .log
        .iter()
        .filter_map(|r| r.entry.oil_processing())
        .filter(|p| p.date > d.latest_sample_date)
        .max_by_key(|p| p.date)
    {
        flow.paragraph(
            &lang.tf(
                "log.stale",
                &[
                    ("date", &treated.date.to_string()),
                    (
                        "treatment",
                        &lang.code("log.treatment", treated.treatment.label()),
                    ),
                ],
            ),
            SMALL,
            true,
            BLACK,
        );
    }
    if let Some(made) = &data.made {
        let place = match &made.origin {
            Some(laptop) => lang.tf("report.elsewhere", &[("laptop", laptop)]),
            None => lang.t("report.here"),
        };
        let engine = match &made.run_engine {
            Some(kind) => format!("{} · {}", lang.code("engine.opt", kind), made.engine),
            None => made.engine.clone(),
        };
        let line = lang.tf(
            "report.made_line",
            &[
                ("when", &made.when),
                ("engine", &engine),
                ("contract", &made.contract.to_string()),
                ("run", &made.run.to_string()),
                ("where", &place),
            ],
        );
        flow.paragraph(&line, SMALL, false, MUTED);
    }
}

fn custom_answer(flow: &mut Flow<'_>, answer: &substation_dga::Answer, lang: Lang) {
    let s = &answer.summary;
    flow.heading(&lang.t("report.verdict"), 60.0);
    let severity = code(&s.severity);
    let top = flow.block(24.0);
    let page = flow.page();
    page.rect(
        MARGIN,
        top,
        BODY_W,
        20.0,
        Some(severity_fill(&severity)),
        None,
    );
    page.text(
        MARGIN + 8.0,
        top + 14.0,
        12.0,
        true,
        BLACK,
        &lang.code("sev", &severity),
    );
    let profile = s
        .profile
        .as_ref()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    flow.paragraph(
        &lang.tf("report.custom", &[("profile", &profile)]),
        SMALL,
        false,
        MUTED,
    );
    let mut pairs = Vec::new();
    if let Some(label) = &s.fault_label {
        pairs.push((lang.t("dx.fault"), label.clone()));
    } else if let Some(fault) = &s.fault {
        pairs.push((lang.t("dx.fault"), lang.code("fault", &code(fault))));
    }
    if let Some(headline) = &s.headline {
        pairs.push((String::new(), headline.clone()));
    }
    if let Some(action) = &s.action {
        pairs.push((lang.t("dx.action"), action.clone()));
    }
    if let Some(days) = s.resample_within_days {
        pairs.push((
            lang.t("report.next_sample"),
            s.latest_sample_date
                .checked_add_days(Days::new(u64::from(days)))
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ));
    }
    flow.grid(&pairs, 1);
}

fn nameplate(flow: &mut Flow<'_>, data: &AssetData, lang: Lang) {
    let a = &data.asset;
    let number = |v: Option<f64>, unit: &str| {
        v.map(|v| format!("{} {unit}", charts::ppm(v)))
            .unwrap_or_else(|| "—".into())
    };
    let pairs = vec![
        (
            lang.t("np.substation"),
            a.substation.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            lang.t("np.manufacturer"),
            a.manufacturer.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            lang.t("np.year"),
            a.year_of_manufacture
                .map(|y| y.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        (lang.t("np.kv"), number(a.rated_kv, "kV")),
        (lang.t("np.mva"), number(a.rated_mva, "MVA")),
        (lang.t("np.oil"), number(a.oil_volume_litres, "L")),
        (
            lang.t("np.preservation"),
            a.oil_preservation
                .as_ref()
                .map(|p| lang.code("pres", &code(p)))
                .unwrap_or_else(|| "—".into()),
        ),
        (
            lang.t("np.oltc"),
            match a.communicating_oltc {
                Some(true) => lang.t("common.yes"),
                Some(false) => lang.t("common.no"),
                None => "—".into(),
            },
        ),
    ];
    flow.grid(&pairs, 2);
}

fn samples(flow: &mut Flow<'_>, data: &AssetData, lang: Lang) {
    flow.heading(&lang.t("report.samples"), 40.0);
    let mut columns = vec![Column {
        share: 1.5,
        right: false,
    }];
    let mut header = vec![Cell::from(lang.t("gas.date"))];
    for gas in Gas::ALL {
        columns.push(Column {
            share: 1.0,
            right: true,
        });
        header.push(Cell::from(gas.formula()));
    }
    let rows: Vec<Vec<Cell>> = data
        .samples
        .iter()
        .rev()
        .take(SAMPLES_LISTED)
        .enumerate()
        .map(|(i, s)| {
            let mut row = vec![Cell {
                text: s.sample.date.to_string(),
                bold: i == 0,
                ..Cell::default()
            }];
            row.extend(Gas::ALL.iter().map(|g| Cell {
                text: charts::gas_value(s.sample.gases.get(*g)),
                bold: i == 0,
                ..Cell::default()
            }));
            row
        })
        .collect();
    flow.table(&columns, &header, &rows, BODY);
    let older = data.samples.len().saturating_sub(SAMPLES_LISTED);
    let mut note = lang.t("gas.legend");
    if older > 0 {
        note = format!(
            "{} {note}",
            lang.tf("report.older", &[("n", &older.to_string())])
        );
    }
    flow.space(2.0);
    flow.paragraph(&note, SMALL, false, MUTED);
}

fn plots(flow: &mut Flow<'_>, data: &AssetData, lang: Lang) {
    let points: Vec<_> = data
        .samples
        .iter()
        .map(|s| duval_point(&s.sample.gases))
        .collect();
    let triangle: Vec<[f64; 3]> = points.iter().filter_map(|p| p.triangle_1).collect();
    let pentagon: Vec<[f64; 2]> = points.iter().filter_map(|p| p.pentagon_1).collect();
    let latest = points.last();
    flow.heading(
        &format!("{} · {}", lang.t("duval.t1"), lang.t("duval.p1")),
        190.0,
    );
    let top = flow.block(186.0);
    let fonts = flow.fonts;
    let half = BODY_W / 2.0;
    // Where screening suspects no fault the zones are for reference only (the engine does not
    // type a fault from them), and the caption says so.
    let reference = |applies: Option<bool>| match applies {
        Some(false) => format!(" ({})", lang.t("report.reference_only")),
        _ => String::new(),
    };
    let zone_line = |zone: Option<String>, applies: Option<bool>| match zone {
        Some(zone) => format!(
            "{}: {zone}{}",
            lang.t("report.latest_point"),
            reference(applies)
        ),
        None => lang.t("duval.noPoint"),
    };
    let t_zone = latest.and_then(|p| p.triangle_1_zone.as_ref().map(code));
    let p_zone = latest.and_then(|p| p.pentagon_1_zone.as_ref().map(code));
    let t_applies = data
        .diagnosis
        .as_ref()
        .map(|d| d.duval_triangle_1.applicability.applicable);
    let p_applies = data
        .diagnosis
        .as_ref()
        .map(|d| d.duval_pentagon_1.applicability.applicable);
    let t_latest = latest.is_some_and(|p| p.triangle_1.is_some());
    let p_latest = latest.is_some_and(|p| p.pentagon_1.is_some());
    let page = flow.page();
    charts::triangle_1(
        page,
        fonts,
        Frame {
            x: MARGIN + 10.0,
            y: top + 4.0,
            w: half - 20.0,
            h: 160.0,
        },
        &triangle,
        t_latest,
    );
    charts::pentagon_1(
        page,
        fonts,
        Frame {
            x: MARGIN + half + 10.0,
            y: top,
            w: half - 20.0,
            h: 168.0,
        },
        &pentagon,
        p_latest,
    );
    page.text_centred(
        fonts,
        (MARGIN + half / 2.0, top + 180.0),
        Style::new(SMALL, false, BLACK),
        &zone_line(t_zone, t_applies),
    );
    page.text_centred(
        fonts,
        (MARGIN + half * 1.5, top + 180.0),
        Style::new(SMALL, false, BLACK),
        &zone_line(p_zone, p_applies),
    );
    flow.paragraph(&lang.t("report.path_note"), SMALL, false, MUTED);

    // Trends: four across, two rows.
    flow.space(6.0);
    flow.heading(&lang.t("trend.title"), 2.0 * 92.0 + 12.0);
    let limits = data.diagnosis.as_ref().map(|d| &d.ieee_c57_104_2019.gases);
    let across = 4;
    let gap = 6.0;
    let w = (BODY_W - gap * (across as f32 - 1.0)) / across as f32;
    let h = 88.0;
    let range = match (data.samples.first(), data.samples.last()) {
        (Some(first), Some(last)) => (first.sample.date, last.sample.date),
        _ => return,
    };
    for row in Gas::FAULT_GASES.chunks(across) {
        let top = flow.block(h + gap);
        let fonts = flow.fonts;
        let page = flow.page();
        for (i, gas) in row.iter().enumerate() {
            let limit = limits.and_then(|l| l.iter().find(|g| g.gas == *gas));
            let trend = Trend {
                gas: gas.formula(),
                points: data
                    .samples
                    .iter()
                    .filter_map(|s| match s.sample.gases.get(*gas) {
                        GasValue::Measured(v) => Some((s.sample.date, v)),
                        _ => None,
                    })
                    .collect::<Vec<(NaiveDate, f64)>>(),
                below: data
                    .samples
                    .iter()
                    .filter(|s| matches!(s.sample.gases.get(*gas), GasValue::BelowDetection { .. }))
                    .map(|s| s.sample.date)
                    .collect(),
                range,
                table1: limit.map(|l| l.table1_ppm),
                table2: limit.map(|l| l.table2_ppm),
                marks: data
                    .log
                    .iter()
                    .filter_map(|r| r.entry.oil_processing().map(|p| p.date))
                    .collect(),
            };
            let frame = Frame {
                x: MARGIN + (w + gap) * i as f32,
                y: top,
                w,
                h,
            };
            charts::trend(page, fonts, frame, &trend, &lang.t("trend.noData"));
        }
    }
    let y = flow.block(line_height(SMALL) + 2.0) + SMALL;
    let fonts = flow.fonts;
    let (t1, t2) = (lang.t("trend.table1"), lang.t("trend.table2"));
    let note = lang.t("trend.limitsFrom");
    let page = flow.page();
    charts::trend_legend(page, fonts, MARGIN, y, &t1, &t2);
    page.text_right(fonts, MARGIN + BODY_W, y, SMALL, MUTED, &note);
}

fn methods(flow: &mut Flow<'_>, d: &Diagnosis, lang: Lang) {
    flow.heading(&lang.t("dx.methods"), 40.0);
    let stance = |method: &str| -> (String, Option<Rgb>) {
        if d.agreement.decided_by.as_deref() == Some(method) {
            return (lang.t("dx.decided"), Some(Rgb(0xd9, 0xe8, 0xf6)));
        }
        match d.agreement.votes.iter().find(|v| v.method == method) {
            Some(v) => match v.stance {
                Stance::Agrees => (lang.t("dx.agreeing"), None),
                Stance::PartlyAgrees => (lang.t("dx.partly"), None),
                Stance::Disagrees => (
                    match &v.overruled_because {
                        Some(why) => format!("{} — {why}", lang.t("dx.disagreeing")),
                        None => lang.t("dx.disagreeing"),
                    },
                    None,
                ),
            },
            None => (String::new(), None),
        }
    };
    let rows: Vec<Vec<Cell>> = method_verdicts(d)
        .into_iter()
        .map(|(method, result)| {
            let (stance, fill) = stance(method);
            vec![
                Cell::from(lang.code("method", method)),
                Cell::from(result_text(&result, lang)),
                Cell {
                    text: stance,
                    fill,
                    ..Cell::default()
                },
            ]
        })
        .collect();
    let columns = [
        Column {
            share: 1.4,
            right: false,
        },
        Column {
            share: 1.4,
            right: false,
        },
        Column {
            share: 3.2,
            right: false,
        },
    ];
    let header = [
        Cell::from(lang.t("dx.method")),
        Cell::from(lang.t("dx.result")),
        Cell::from(lang.t("report.agreement")),
    ];
    flow.table(&columns, &header, &rows, BODY);
}

/// A method's result as the app prints it: `status 3` → 상태 3, codes through `verdict.*`.
fn result_text(result: &str, lang: Lang) -> String {
    if let Some(n) = result.strip_prefix("status ") {
        return lang.tf("dx.verdict.status", &[("n", n)]);
    }
    if let Some(n) = result.strip_prefix("condition ") {
        return lang.tf("dx.verdict.condition", &[("n", n)]);
    }
    lang.code("verdict", result)
}

fn rules(flow: &mut Flow<'_>, d: &Diagnosis, lang: Lang) {
    flow.heading(&lang.t("dx.rulesByGas"), 40.0);
    let groups = rules_by_gas(&d.rules);
    let rows: Vec<Vec<Cell>> = groups
        .iter()
        .flat_map(|group| {
            let gas = group
                .gas
                .map(|g| g.formula().to_owned())
                .unwrap_or_else(|| lang.t("dx.wholeSample"));
            // A gas is one line, its worst finding; the whole-sample findings each their own.
            let shown: Vec<_> = match group.gas {
                Some(_) => vec![group.worst],
                None => group.findings.clone(),
            };
            let more = group.findings.len() - shown.len().min(group.findings.len());
            shown
                .into_iter()
                .enumerate()
                .map(move |(i, finding)| {
                    let mut label = lang.code("rule", &finding.code);
                    if more > 0 {
                        let more = lang.tf("dx.moreRules", &[("n", &more.to_string())]);
                        label = format!("{label} ({more})");
                    }
                    vec![
                        Cell {
                            text: if i == 0 { gas.clone() } else { String::new() },
                            bold: true,
                            ..Cell::default()
                        },
                        Cell::from(label),
                        Cell {
                            text: finding.message.clone(),
                            color: Some(MUTED),
                            ..Cell::default()
                        },
                    ]
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let columns = [
        Column {
            share: 0.8,
            right: false,
        },
        Column {
            share: 2.4,
            right: false,
        },
        Column {
            share: 3.6,
            right: false,
        },
    ];
    let header = [
        Cell::from(lang.t("report.gas")),
        Cell::from(lang.t("report.worst_rule")),
        Cell::from(lang.t("dx.ruleDetail")),
    ];
    flow.table(&columns, &header, &rows, SMALL);
}
