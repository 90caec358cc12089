//! The TypeScript types of every value that crosses IPC, generated from the Rust definitions.
//! `ui/src/lib/bindings.ts` is this text, committed; a test fails when they drift
//! (`UPDATE_BINDINGS=1 cargo test -p substation-app bindings` rewrites it).

use ts_rs::{Config, TS};

use crate::error::{ErrorCode, ErrorView};
use crate::settings::{EngineChoice, Language, Settings};
use crate::views::*;

macro_rules! declarations {
    ($cfg:expr, $($t:ty),* $(,)?) => {
        vec![$(format!("export {}", <$t as TS>::decl($cfg))),*]
    };
}

/// The whole bindings file.
pub fn typescript() -> String {
    // Every integer that crosses IPC (ids, counts) stays far below 2^53.
    let cfg = Config::new().with_large_int("number");
    let cfg = &cfg;
    let mut out = String::from(
        "// Generated from crates/app by `UPDATE_BINDINGS=1 cargo test -p substation-app bindings`.\n\
         // Do not edit by hand.\n\n",
    );
    let items = declarations!(
        cfg,
        ErrorCode,
        ErrorView,
        EngineChoice,
        Language,
        Settings,
        AppInfo,
        OpenProgress,
        IssueView,
        SheetView,
        MappedColumnView,
        BlankColumnView,
        OpenedWorkbook,
        FieldChoice,
        HeaderChoice,
        FleetFilter,
        FleetRowView,
        FleetPage,
        NameplateView,
        GasCell,
        SampleView,
        DuvalPoint,
        GasLimitView,
        FindingView,
        DiagnosisView,
        HistoryEntry,
        AssetView,
        LogEntryView,
        OilProcessedView,
        NewLogEntry,
        CustomAnswerView,
        crate::profiles::SummaryView,
        crate::profiles::ProfileView,
        crate::profiles::ProfileTestView,
        RuleGroupView,
        DuvalZones,
        BatchView,
        RunView,
        CacheHistory,
        RunRequest,
        RunCounts,
        AssetOutcome,
        RunEvent,
        StopReason,
        RunSummary,
        ExportFormat,
        ExportResult,
        ReportResult,
        SyncStatusView,
        RejectedItemView,
        SyncEvent,
        SyncSummary,
    );
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| format!("  \"{}\",", c.as_str()))
        .collect();
    out.push_str(&format!(
        "/** Every code, for the UI's tests. */\nexport const ERROR_CODES: readonly ErrorCode[] = [\n{}\n];\n\n",
        codes.join("\n")
    ));
    for item in items {
        out.push_str(&item);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
