//! Where the repository begins inside Argo CD's plugin server: it unpacks the repository
//! (or, with manifest-generate-paths, the part of it the app needs) into a fresh
//! `<tmp>/_cmp_server/<uuid>/` and runs the plugin in the app path below it, with or
//! without `.git`.

use std::path::{Component, Path, PathBuf};

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
