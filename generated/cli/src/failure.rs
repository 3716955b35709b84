//! Why a command failed, as one line and an exit code.

/// Another failure: the network, an unreadable answer, a local file.
pub const OTHER: u8 = 1;
/// The command line is wrong (clap's own code for usage errors).
pub const USAGE: u8 = 2;
/// Signing in failed.
pub const SIGN_IN: u8 = 3;
/// The service answered with an error status.
pub const API: u8 = 4;
/// The service throttled the caller (429) beyond the retries.
pub const THROTTLED: u8 = 5;
/// A time limit ran out.
pub const TIMEOUT: u8 = 6;
/// Ctrl-C stopped the command (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// The exit codes, for `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 success, 1 other failure (network, unreadable answer, local file), \
2 usage error, 3 sign-in failed, 4 the API answered with an error (or a job it ran ended \
failed), 5 throttled (429), 6 a time limit ran out (--timeout), 130 interrupted (Ctrl-C).";

/// A failed command: the exit code and the one line printed on stderr.
#[derive(Debug)]
pub struct Failure {
    /// The process's exit code.
    pub code: u8,
    /// What went wrong, one line.
    pub message: String,
}

impl Failure {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    /// Ctrl-C (exit code 130).
    pub fn interrupted(message: impl Into<String>) -> Self {
        Failure {
            code: INTERRUPTED,
            message: message.into(),
        }
    }

    /// A job that the service ran and that ended failed (exit code 4, as an API error).
    pub fn job_failed(message: impl Into<String>) -> Self {
        Failure {
            code: API,
            message: message.into(),
        }
    }

    /// Another failure (exit code 1).
    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            code: OTHER,
            message: message.into(),
        }
    }
}

impl From<powerbi::Error> for Failure {
    fn from(error: powerbi::Error) -> Self {
        let code = match &error {
            powerbi::Error::Api(_) if error.status() == Some(429) => THROTTLED,
            powerbi::Error::Api(_) => API,
            powerbi::Error::Auth(_) => SIGN_IN,
            powerbi::Error::Timeout { .. } => TIMEOUT,
            powerbi::Error::InvalidRequest(_) | powerbi::Error::Config(_) => USAGE,
            _ => OTHER,
        };
        // The library's Display is already one line a user can act on; keep it one line.
        let message = error.to_string().replace('\n', " ");
        Failure { code, message }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        // The reader went away (`pbi ... | head`): nothing more to say to anyone.
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                code: 0,
                message: String::new(),
            };
        }
        Failure::other(error.to_string())
    }
}
