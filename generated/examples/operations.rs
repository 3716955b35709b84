//! Prints the operations table: `cargo run -p powerbi --example operations [-- CATEGORY...]`.
//!
//! One line per operation: category, name, method, path template(s), the delegated scopes
//! that allow it and whether a service principal may call it; use it to choose the
//! least-privilege scopes of an app registration. With a single-category build
//! (`--no-default-features --features datasets`) it lists only that category.

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for operation in powerbi::OPERATIONS {
        if !wanted.is_empty() && !wanted.iter().any(|category| category == operation.category) {
            continue;
        }
        let scopes: Vec<String> = operation.scopes.iter().map(|set| set.join("+")).collect();
        println!(
            "{}\t{}\t{:?}\t{}\t{}\tservice principal: {:?}",
            operation.category,
            operation.name,
            operation.method,
            operation.path_templates().join(" | "),
            if scopes.is_empty() {
                "-".to_owned()
            } else {
                scopes.join(" or ")
            },
            operation.service_principal,
        );
    }
}
