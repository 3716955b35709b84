//! `powerbi-sandbox --port N` (built with the `cli` feature): runs the fake Power BI service and token
//! endpoint on loopback until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use powerbi_sandbox::{Sandbox, SandboxConfig, demo};

/// Fake Power BI REST API and Entra ID token endpoint for local testing.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Loopback port to listen on.
    #[arg(long, default_value_t = 8085)]
    port: u16,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let sandbox = match Sandbox::bind(addr, SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("powerbi-sandbox: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&sandbox);
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("powerbi-sandbox: cannot wait for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    println!("powerbi-sandbox: stopping");
    ExitCode::SUCCESS
}

fn print_banner(sandbox: &Sandbox) {
    println!("powerbi-sandbox listening on {}", sandbox.base_url());
    println!();
    println!(
        "Token endpoint:  {}/{}/oauth2/v2.0/token",
        sandbox.authority_host(),
        demo::TENANT_ID
    );
    println!(
        "                 (tenant may also be {})",
        demo::TENANT_DOMAIN
    );
    println!("Power BI API:    {}/v1.0/myorg", sandbox.api_base_url());
    println!("Scope (app):     {}", demo::POWER_BI_DEFAULT_SCOPE);
    println!("Fabric API:      {}/v1", sandbox.api_base_url());
    println!("Scope (app):     {}", demo::FABRIC_DEFAULT_SCOPE);
    println!();
    println!(
        "Service principal (client credentials, member of \"{}\"):",
        demo::SALES_WORKSPACE_NAME
    );
    println!("  client_id      {}", demo::SP_CLIENT_ID);
    println!("  client_secret  {}", demo::SP_CLIENT_SECRET);
    println!("  object id      {}", demo::SP_OBJECT_ID);
    println!("Outsider service principal (member of no workspace):");
    println!("  client_id      {}", demo::OUTSIDER_SP_CLIENT_ID);
    println!("  client_secret  {}", demo::OUTSIDER_SP_CLIENT_SECRET);
    println!("User (password grant):");
    println!(
        "  client_id      {} (all Power BI scopes)",
        demo::PUBLIC_CLIENT_ID
    );
    println!(
        "  client_id      {} (*.Read.All scopes only)",
        demo::READONLY_PUBLIC_CLIENT_ID
    );
    println!("  username       {}", demo::USER_NAME);
    println!("  password       {}", demo::USER_PASSWORD);
    println!();
    println!("Workspaces:");
    println!(
        "  {}  {}",
        demo::SALES_WORKSPACE_ID,
        demo::SALES_WORKSPACE_NAME
    );
    println!(
        "  {}  {}",
        demo::FINANCE_WORKSPACE_ID,
        demo::FINANCE_WORKSPACE_NAME
    );
    println!();
    println!("Press Ctrl-C to stop.");
}
