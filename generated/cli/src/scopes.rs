//! `pbi scopes COMMAND...`: the least-privilege delegated scopes of the given commands, and
//! whether a service principal may run each (with the tenant settings it needs), from the
//! operations' records.

use clap::{Arg, ArgAction, ArgMatches, Command};
use powerbi::runtime::{HttpMethod, Operation, ServicePrincipalSupport};
use serde_json::{Value, json};

use crate::commands::{find, is_group, kebab};
use crate::failure::Failure;
use crate::output::Output;

/// The `scopes` command.
pub fn command() -> Command {
    Command::new("scopes")
        .about("Least-privilege scopes of commands, and whether a service principal may run them")
        .long_about(
            "Least-privilege delegated scopes of the given commands, and whether a service \
             principal may run each (and the tenant settings it needs): `pbi scopes datasets \
             refresh-dataset admin get-activity-events workflow scan`. Each command is \
             CATEGORY OPERATION (or `workflow NAME`); the last row, `(all)`, is the smallest \
             set of scopes that covers every one.",
        )
        .arg(
            Arg::new("command")
                .required(true)
                .num_args(1..)
                .action(ArgAction::Append)
                .value_name("COMMAND"),
        )
}

/// Prints one row per command and one for all of them.
pub fn run(args: &ArgMatches) -> Result<(), Failure> {
    let output = Output::new(
        args.get_one::<String>("output").map(String::as_str),
        args.get_one::<String>("query").map(String::as_str),
    )?;
    let words: Vec<String> = args
        .get_many::<String>("command")
        .into_iter()
        .flatten()
        .flat_map(|word| {
            word.split([' ', '/'])
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|word| !word.is_empty())
        .collect();
    let mut rows = Vec::new();
    let mut all: Vec<&'static str> = Vec::new();
    for (name, operations) in commands(&words)? {
        let mut scopes: Vec<&'static str> = Vec::new();
        for operation in &operations {
            scopes.extend(least(operation));
        }
        let scopes = minimal(scopes);
        all.extend(&scopes);
        rows.push(row(&name, &operations, &scopes));
    }
    rows.push(json!({"command": "(all)", "scopes": minimal(all).join(" ")}));
    output.print(&Value::Array(rows))
}

/// The commands the words name, each with the operations it runs.
fn commands(words: &[String]) -> Result<Vec<(String, Vec<&'static Operation>)>, Failure> {
    let mut commands = Vec::new();
    let mut rest = words;
    while let [first, tail @ ..] = rest {
        if first == "workflow" {
            let [name, tail @ ..] = tail else {
                return Err(Failure::usage("pbi scopes: `workflow` needs a name"));
            };
            commands.push((
                format!("workflow {name}"),
                crate::workflow::operations(name)?,
            ));
            rest = tail;
            continue;
        }
        let (group, tail) = if is_group(first) {
            (Some(first.as_str()), tail)
        } else {
            (None, rest)
        };
        let [category, operation, tail @ ..] = tail else {
            return Err(Failure::usage(format!(
                "pbi scopes: give CATEGORY OPERATION, not only `{}`",
                tail.first().unwrap_or(first)
            )));
        };
        let record = find(group, category, operation).ok_or_else(|| {
            Failure::usage(format!("pbi scopes: no command `{category} {operation}`"))
        })?;
        let prefix = group.map(|group| format!("{group} ")).unwrap_or_default();
        commands.push((format!("{prefix}{category} {operation}"), vec![record]));
        rest = tail;
    }
    Ok(commands)
}

fn row(name: &str, operations: &[&'static Operation], scopes: &[&'static str]) -> Value {
    let principal = operations
        .iter()
        .map(|operation| operation.service_principal)
        .fold(ServicePrincipalSupport::Yes, |all, one| match (all, one) {
            (ServicePrincipalSupport::No, _) | (_, ServicePrincipalSupport::No) => {
                ServicePrincipalSupport::No
            }
            (ServicePrincipalSupport::Unknown, _) | (_, ServicePrincipalSupport::Unknown) => {
                ServicePrincipalSupport::Unknown
            }
            _ => ServicePrincipalSupport::Yes,
        });
    let mut settings: Vec<&'static str> = Vec::new();
    for operation in operations {
        for setting in tenant_settings(operation) {
            if !settings.contains(&setting) {
                settings.push(setting);
            }
        }
    }
    json!({
        "command": name,
        "scopes": if scopes.is_empty() { "none documented".to_owned() } else { scopes.join(" ") },
        "service_principal": match principal {
            ServicePrincipalSupport::Yes => "yes",
            ServicePrincipalSupport::No => "no",
            _ => "not documented",
        },
        "tenant_settings": settings.join("; "),
        "operations": operations.iter().map(|operation| kebab(operation.name)).collect::<Vec<_>>().join(" "),
    })
}

/// The least-privilege alternative among an operation's scope sets: the fewest scopes, and
/// of those the fewest that write.
fn least(operation: &Operation) -> Vec<&'static str> {
    operation
        .scopes
        .iter()
        .min_by_key(|set| {
            let writes = set.iter().filter(|scope| writes(scope)).count();
            (set.len(), writes)
        })
        .map(|set| set.to_vec())
        .unwrap_or_default()
}

fn writes(scope: &str) -> bool {
    scope.contains("ReadWrite") || scope.contains(".Write") || scope.contains("Execute")
}

/// Without duplicates, and without `X.Read.All` where `X.ReadWrite.All` is there anyway.
fn minimal(mut scopes: Vec<&'static str>) -> Vec<&'static str> {
    scopes.sort_unstable();
    scopes.dedup();
    let implied = |scope: &str| {
        scope.contains(".Read.")
            && scopes.contains(&scope.replacen(".Read.", ".ReadWrite.", 1).as_str())
    };
    scopes
        .iter()
        .copied()
        .filter(|scope| !implied(scope))
        .collect()
}

/// The tenant settings (Fabric admin portal names) a service principal needs for
/// `operation`, as Microsoft documents them.
fn tenant_settings(operation: &Operation) -> Vec<&'static str> {
    if operation.service_principal == ServicePrincipalSupport::No {
        return Vec::new();
    }
    let mut settings = vec!["Service principals can call Fabric public APIs"];
    let path = operation.path;
    if path.starts_with("/admin") {
        // The scanner's getInfo is a POST that only reads.
        if operation.method == HttpMethod::Get || path.contains("/admin/workspaces/getInfo") {
            settings.push("Service principals can access read-only admin APIs");
        } else {
            settings.push("Service principals can access admin APIs used for updates");
        }
    }
    if path.contains("/admin/workspaces/getInfo") || path.contains("/admin/workspaces/scanResult") {
        settings.push("Enhance admin APIs responses with detailed metadata");
        settings.push("Enhance admin APIs responses with DAX and mashup expressions");
    }
    if path.contains("/ExportTo") {
        settings.push("Export reports as PowerPoint presentations or PDF documents");
    }
    if path.contains("/executeQueries") {
        settings.push("Dataset Execute Queries REST API");
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_scope_is_implied_by_its_read_write_twin() {
        assert_eq!(
            minimal(vec![
                "Dataset.Read.All",
                "Dataset.ReadWrite.All",
                "Report.Read.All"
            ]),
            ["Dataset.ReadWrite.All", "Report.Read.All"]
        );
    }
}
