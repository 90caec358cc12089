//! Where diagnosis runs execute: a runtime whose threads run below the window's priority.
//!
//! A field laptop may have two cores. A run that keeps them busy (the embedded engine, or a
//! thousand Lambda answers to parse and store) competes with the web view for every frame; at
//! equal priority the window stutters for as long as the run lasts. Below the window's
//! priority the run still gets every cycle the window does not want, so it is not slower on an
//! idle machine, and the window gets its frames first.
//!
//! Below, not at the bottom: with other programs keeping both cores busy, a run at the lowest
//! priority (niceness 19, about 1.5 % of a core against each busy program) took 13.9 s for
//! 1,000 transformers that take 1 s on an idle machine. Niceness 10 (about 10 %) and
//! Windows' "below normal" leave the window its frames and the run a fair share
//! (docs/benchmarks.md, Desktop app).

use std::sync::OnceLock;

/// The process-wide runtime for runs. Never dropped: dropping a runtime from async code panics,
/// and the app keeps one for its whole life anyway.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("substation-run")
            .enable_all()
            .on_thread_start(lower_priority)
            .build()
            // Creating a runtime fails only when the OS refuses threads; nothing works then.
            .unwrap_or_else(|error| panic!("cannot start the diagnosis runtime: {error}"))
    })
}

/// Lowers the calling thread's scheduling priority below normal: niceness 10 on Linux,
/// "below normal" on Windows, the lowest on macOS (its normal range is narrow). Lowering one's
/// own priority needs no privilege; if the OS refuses anyway, the run goes on at normal
/// priority.
pub(crate) fn lower_priority() {
    use thread_priority::{ThreadPriority, set_current_thread_priority};
    #[cfg(target_os = "linux")]
    let priority = {
        // thread-priority maps 0–99 onto niceness 19 … -20 for normal threads: 22 is niceness
        // 10 (crates/app/tests/app.rs reads it back).
        ThreadPriority::Crossplatform(22u8.try_into().unwrap_or_default())
    };
    #[cfg(windows)]
    let priority = ThreadPriority::Os(thread_priority::WinAPIThreadPriority::BelowNormal.into());
    #[cfg(not(any(target_os = "linux", windows)))]
    let priority = ThreadPriority::Min;
    let _ = set_current_thread_priority(priority);
}
