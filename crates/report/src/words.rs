//! The words of the reports in English and Korean. Keys shared with the desktop app carry the
//! app's own text (a test holds them equal to `ui/src/lib/messages.*.ts`); `report.*` keys are
//! the reports' own.

/// (key, English, Korean).
pub const WORDS: &[(&str, &str, &str)] = &[
    ("col.asset", "Asset ID", "설비번호"),
    ("col.name", "Name", "명칭"),
    ("col.substation", "Substation", "변전소"),
    ("col.latest", "Latest sample", "최근 시료"),
    ("col.ieee", "IEEE", "IEEE"),
    ("col.iec", "IEC", "IEC"),
    ("col.fault", "Fault", "고장 유형"),
    ("col.severity", "Severity", "심각도"),
    ("chip.status", "Status {n}", "상태 {n}"),
    ("chip.undiagnosed", "Not diagnosed", "미진단"),
    ("asset.nameplate", "Nameplate", "명판 정보"),
    ("np.substation", "Substation", "변전소"),
    ("np.manufacturer", "Manufacturer", "제작사"),
    ("np.year", "Year built", "제작년도"),
    ("np.kv", "Rated voltage", "정격전압"),
    ("np.mva", "Rated power", "정격용량"),
    ("np.oil", "Oil volume", "절연유량"),
    ("np.preservation", "Oil preservation", "절연유 보존 방식"),
    ("np.oltc", "Communicating OLTC", "OLTC 연통"),
    ("pres.sealed", "Sealed", "밀봉식"),
    (
        "pres.conservator",
        "Conservator (free-breathing)",
        "콘서베이터식 (개방형)",
    ),
    ("pres.nitrogen_blanket", "Nitrogen blanket", "질소 봉입식"),
    ("common.yes", "Yes", "예"),
    ("common.no", "No", "아니오"),
    ("log.title", "Logbook", "설비 일지"),
    ("log.kind", "Entry", "구분"),
    ("log.date", "Date", "날짜"),
    ("log.author", "Author", "작성자"),
    ("log.text", "Text", "내용"),
    ("log.kind.sample", "Sample", "시료"),
    ("log.kind.oil_processed", "Oil processed", "절연유 처리"),
    ("log.kind.inspection", "Inspection", "점검"),
    ("log.kind.repair", "Repair", "수리"),
    (
        "log.kind.resample_requested",
        "Resample requested",
        "재채취 요청",
    ),
    ("log.kind.note", "Note", "메모"),
    ("log.source.lab", "Laboratory", "분석 기관"),
    ("log.source.portable", "Portable analyser", "휴대용 분석기"),
    ("log.treatment.degassed", "Degassed", "탈기"),
    (
        "log.treatment.filtered",
        "Filtered under vacuum",
        "진공 여과",
    ),
    ("log.treatment.replaced", "Oil replaced", "절연유 교체"),
    (
        "trend.restart",
        "Oil processed: the history restarts",
        "절연유 처리: 이력 재시작",
    ),
    ("gas.title", "Gas history (ppm)", "가스 이력 (ppm)"),
    ("gas.date", "Sample date", "채취일"),
    (
        "gas.legend",
        "<n: below the detection limit of n ppm · ND: not detected · —: not measured",
        "<n: 검출한계(n ppm) 미만 · ND: 불검출 · —: 미측정",
    ),
    ("trend.title", "Trends", "추이"),
    (
        "trend.table1",
        "Table 1 (90th percentile)",
        "표 1 (90 백분위)",
    ),
    (
        "trend.table2",
        "Table 2 (95th percentile)",
        "표 2 (95 백분위)",
    ),
    ("trend.noData", "Not measured", "측정값 없음"),
    (
        "trend.limitsFrom",
        "Limits: IEEE C57.104-2019, from the latest diagnosis",
        "기준값: IEEE C57.104-2019, 최근 진단 기준",
    ),
    ("duval.t1", "Duval Triangle 1", "듀발 삼각형 1"),
    ("duval.p1", "Duval Pentagon 1", "듀발 오각형 1"),
    (
        "duval.noPoint",
        "Not enough gas to place a sample.",
        "가스 농도가 낮아 표시할 수 없습니다.",
    ),
    (
        "rule.consensus.refined_low_energy",
        "Low-energy fault refined by the other Duval triangles",
        "다른 듀발 삼각형으로 세분한 저에너지 고장",
    ),
    (
        "rule.consensus.carbon_oxides_only",
        "Only carbon oxides are high: paper ageing or overheating",
        "탄소 산화물만 높음: 절연지 열화 또는 과열",
    ),
    (
        "rule.consensus.fault_from_triangle_1",
        "Fault type from Duval Triangle 1",
        "듀발 삼각형 1로 판정한 고장 유형",
    ),
    (
        "rule.consensus.standard_dependent",
        "IEEE and IEC draw Triangle 1 differently here",
        "이 위치에서는 IEEE와 IEC의 삼각형 1 경계가 다름",
    ),
    (
        "rule.consensus.fault_from_triangle_4",
        "Fault type refined by Duval Triangle 4",
        "듀발 삼각형 4로 세분한 고장 유형",
    ),
    (
        "rule.consensus.fault_from_iec_ratios",
        "Fault type from the IEC 60599 ratios",
        "IEC 60599 가스비로 판정한 고장 유형",
    ),
    (
        "rule.consensus.fault_undetermined",
        "No method identifies the fault type",
        "고장 유형을 판정할 수 있는 방법이 없음",
    ),
    (
        "rule.consensus.screening",
        "Screening by IEEE 2019, IEC 60599 and IEEE 2008",
        "IEEE 2019, IEC 60599, IEEE 2008 선별 결과",
    ),
    (
        "rule.consensus.oltc_contamination",
        "Oil from the tap changer (OLTC) is likely",
        "탭 절환기(OLTC) 절연유 혼입 가능성",
    ),
    (
        "rule.consensus.oltc_unknown",
        "Could be OLTC oil, but the nameplate does not say",
        "OLTC 절연유일 수 있으나 명판 정보 없음",
    ),
    (
        "rule.consensus.critical",
        "Why this is critical",
        "위험 판정 사유",
    ),
    (
        "rule.consensus.history_restarted",
        "History restarts at the oil processing",
        "절연유 처리 시점부터 이력을 다시 시작",
    ),
    (
        "rule.consensus.paper_involved",
        "Paper insulation is probably involved",
        "절연지가 관련되었을 가능성이 높음",
    ),
    (
        "rule.consensus.not_stray_gassing",
        "Not stray gassing: the levels or CO rule it out",
        "표류 가스(stray gassing) 아님: 농도 또는 CO로 배제",
    ),
    (
        "rule.consensus.thermal_fault_in_paper",
        "CO high and Duval Triangle 1 thermal: a fault in paper",
        "CO 높음, 듀발 삼각형 1 열적 영역: 절연지 관련 열적 고장",
    ),
    (
        "rule.consensus.triangle_4_carbonisation",
        "Duval Triangle 4: possible carbonisation of paper",
        "듀발 삼각형 4: 절연지 탄화 가능성",
    ),
    (
        "rule.consensus.not_critical",
        "Why this is not critical",
        "위험으로 판정하지 않은 사유",
    ),
    (
        "rule.doernenburg.fault_indicated",
        "Doernenburg: a fault is indicated",
        "되르넨부르크: 고장 징후",
    ),
    (
        "rule.iec60599.above_typical",
        "Above the IEC typical concentration",
        "IEC 일반 농도 초과",
    ),
    (
        "rule.iec60599.rate_above_typical",
        "Rising faster than the IEC typical rate",
        "IEC 일반 증가율 초과",
    ),
    (
        "rule.iec60599.alarm",
        "IEC 60599 alarm: above typical level and rate",
        "IEC 60599 경보: 일반 농도와 증가율 모두 초과",
    ),
    (
        "rule.iec60599.alarm_d2",
        "IEC 60599 alarm: high-energy discharge (D2)",
        "IEC 60599 경보: 고에너지 방전(D2)",
    ),
    (
        "rule.iec60599.oltc_contamination",
        "C2H2/H2 suggests tap-changer contamination",
        "C2H2/H2 비로 본 탭 절환기 오염 가능성",
    ),
    (
        "rule.iec60599.paper_involvement",
        "CO2/CO: the fault probably involves paper",
        "CO2/CO 비: 절연지 관련 고장 가능성",
    ),
    (
        "rule.iec60599.paper_overheating",
        "CO2/CO: mild paper overheating or oil oxidation",
        "CO2/CO 비: 절연지 경미 과열 또는 절연유 산화",
    ),
    (
        "rule.iec60599.oxygen_consumption",
        "O2/N2: excessive oxygen consumption",
        "O2/N2 비: 과도한 산소 소비",
    ),
    (
        "rule.ieee2008.gas_condition",
        "IEEE 2008 condition of one gas",
        "IEEE 2008 개별 가스 조건",
    ),
    (
        "rule.ieee2008.tdcg_condition",
        "IEEE 2008 TDCG condition",
        "IEEE 2008 총가연성가스(TDCG) 조건",
    ),
    (
        "rule.ieee2019.oxygen_band",
        "IEEE 2019 table chosen by O2/N2",
        "O2/N2 비로 선택한 IEEE 2019 표",
    ),
    (
        "rule.ieee2019.level_above_table2",
        "Above the IEEE 2019 Table 2 limit (95th percentile)",
        "IEEE 2019 표 2 한계(95번째 백분위수) 초과",
    ),
    (
        "rule.ieee2019.level_above_table1",
        "At or above the IEEE 2019 Table 1 limit (90th percentile)",
        "IEEE 2019 표 1 한계(90번째 백분위수) 이상",
    ),
    (
        "rule.ieee2019.extreme_level",
        "Twice the Table 2 limit: expert review",
        "표 2 한계의 2배 이상: 전문가 검토 필요",
    ),
    (
        "rule.ieee2019.delta_above_table3",
        "Rise since the previous sample above Table 3",
        "직전 시료 대비 증가량이 표 3 초과",
    ),
    (
        "rule.ieee2019.rate_above_table4",
        "Rate of increase above Table 4",
        "증가율이 표 4 초과",
    ),
    (
        "rule.ieee2019.confirm_delta",
        "Take a confirmation sample within a month",
        "1개월 내 확인 시료 채취",
    ),
    ("dx.verdict.status", "status {n}", "상태 {n}"),
    ("dx.verdict.condition", "condition {n}", "조건 {n}"),
    (
        "dx.ruleDetail",
        "Details (English, with the numbers)",
        "세부 내용 (영문, 수치 포함)",
    ),
    ("verdict.not_applicable", "not applicable", "해당 없음"),
    ("verdict.not_determined", "not determined", "판정 불가"),
    ("verdict.normal", "normal", "정상"),
    (
        "verdict.partial_discharge",
        "partial discharge",
        "부분 방전",
    ),
    ("verdict.arcing", "arcing", "아크 방전"),
    (
        "verdict.low_temperature_thermal",
        "low-temperature thermal",
        "저온 과열",
    ),
    (
        "verdict.thermal_below700_c",
        "thermal below 700 °C",
        "700 °C 미만 과열",
    ),
    (
        "verdict.thermal_above700_c",
        "thermal above 700 °C",
        "700 °C 이상 과열",
    ),
    ("verdict.overheated_oil", "overheated oil", "절연유 과열"),
    (
        "verdict.overheated_cellulose",
        "overheated paper (cellulose)",
        "절연지(셀룰로오스) 과열",
    ),
    (
        "verdict.thermal_decomposition",
        "thermal decomposition",
        "열분해",
    ),
    ("dx.fault", "Fault", "고장 유형"),
    ("dx.severity", "Severity", "심각도"),
    ("dx.ieee", "IEEE C57.104-2019", "IEEE C57.104-2019"),
    ("dx.iec", "IEC 60599", "IEC 60599"),
    ("dx.tdcg", "TDCG condition (2008)", "TDCG 조건 (2008)"),
    ("dx.action", "Recommended action", "권고 조치"),
    (
        "dx.resample",
        "Resample within {n} days",
        "{n}일 이내 재채취",
    ),
    ("dx.expert", "Expert review", "전문가 검토"),
    ("dx.rules", "Rules that fired", "적용된 판정 규칙"),
    (
        "dx.rulesByGas",
        "Rules that fired, by gas",
        "가스별 판정 규칙",
    ),
    ("dx.wholeSample", "Whole sample", "시료 전체"),
    ("dx.moreRules", "+{n} more", "외 {n}건"),
    ("dx.methods", "Each method's verdict", "진단 기법별 판정"),
    ("dx.agreeing", "Agree", "일치"),
    ("dx.disagreeing", "Disagree", "불일치"),
    ("dx.partly", "Partly", "부분 일치"),
    ("dx.decided", "Decides", "판정 근거"),
    (
        "dx.decidedBy",
        "Fault type from {method}",
        "고장 유형 판정: {method}",
    ),
    ("dx.paper", "Paper insulation involved", "절연지 열화 관련"),
    ("dx.history", "Diagnosis history", "진단 이력"),
    ("dx.when", "Diagnosed", "진단 일시"),
    ("dx.run", "Run", "실행"),
    ("dx.method", "Method", "기법"),
    ("dx.result", "Result", "판정"),
    ("sev.normal", "Normal", "정상"),
    ("sev.caution", "Caution", "주의"),
    ("sev.warning", "Warning", "경고"),
    ("sev.critical", "Critical", "위험"),
    ("fault.none", "No fault", "이상 없음"),
    ("fault.PD", "Partial discharges", "부분방전"),
    (
        "fault.D1",
        "Low-energy discharges (sparking)",
        "저에너지 방전 (스파크)",
    ),
    (
        "fault.D2",
        "High-energy discharges (arcing)",
        "고에너지 방전 (아크)",
    ),
    (
        "fault.T1",
        "Thermal fault below 300 °C",
        "저온 과열 (300 °C 미만)",
    ),
    (
        "fault.T2",
        "Thermal fault 300–700 °C",
        "중온 과열 (300–700 °C)",
    ),
    (
        "fault.T3",
        "Thermal fault above 700 °C",
        "고온 과열 (700 °C 초과)",
    ),
    (
        "fault.DT",
        "Mixed thermal and electrical faults",
        "열·전기 복합 고장",
    ),
    (
        "fault.S",
        "Stray gassing of the oil",
        "절연유 자체 가스 발생 (Stray gassing)",
    ),
    (
        "fault.undetermined",
        "Fault type undetermined",
        "고장 유형 미확정",
    ),
    ("iec.normal", "Normal", "정상"),
    ("iec.alert", "Alert", "주의"),
    ("iec.alarm", "Alarm", "경보"),
    ("ieee.status", "Status {n}", "상태 {n}"),
    (
        "action.routine_monitoring",
        "Routine monitoring",
        "정기 감시",
    ),
    ("action.resample", "Resample sooner", "조기 재채취"),
    ("action.expert_review", "Expert review", "전문가 검토"),
    (
        "action.consider_removal_from_service",
        "Consider removal from service",
        "운전 정지 검토",
    ),
    (
        "actionText.routine_monitoring",
        "Continue routine sampling; next sample within {n} days.",
        "정기 시료 채취를 유지하십시오. 다음 시료는 {n}일 이내에 채취합니다.",
    ),
    (
        "actionText.resample",
        "Resample within {n} days and watch the trend.",
        "{n}일 이내에 재채취하여 추이를 확인하십시오.",
    ),
    (
        "actionText.expert_review",
        "Have a DGA specialist review the unit; resample within {n} days.",
        "유중가스분석 전문가의 검토를 받고 {n}일 이내에 재채취하십시오.",
    ),
    (
        "actionText.consider_removal_from_service",
        "Expert review now; consider removing the unit from service. Resample within {n} days.",
        "즉시 전문가 검토를 받고 운전 정지를 검토하십시오. {n}일 이내에 재채취하십시오.",
    ),
    (
        "method.ieee_c57_104_2019",
        "IEEE C57.104-2019",
        "IEEE C57.104-2019",
    ),
    (
        "method.ieee_c57_104_2008",
        "IEEE C57.104-2008",
        "IEEE C57.104-2008",
    ),
    ("method.iec_60599", "IEC 60599 ratios", "IEC 60599 비율법"),
    (
        "method.duval_triangle_1",
        "Duval Triangle 1",
        "듀발 삼각형 1",
    ),
    (
        "method.duval_triangle_4",
        "Duval Triangle 4",
        "듀발 삼각형 4",
    ),
    (
        "method.duval_triangle_5",
        "Duval Triangle 5",
        "듀발 삼각형 5",
    ),
    (
        "method.duval_pentagon_1",
        "Duval Pentagon 1",
        "듀발 오각형 1",
    ),
    (
        "method.duval_pentagon_2",
        "Duval Pentagon 2",
        "듀발 오각형 2",
    ),
    ("method.rogers", "Rogers ratios", "로저스 비율법"),
    (
        "method.doernenburg",
        "Doernenburg ratios",
        "되르넨부르크 비율법",
    ),
    ("method.key_gas", "Key gas", "주요 가스법"),
    ("report.asset_title", "DGA report", "유중가스분석 보고서"),
    (
        "report.fleet_title",
        "Fleet DGA report",
        "설비 유중가스분석 종합 보고서",
    ),
    (
        "report.generated",
        "Generated {time} · Substation Bulk {version}",
        "{time} 작성 · Substation Bulk {version}",
    ),
    (
        "report.page_of",
        "Page {page} of {pages}",
        "{pages}쪽 중 {page}쪽",
    ),
    ("report.verdict", "Verdict", "종합 판정"),
    (
        "report.next_sample",
        "Next sample by",
        "다음 시료 채취 기한",
    ),
    ("report.made", "How this diagnosis was made", "진단 정보"),
    (
        "report.made_line",
        "Diagnosed {when} · engine {engine} (contract v{contract}) · run #{run} · {where}",
        "진단 {when} · 엔진 {engine} (계약 v{contract}) · 실행 #{run} · {where}",
    ),
    ("report.here", "this laptop", "이 노트북"),
    ("report.elsewhere", "laptop {laptop}", "노트북 {laptop}"),
    (
        "report.preview",
        "Not diagnosed yet: computed now by the embedded engine for this report, not stored.",
        "아직 진단하지 않았습니다. 이 보고서를 위해 내장 엔진으로 지금 계산한 결과이며 저장되지 않았습니다.",
    ),
    (
        "report.no_diagnosis",
        "No diagnosis: no samples are cached for this transformer.",
        "진단 결과 없음: 이 변압기의 시료가 없습니다.",
    ),
    (
        "report.custom",
        "Diagnosed by a team's own function (profile {profile}). Its answer as read:",
        "팀 자체 진단 함수(프로파일 {profile})로 진단했습니다. 읽어 들인 응답:",
    ),
    ("report.samples", "Samples, latest first", "시료 (최근 순)"),
    (
        "report.log_restart",
        "the gas history restarts on this day",
        "이 날부터 가스 이력을 다시 시작",
    ),
    (
        "report.log_older",
        "{n} older entries are not shown.",
        "이전 항목 {n}건은 생략했습니다.",
    ),
    (
        "report.older",
        "{n} older samples are not shown.",
        "이전 시료 {n}건은 생략했습니다.",
    ),
    ("report.worst_rule", "Worst finding", "주요 판정 규칙"),
    (
        "report.by_severity",
        "Transformers by severity",
        "심각도별 변압기 현황",
    ),
    ("report.worst_first", "Worst first", "심각도 순"),
    ("report.count", "Transformers", "대수"),
    ("report.total", "Total", "합계"),
    ("report.selection", "Selection: {what}", "대상: {what}"),
    ("report.all", "every transformer", "전체 변압기"),
    ("report.status_n", "IEEE status {n}", "IEEE 상태 {n}"),
    (
        "report.details_follow",
        "A detailed report follows for each of the {n} transformers at caution or worse.",
        "주의 이상 변압기 {n}대의 상세 보고서가 이어집니다.",
    ),
    (
        "report.no_details",
        "No transformer is at caution or worse.",
        "주의 이상인 변압기가 없습니다.",
    ),
    ("report.latest_point", "Latest sample", "최근 시료"),
    (
        "report.path_note",
        "The line joins the samples in date order; the filled red mark is the latest.",
        "선은 시료를 날짜순으로 잇고, 속이 찬 빨간 표시가 최근 시료입니다.",
    ),
    ("report.agreement", "Stance", "일치 여부"),
    (
        "engine.opt.embedded",
        "Embedded (offline)",
        "내장 엔진 (오프라인)",
    ),
    ("engine.opt.lambda", "AWS Lambda", "AWS Lambda"),
    ("report.overdue", "overdue", "기한 지남"),
    ("report.import_n", "import #{n}", "가져오기 #{n}"),
    (
        "log.stale",
        "Oil processed on {date} ({treatment}), after this diagnosis's latest sample: the verdict describes the oil before the treatment. Take a sample to diagnose the oil as it is now.",
        "{date}에 절연유 처리({treatment})를 했습니다. 이 진단은 처리 이전 시료로 내린 것이므로 지금의 절연유 상태가 아닙니다. 처리 후 시료를 채취하여 다시 진단하십시오.",
    ),
    (
        "report.newer",
        "{n} samples in the cache are newer than this diagnosis: diagnose again to include them.",
        "이 진단 이후에 들어온 시료가 {n}건 있습니다. 진단을 다시 실행하면 반영됩니다.",
    ),
    (
        "report.no_preview",
        "The embedded engine could not diagnose these samples.",
        "내장 엔진으로 이 시료를 진단할 수 없습니다.",
    ),
    (
        "report.reference_only",
        "for reference: screening suspects no fault",
        "참고용: 선별 결과 고장 의심 없음",
    ),
    ("report.gas", "Gas", "가스"),
];

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    /// `ko` (or `ko-KR`, any case) is Korean; anything else English.
    pub fn parse(text: &str) -> Lang {
        if text.to_ascii_lowercase().starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The text of `key`; the key itself when there is none (a code the table does not know
    /// yet still prints as something recognisable).
    pub fn t(self, key: &str) -> String {
        match WORDS.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, ko)) => match self {
                Lang::En => (*en).to_owned(),
                Lang::Ko => (*ko).to_owned(),
            },
            None => key.to_owned(),
        }
    }

    /// The text of `prefix.code` when there is one, else `code` as it is.
    pub fn code(self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        match WORDS.iter().any(|(k, _, _)| *k == key) {
            true => self.t(&key),
            false => code.to_owned(),
        }
    }

    /// The text of `key` with `{name}` placeholders filled.
    pub fn tf(self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}
