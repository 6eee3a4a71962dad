//! Why the Argo CD plugin's input was refused.

use crate::text::ShowPath as _;
use std::path::PathBuf;

use crate::class::{Class, Classified};

/// A problem with what Argo CD handed the plugin (its environment, the parameters of the
/// Application, the app path), or with the temporary values file.
#[derive(Debug, thiserror::Error)]
pub enum ArgoError {
    /// `ARGOCD_APP_PARAMETERS` is not the JSON Argo CD writes.
    #[error("ARGOCD_APP_PARAMETERS is not a JSON list of parameters: {0}")]
    ParametersJson(String),
    /// A parameter the plugin does not announce.
    #[error(
        "unknown parameter {name_q} (the imagescan plugin takes values-files, values, \
         helm-parameters and release-name)", name_q = crate::text::quoted(.name))]
    UnknownParameter {
        /// Its name.
        name: String,
    },
    /// A parameter of the wrong type (`values-files` given as a string…).
    #[error("parameter {name_q} must be {expected}", name_q = crate::text::quoted(.name))]
    ParameterType {
        /// Its name.
        name: String,
        /// `a string`, `an array`, `a map`.
        expected: &'static str,
    },
    /// A values file that leaves the repository, or is absent.
    #[error("parameter values-files: {}: {reason}", .path.shown())]
    ValuesFile {
        /// The file as given (relative to the app path).
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A Helm chart app with no release name: no `release-name`, no `ARGOCD_APP_NAME`.
    #[error(
        "a Helm chart app needs a release name: set the release-name parameter (ARGOCD_APP_NAME is empty)"
    )]
    NoReleaseName,
    /// The app path could not be read.
    #[error("cannot read the app directory {}", .path.shown())]
    AppDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--root` could not be read.
    #[error("cannot read --root {}", .path.shown())]
    Root {
        /// The directory given.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The app path is not inside the repository root.
    #[error("the app path {} is not inside the repository root {}", .app.shown(), .root.shown())]
    NotInRoot {
        /// The app path, as named.
        app: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// The inline `values` could not be written to a temporary file.
    #[error("cannot write the inline values to a temporary file")]
    TempValues(#[source] std::io::Error),
}

impl Classified for ArgoError {
    fn class(&self) -> Class {
        match self {
            ArgoError::AppDir { .. } | ArgoError::TempValues(_) => Class::Operational,
            _ => Class::Invalid,
        }
    }
}
