//! The table, the machine and the date: the text of `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::process::Command;

/// Whether a row's goal is met.
#[derive(Debug, Clone)]
pub enum Status {
    /// The goal is met.
    Met,
    /// The goal is not met; the text says what holds it back.
    Gap(String),
    /// A figure for context, with no goal of its own.
    Info,
    /// Not measured in this mode or not measurable yet; the text says why.
    NotMeasured(String),
    /// The measurement itself failed.
    Failed(String),
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The item number and a letter: `1a`, `3b`, ...
    pub id: String,
    pub measure: String,
    /// Our figure, measured in this run.
    pub ours: String,
    /// What it is compared with, measured side by side in this run, or quoted (and then
    /// labelled so).
    pub baseline: String,
    pub ratio: String,
    pub goal: String,
    pub status: Status,
}

impl Row {
    pub fn new(id: &str, measure: impl Into<String>) -> Row {
        Row {
            id: id.to_owned(),
            measure: measure.into(),
            ours: "–".to_owned(),
            baseline: "–".to_owned(),
            ratio: "–".to_owned(),
            goal: "–".to_owned(),
            status: Status::Info,
        }
    }

    pub fn ours(mut self, text: impl Into<String>) -> Row {
        self.ours = text.into();
        self
    }

    pub fn baseline(mut self, text: impl Into<String>) -> Row {
        self.baseline = text.into();
        self
    }

    pub fn ratio(mut self, text: impl Into<String>) -> Row {
        self.ratio = text.into();
        self
    }

    pub fn goal(mut self, text: impl Into<String>) -> Row {
        self.goal = text.into();
        self
    }

    pub fn status(mut self, status: Status) -> Row {
        self.status = status;
        self
    }

    /// Met when `met`, otherwise a gap explained by `why`.
    pub fn met_if(self, met: bool, why: impl Into<String>) -> Row {
        self.status(if met {
            Status::Met
        } else {
            Status::Gap(why.into())
        })
    }

    /// A row saying the measurement failed.
    pub fn failed(id: &str, measure: impl Into<String>, error: impl Into<String>) -> Row {
        Row::new(id, measure).status(Status::Failed(error.into()))
    }

    fn status_cell(&self) -> &'static str {
        match self.status {
            Status::Met => "met",
            Status::Gap(_) => "**gap**",
            Status::Info => "info",
            Status::NotMeasured(_) => "not measured",
            Status::Failed(_) => "**failed**",
        }
    }
}

/// What one section measured: its rows and the details behind them.
#[derive(Debug, Default)]
pub struct Section {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// The machine the figures come from.
#[derive(Debug)]
pub struct Machine {
    pub cpus: usize,
    pub memory: String,
    pub cpu_model: String,
    pub rustc: String,
    pub load_before: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map_or_else(
                || "unknown".to_owned(),
                |(_, model)| model.trim().to_owned(),
            );
        let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
            .arg("--version")
            .output()
            .ok()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        Machine {
            cpus,
            memory,
            cpu_model,
            rustc,
            load_before: load_average(),
        }
    }
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Everything the report says besides the sections.
pub struct Header<'a> {
    pub command: &'a str,
    pub mode: &'a str,
    pub date: String,
    pub machine: &'a Machine,
    pub load_after: String,
    pub bench_profile: &'static str,
    pub spec: String,
}

/// Renders `BENCHMARKS.md`.
pub fn render(header: &Header<'_>, sections: &[(&str, Section)]) -> String {
    let mut out = String::new();
    let machine = header.machine;
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `{}` ({} mode) on {}. Rerun it after changes; the file is overwritten.\n",
        header.command, header.mode, header.date
    );
    let _ = writeln!(out, "| machine | |\n| --- | --- |");
    let _ = writeln!(out, "| CPUs (nproc) | {} |", machine.cpus);
    let _ = writeln!(out, "| memory | {} |", machine.memory);
    let _ = writeln!(out, "| CPU model | {} |", machine.cpu_model);
    let _ = writeln!(out, "| rustc | {} |", machine.rustc);
    let _ = writeln!(
        out,
        "| load average (1/5/15 min) | {} before, {} after |",
        machine.load_before, header.load_after
    );
    let _ = writeln!(out, "| benchmark built as | {} |", header.bench_profile);
    let _ = writeln!(out, "| spec | {} |\n", header.spec);
    let _ = writeln!(
        out,
        "Numbers on a shared machine drift, so each figure is a **ratio** against a baseline \
         measured in the same run: the two are run alternately (A B, B A, A B, ...) and the \
         ratio is the median of the per-round ratios, with its range across rounds in \
         brackets. Figures marked *quoted* come from issue 7 (progenitor 0.15.1 and SimplePBI \
         on another machine) and were **not measured here**; they are scale, not a same-run \
         baseline. progenitor's compile time and memory (rows 2b, 2c) are not quoted: the \
         bench generates and builds progenitor's client itself, in the same run.\n"
    );
    let _ = writeln!(
        out,
        "| # | measure | this run | baseline | ratio | goal | status |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    for (_, section) in sections {
        for row in &section.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.id,
                cell(&row.measure),
                cell(&row.ours),
                cell(&row.baseline),
                cell(&row.ratio),
                cell(&row.goal),
                row.status_cell()
            );
        }
    }
    let rows: Vec<&Row> = sections.iter().flat_map(|(_, s)| s.rows.iter()).collect();
    let _ = writeln!(out, "\n## Goals\n");
    let met: Vec<&str> = rows
        .iter()
        .filter(|row| matches!(row.status, Status::Met))
        .map(|row| row.id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "Met: {}.\n",
        if met.is_empty() {
            "none".to_owned()
        } else {
            met.join(", ")
        }
    );
    for row in &rows {
        let (label, text) = match &row.status {
            Status::Gap(why) => ("gap", why),
            Status::NotMeasured(why) => ("not measured", why),
            Status::Failed(why) => ("failed", why),
            Status::Met | Status::Info => continue,
        };
        let _ = writeln!(
            out,
            "- **{}** ({label}): {} — {}",
            row.id, row.measure, text
        );
    }
    for (title, section) in sections {
        if section.notes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {title}\n");
        for note in &section.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
