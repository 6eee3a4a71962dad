//! Why the pipeline stopped: one error type for every step, each variant with the file,
//! scan or command it is about, and its [`Class`] (the exit code it maps to) decided here
//! for every command alike.

use crate::text::ShowPath as _;
use std::io;
use std::path::PathBuf;

use crate::class::{Class, Classified};
use crate::config::ConfigError;
use crate::diagnostic::Diagnostics;
use crate::files::{LoadError, WalkError};
use crate::scan::ScanErrors;

use super::plan::RewriteError;

/// A failure of the resolution pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration could not be read, or is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The files could not be listed (a symlink leaving the tree, a bad `--exclude`).
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// A file could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Markers are malformed or name scans that do not apply to their file: every
    /// problem, one a line.
    #[error("{count} found:\n{0}", count = problems(.0.0.len()))]
    Problems(
        /// The problems.
        Diagnostics,
    ),
    /// Scans failed: every failed scan, with why.
    #[error(transparent)]
    Scans(#[from] ScanErrors),
    /// A marker's new value could not be computed.
    #[error(transparent)]
    Rewrite(#[from] RewriteError),
    /// Two paths name one file (a symlink and its target) and its markers resolve
    /// differently through them (different scans in scope).
    #[error(
        "{first} and {second} are the same file ({target}), but their markers resolve \
         differently there; nothing was written",
        first = .first.shown(), second = .second.shown(), target = .target.shown()
    )]
    Aliased {
        /// The first path, as shown.
        first: PathBuf,
        /// The second path, as shown.
        second: PathBuf,
        /// The file both name.
        target: PathBuf,
    },
    /// Writing the resolved files failed.
    #[error("cannot write {}; {}", .path.shown(), replaced_state(*.replaced))]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// How many files were already replaced when it failed (0 unless a rename failed).
        replaced: usize,
        /// The cause.
        source: io::Error,
    },
    /// A directory or temporary directory the pipeline needs could not be used.
    #[error("{what} {}", .path.shown())]
    Io {
        /// What was being done, e.g. "cannot create a temporary directory in".
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The output (stdout) could not be written.
    #[error("cannot write the output")]
    Output(#[source] io::Error),
    /// The command run in the resolved tree could not be started.
    #[error("cannot run {program}")]
    Spawn {
        /// The program.
        program: String,
        /// The cause.
        source: io::Error,
    },
    /// The command run in the resolved tree failed; its output was not passed on.
    #[error("{program} failed ({status}); its output was not passed on")]
    Command {
        /// The program.
        program: String,
        /// How it ended.
        status: std::process::ExitStatus,
    },
}

fn problems(n: usize) -> String {
    match n {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    }
}

fn replaced_state(replaced: usize) -> String {
    match replaced {
        0 => "no file was changed".to_owned(),
        1 => "the file before it was replaced".to_owned(),
        n => format!("the {n} files before it were replaced"),
    }
}

impl Classified for Error {
    fn class(&self) -> Class {
        match self {
            Error::Config(ConfigError::Invalid(_)) => Class::Invalid,
            // A --config file or DIR the user named that cannot be read.
            Error::Config(ConfigError::Io { .. }) => Class::Invalid,
            Error::Walk(error) => error.class(),
            Error::Load(LoadError::TooLarge { .. }) => Class::Invalid,
            Error::Load(LoadError::Read { .. } | LoadError::Spill { .. }) => Class::Operational,
            Error::Problems(_) | Error::Aliased { .. } => Class::Invalid,
            Error::Scans(errors) => errors.class(),
            Error::Rewrite(RewriteError::Overlap { .. }) => Class::Invalid,
            Error::Rewrite(RewriteError::MissingDigest { .. }) => Class::Operational,
            Error::Write { .. } | Error::Io { .. } | Error::Output(_) | Error::Spawn { .. } => {
                Class::Operational
            }
            // A signal-killed command has no code: 1 says "operational failure".
            Error::Command { status, .. } => match status.code().map(u8::try_from) {
                Some(Ok(code)) if code != 0 => Class::Command(code),
                _ => Class::Operational,
            },
        }
    }
}

impl Classified for WalkError {
    fn class(&self) -> Class {
        match self {
            // What the user named or put in the tree.
            WalkError::SymlinkEscape { .. }
            | WalkError::Dangling { .. }
            | WalkError::Exclude { .. } => Class::Invalid,
            WalkError::Dir { source, .. } => match source.kind() {
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => Class::Invalid,
                _ => Class::Operational,
            },
            // Copying for `render -- CMD` fails on the environment (a full disk, a
            // permission in the temporary directory), not on the user's input.
            WalkError::Copy { .. } => Class::Operational,
        }
    }
}

impl Classified for ScanErrors {
    fn class(&self) -> Class {
        if self.0.iter().all(crate::scan::ScanError::is_invalid_input) {
            Class::Invalid
        } else {
            Class::Operational
        }
    }
}
