//! The kind of app an app path holds, told the way Argo CD's repo-server tells it
//! (a kustomization file → kustomize, else a `Chart.yaml` → Helm, else a directory of
//! manifests), and the command that renders it as Argo CD would: `kustomize build .`, or
//! `helm template .` with the release name, namespace, cluster version, API versions,
//! values files, inline values and `--set` parameters — and what that render reads
//! ([`crate::reads`]).

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use super::{AppParameters, ArgoEnv, ArgoError};
use crate::reads::{AppRender, Reads};

/// Argo CD's kustomization file names (util/kustomize `KustomizationNames`), kustomize's.
use crate::reads::KUSTOMIZATION_NAMES;

/// The kind of app in an app path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// A kustomization: `kustomize build .`.
    Kustomize,
    /// A Helm chart: `helm template .`.
    Helm,
    /// Plain manifests: the objects of the directory.
    Directory,
}

/// How to render an app.
#[derive(Debug)]
pub struct Plan {
    /// Its kind.
    pub kind: AppKind,
    /// The tool and its arguments, run in the app path (`None` for a directory).
    pub tool: Option<(OsString, Vec<OsString>)>,
    /// The inline values written for Helm; removed when the plan is dropped, so it is
    /// kept until the tool has run.
    pub values_file: Option<tempfile::NamedTempFile>,
    /// What the render reads in the repository: the files whose markers are resolved.
    pub reads: Reads,
}

/// The kind of app in `app`: in that directory itself, a kustomization file wins over a
/// `Chart.yaml` (Argo CD checks both and keeps kustomize).
pub fn kind_of(app: &Path) -> Result<AppKind, ArgoError> {
    let mut kind = AppKind::Directory;
    let entries = fs::read_dir(app).map_err(|source| ArgoError::AppDir {
        path: app.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ArgoError::AppDir {
            path: app.to_owned(),
            source,
        })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if KUSTOMIZATION_NAMES.contains(&name) {
            return Ok(AppKind::Kustomize);
        }
        if name.ends_with("Chart.yaml") {
            kind = AppKind::Helm;
        }
    }
    Ok(kind)
}

/// How to render the app at `app` (absolute) of the repository at `root`, and what
/// the render reads there.
pub fn plan(
    app: &Path,
    root: &Path,
    env: &ArgoEnv,
    params: &AppParameters,
) -> Result<Plan, ArgoError> {
    let kind = kind_of(app)?;
    let mut values_file = None;
    let tool = match kind {
        AppKind::Directory => None,
        AppKind::Kustomize => Some((
            OsString::from("kustomize"),
            vec![OsString::from("build"), OsString::from(".")],
        )),
        AppKind::Helm => {
            let mut args = helm_args(app, root, env, params)?;
            if let Some(values) = &params.values {
                let file = write_values(values)?;
                args.push("--values".into());
                args.push(file.path().as_os_str().to_owned());
                values_file = Some(file);
            }
            for version in &env.api_versions {
                args.push("--api-versions".into());
                args.push(version.into());
            }
            args.push("--include-crds".into());
            Some((OsString::from("helm"), args))
        }
    };
    let render = match kind {
        AppKind::Kustomize => AppRender::Kustomize,
        AppKind::Helm => AppRender::Helm {
            values_files: &params.values_files,
        },
        AppKind::Directory => AppRender::Directory,
    };
    Ok(Plan {
        kind,
        tool,
        values_file,
        reads: Reads::of_app(app, root, render),
    })
}

/// `helm template . --name-template R [--namespace N] [--kube-version V] [--set K=V]…
/// [--values F]…` (Argo CD's order; the inline values, API versions and
/// `--include-crds` follow).
fn helm_args(
    app: &Path,
    root: &Path,
    env: &ArgoEnv,
    params: &AppParameters,
) -> Result<Vec<OsString>, ArgoError> {
    let release = params
        .release_name
        .clone()
        .unwrap_or_else(|| env.instance_name().to_owned());
    if release.is_empty() {
        return Err(ArgoError::NoReleaseName);
    }
    let mut args: Vec<OsString> = vec![
        "template".into(),
        ".".into(),
        "--name-template".into(),
        release.into(),
    ];
    if !env.app_namespace.is_empty() {
        args.push("--namespace".into());
        args.push(env.app_namespace.clone().into());
    }
    if !env.kube_version.is_empty() {
        args.push("--kube-version".into());
        args.push(env.kube_version.clone().into());
    }
    for (key, value) in &params.helm_parameters {
        args.push("--set".into());
        args.push(format!("{key}={}", escape_set_value(value)).into());
    }
    for file in &params.values_files {
        args.push("--values".into());
        args.push(values_file_in_root(app, root, file)?.into_os_string());
    }
    Ok(args)
}

/// A values file named relative to the app path, which must be a file inside the
/// repository (symlinks resolved). Returned as given (helm runs in the app path).
fn values_file_in_root(app: &Path, root: &Path, file: &str) -> Result<PathBuf, ArgoError> {
    let given = PathBuf::from(file);
    let refuse = |reason| ArgoError::ValuesFile {
        path: given.clone(),
        reason,
    };
    if given.is_absolute() {
        return Err(refuse(
            "an absolute path (values files are relative to the app path)",
        ));
    }
    // First by name (`..` past the root), then with symlinks resolved.
    let mut lexical = app.to_path_buf();
    for component in given.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::Normal(part) => lexical.push(part),
            _ => {}
        }
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    if !lexical.starts_with(&root) {
        return Err(refuse("outside the repository"));
    }
    let resolved = lexical
        .canonicalize()
        .map_err(|_| refuse("no such file in the repository"))?;
    if !resolved.starts_with(&root) {
        return Err(refuse("outside the repository"));
    }
    if !resolved.is_file() {
        return Err(refuse("not a file"));
    }
    Ok(given)
}

/// Argo CD's `cleanSetParameters`: commas escaped (Helm splits `--set` at them) unless
/// already escaped or the value is a `{…}` list.
fn escape_set_value(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut previous = None;
    for c in value.chars() {
        if c == ',' && previous != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// The inline values in a temporary file (outside the repository, like Argo CD's).
fn write_values(values: &str) -> Result<tempfile::NamedTempFile, ArgoError> {
    let mut file = tempfile::Builder::new()
        .prefix("imagescan-values-")
        .suffix(".yaml")
        .tempfile()
        .map_err(ArgoError::TempValues)?;
    file.write_all(values.as_bytes())
        .and_then(|()| file.flush())
        .map_err(ArgoError::TempValues)?;
    Ok(file)
}
