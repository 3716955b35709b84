//! Progress on a terminal, nothing in a pipe: a spinner with the elapsed time for a job, a
//! byte bar for a transfer. Both draw on stderr and only when stderr is a terminal, so
//! redirected output and logs never see them.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether progress is drawn at all.
pub fn shown() -> bool {
    std::io::stderr().is_terminal()
}

fn target() -> ProgressDrawTarget {
    if shown() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A spinner with the elapsed time and `message`, ticking on its own.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
        bar.set_style(style);
    }
    bar.set_message(message.into());
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

/// A byte bar: against `total` when it is known, else the bytes so far and the rate.
pub fn bytes(message: impl Into<String>, total: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, target());
    let template = match total {
        Some(_) => {
            "{msg} [{elapsed_precise}] [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec})"
        }
        None => "{spinner} {msg} [{elapsed_precise}] {binary_bytes} ({binary_bytes_per_sec})",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.into());
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}
