//! What the report of a `cargo build --timings` says about a cold build: its slowest units, and
//! its critical path, the longest chain of units that wait for one another (row 2j).
//!
//! The critical path is what the build would take with a CPU for every unit: each unit starts
//! when the units it needs are done, and takes as long as it took in the measured build (where
//! it may have shared its CPU, so the path is an upper bound for such a machine). It
//! separates the two reasons a crate can make a cold build slower than its floor: CPU time
//! added anywhere (what a machine with few CPUs feels), and time added after the last
//! dependency it waits for (what every machine feels, however many CPUs it has). Cargo's own
//! report names only the unit that unblocked each unit last, so the edges come from `cargo
//! metadata` for the host platform, under the rules cargo schedules by:
//! - a library needs its dependencies' metadata only (pipelining: `rmeta`, the end of a unit's
//!   `frontend` section), and its own build script's run;
//! - a build script's run needs the script and its dependencies' build-script runs;
//! - a build script, and the binary, link: they need every library under them complete.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::Ctx;
use crate::compile::cargo;
use crate::measure::{Outcome, run_child};

/// What a unit of the build compiles or runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Library,
    BuildScript,
    BuildScriptRun,
    Binary,
}

/// One unit of the report: how long it took, and when its metadata was ready.
#[derive(Debug, Clone, Copy)]
struct Unit {
    seconds: f64,
    /// Seconds from the unit's start until its metadata was written (its whole time when the
    /// report has no sections for it).
    metadata_seconds: f64,
}

/// A package of the build: `name version`, as both cargo metadata and the report identify it.
type Package = String;

/// The units of one `cargo build --timings` report.
pub(crate) struct Timings {
    units: BTreeMap<(Package, Kind), Unit>,
    /// Every unit, build scripts labelled, slowest first: for the report's "slowest units".
    slowest: Vec<(String, f64)>,
}

/// The longest chain of units of a build.
pub(crate) struct CriticalPath {
    pub(crate) seconds: f64,
    /// The chain's units, first to last: package names, build scripts labelled.
    pub(crate) chain: Vec<String>,
}

impl Timings {
    /// Reads `target/cargo-timings/cargo-timing.html`; `None` when it is missing or its unit
    /// table is not where this cargo put it (the report is HTML for people, not a format).
    pub(crate) fn read(report: &Path) -> Option<Timings> {
        let html = std::fs::read_to_string(report).ok()?;
        let start = html.find("UNIT_DATA = ")? + "UNIT_DATA = ".len();
        let end = start + html[start..].find("\n];")? + 2;
        let units = serde_json::from_str::<Vec<serde_json::Value>>(&html[start..end]).ok()?;
        let mut timings = Timings {
            units: BTreeMap::new(),
            slowest: Vec::new(),
        };
        for unit in &units {
            let name = unit["name"].as_str().unwrap_or("?");
            let target = unit["target"].as_str().unwrap_or("").trim();
            let seconds = unit["duration"].as_f64().unwrap_or(0.0);
            let kind = if target.contains("build-script (run)") {
                Kind::BuildScriptRun
            } else if target.contains("build-script") {
                Kind::BuildScript
            } else if target.contains("\"bin\"") {
                Kind::Binary
            } else {
                Kind::Library
            };
            let label = match kind {
                Kind::BuildScript | Kind::BuildScriptRun => format!("{name} (build script)"),
                Kind::Library | Kind::Binary => name.to_owned(),
            };
            timings.slowest.push((label, seconds));
            let metadata_seconds = unit["sections"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|section| section[0] == "frontend")
                .and_then(|section| section[1]["end"].as_f64())
                .unwrap_or(seconds);
            let package = format!("{name} {}", unit["version"].as_str().unwrap_or("?"));
            // A package built twice (for the host's build scripts and for the target, with
            // other features) counts as its slower build.
            let entry = timings.units.entry((package, kind)).or_insert(Unit {
                seconds: 0.0,
                metadata_seconds: 0.0,
            });
            if seconds > entry.seconds {
                *entry = Unit {
                    seconds,
                    metadata_seconds,
                };
            }
        }
        timings.slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
        Some(timings)
    }

    /// The slowest units, as `name 1.2 s, ...`.
    pub(crate) fn slowest(&self, count: usize) -> String {
        self.slowest
            .iter()
            .take(count)
            .map(|(name, seconds)| format!("{name} {seconds:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The critical path of the build of `graph`'s root binary.
    pub(crate) fn critical_path(&self, graph: &PackageGraph) -> CriticalPath {
        let mut walk = Walk {
            timings: self,
            graph,
            started: BTreeMap::new(),
        };
        let (seconds, mut chain) = walk.finished(&graph.root, Kind::Binary);
        // A build script's compile and run read as one step.
        chain.dedup();
        CriticalPath { seconds, chain }
    }
}

/// This machine's platform, as `rustc -vV` names it (`x86_64-unknown-linux-gnu`).
pub(crate) fn host_platform() -> Outcome<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = run_child(std::process::Command::new(rustc).arg("-vV"))?.check("rustc -vV")?;
    version
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV names no host".to_owned())
}

/// The packages of a build and what each depends on, for the host platform.
pub(crate) struct PackageGraph {
    root: Package,
    /// Normal dependencies of each package.
    normal: BTreeMap<Package, Vec<Package>>,
    /// Build dependencies of each package (its build script's).
    build: BTreeMap<Package, Vec<Package>>,
}

impl PackageGraph {
    /// The graph of the crate in `dir`, from `cargo metadata` for the platform `host`
    /// ([`host_platform`]).
    pub(crate) fn of(ctx: &Ctx, dir: &Path, host: &str) -> Outcome<PackageGraph> {
        let mut command = cargo(ctx, &dir.join("target"));
        command.current_dir(dir).args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            host,
        ]);
        let run =
            run_child(&mut command)?.check(&format!("cargo metadata in {}", dir.display()))?;
        let metadata: serde_json::Value =
            serde_json::from_str(&run.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
        Self::from_metadata(&metadata)
    }

    fn from_metadata(metadata: &serde_json::Value) -> Outcome<PackageGraph> {
        let packages: BTreeMap<&str, Package> = metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|package| {
                let id = package["id"].as_str()?;
                let name = package["name"].as_str()?;
                let version = package["version"].as_str()?;
                Some((id, format!("{name} {version}")))
            })
            .collect();
        let named = |id: &serde_json::Value| id.as_str().and_then(|id| packages.get(id)).cloned();
        let root = named(&metadata["resolve"]["root"]).ok_or("cargo metadata names no root")?;
        let mut graph = PackageGraph {
            root,
            normal: BTreeMap::new(),
            build: BTreeMap::new(),
        };
        for node in metadata["resolve"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(package) = named(&node["id"]) else {
                continue;
            };
            for dependency in node["deps"].as_array().into_iter().flatten() {
                let Some(on) = named(&dependency["pkg"]) else {
                    continue;
                };
                for kind in dependency["dep_kinds"].as_array().into_iter().flatten() {
                    let edges = match kind["kind"].as_str() {
                        None => &mut graph.normal,
                        Some("build") => &mut graph.build,
                        Some(_) => continue,
                    };
                    edges.entry(package.clone()).or_default().push(on.clone());
                }
            }
        }
        Ok(graph)
    }

    fn dependencies<'a>(
        edges: &'a BTreeMap<Package, Vec<Package>>,
        package: &Package,
    ) -> &'a [Package] {
        edges.get(package).map_or(&[], Vec::as_slice)
    }
}

/// When each unit would start and finish with a CPU for every unit, and the chain that makes it so.
struct Walk<'a> {
    timings: &'a Timings,
    graph: &'a PackageGraph,
    /// (package, kind) → (seconds from the build's start until the unit can start, the chain of
    /// units it waited for last).
    started: BTreeMap<(Package, Kind), (f64, Vec<String>)>,
}

impl Walk<'_> {
    /// When `package`'s unit of `kind` finishes (an empty chain at 0 when the build has none).
    fn finished(&mut self, package: &Package, kind: Kind) -> (f64, Vec<String>) {
        self.ready(package, kind, false)
    }

    /// When `package`'s unit of `kind` has written its metadata (`metadata_only`) or finished,
    /// and the chain ending with it.
    fn ready(&mut self, package: &Package, kind: Kind, metadata_only: bool) -> (f64, Vec<String>) {
        let Some(unit) = self.timings.units.get(&(package.clone(), kind)).copied() else {
            return (0.0, Vec::new());
        };
        let (start, mut chain) = self.start(package, kind);
        let name = package.split(' ').next().unwrap_or_default();
        chain.push(match kind {
            Kind::BuildScript | Kind::BuildScriptRun => format!("{name} (build script)"),
            Kind::Library | Kind::Binary => name.to_owned(),
        });
        let took = if metadata_only {
            unit.metadata_seconds
        } else {
            unit.seconds
        };
        (start + took, chain)
    }

    /// When `package`'s unit of `kind` can start: when the last unit it needs is ready.
    fn start(&mut self, package: &Package, kind: Kind) -> (f64, Vec<String>) {
        let key = (package.clone(), kind);
        if let Some(started) = self.started.get(&key) {
            return started.clone();
        }
        // Marks the unit as in progress (a cycle, which cargo forbids, would end here).
        self.started.insert(key.clone(), (0.0, Vec::new()));
        let mut needs: Vec<(Package, Kind, bool)> = Vec::new();
        match kind {
            Kind::Library => {
                for on in PackageGraph::dependencies(&self.graph.normal, package) {
                    needs.push((on.clone(), Kind::Library, true));
                }
                needs.push((package.clone(), Kind::BuildScriptRun, false));
            }
            Kind::BuildScriptRun => {
                needs.push((package.clone(), Kind::BuildScript, false));
                for on in PackageGraph::dependencies(&self.graph.normal, package) {
                    needs.push((on.clone(), Kind::BuildScriptRun, false));
                }
            }
            Kind::BuildScript => {
                let build = PackageGraph::dependencies(&self.graph.build, package);
                for on in self.libraries_under(build) {
                    needs.push((on, Kind::Library, false));
                }
            }
            Kind::Binary => {
                let normal = PackageGraph::dependencies(&self.graph.normal, package);
                for on in self.libraries_under(normal) {
                    needs.push((on, Kind::Library, false));
                }
                needs.push((package.clone(), Kind::BuildScriptRun, false));
            }
        }
        let mut start = (0.0, Vec::new());
        for (on, kind, metadata_only) in needs {
            let ready = self.ready(&on, kind, metadata_only);
            if ready.0 > start.0 {
                start = ready;
            }
        }
        self.started.insert(key, start.clone());
        start
    }

    /// `packages` and every package under them through normal dependencies.
    fn libraries_under(&self, packages: &[Package]) -> BTreeSet<Package> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&Package> = packages.iter().collect();
        while let Some(package) = stack.pop() {
            if seen.insert(package.clone()) {
                stack.extend(PackageGraph::dependencies(&self.graph.normal, package));
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report with these units: (name, target, seconds, end of the frontend section).
    fn report(units: &[(&str, &str, f64, Option<f64>)]) -> String {
        let units: Vec<String> = units
            .iter()
            .map(|(name, target, seconds, frontend)| {
                let sections = frontend.map(|end| {
                    serde_json::json!([
                        ["frontend", { "start": 0.0, "end": end }],
                        ["codegen", { "start": end, "end": seconds }]
                    ])
                });
                serde_json::json!({
                    "name": name, "version": "0.1.0", "target": target,
                    "start": 0.0, "duration": seconds, "sections": sections
                })
                .to_string()
            })
            .collect();
        // As cargo writes it: one unit a line, the array closed on a line of its own.
        format!(
            "<script>\nconst UNIT_DATA = [\n{}\n];\nconst CONCURRENCY_DATA = [];\n</script>",
            units.join(",\n")
        )
    }

    /// `cargo metadata` of packages named by their dependencies: (name, normal, build).
    fn metadata(root: &str, packages: &[(&str, &[&str], &[&str])]) -> serde_json::Value {
        let id = |name: &str| format!("registry+{name}@0.1.0");
        let kinds = |kind: Option<&str>| serde_json::json!([{ "kind": kind, "target": null }]);
        serde_json::json!({
            "packages": packages.iter().map(|(name, _, _)| serde_json::json!({
                "id": id(name), "name": name, "version": "0.1.0"
            })).collect::<Vec<_>>(),
            "resolve": {
                "root": id(root),
                "nodes": packages.iter().map(|(name, normal, build)| serde_json::json!({
                    "id": id(name),
                    "deps": normal.iter().map(|on| serde_json::json!({ "pkg": id(on), "dep_kinds": kinds(None) }))
                        .chain(build.iter().map(|on| serde_json::json!({ "pkg": id(on), "dep_kinds": kinds(Some("build")) })))
                        .collect::<Vec<_>>()
                })).collect::<Vec<_>>()
            }
        })
    }

    /// Reads `html` as a report, from a folder of the test's own.
    fn read(test: &str, html: &str) -> Timings {
        let dir = std::env::temp_dir().join(format!("powerbi-bench-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cargo-timing.html");
        std::fs::write(&path, html).unwrap();
        let timings = Timings::read(&path).expect("the report reads");
        std::fs::remove_dir_all(&dir).unwrap();
        timings
    }

    #[test]
    fn the_critical_path_follows_metadata_build_scripts_and_linking() {
        // app (bin) → a, b; b → a; a's build script → cc.
        let timings = read(
            "critical-path",
            &report(&[
                ("cc", "", 1.0, Some(0.5)),
                ("a", " build-script", 0.5, None),
                ("a", " build-script (run)", 0.2, None),
                ("a", "", 3.0, Some(1.0)),
                ("b", "", 2.5, Some(1.5)),
                ("app", " app \"bin\"", 0.5, None),
            ]),
        );
        let graph = PackageGraph::from_metadata(&metadata(
            "app",
            &[
                ("app", &["a", "b"], &[]),
                ("a", &[], &["cc"]),
                ("b", &["a"], &[]),
                ("cc", &[], &[]),
            ],
        ))
        .unwrap();
        let path = timings.critical_path(&graph);
        // cc complete (1.0, the script links it), a's script (1.5) and its run (1.7), a's
        // metadata (2.7), b complete from there (5.2; a completes at 4.7), the binary (5.7).
        assert!((path.seconds - 5.7).abs() < 1e-9, "{}", path.seconds);
        assert_eq!(path.chain, ["cc", "a (build script)", "a", "b", "app"]);
        assert_eq!(timings.slowest(2), "a 3.0 s, b 2.5 s");
    }

    #[test]
    fn a_package_built_twice_counts_as_its_slower_build_and_a_missing_report_as_none() {
        let timings = read(
            "built-twice",
            &report(&[
                ("serde", "", 1.0, Some(0.5)),
                ("serde", "", 2.0, Some(0.8)),
                ("app", " app \"bin\"", 0.5, None),
            ]),
        );
        let graph = PackageGraph::from_metadata(&metadata(
            "app",
            &[("app", &["serde"], &[]), ("serde", &[], &[])],
        ))
        .unwrap();
        assert!((timings.critical_path(&graph).seconds - 2.5).abs() < 1e-9);
        assert!(Timings::read(Path::new("/nonexistent/cargo-timing.html")).is_none());
    }
}
