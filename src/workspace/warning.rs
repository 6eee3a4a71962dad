//! [`Warning`]: what the pipeline tells the user without failing — returned, never
//! printed, so that every front end says it its own way (a log line, a KRM result).

use crate::text::ShowPath as _;
use std::fmt;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// Something the user should know; the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A configuration warning (e.g. a fleet.yaml scan with two policies).
    Config(Diagnostic),
    /// A problem in a file outside the app being rendered: that file's markers were
    /// left unresolved.
    Skipped(Diagnostic),
    /// The files an app reads could not be told (a kustomization that is not YAML…):
    /// every file of the repository was resolved, as if the app read them all.
    Unfollowed(crate::reads::Unfollowed),
    /// No configuration applies to the directory: nothing can be resolved.
    NoConfiguration {
        /// The directory, as named.
        dir: PathBuf,
    },
    /// The directory holds no marker: nothing to resolve.
    NoMarkers {
        /// The directory, as named.
        dir: PathBuf,
    },
    /// A scan's registry could not be refreshed; its cached result was served.
    Stale {
        /// The scan.
        scan: String,
        /// Why, and how old the result is.
        message: String,
    },
    /// A problem the scans worked around (a shared cache that was down…).
    Cache(String),
    /// A Helm chart's directory is not streamed by plain `render`: its templates are not
    /// manifests until Helm renders them.
    HelmChart {
        /// The chart's directory, as named.
        dir: PathBuf,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Config(diagnostic) => write!(f, "{diagnostic}"),
            Warning::Skipped(diagnostic) => write!(
                f,
                "{diagnostic}; outside the app, this file's markers were left unresolved"
            ),
            Warning::Unfollowed(unfollowed) => write!(
                f,
                "{}: cannot tell which files the app reads ({}); the markers of every file \
                 of the repository were resolved, and problems outside the app are warnings",
                unfollowed.file.shown(),
                unfollowed.reason
            ),
            Warning::NoConfiguration { dir } => write!(
                f,
                "no configuration found for {}: no imagescan.yaml or fleet.yaml with \
                 imageScans in it or its parents up to the repository root; nothing was \
                 resolved (check the path, or give --config)",
                dir.shown()
            ),
            Warning::NoMarkers { dir } => write!(
                f,
                "no marker found under {}; nothing was resolved",
                dir.shown()
            ),
            Warning::Stale { scan, message } => write!(f, "scan {scan}: {message}"),
            Warning::Cache(message) => write!(f, "{message}"),
            Warning::HelmChart { dir } => write!(
                f,
                "{} is a Helm chart: its templates are not streamed; render it with \
                 `imagescan render {} -- helm template .`",
                dir.shown(),
                dir.shown()
            ),
        }
    }
}
