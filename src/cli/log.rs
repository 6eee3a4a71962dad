//! What imagescan says on stderr besides a command's product: errors, warnings, progress
//! and details, filtered by level (`-q`, `-v`, `IMAGESCAN_LOG=error|warn|info|debug`)
//! and written as text lines or JSON lines (`--log-format json`). Never a credential:
//! messages are built from errors and names, which carry none, and every line is
//! scrubbed of the secrets in use ([`crate::redact`]) before it is written.

use std::fmt::Display;
use std::io::Write;
use std::sync::OnceLock;

use clap::ValueEnum;

/// How much is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Level {
    /// Failures only.
    Error,
    /// And warnings (stale cache served, configuration warnings).
    Warn,
    /// And summaries (the default).
    Info,
    /// And details (what each scan selected, from where).
    Debug,
}

/// How it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `imagescan: warning: …` lines.
    Text,
    /// One JSON object a line: `{"level": "warn", "message": "…"}`.
    Json,
}

static SETTINGS: OnceLock<(Level, LogFormat)> = OnceLock::new();

/// An `IMAGESCAN_LOG` value that names no level.
#[derive(Debug, thiserror::Error)]
#[error("IMAGESCAN_LOG={value:?} is not a log level; valid values: error, warn, info, debug")]
pub struct UnknownLevel {
    /// The value as set.
    pub value: String,
}

/// The level `IMAGESCAN_LOG` asks for: `None` when unset or empty.
fn level_from_env(value: Option<std::ffi::OsString>) -> Result<Option<Level>, UnknownLevel> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    Level::from_str(trimmed, true)
        .map(Some)
        .map_err(|_| UnknownLevel {
            value: text.into_owned(),
        })
}

/// Sets the level and format for the process (first call wins). The level is `-q`
/// (error), else `-v` (debug), else `IMAGESCAN_LOG`, else info. An `IMAGESCAN_LOG`
/// that names no level is an error (the format and the default level are set all the
/// same, so that the error itself can be said).
pub fn init(quiet: bool, verbose: u8, format: LogFormat) -> Result<(), UnknownLevel> {
    let from_env = level_from_env(std::env::var_os("IMAGESCAN_LOG"));
    let level = if quiet {
        Level::Error
    } else if verbose > 0 {
        Level::Debug
    } else {
        from_env
            .as_ref()
            .ok()
            .copied()
            .flatten()
            .unwrap_or(Level::Info)
    };
    let _ = SETTINGS.set((level, format));
    from_env.map(|_| ())
}

fn settings() -> (Level, LogFormat) {
    SETTINGS
        .get()
        .copied()
        .unwrap_or((Level::Info, LogFormat::Text))
}

/// Says `message` at `level`, if the level is on.
pub fn log(level: Level, message: impl Display) {
    let (wanted, format) = settings();
    if level > wanted {
        return;
    }
    // The last line of defence: no registered secret is ever written.
    let message = crate::redact::scrub(&message.to_string()).into_owned();
    let mut err = std::io::stderr().lock();
    let _ = match format {
        LogFormat::Text => match level {
            Level::Error => writeln!(err, "imagescan: error: {message}"),
            Level::Warn => writeln!(err, "imagescan: warning: {message}"),
            Level::Info | Level::Debug => writeln!(err, "imagescan: {message}"),
        },
        LogFormat::Json => {
            let level = match level {
                Level::Error => "error",
                Level::Warn => "warn",
                Level::Info => "info",
                Level::Debug => "debug",
            };
            let line = serde_json::json!({ "level": level, "message": message.to_string() });
            writeln!(err, "{line}")
        }
    };
}

/// A finding that is a command's result (a problem `check` found, a value `resolve
/// --check` finds out of date): said whatever the level — as the text line given, or
/// under `--log-format json` as a JSON object of `fields` with `"level": "finding"` and
/// `"kind": kind`.
pub fn finding(kind: &str, text: impl Display, fields: &impl serde::Serialize) {
    let (_, format) = settings();
    let mut err = std::io::stderr().lock();
    let _ = match format {
        LogFormat::Text => writeln!(err, "{text}"),
        LogFormat::Json => {
            let mut line = serde_json::to_value(fields).unwrap_or_default();
            if let Some(object) = line.as_object_mut() {
                object.insert("level".into(), "finding".into());
                object.insert("kind".into(), kind.into());
                object.insert("message".into(), text.to_string().into());
            }
            writeln!(err, "{line}")
        }
    };
}

/// An error (always said).
pub fn error(message: impl Display) {
    log(Level::Error, message);
}

/// A warning.
pub fn warn(message: impl Display) {
    log(Level::Warn, message);
}

/// A summary.
pub fn info(message: impl Display) {
    log(Level::Info, message);
}

/// A detail.
pub fn debug(message: impl Display) {
    log(Level::Debug, message);
}
