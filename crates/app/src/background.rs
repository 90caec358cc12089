//! Where diagnosis runs execute: a runtime whose threads run below the window's priority.
//!
//! A field laptop may have two cores. A run that keeps them busy (the embedded engine, or a
//! thousand Lambda answers to parse and store) competes with the web view for every frame; at
//! equal priority the window stutters for as long as the run lasts. At the lowest priority the
//! run still gets every cycle the window does not want, so it is not slower on an idle machine,
//! and the window gets its frames first.

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

/// Lowers the calling thread's scheduling priority (its niceness on Linux and macOS, the
/// lowest thread priority on Windows). Lowering one's own priority needs no privilege; if the
/// OS refuses anyway, the run goes on at normal priority.
pub(crate) fn lower_priority() {
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}
