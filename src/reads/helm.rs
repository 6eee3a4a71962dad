//! The files a `helm template` of a chart directory reads: the chart's directory whole
//! (`Chart.yaml`, `values.yaml`, `templates/`, `charts/` with its subcharts, files read
//! by `.Files`), the values files given as parameters, and each dependency of
//! `Chart.yaml` (or a Helm 2 chart's `requirements.yaml`) whose `repository` is a
//! `file://` path elsewhere in the repository, followed as a chart in turn.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use saphyr::Yaml;

use super::inside::local;
use super::yaml;
use super::{Reads, Unfollowed};

/// Follows the chart in `dir`, with the values files given (relative to `dir`).
pub(super) fn follow(
    dir: &Path,
    values_files: &[String],
    reads: &mut Reads,
) -> Result<(), Unfollowed> {
    let root = reads.root.clone();
    for file in values_files {
        if let Some(values) = local(dir, file, &root) {
            reads.add_file(&values.lexical, &values.canonical);
        }
    }
    let mut seen = HashSet::new();
    chart(dir, reads, &mut seen)
}

/// Adds the chart in `dir` and follows its local dependencies.
fn chart(dir: &Path, reads: &mut Reads, seen: &mut HashSet<PathBuf>) -> Result<(), Unfollowed> {
    if !seen.insert(dir.to_owned()) {
        return Ok(());
    }
    reads.add_dir(dir);
    let root = reads.root.clone();
    for name in ["Chart.yaml", "requirements.yaml"] {
        let file = dir.join(name);
        if !file.is_file() {
            continue;
        }
        let unfollowed = |reason: String| Unfollowed {
            file: reads.relative(&file),
            reason,
        };
        for repository in dependencies(&file).map_err(unfollowed)? {
            let Some(path) = repository.strip_prefix("file://") else {
                continue;
            };
            if let Some(dependency) = local(dir, path, &root)
                && dependency.canonical.is_dir()
            {
                chart(&dependency.canonical, reads, seen)?;
            }
        }
    }
    Ok(())
}

/// The `repository` of each entry of the file's `dependencies`.
fn dependencies(file: &Path) -> Result<Vec<String>, String> {
    let text = yaml::read(file)?;
    let doc = yaml::first_document(&text)?;
    let Some(list) = doc
        .as_mapping_get("dependencies")
        .and_then(Yaml::as_sequence)
    else {
        return Ok(Vec::new());
    };
    Ok(list
        .iter()
        .filter_map(|dep| dep.as_mapping_get("repository")?.as_str())
        .map(str::to_owned)
        .collect())
}
