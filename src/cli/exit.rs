//! Exit codes (SPEC §7) and the error type that carries one from a command to `main`.

use std::process::ExitCode;

use crate::class::{Class, Classified};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success,
    /// 1: operational failure (registry, git, no tag selected).
    Failure,
    /// 2: invalid input (usage, configuration, markers).
    Invalid,
    /// 3: `--check` found values out of date.
    Changes,
    /// The exit code of the command `render -- CMD` ran, passed on when it failed.
    Command(u8),
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Invalid => 2,
            Exit::Changes => 3,
            Exit::Command(code) => code,
        })
    }
}

/// A failed command: the error to print and the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    /// Which exit code the failure maps to.
    pub exit: Exit,
    /// What went wrong, with its context chain.
    pub error: anyhow::Error,
}

impl CliError {
    /// An operational failure: exit 1.
    pub fn failure(error: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::Failure,
            error: error.into(),
        }
    }

    /// Invalid input: exit 2.
    pub fn invalid(error: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::Invalid,
            error: error.into(),
        }
    }
}

impl From<Class> for Exit {
    fn from(class: Class) -> Self {
        match class {
            Class::Operational => Exit::Failure,
            Class::Invalid => Exit::Invalid,
            Class::Command(code) => Exit::Command(code),
        }
    }
}

impl From<crate::workspace::Error> for CliError {
    fn from(error: crate::workspace::Error) -> Self {
        CliError::classified(error)
    }
}

impl CliError {
    /// A library error, with the exit code its class maps to.
    pub fn classified<E>(error: E) -> Self
    where
        E: Classified + std::error::Error + Send + Sync + 'static,
    {
        CliError {
            exit: error.class().into(),
            error: error.into(),
        }
    }
}

/// What a command returns: an exit code on success (0, or 3 for `--check`), or an error.
pub type CliResult = Result<Exit, CliError>;

/// Extension to classify any `Result` at the command layer.
pub trait Classify<T> {
    /// Maps the error to exit 1.
    fn or_failure(self) -> Result<T, CliError>;
    /// Maps the error to exit 2.
    fn or_invalid(self) -> Result<T, CliError>;
}

impl<T, E: Into<anyhow::Error>> Classify<T> for Result<T, E> {
    fn or_failure(self) -> Result<T, CliError> {
        self.map_err(CliError::failure)
    }

    fn or_invalid(self) -> Result<T, CliError> {
        self.map_err(CliError::invalid)
    }
}
