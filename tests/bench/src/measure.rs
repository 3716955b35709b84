//! Clocks, child processes and the A/B alternation every figure goes through.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A result whose error is a one-line message for the report.
pub type Outcome<T> = Result<T, String>;

/// CPU time consumed so far by every thread of this process.
pub fn process_cpu() -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `spec` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut spec) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

/// Wall and CPU time of one measured block.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
}

/// Runs `block` and returns its result with its wall and process CPU time.
pub fn timed<T>(block: impl FnOnce() -> T) -> (T, Sample) {
    let cpu = process_cpu();
    let start = Instant::now();
    let value = block();
    let sample = Sample {
        wall: start.elapsed(),
        cpu: process_cpu().saturating_sub(cpu),
    };
    (value, sample)
}

/// A finished child process with its resource usage (the child and every descendant it
/// waited for: for `cargo build` that includes each rustc).
#[derive(Debug, Clone)]
pub struct ChildRun {
    pub wall: Duration,
    /// User plus system CPU time of the child and its waited-for descendants.
    pub cpu: Duration,
    /// The largest resident set of the child or any one of its descendants, in KiB.
    pub max_rss_kib: u64,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl ChildRun {
    /// The gist of stderr, for a failure message: its first `error` lines, or its last lines,
    /// at most 400 characters.
    pub fn stderr_tail(&self) -> String {
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("error"))
            .take(3)
            .collect();
        let text = if errors.is_empty() {
            let lines: Vec<&str> = self.stderr.lines().map(str::trim).collect();
            lines[lines.len().saturating_sub(4)..].join(" / ")
        } else {
            errors.join(" / ")
        };
        let mut short: String = text.chars().take(400).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        short
    }

    /// Fails with the stderr tail when the child did not succeed.
    pub fn check(self, what: &str) -> Outcome<ChildRun> {
        if self.success {
            Ok(self)
        } else {
            Err(format!("{what} failed: {}", self.stderr_tail()))
        }
    }
}

/// Runs `command` to completion with stdout and stderr captured, and reads its resource
/// usage with `wait4`, so the figures belong to this child alone.
///
/// Its `max_rss_kib` is not the child's own: Linux starts a spawned process's peak RSS at the
/// spawning process's (the peak is kept across `exec`). [`run_child_peak`] measures that.
pub fn run_child(command: &mut Command) -> Outcome<ChildRun> {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start {command:?}: {error}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero is a valid `rusage`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = loop {
        // SAFETY: `pid` is our own child, not yet waited for (std's `Child` is never waited
        // on here); `status` and `usage` are valid for writes.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break rc;
    };
    let wall = start.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if waited != pid {
        return Err(format!(
            "waiting for {command:?} failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(ChildRun {
        wall,
        cpu: cpu_of(&usage),
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout,
        stderr,
    })
}

fn cpu_of(usage: &libc::rusage) -> Duration {
    let timeval = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

/// Like [`run_child`], with the child's own peak RSS: the command runs under a small
/// intermediate process (`powerbi-bench measure-child`) that starts with a small resident set,
/// waits for the command, and reports the command's usage (its own and its descendants').
pub fn run_child_peak(command: &mut Command) -> Outcome<ChildRun> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let usage_file = std::env::temp_dir().join(format!(
        "powerbi-bench-usage-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut wrapper = Command::new(exe);
    wrapper
        .arg("measure-child")
        .arg("--usage")
        .arg(&usage_file)
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapper.current_dir(dir);
    }
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(name, value),
            None => wrapper.env_remove(name),
        };
    }
    let mut run = run_child(&mut wrapper)?;
    let usage = std::fs::read_to_string(&usage_file)
        .map_err(|e| format!("no usage from measure-child ({e}): {}", run.stderr_tail()))?;
    let _ = std::fs::remove_file(&usage_file);
    let mut fields = usage
        .split_whitespace()
        .map(|f| f.parse::<u64>().unwrap_or(0));
    run.max_rss_kib = fields.next().unwrap_or(0);
    run.cpu = Duration::from_micros(fields.next().unwrap_or(0));
    Ok(run)
}

/// `powerbi-bench measure-child --usage FILE -- PROGRAM ARGS...`: runs the program with this
/// process's stdio, then writes `PEAK_RSS_KIB CPU_MICROSECONDS` of it to FILE and exits with
/// its status.
pub fn measure_child(usage_file: &std::path::Path, program: &[std::ffi::OsString]) -> Outcome<i32> {
    let (program, args) = program.split_first().ok_or("measure-child: no program")?;
    let child = Command::new(program)
        .args(args)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.to_string_lossy()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero is a valid `rusage`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, never waited on through `child`; the pointers are
        // valid for writes.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            break;
        }
        if rc == -1 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {}", std::io::Error::last_os_error()));
        }
    }
    std::fs::write(
        usage_file,
        format!("{} {}", usage.ru_maxrss.max(0), cpu_of(&usage).as_micros()),
    )
    .map_err(|e| format!("{}: {e}", usage_file.display()))?;
    Ok(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    })
}

/// Runs `a` and `b` alternately for `rounds` rounds, swapping the order every round (AB, BA,
/// AB, ...) so a machine that slows down or speeds up during the run hits both alike.
pub fn alternate<S>(
    rounds: usize,
    mut a: impl FnMut() -> Outcome<S>,
    mut b: impl FnMut() -> Outcome<S>,
) -> Outcome<Vec<(S, S)>> {
    let mut pairs = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        if round % 2 == 0 {
            let sa = a()?;
            let sb = b()?;
            pairs.push((sa, sb));
        } else {
            let sb = b()?;
            let sa = a()?;
            pairs.push((sa, sb));
        }
    }
    Ok(pairs)
}

/// The median (the mean of the two middle values for an even count); 0 for none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Medians of an A/B series: of A, of B, and of the per-round ratios A/B (pairing each A with
/// the B measured next to it cancels most drift).
#[derive(Debug, Clone, Copy)]
pub struct Paired {
    pub a: f64,
    pub b: f64,
    pub ratio: f64,
    /// The spread of the per-round ratios (min, max), to show how much the machine drifted.
    pub ratio_min: f64,
    pub ratio_max: f64,
    pub rounds: usize,
}

impl Paired {
    pub fn of<S>(pairs: &[(S, S)], metric: impl Fn(&S) -> f64) -> Paired {
        let ratios: Vec<f64> = pairs
            .iter()
            .map(|(a, b)| metric(a) / metric(b))
            .filter(|r| r.is_finite())
            .collect();
        Paired {
            a: median(pairs.iter().map(|(a, _)| metric(a))),
            b: median(pairs.iter().map(|(_, b)| metric(b))),
            ratio: median(ratios.iter().copied()),
            ratio_min: ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratio_max: ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            rounds: pairs.len(),
        }
    }

    /// `0.98× (0.95–1.02, 7 rounds)`.
    pub fn ratio_text(&self) -> String {
        if self.rounds > 1 && self.ratio_min.is_finite() && self.ratio_max.is_finite() {
            format!(
                "{} ({}–{}, {} rounds)",
                ratio(self.ratio),
                plain(self.ratio_min),
                plain(self.ratio_max),
                self.rounds
            )
        } else {
            ratio(self.ratio)
        }
    }
}

/// `1.23×`.
pub fn ratio(value: f64) -> String {
    format!("{}×", plain(value))
}

fn plain(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A duration given in seconds, in the unit that reads best.
pub fn secs(seconds: f64) -> String {
    if seconds >= 10.0 {
        format!("{seconds:.1} s")
    } else if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 0.001 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// KiB as MiB.
pub fn mib(kib: f64) -> String {
    format!("{:.0} MiB", kib / 1024.0)
}
