//! Whoever is signed in to the Azure CLI: `az account get-access-token`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fields::field;
use futures::future::BoxFuture;
use zeroize::Zeroizing;

use super::entra::{Seconds, failure, lifetime};
use super::{AccessToken, Secret, TokenContext, TokenCredential};
use crate::Result;

/// Signs in as whoever ran `az login` on this machine, by running
/// `az account get-access-token --resource <Power BI resource> --output json` (for developers
/// on their own machine; the CLI keeps and renews its own tokens).
///
/// The resource comes from the client's cloud. The program is `az` on the `PATH` (`az.cmd`
/// through `cmd /C` on Windows) unless set with [`with_program`](Self::with_program). Errors
/// say when the CLI is not installed or nobody is signed in.
#[derive(Debug, Clone)]
pub struct AzureCliCredential {
    program: Option<PathBuf>,
    tenant_id: Option<String>,
}

impl Default for AzureCliCredential {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl AzureCliCredential {
    /// Runs `az` from the `PATH`, for the CLI's current tenant.
    #[inline]
    pub fn new() -> Self {
        AzureCliCredential {
            program: None,
            tenant_id: None,
        }
    }

    /// Runs this program instead of `az` (tests point it at a stand-in script).
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }

    /// Asks for a token of this tenant (`--tenant`) instead of the CLI's current one.
    pub fn with_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    #[inline]
    fn command(&self, resource: &str) -> tokio::process::Command {
        let mut arguments: Vec<OsString> = [
            "account",
            "get-access-token",
            "--resource",
            resource,
            "--output",
            "json",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        if let Some(tenant) = &self.tenant_id {
            arguments.push("--tenant".into());
            arguments.push(tenant.into());
        }
        let mut command = match &self.program {
            Some(program) => tokio::process::Command::new(program),
            None if cfg!(windows) => {
                let mut command = tokio::process::Command::new("cmd");
                command.args(["/C", "az"]);
                command
            }
            None => tokio::process::Command::new("az"),
        };
        command
            .args(arguments)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        command
    }
}

impl TokenCredential for AzureCliCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let kind = self.kind();
            let program = self
                .program
                .as_ref()
                .map_or_else(|| "az".to_owned(), |path| path.display().to_string());
            tracing::debug!(program = %program, resource = context.resource(), "running the Azure CLI");
            let output = match self.command(context.resource()).output().await {
                Ok(output) => output,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Err(failure(
                        kind,
                        format!("the Azure CLI ({program}) is not installed or not on the PATH"),
                        Some("install the Azure CLI and run `az login`, or use another credential"),
                    ));
                }
                Err(error) => {
                    return Err(failure(
                        kind,
                        format!("cannot run the Azure CLI ({program}): {error}"),
                        None,
                    ));
                }
            };
            let failed = (!output.status.success()).then(|| cli_failed(kind, &output));
            // Wiped on drop, whether it holds a token or not.
            let stdout = Zeroizing::new(output.stdout);
            if let Some(error) = failed {
                return Err(error);
            }
            let parsed = CliToken::read(&stdout).ok_or_else(|| {
                failure(
                    kind,
                    "`az account get-access-token` printed something other than a token in JSON",
                    None,
                )
            })?;
            let now = SystemTime::now();
            let expires_in = lifetime(None, parsed.expires_on, now)
                .or_else(|| {
                    parsed
                        .expires_on_local
                        .as_deref()
                        .and_then(|text| local_lifetime(text, now))
                })
                .ok_or_else(|| {
                    failure(
                        kind,
                        "`az account get-access-token` gave no usable expiry (expires_on or expiresOn)",
                        None,
                    )
                })?;
            Ok(AccessToken {
                token: Secret::new(parsed.access_token),
                expires_in,
            })
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "Azure CLI"
    }

    #[inline]
    fn cache_key(&self) -> Option<String> {
        Some(format!(
            "azure-cli:{}:{}",
            self.program
                .as_ref()
                .map_or_else(String::new, |path| path.display().to_string()),
            self.tenant_id.as_deref().unwrap_or_default()
        ))
    }
}

/// The error for a run of the Azure CLI that failed: its first line of stderr, and a hint when
/// nobody is signed in or the CLI is missing.
#[inline]
fn cli_failed(kind: &'static str, output: &std::process::Output) -> crate::Error {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message");
    let first: String = first.chars().take(300).collect();
    let not_signed_in = stderr.contains("az login")
        || stderr.contains("AADSTS70043")
        || stderr.contains("AADSTS700082");
    let missing = stderr.contains("not recognized")
        || stderr.contains("command not found")
        || output.status.code() == Some(127);
    let hint = if not_signed_in {
        Some("nobody is signed in to the Azure CLI (or the sign-in expired): run `az login`")
    } else if missing {
        Some("install the Azure CLI and run `az login`, or use another credential")
    } else {
        None
    };
    failure(
        kind,
        format!("`az account get-access-token` failed: {first}"),
        hint,
    )
}

/// What `az account get-access-token` prints, as far as the client uses it.
struct CliToken {
    /// `accessToken`.
    access_token: String,
    /// `expires_on`: Unix seconds (Azure CLI 2.54 and later).
    expires_on: Option<Seconds>,
    /// `expiresOn`: local time without a zone, `2023-10-31 21:59:10.000000` (every version).
    expires_on_local: Option<String>,
}

impl CliToken {
    /// The token, or `None` when the output is not JSON or a field has another type.
    #[inline]
    fn read(stdout: &[u8]) -> Option<CliToken> {
        let object: serde_json::Value = serde_json::from_slice(stdout).ok()?;
        Some(CliToken {
            access_token: field(&object, "accessToken").ok()??,
            expires_on: field(&object, "expires_on").ok()?,
            expires_on_local: field(&object, "expiresOn").ok()?,
        })
    }
}

/// The lifetime left by `expiresOn`, a local time without a zone. The zone is unknown here
/// (and asking the OS is not thread-safe everywhere), but every zone is a whole number of
/// quarter hours from UTC, so the true lifetime is the difference read as UTC, modulo 15
/// minutes: the smallest such positive value is a safe under-estimate.
#[inline]
fn local_lifetime(text: &str, now: SystemTime) -> Option<Duration> {
    let text = text.trim();
    let whole = text.split('.').next()?;
    let (expires, _) = powerbi_types::datetime::text::iso(whole)?;
    let expires = expires.assume_utc();
    let now = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let difference = expires.unix_timestamp().saturating_sub(now);
    let quarter = 15 * 60;
    let left = difference.rem_euclid(quarter);
    let left = if left == 0 { quarter } else { left };
    u64::try_from(left).ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_expiry_gives_a_safe_lifetime() {
        // 2023-10-31 21:00:00 UTC.
        let now = UNIX_EPOCH + Duration::from_secs(1_698_786_000);
        // 50 minutes later in UTC+2 reads 23:50 local.
        let left = local_lifetime("2023-10-31 23:50:00.000000", now).expect("parses");
        assert_eq!(left, Duration::from_secs(5 * 60));
        let left = local_lifetime("2023-10-31 21:50:00", now).expect("parses");
        assert_eq!(left, Duration::from_secs(5 * 60));
        assert!(local_lifetime("tomorrow", now).is_none());
    }
}
