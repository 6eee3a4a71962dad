//! The parameters the imagescan plugin announces (plugin/argocd/install/plugin.yaml),
//! checked and typed: `values-files`, `values`, `helm-parameters`, `release-name`.
//! Announced defaults are not sent by Argo CD; an absent parameter here is the default.

use super::{ArgoError, Parameter, ParameterValue};

/// The Application's parameters for the imagescan plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppParameters {
    /// Helm values files, relative to the app path, in order.
    pub values_files: Vec<String>,
    /// Inline Helm values (YAML), applied after the files.
    pub values: Option<String>,
    /// `--set KEY=VALUE`, in key order.
    pub helm_parameters: Vec<(String, String)>,
    /// The Helm release name (default: the app's name).
    pub release_name: Option<String>,
}

impl AppParameters {
    /// Checks names and types; a parameter the plugin does not announce is an error, so a
    /// misspelt one is not silently ignored.
    pub fn from_parameters(parameters: &[Parameter]) -> Result<AppParameters, ArgoError> {
        let mut out = AppParameters::default();
        for p in parameters {
            let wrong = |expected| ArgoError::ParameterType {
                name: p.name.clone(),
                expected,
            };
            match (p.name.as_str(), &p.value) {
                ("values-files", ParameterValue::Array(files)) => {
                    out.values_files = files.clone();
                }
                ("values-files", _) => return Err(wrong("an array")),
                ("values", ParameterValue::String(s)) => {
                    out.values = Some(s.clone()).filter(|s| !s.trim().is_empty());
                }
                ("values", _) => return Err(wrong("a string")),
                ("helm-parameters", ParameterValue::Map(map)) => {
                    out.helm_parameters = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                }
                ("helm-parameters", _) => return Err(wrong("a map")),
                ("release-name", ParameterValue::String(s)) => {
                    out.release_name = Some(s.clone()).filter(|s| !s.is_empty());
                }
                ("release-name", _) => return Err(wrong("a string")),
                (name, _) => {
                    return Err(ArgoError::UnknownParameter {
                        name: name.to_owned(),
                    });
                }
            }
        }
        Ok(out)
    }
}
