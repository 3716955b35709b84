//! The command tree, made at run time from the operations table: one subcommand per category,
//! one per operation, its arguments from the operation's record.

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, Command};
use powerbi::runtime::{
    LongRunning, Operation, Paging, ParameterLocation, RequestBody, ServicePrincipalSupport,
    WorkspaceScope,
};

use crate::failure::EXIT_CODES;

/// `refresh-dataset` for `refresh_dataset`: the spec's names in the command line's spelling.
pub fn kebab(name: &str) -> String {
    name.replace('_', "-")
}

/// A query or header parameter's flag: `$top` → `top`, `startDateTime` → `start-date-time`.
pub fn flag_name(wire: &str) -> String {
    let mut flag = String::with_capacity(wire.len() + 4);
    for character in wire.trim_start_matches('$').chars() {
        if character.is_ascii_uppercase() {
            if !flag.is_empty() && !flag.ends_with('-') {
                flag.push('-');
            }
            flag.push(character.to_ascii_lowercase());
        } else if character.is_ascii_alphanumeric() {
            flag.push(character);
        } else if !flag.ends_with('-') {
            flag.push('-');
        }
    }
    flag
}

/// One table of operation records and where its commands hang.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The command its categories sit under (`fabric`), or `None` for the top level.
    pub group: Option<&'static str>,
    /// The records.
    pub operations: &'static [&'static Operation],
}

/// The operation tables the command tree is made from. Another table is one more line here
/// (`Table { group: Some("fabric"), operations: powerbi::fabric::OPERATIONS }` gives
/// `pbi fabric CATEGORY OPERATION`).
pub fn tables() -> Vec<Table> {
    vec![
        Table {
            group: None,
            operations: powerbi::OPERATIONS,
        },
        Table {
            group: Some("fabric"),
            operations: powerbi::fabric::OPERATIONS,
        },
    ]
}

/// Every record of every table.
#[cfg(test)]
pub fn all_operations() -> impl Iterator<Item = &'static Operation> {
    tables()
        .into_iter()
        .flat_map(|table| table.operations.iter().copied())
}

/// A table's operations by category (kebab-case), each category's in table order.
pub fn categories(table: &Table) -> BTreeMap<String, Vec<&'static Operation>> {
    let mut categories: BTreeMap<String, Vec<&'static Operation>> = BTreeMap::new();
    for operation in table.operations {
        categories
            .entry(kebab(operation.category))
            .or_default()
            .push(operation);
    }
    categories
}

/// The operation `pbi [GROUP] CATEGORY OPERATION` names.
pub fn find(group: Option<&str>, category: &str, operation: &str) -> Option<&'static Operation> {
    tables()
        .into_iter()
        .filter(|table| table.group == group)
        .flat_map(|table| table.operations.iter().copied())
        .find(|record| kebab(record.category) == category && kebab(record.name) == operation)
}

/// The group command (`fabric`) of a table, if `name` is one.
pub fn is_group(name: &str) -> bool {
    tables().iter().any(|table| table.group == Some(name))
}

/// The whole command line.
pub fn root() -> Command {
    let mut root = Command::new("pbi")
        .about("A command line for every operation of the Power BI REST API")
        .long_about(
            "A command line for every operation of the Power BI REST API: `pbi CATEGORY \
             OPERATION`, made from the powerbi crate's operations table. Signs in with the \
             library's credential chain (POWERBI_* variables, workload identity, managed \
             identity, Azure CLI); `--sandbox` runs any command against the embedded fake \
             service, without a tenant.",
        )
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_help(EXIT_CODES)
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .global(true)
                .value_parser(["json", "jsonl", "csv", "table"])
                .help("Output format [default: table on a terminal, json otherwise]"),
        )
        .arg(
            Arg::new("query")
                .long("query")
                .global(true)
                .value_name("JMESPATH")
                .help(
                    "A JMESPath filter over the output, as `az --query` (with --all: over each \
                     page's items, so lists still stream)",
                ),
        )
        .arg(
            Arg::new("sandbox")
                .long("sandbox")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Run against the embedded sandbox (a fake Power BI service), not a tenant"),
        )
        .arg(
            Arg::new("cloud")
                .long("cloud")
                .global(true)
                .value_parser(["public", "us_gov", "us_gov_high", "us_gov_dod", "china"])
                .help("Sovereign cloud [default: POWERBI_CLOUD, else public]"),
        );
    for table in tables() {
        let categories = category_commands(&table);
        root = match table.group {
            None => root.subcommands(categories),
            Some(group) => root.subcommand(
                Command::new(group)
                    .about(format!("The {group} operations"))
                    .subcommand_required(true)
                    .arg_required_else_help(true)
                    .subcommands(categories),
            ),
        };
    }
    root.subcommand(raw_command())
        .subcommand(auth_command())
        .subcommand(crate::workflow::command())
        .subcommand(crate::scopes::command())
        .subcommand(crate::completions::command())
        .subcommand(
            Command::new("sandbox").about(
                "Run a command against the embedded sandbox: `pbi sandbox groups list-groups`",
            ),
        )
}

/// One command per category of `table`, one subcommand per operation.
fn category_commands(table: &Table) -> Vec<Command> {
    categories(table)
        .into_iter()
        .map(|(category, operations)| {
            Command::new(category.clone())
                .about(format!("The {category} operations"))
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommands(operations.into_iter().map(operation_command))
        })
        .collect()
}

fn raw_command() -> Command {
    Command::new("raw")
        .about("Any call, with the same sign-in, retries and errors: `pbi raw GET /groups`")
        .arg(
            Arg::new("method")
                .required(true)
                .value_parser(["GET", "POST", "PUT", "PATCH", "DELETE"])
                .ignore_case(true),
        )
        .arg(
            Arg::new("path")
                .required(true)
                .help("Path relative to /v1.0/myorg, with any query string (`/groups?$top=5`)"),
        )
        .arg(body_arg(false))
        .arg(out_file_arg())
}

fn auth_command() -> Command {
    Command::new("auth")
        .about("Sign-in")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(Command::new("status").about(
            "Who you are signed in as (tenant, app or user, scopes or roles, expiry), from the \
             token's claims; never prints the token",
        ))
}

fn body_arg(required: bool) -> Arg {
    Arg::new("body")
        .long("body")
        .value_name("JSON|@FILE|-")
        .required(required)
        .help("The JSON body: inline, `@file.json`, or `-` for stdin")
}

/// `pbi CATEGORY OPERATION`, its arguments from the record.
fn operation_command(operation: &'static Operation) -> Command {
    let mut command = Command::new(kebab(operation.name))
        .about(operation.summary.to_owned())
        .long_about(long_help(operation));
    match operation.workspace {
        WorkspaceScope::Workspace => command = command.arg(workspace_arg(true)),
        WorkspaceScope::Both => command = command.arg(workspace_arg(false)),
        WorkspaceScope::None | WorkspaceScope::My => {}
    }
    for parameter in operation.parameters {
        let help = if parameter.doc.is_empty() {
            format!("({})", parameter.ty)
        } else {
            format!("{} ({})", parameter.doc.trim(), parameter.ty)
        };
        let arg = match parameter.location {
            ParameterLocation::Path => Arg::new(parameter.name)
                .required(true)
                .value_name(flag_name(parameter.name).replace('-', "_").to_uppercase()),
            ParameterLocation::Query | ParameterLocation::Header => Arg::new(parameter.name)
                .long(flag_name(parameter.name))
                .value_name(flag_name(parameter.name).replace('-', "_").to_uppercase())
                .required(parameter.required && !by_utc_day(operation)),
        };
        // A repeated query parameter: the flag once per value, sent in order.
        let arg = if parameter.is_repeated() {
            arg.action(ArgAction::Append)
        } else {
            arg
        };
        command = command.arg(arg.help(help));
    }
    match operation.body {
        RequestBody::Json { required, .. } | RequestBody::Array { required, .. } => {
            command = command.arg(body_arg(required));
        }
        RequestBody::Bytes {
            content_type,
            required,
        } => {
            command = command.arg(
                Arg::new("file")
                    .long("file")
                    .value_name("PATH")
                    .required(required)
                    .help(format!(
                        "The file sent as the request body ({content_type})"
                    )),
            );
        }
        RequestBody::File => {
            command = command.arg(
                Arg::new("file")
                    .long("file")
                    .value_name("PATH")
                    .required(true)
                    .help("The file to upload (sent as multipart/form-data)"),
            );
        }
        RequestBody::None => {}
    }
    command = command.arg(out_file_arg());
    if operation.long_running != LongRunning::None {
        command = command.args(crate::wait::args());
    }
    if is_paged(operation) {
        command = command.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Fetch every page (jsonl streams page by page)"),
        );
    }
    command
}

fn out_file_arg() -> Arg {
    Arg::new("out-file")
        .long("out-file")
        .value_name("PATH")
        .help(
            "Write the answer (or with --wait, an export's file) to PATH, streamed, with a byte \
             progress bar on a terminal; an interrupted transfer leaves no file at PATH",
        )
}

fn workspace_arg(required: bool) -> Arg {
    let help = if required {
        "The workspace, by id or by name"
    } else {
        "The workspace, by id or by name [default: My workspace]"
    };
    Arg::new("workspace")
        .long("workspace")
        .short('w')
        .value_name("ID|NAME")
        .required(required)
        .help(help)
}

/// Whether `--all` pages through the operation's answers.
pub fn is_paged(operation: &Operation) -> bool {
    match operation.paging {
        Paging::TopSkip | Paging::NextLink => true,
        Paging::Continuation | Paging::ContinuationUri => operation.items_field.is_some(),
        _ => false,
    }
}

/// A continuation listing over a date window (the activity log): `--all` pages any range by
/// UTC day, so the window's flags are required only without it (the service checks them).
pub fn by_utc_day(operation: &Operation) -> bool {
    let has = |wire: &str| {
        operation
            .parameters
            .iter()
            .any(|parameter| parameter.name == wire)
    };
    is_paged(operation) && has("startDateTime") && has("endDateTime")
}

/// The `--help` text: the summary and what the spec knows about the operation.
pub fn long_help(operation: &Operation) -> String {
    let scopes = if operation.scopes.is_empty() {
        "none documented".to_owned()
    } else {
        operation
            .scopes
            .iter()
            .map(|set| set.join(" + "))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let principal = match operation.service_principal {
        ServicePrincipalSupport::Yes => "supported",
        ServicePrincipalSupport::No => "not supported",
        _ => "not documented",
    };
    let mut text = format!(
        "{}\n\nRequired scope: {scopes}\nService principal: {principal}\n",
        operation.summary
    );
    if let Some(limits) = operation.limits {
        text.push_str(&format!("Limits: {}\n", limits.trim()));
    }
    if is_paged(operation) {
        text.push_str("Paging: --all fetches every page\n");
    }
    if operation.long_running != LongRunning::None {
        text.push_str(&format!(
            "Long-running: {:?} (--wait follows the job to its end, with --timeout)\n",
            operation.long_running
        ));
    }
    text.push_str(&format!(
        "Request: {} {}\nDocumentation: {}",
        operation.method,
        operation.path_templates().join(" | "),
        operation.docs_url
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_valid_for_every_operation() {
        // clap's own checks: no two arguments of a command share a name or a flag.
        root().debug_assert();
        let operations: usize = tables()
            .iter()
            .map(|table| categories(table).values().map(Vec::len).sum::<usize>())
            .sum();
        assert_eq!(operations, all_operations().count());
        assert!(operations >= powerbi::OPERATIONS.len());
        let refresh = find(None, "datasets", "refresh-dataset").expect("a known operation");
        assert_eq!(refresh.name, "refresh_dataset");
    }

    #[test]
    fn flags_are_kebab_case_without_the_odata_dollar() {
        assert_eq!(flag_name("$top"), "top");
        assert_eq!(flag_name("startDateTime"), "start-date-time");
        assert_eq!(flag_name("datasetId"), "dataset-id");
        assert_eq!(kebab("get_activity_events"), "get-activity-events");
    }
}
