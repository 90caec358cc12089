//! The desktop app's entry point (everything else is in lib.rs). No console window behind
//! the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    substation_desktop::run();
}
