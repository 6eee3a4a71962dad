//! Where the repository begins inside Argo CD's plugin server: it unpacks the repository
//! (or, with manifest-generate-paths, the part of it the app needs) into a fresh
//! `<tmp>/_cmp_server/<uuid>/` and runs the plugin in the app path below it, with or
//! without `.git` — and where an app is in it ([`locate`]).

use std::path::{Component, Path, PathBuf};

use super::ArgoError;

/// The plugin server's work directory name (Argo CD's `DefaultCMPWorkDirName`).
const CMP_WORK_DIR: &str = "_cmp_server";

/// The repository root for an app at `app` (absolute, symlinks resolved) whose path in
/// the repository is `source_path` (`ARGOCD_APP_SOURCE_PATH`): the ancestor of `app`
/// directly below a `_cmp_server` directory; else `app` with `source_path` taken off its
/// end; else `None` (the caller looks for `.git`).
pub fn repository_root(app: &Path, source_path: &str) -> Option<PathBuf> {
    for ancestor in app.ancestors() {
        if ancestor
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == CMP_WORK_DIR)
        {
            return Some(ancestor.to_path_buf());
        }
    }
    let parts: Vec<_> = Path::new(source_path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if parts.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut root = app.to_path_buf();
    for part in parts.iter().rev() {
        if root.file_name() != Some(part.as_os_str()) {
            return None;
        }
        root.pop();
    }
    Some(root)
}

/// Where an app is: in its repository, and as files are shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLocation {
    /// The app path, absolute with symlinks resolved.
    pub app: PathBuf,
    /// The repository root, absolute with symlinks resolved; holds `app`.
    pub root: PathBuf,
    /// The app path relative to the root.
    pub app_in_root: PathBuf,
    /// The root as the user reaches it from the app path they named (`../..`, `.`):
    /// files are shown under it (`../../base/deployment.yaml:12`), as read from the
    /// Application, not under Argo CD's temporary path.
    pub shown_root: PathBuf,
}

/// Locates the app at `app` (as named) in its repository: `root` when given (`--root`),
/// else [`repository_root`], else the nearest ancestor holding `.git`, else the app.
pub fn locate(
    app: &Path,
    root: Option<&Path>,
    source_path: &str,
) -> Result<AppLocation, ArgoError> {
    let canonical_app = app.canonicalize().map_err(|source| ArgoError::AppDir {
        path: app.to_owned(),
        source,
    })?;
    let canonical_root = match root {
        Some(root) => root.canonicalize().map_err(|source| ArgoError::Root {
            path: root.to_owned(),
            source,
        })?,
        None => repository_root(&canonical_app, source_path)
            .unwrap_or_else(|| crate::config::repository_root(&canonical_app)),
    };
    let Ok(app_in_root) = canonical_app.strip_prefix(&canonical_root) else {
        return Err(ArgoError::NotInRoot {
            app: app.to_owned(),
            root: canonical_root,
        });
    };
    let app_in_root = app_in_root.to_owned();
    let given: PathBuf = app
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let mut shown_root = crate::config::up_display(&given, app_in_root.components().count());
    if shown_root.as_os_str().is_empty() {
        shown_root = PathBuf::from(".");
    }
    Ok(AppLocation {
        app: canonical_app,
        root: canonical_root,
        app_in_root,
        shown_root,
    })
}
