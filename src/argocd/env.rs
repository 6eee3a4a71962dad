//! The environment Argo CD's plugin server gives `init` and `generate`: the app's build
//! variables, `KUBE_VERSION` / `KUBE_API_VERSIONS`, the Application's plugin `env`
//! (`ARGOCD_ENV_<name>`) and its parameters (`ARGOCD_APP_PARAMETERS`, JSON; the derived
//! `PARAM_*` variables are read only when the JSON is absent).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ArgoError;

/// One parameter of `spec.source.plugin.parameters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: ParameterValue,
}

/// A parameter's value: Argo CD's three collection types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// `string: …`
    String(String),
    /// `array: […]`
    Array(Vec<String>),
    /// `map: {…}`
    Map(BTreeMap<String, String>),
}

/// What the plugin server tells the plugin about the app it renders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArgoEnv {
    /// `ARGOCD_APP_NAME` (`name`, or `namespace_name` for apps in any namespace).
    pub app_name: String,
    /// `ARGOCD_APP_NAMESPACE`: the Application's destination namespace.
    pub app_namespace: String,
    /// `ARGOCD_APP_REVISION`: the commit rendered.
    pub revision: String,
    /// `ARGOCD_APP_SOURCE_PATH`: the app path relative to the repository root.
    pub source_path: String,
    /// `ARGOCD_APP_SOURCE_REPO_URL`.
    pub repo_url: String,
    /// `ARGOCD_APP_SOURCE_TARGET_REVISION`.
    pub target_revision: String,
    /// `KUBE_VERSION` (`1.35.2`; empty when Argo CD does not know it).
    pub kube_version: String,
    /// `KUBE_API_VERSIONS`, split at commas.
    pub api_versions: Vec<String>,
    /// `ARGOCD_ENV_<name>` → value.
    pub plugin_env: BTreeMap<String, String>,
    /// The Application's parameters, in their order.
    pub parameters: Vec<Parameter>,
}

#[derive(Deserialize)]
struct RawParameter {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<BTreeMap<String, String>>,
}

/// Parameter names whose `PARAM_*` variables are read when `ARGOCD_APP_PARAMETERS` is
/// absent: (name, variable base, is an array). Maps cannot be recovered from `PARAM_*`
/// (their keys are upper-cased and escaped).
const PARAM_FALLBACK: [(&str, &str, bool); 3] = [
    ("values-files", "PARAM_VALUES_FILES", true),
    ("values", "PARAM_VALUES", false),
    ("release-name", "PARAM_RELEASE_NAME", false),
];

impl ArgoEnv {
    /// Reads the variables from `vars` (name, value), e.g. `std::env::vars()`.
    pub fn from_vars<I, K, V>(vars: I) -> Result<ArgoEnv, ArgoError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let get = |name: &str| vars.get(name).cloned().unwrap_or_default();
        let parameters = match vars.get("ARGOCD_APP_PARAMETERS") {
            Some(json) => parse_parameters(json)?,
            None => fallback_parameters(&vars),
        };
        Ok(ArgoEnv {
            app_name: get("ARGOCD_APP_NAME"),
            app_namespace: get("ARGOCD_APP_NAMESPACE"),
            revision: get("ARGOCD_APP_REVISION"),
            source_path: get("ARGOCD_APP_SOURCE_PATH"),
            repo_url: get("ARGOCD_APP_SOURCE_REPO_URL"),
            target_revision: get("ARGOCD_APP_SOURCE_TARGET_REVISION"),
            kube_version: get("KUBE_VERSION"),
            api_versions: get("KUBE_API_VERSIONS")
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect(),
            plugin_env: vars
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("ARGOCD_ENV_")
                        .map(|name| (name.to_owned(), v.clone()))
                })
                .collect(),
            parameters,
        })
    }

    /// The app's name without the `namespace_` prefix Argo CD adds for Applications
    /// outside its own namespace (what Argo CD uses as a Helm release name).
    pub fn instance_name(&self) -> &str {
        self.app_name
            .split_once('_')
            .map_or(self.app_name.as_str(), |(_, name)| name)
    }
}

/// `ARGOCD_APP_PARAMETERS`: `null` (no parameters) or a list of
/// `{name, string|array|map}`.
fn parse_parameters(json: &str) -> Result<Vec<Parameter>, ArgoError> {
    let raw: Option<Vec<RawParameter>> =
        serde_json::from_str(json).map_err(|e| ArgoError::ParametersJson(e.to_string()))?;
    raw.unwrap_or_default()
        .into_iter()
        .map(|p| {
            let value = match (p.string, p.array, p.map) {
                (Some(s), None, None) => ParameterValue::String(s),
                (None, Some(a), None) => ParameterValue::Array(a),
                (None, None, Some(m)) => ParameterValue::Map(m),
                _ => {
                    return Err(ArgoError::ParametersJson(format!(
                        "parameter {:?} must have exactly one of string, array, map",
                        p.name
                    )));
                }
            };
            Ok(Parameter {
                name: p.name,
                value,
            })
        })
        .collect()
}

/// The announced string and array parameters, from `PARAM_<NAME>` / `PARAM_<NAME>_<i>`.
fn fallback_parameters(vars: &BTreeMap<String, String>) -> Vec<Parameter> {
    let mut out = Vec::new();
    for (name, base, is_array) in PARAM_FALLBACK {
        if is_array {
            let items: Vec<String> = (0..)
                .map_while(|i| vars.get(&format!("{base}_{i}")).cloned())
                .collect();
            if !items.is_empty() {
                out.push(Parameter {
                    name: name.to_owned(),
                    value: ParameterValue::Array(items),
                });
            }
        } else if let Some(value) = vars.get(base) {
            out.push(Parameter {
                name: name.to_owned(),
                value: ParameterValue::String(value.clone()),
            });
        }
    }
    out
}
