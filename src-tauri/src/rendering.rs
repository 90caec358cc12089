//! How WebKitGTK paints the window on Linux.
//!
//! Without a GPU (a VM, a remote desktop, Xvfb), Mesa runs OpenGL on the CPU (llvmpipe), and
//! WebKitGTK's accelerated compositing then costs more than it saves: measured under Xvfb while
//! 1,000 results stream in, 7–24 frames took over 100 ms (up to 263 ms) with compositing and
//! none (at most 55 ms) without it (docs/benchmarks.md, Desktop app). So when the machine has
//! no GPU render node, the window paints without hardware acceleration. Windows (WebView2) and
//! macOS (WKWebView) are not concerned.

/// WebKitGTK's own switch: when the user sets it either way, the app leaves the choice alone.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether to paint without hardware acceleration: only when the user has not chosen
/// (`WEBKIT_DISABLE_COMPOSITING_MODE` unset) and the machine has no GPU render node.
pub fn paint_in_software(user_choice: Option<&std::ffi::OsStr>, has_render_node: bool) -> bool {
    user_choice.is_none() && !has_render_node
}

/// Whether a DRM render node (`/dev/dri/renderD*`) exists: the device Mesa draws on a GPU with.
#[cfg(target_os = "linux")]
pub fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Turns WebKitGTK's hardware acceleration off for `window` on a machine without a GPU.
#[cfg(target_os = "linux")]
pub fn adapt<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    if !paint_in_software(
        std::env::var_os(DISABLE_COMPOSITING).as_deref(),
        has_render_node(),
    ) {
        return;
    }
    // Fails only when the window is already gone, which then paints nothing anyway.
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
}

#[cfg(not(target_os = "linux"))]
pub fn adapt<R: tauri::Runtime>(_window: &tauri::WebviewWindow<R>) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn machines_without_a_gpu_paint_in_software() {
        assert!(paint_in_software(None, false));
        assert!(!paint_in_software(None, true));
    }

    #[test]
    fn the_users_own_setting_wins() {
        assert!(!paint_in_software(Some(OsStr::new("0")), false));
        assert!(!paint_in_software(Some(OsStr::new("1")), true));
    }
}
