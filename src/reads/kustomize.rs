//! The files a `kustomize build` of a directory reads, found by following its
//! kustomization the way kustomize loads one (learnt from kubernetes-sigs/kustomize,
//! api/types/kustomization.go and api/internal/target/kusttarget.go): `resources` and the
//! legacy `bases` (a file is read; a directory is another kustomization, followed in
//! turn), `components` (kustomizations), the files of `patches`, `patchesJson6902` and
//! `patchesStrategicMerge`, of `configMapGenerator`/`secretGenerator` (`files` without
//! their `key=`, `envs`, `env`), `replacements[].path`, `crds`, `configurations`,
//! `openapi.path`, `transformers`/`generators`/`validators` (a file, or a directory
//! followed as a kustomization; inline YAML skipped), and `helmCharts`' local chart home
//! and values files. Each reference is relative to its kustomization's directory;
//! remote ones and those leaving the root are left out; each kustomization is followed
//! once (cycles end there).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use saphyr::Yaml;

use super::inside::{Local, local};
use super::yaml;
use super::{Reads, Unfollowed};

/// The names kustomize looks for in a directory, in its order.
pub const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Follows the kustomization in `dir` and everything it references into `reads`.
pub(super) fn follow(dir: &Path, reads: &mut Reads) -> Result<(), Unfollowed> {
    let mut walker = Walker {
        reads,
        seen: HashSet::new(),
    };
    walker.kustomization(dir)
}

struct Walker<'r> {
    reads: &'r mut Reads,
    /// Kustomization directories followed (resolved paths).
    seen: HashSet<PathBuf>,
}

/// How a reference is followed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// A file, or a directory holding a kustomization (resources, generators…).
    FileOrKustomization,
    /// A directory holding a kustomization (components).
    Kustomization,
    /// A file (patches, generator sources, CRDs…).
    File,
    /// A directory read whole (a chart home).
    Dir,
}

impl Walker<'_> {
    fn kustomization(&mut self, dir: &Path) -> Result<(), Unfollowed> {
        if !self.seen.insert(dir.to_owned()) {
            return Ok(());
        }
        // kustomize fails on a directory without a kustomization: nothing to follow.
        let Some(name) = KUSTOMIZATION_NAMES
            .iter()
            .find(|name| dir.join(name).is_file())
        else {
            return Ok(());
        };
        let file = dir.join(name);
        let unfollowed = |reason: String| Unfollowed {
            file: self.reads.relative(&file),
            reason,
        };
        let text = yaml::read(&file).map_err(unfollowed)?;
        // kustomize decodes the first document and ignores the others.
        let doc = yaml::first_document(&text).map_err(unfollowed)?;
        let refs = references(&doc).map_err(unfollowed)?;
        if let Some(local) = local(dir, name, &self.reads.root.clone()) {
            self.reads.add_file(&local.lexical, &local.canonical);
        }
        for (entry, how) in refs {
            self.reference(dir, &entry, how)?;
        }
        Ok(())
    }

    fn reference(&mut self, dir: &Path, entry: &str, how: Entry) -> Result<(), Unfollowed> {
        let root = self.reads.root.clone();
        let Some(Local { lexical, canonical }) = local(dir, entry, &root) else {
            return Ok(());
        };
        let is_dir = canonical.is_dir();
        match how {
            Entry::File | Entry::FileOrKustomization if !is_dir => {
                self.reads.add_file(&lexical, &canonical);
                Ok(())
            }
            Entry::Kustomization | Entry::FileOrKustomization if is_dir => {
                self.kustomization(&canonical)
            }
            Entry::Dir if is_dir => {
                self.reads.add_dir(&canonical);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Every reference of a kustomization, with how each is followed; a field of the wrong
/// shape is an error (kustomize would refuse it, and what it reads is then unknown).
fn references(doc: &Yaml<'_>) -> Result<Vec<(String, Entry)>, String> {
    let mut refs = Vec::new();
    if matches!(doc, Yaml::Value(saphyr::Scalar::Null)) {
        return Ok(refs);
    }
    if doc.as_mapping().is_none() {
        return Err("not a mapping".to_owned());
    }
    let get = |key: &str| doc.as_mapping_get(key).filter(|v| !is_null(v));
    let mut push = |entry: &str, how| refs.push((entry.to_owned(), how));
    for field in ["resources", "bases"] {
        for entry in strings(get(field), field)? {
            push(entry, Entry::FileOrKustomization);
        }
    }
    for entry in strings(get("components"), "components")? {
        push(entry, Entry::Kustomization);
    }
    for field in ["crds", "configurations"] {
        for entry in strings(get(field), field)? {
            push(entry, Entry::File);
        }
    }
    for field in ["transformers", "generators", "validators"] {
        for entry in strings(get(field), field)? {
            // An inline configuration is YAML text, not a path.
            if !entry.contains('\n') {
                push(entry, Entry::FileOrKustomization);
            }
        }
    }
    for entry in strings(get("patchesStrategicMerge"), "patchesStrategicMerge")? {
        if !entry.contains('\n') {
            push(entry, Entry::File);
        }
    }
    for field in ["patches", "patchesJson6902", "replacements"] {
        for item in maps(get(field), field)? {
            if let Some(path) = string(item, "path", field)? {
                push(path, Entry::File);
            }
        }
    }
    if let Some(openapi) = get("openapi") {
        let Some(_) = openapi.as_mapping() else {
            return Err("openapi: not a mapping".to_owned());
        };
        if let Some(path) = string(openapi, "path", "openapi")? {
            push(path, Entry::File);
        }
    }
    for field in ["configMapGenerator", "secretGenerator"] {
        for item in maps(get(field), field)? {
            for source in strings(item.as_mapping_get("files"), field)? {
                // `key=path`: the key names the entry, the path is read.
                let path = source.split_once('=').map_or(source, |(_, path)| path);
                push(path, Entry::File);
            }
            for source in strings(item.as_mapping_get("envs"), field)? {
                push(source, Entry::File);
            }
            if let Some(env) = string(item, "env", field)? {
                push(env, Entry::File);
            }
        }
    }
    helm_charts(doc, &get, &mut push)?;
    Ok(refs)
}

/// `helmCharts` (and the legacy `helmChartInflationGenerator`): the local chart home
/// (`helmGlobals.chartHome`, default `charts`) read whole, and each chart's values files.
fn helm_charts<'d>(
    doc: &'d Yaml<'d>,
    get: &dyn Fn(&str) -> Option<&'d Yaml<'d>>,
    push: &mut dyn FnMut(&str, Entry),
) -> Result<(), String> {
    let charts = maps(get("helmCharts"), "helmCharts")?;
    let legacy = maps(
        get("helmChartInflationGenerator"),
        "helmChartInflationGenerator",
    )?;
    if charts.is_empty() && legacy.is_empty() {
        return Ok(());
    }
    let globals = doc.as_mapping_get("helmGlobals").filter(|v| !is_null(v));
    let home = match globals {
        Some(globals) => string(globals, "chartHome", "helmGlobals")?,
        None => None,
    };
    push(home.unwrap_or("charts"), Entry::Dir);
    for chart in charts {
        if let Some(values) = string(chart, "valuesFile", "helmCharts")? {
            push(values, Entry::File);
        }
        for values in strings(chart.as_mapping_get("additionalValuesFiles"), "helmCharts")? {
            push(values, Entry::File);
        }
    }
    for chart in legacy {
        if let Some(home) = string(chart, "chartHome", "helmChartInflationGenerator")? {
            push(home, Entry::Dir);
        }
        if let Some(values) = string(chart, "values", "helmChartInflationGenerator")? {
            push(values, Entry::File);
        }
    }
    Ok(())
}

fn is_null(node: &Yaml<'_>) -> bool {
    matches!(node, Yaml::Value(saphyr::Scalar::Null))
}

/// The entries of a list (absent: none).
fn entries<'d>(node: Option<&'d Yaml<'d>>, field: &str) -> Result<&'d [Yaml<'d>], String> {
    match node.filter(|n| !is_null(n)) {
        None => Ok(&[]),
        Some(node) => node
            .as_sequence()
            .map(Vec::as_slice)
            .ok_or_else(|| format!("{field}: not a list")),
    }
}

/// A list of strings (absent: empty).
fn strings<'d>(node: Option<&'d Yaml<'d>>, field: &str) -> Result<Vec<&'d str>, String> {
    entries(node, field)?
        .iter()
        .map(|item| scalar_str(item).ok_or_else(|| format!("{field}: an entry is not a string")))
        .collect()
}

/// A list of mappings (absent: empty).
fn maps<'d>(node: Option<&'d Yaml<'d>>, field: &str) -> Result<Vec<&'d Yaml<'d>>, String> {
    entries(node, field)?
        .iter()
        .map(|item| {
            item.as_mapping()
                .map(|_| item)
                .ok_or_else(|| format!("{field}: an entry is not a mapping"))
        })
        .collect()
}

/// The string at `key` of a mapping (absent: `None`).
fn string<'d>(map: &'d Yaml<'d>, key: &str, field: &str) -> Result<Option<&'d str>, String> {
    match map.as_mapping_get(key).filter(|v| !is_null(v)) {
        None => Ok(None),
        Some(value) => scalar_str(value)
            .map(Some)
            .ok_or_else(|| format!("{field}: {key} is not a string")),
    }
}

/// A string scalar (kustomize, decoding through JSON, refuses a number where a path is
/// expected: `resources: [2024]`).
fn scalar_str<'d>(node: &'d Yaml<'d>) -> Option<&'d str> {
    match node {
        Yaml::Value(saphyr::Scalar::String(s)) => Some(s),
        Yaml::Representation(s, _, _) => Some(s),
        _ => None,
    }
}
