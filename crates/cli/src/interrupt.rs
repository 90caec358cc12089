//! The user's interrupt: Ctrl-C everywhere, and on Windows also Ctrl-Break, which is what a
//! console delivers to a program started in a process group of its own (a script's or a
//! scheduler's child), where Windows turns Ctrl-C off.

/// Resolves at the next interrupt; an error when the interrupt cannot be listened for.
pub async fn next() -> std::io::Result<()> {
    #[cfg(windows)]
    {
        let mut ctrl_break = tokio::signal::windows::ctrl_break()?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = ctrl_break.recv() => Ok(()),
        }
    }
    #[cfg(not(windows))]
    {
        tokio::signal::ctrl_c().await
    }
}
