//! What an operation's markdown description says: its sections (`## Permissions`, `## Required
//! Scope`, `## Required Delegated Scopes`, `## Microsoft Entra supported identities`,
//! `## Limitations`), the scopes and service-principal support they state, and the prose left
//! for the documentation.

/// An operation's description cut at its `## ` headings.
#[derive(Debug, Default)]
pub struct Sections {
    /// The text before the first heading.
    pub intro: String,
    /// Each `## Heading` with its text, in order.
    pub sections: Vec<(String, String)>,
}

impl Sections {
    /// Cuts a markdown description at its `## ` headings.
    pub fn of(description: &str) -> Self {
        let mut sections = Sections::default();
        let mut current: Option<(String, String)> = None;
        for line in description.lines() {
            if let Some(heading) = line.trim_start().strip_prefix("## ") {
                if let Some(done) = current.take() {
                    sections.sections.push(done);
                }
                let heading = heading.trim().trim_end_matches(':').to_owned();
                current = Some((heading, String::new()));
                continue;
            }
            let text = match &mut current {
                Some((_, text)) => text,
                None => &mut sections.intro,
            };
            text.push_str(line);
            text.push('\n');
        }
        sections.sections.extend(current);
        sections
    }

    /// The text of the first section whose heading starts with one of `headings`.
    pub fn section(&self, headings: &[&str]) -> Option<&str> {
        self.sections
            .iter()
            .find(|(heading, _)| headings.iter().any(|wanted| heading.starts_with(wanted)))
            .map(|(_, text)| text.as_str())
    }
}

/// The scopes a "Required Scope" / "Required Delegated Scopes" section states, as the spec
/// writes them: alternatives, each a set of scopes all needed. "A or B" → `[[A], [B]]`;
/// "A and B" → `[[A, B]]`; "All of the following: - A or B - C or D" → every combination,
/// `[[A, C], [A, D], [B, C], [B, D]]`.
pub fn scopes(section: &str) -> Vec<Vec<String>> {
    if section
        .to_ascii_lowercase()
        .contains("all of the following")
    {
        return all_of(section);
    }
    let mut alternatives: Vec<Vec<String>> = Vec::new();
    for line in section.lines() {
        for alternative in line.split(" or ") {
            let set: Vec<String> = alternative.split(" and ").flat_map(scope_words).collect();
            if !set.is_empty() {
                alternatives.push(set);
            }
        }
    }
    alternatives
}

/// The most scope sets one operation's combinations may make.
const MAX_SCOPE_SETS: usize = 64;

/// "All of the following:" and one line per requirement, each line's alternatives joined
/// with "or": the sets that take one alternative of every line.
fn all_of(section: &str) -> Vec<Vec<String>> {
    let mut sets: Vec<Vec<String>> = vec![Vec::new()];
    for line in section.lines() {
        let choices: Vec<Vec<String>> = line
            .split(" or ")
            .map(scope_words)
            .filter(|words| !words.is_empty())
            .collect();
        // Bounded: a description cannot make the draft hold millions of combinations.
        if choices.is_empty() || sets.len().saturating_mul(choices.len()) > MAX_SCOPE_SETS {
            continue;
        }
        sets = sets
            .iter()
            .flat_map(|set| {
                choices.iter().map(move |choice| {
                    let mut combined = set.clone();
                    combined.extend(choice.iter().cloned());
                    combined
                })
            })
            .collect();
    }
    sets.retain(|set| !set.is_empty());
    sets
}

/// The scope names in a piece of text: dotted words starting with a capital
/// (`Dataset.Read.All`), not inside a link or after `*`/`.` (`*itemType*.Read.All`).
fn scope_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut previous = ' ';
    let mut current = String::new();
    let mut usable = true;
    for c in text.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '.' {
            if current.is_empty() {
                usable = !matches!(previous, '*' | '/' | '_');
            }
            current.push(c);
        } else {
            let word = current.trim_end_matches('.');
            if usable && is_scope_name(word) {
                words.push(word.to_owned());
            }
            current.clear();
        }
        previous = c;
    }
    words
}

/// `Word.Word[.Word]`, each part alphanumeric, the first starting with a capital.
fn is_scope_name(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
        && word.starts_with(|c: char| c.is_ascii_uppercase())
}

/// Service-principal support as the description states it: `yes`, `no` or `unknown`.
///
/// Fabric: the "Microsoft Entra supported identities" table's service-principal row. Power BI:
/// the sentences of "Permissions" (and the text before the headings) that speak of service
/// principals; none means Microsoft does not say.
pub fn service_principal(sections: &Sections) -> &'static str {
    if let Some(table) = sections.section(&["Microsoft Entra supported identities"]) {
        for row in table
            .lines()
            .filter(|row| row.trim_start().starts_with('|'))
        {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let Some(identity) = cells.get(1) else {
                continue;
            };
            if identity.to_ascii_lowercase().contains("service principal") {
                let support = cells.get(2).map(|cell| cell.to_ascii_lowercase());
                return match support.as_deref() {
                    Some(cell) if cell.starts_with("yes") => "yes",
                    Some(cell) if cell.starts_with("no") => "no",
                    _ => "unknown",
                };
            }
        }
        return "unknown";
    }
    let mut text = sections.intro.clone();
    if let Some(permissions) = sections.section(&["Permissions"]) {
        text.push_str(permissions);
    }
    powerbi_service_principal(&text)
}

/// Power BI's wording: "... isn't supported" / "aren't supported" about service principals in
/// general is `no`; "can be called by a service principal", "authenticate using a service
/// principal", "only be called by a service principal" is `yes`.
fn powerbi_service_principal(text: &str) -> &'static str {
    let lower = text.to_ascii_lowercase().replace('\n', " ");
    let no = [
        "service principal authentication isn't supported",
        "service principal authentication is not supported",
        "service principals aren't supported.",
        "service principals are not supported.",
    ];
    if no.iter().any(|phrase| lower.contains(phrase)) {
        return "no";
    }
    let yes = [
        "can be called by a service principal",
        "authenticate using a service principal",
        "only be called by a service principal",
        "must use service principal",
        "supports service principal",
    ];
    if yes.iter().any(|phrase| lower.contains(phrase)) {
        return "yes";
    }
    "unknown"
}

/// The documentation left once the machine-read sections are taken out: the intro, then
/// "Permissions", "Limitations" and any other section but the scopes, the identities table
/// and "Interface" (Fabric's empty trailer), with light markdown clean-up (`<br>`).
pub fn notes(sections: &Sections) -> Option<String> {
    let skipped = [
        "Required Scope",
        "Required Delegated Scope",
        "Microsoft Entra supported identities",
        "Interface",
    ];
    let mut parts = Vec::new();
    let intro = clean(&sections.intro);
    if !intro.is_empty() {
        parts.push(intro);
    }
    for (heading, text) in &sections.sections {
        if skipped.iter().any(|skip| heading.starts_with(skip)) {
            continue;
        }
        let text = clean(text);
        if !text.is_empty() {
            parts.push(format!("{heading}:\n\n{text}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// The limits a "Limitations" section states, when it speaks of a rate ("per hour", "per
/// minute"): what the spec's `limits` key holds.
pub fn limits(sections: &Sections) -> Option<String> {
    let text = clean(sections.section(&["Limitations"])?);
    let rate = ["per hour", "per minute", "requests per", "calls per"];
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.trim_start_matches("- ").trim())
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            rate.iter().any(|phrase| lower.contains(phrase))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// Trims a section, drops `<br>` tags and runs of blank lines.
pub fn clean(text: &str) -> String {
    let text = text
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("<br>", "\n");
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line.trim_start());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_alternatives_and_sets() {
        assert_eq!(
            scopes("\nDashboard.ReadWrite.All or Dashboard.Read.All\n"),
            vec![
                vec!["Dashboard.ReadWrite.All".to_owned()],
                vec!["Dashboard.Read.All".to_owned()]
            ]
        );
        assert_eq!(
            scopes("Capacity.ReadWrite.All and Workspace.ReadWrite.All"),
            vec![vec![
                "Capacity.ReadWrite.All".to_owned(),
                "Workspace.ReadWrite.All".to_owned()
            ]]
        );
        assert_eq!(
            scopes("All of the following:\n- Tenant.Read.All\n- Workspace.Read.All\n"),
            vec![vec![
                "Tenant.Read.All".to_owned(),
                "Workspace.Read.All".to_owned()
            ]]
        );
        let set = |a: &str, b: &str| vec![a.to_owned(), b.to_owned()];
        assert_eq!(
            scopes(
                "All of the following:\n\n- Report.ReadWrite.All or Report.Read.All\n- Dataset.ReadWrite.All or Dataset.Read.All\n"
            ),
            vec![
                set("Report.ReadWrite.All", "Dataset.ReadWrite.All"),
                set("Report.ReadWrite.All", "Dataset.Read.All"),
                set("Report.Read.All", "Dataset.ReadWrite.All"),
                set("Report.Read.All", "Dataset.Read.All"),
            ]
        );
        // `*itemType*.Read.All` is a pattern, not a scope; a trailing full stop is dropped.
        assert_eq!(
            scopes(
                "- Generic scope: Item.Read.All\n- Specific scope: *itemType*.Read.All\nTenant.ReadWrite.All."
            ),
            vec![
                vec!["Item.Read.All".to_owned()],
                vec!["Tenant.ReadWrite.All".to_owned()]
            ]
        );
    }

    #[test]
    fn service_principal_reads_the_identities_table_and_power_bi_sentences() {
        let fabric = "Intro\n\n## Microsoft Entra supported identities\n\n| Identity | Support |\n|-|-|\n| User | Yes |\n| [Service principal](/x) and [Managed identities](/y) | No |\n\n## Interface\n";
        assert_eq!(service_principal(&Sections::of(fabric)), "no");
        let powerbi =
            "## Permissions\n\nThis API call can be called by a service principal profile.\n";
        assert_eq!(service_principal(&Sections::of(powerbi)), "yes");
        let silent = "## Permissions\n\nThe user must be an admin.\n";
        assert_eq!(service_principal(&Sections::of(silent)), "unknown");
    }
}
