//! `check`: every problem of a tree's configuration and markers, found with no network.
//! Unlike the other runs it does not stop at an invalid configuration: the markers are
//! still read, and their own problems (malformed JSON, unknown forms) listed too.

use serde::Serialize;

use crate::config::{ConfigError, ConfigSet};
use crate::diagnostic::Diagnostic;
use crate::marker::find_markers;

use super::{Error, Files, Plan, TreeOptions, canonical, load_config};

/// What `check` found.
#[derive(Debug, Default, Serialize)]
pub struct Findings {
    /// Problems: the input is invalid when there is any.
    pub errors: Vec<Diagnostic>,
    /// Warnings: worth fixing, not invalid.
    pub warnings: Vec<Diagnostic>,
    /// What the configuration holds, when it is valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
}

/// A valid configuration's size.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    /// Scans defined.
    pub scans: usize,
    /// `registries:` entries.
    pub registries: usize,
    /// Configuration files read.
    pub files: usize,
    /// Markers found.
    pub markers: usize,
}

/// Checks the configuration and the markers of `options.dir`.
pub fn check(options: &TreeOptions) -> Result<Findings, Error> {
    let mut findings = Findings::default();
    let config = match load_config(options) {
        Ok(config) => Some(config),
        Err(Error::Config(ConfigError::Invalid(diagnostics))) => {
            findings.errors.extend(diagnostics.0);
            None
        }
        Err(error) => return Err(error),
    };
    let scope_root = canonical(&options.dir)?;
    let files = Files::read_tree(&options.dir, &options.dir, &scope_root, &options.excludes)?;
    match &config {
        Some(config) => {
            findings.warnings.extend(config.warnings.iter().cloned());
            let mut plan = Plan::new(config);
            let mut markers = 0;
            for i in 0..files.len() {
                let found = plan.add_file(&files.shown(i), &files.scope_path(i), files.bytes(i));
                markers += found.map_or(0, |f| f.markers.len());
            }
            if let Err(diagnostics) = plan.problems() {
                findings.errors.extend(diagnostics.0);
            }
            findings.summary = Some(summary(config, markers));
        }
        None => {
            for i in 0..files.len() {
                if let Err(errors) = find_markers(files.bytes(i)) {
                    let shown = files.shown(i);
                    findings
                        .errors
                        .extend(errors.iter().map(|e| e.to_diagnostic(&shown)));
                }
            }
        }
    }
    Ok(findings)
}

fn summary(config: &ConfigSet, markers: usize) -> Summary {
    Summary {
        scans: config.scans.len(),
        registries: config.registries.len(),
        files: config.files.len(),
        markers,
    }
}
