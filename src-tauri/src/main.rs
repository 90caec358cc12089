//! The desktop app's entry point (everything else is in lib.rs). No console window behind
//! the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// mimalloc, as the CLI: less time allocating while a workbook is read and stored
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    substation_desktop::run();
}
