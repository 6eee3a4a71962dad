//! The render stream (SPEC §7, `render [DIR]`): the Kubernetes objects of a tree, markers
//! resolved, as one `---`-separated stream — the pipeline's steps arranged for speed.
//!
//! Two passes, so that nothing is written unless every file and scan is fine. The first
//! reads every file once, on every core, into memory (up to a memory limit), finds its
//! markers (and every problem) and the byte ranges of the documents it renders. Then the
//! scans run and every new value is computed. The second pass writes the documents from
//! memory as slices (`writev`), the new values of marked scalars in place of the old
//! ones. A file past the memory limit is read back from the private file the first pass
//! spilled it to ([`crate::files::Held::read_spilled`]): it is the file planned, and
//! every new value is known before anything is written.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::files::{LoadError, LoadOptions, Loaded, ManifestFile, load, manifest_files};
use crate::marker::Marker;
use crate::render::{Gather, Run, runs};
use crate::scan::Scanner;

use super::{
    Error, FileMarkers, Found, Plan, Replacement, Scanned, ScannedJob, TreeOptions, Warning,
    canonical, config_warnings, load_config, readers,
};

/// How a tree is streamed.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// The tree.
    pub tree: TreeOptions,
    /// How many bytes of files are held between the passes; files past it are spilled
    /// to a private temporary file.
    pub memory_limit: u64,
    /// Largest file read; a larger one is an error naming it.
    pub max_file_bytes: u64,
}

/// What a render did, besides writing the stream.
#[derive(Debug, Default)]
pub struct Streamed {
    /// What the user should know.
    pub warnings: Vec<Warning>,
    /// Each scan that ran: its name and what it selected.
    pub scans: Vec<(String, crate::scan::ScanOutcome)>,
}

/// Renders the tree of `options` into `out` (written with `writev`, no buffer between).
pub fn render_stream(
    options: &StreamOptions,
    scanner: &Scanner,
    out: &mut File,
) -> Result<Streamed, Error> {
    let tree = &options.tree;
    let config = load_config(tree)?;
    let mut warnings = config_warnings(&config, &tree.dir);
    let (list, charts) = without_charts(&tree.dir, manifest_files(&tree.dir, &tree.excludes)?);
    warnings.extend(charts.into_iter().map(|dir| Warning::HelmChart {
        dir: tree.dir.join(dir),
    }));
    let root = canonical(&tree.dir)?;
    let load_options = LoadOptions {
        max_file_bytes: options.max_file_bytes,
        memory_limit: options.memory_limit,
        workers: readers(),
    };
    let Loaded { analyses, held } = load(&tree.dir, &list, &load_options, first_pass)?;

    let mut plan = Plan::new(&config);
    let mut passes = Vec::with_capacity(list.len());
    for (file, first) in list.iter().zip(analyses) {
        let shown = tree.dir.join(&file.relative);
        let markers = plan.add_found(&shown, &root.join(&file.relative), first.found);
        passes.push(match markers {
            Some(markers) if first.top_level_marked => SecondPass::Rewrite(markers),
            markers => SecondPass::Copy(first.runs, markers),
        });
    }
    plan.problems().map_err(Error::Problems)?;
    if !config.files.is_empty()
        && plan.jobs.is_empty()
        && !passes.iter().any(SecondPass::has_markers)
    {
        warnings.push(Warning::NoMarkers {
            dir: tree.dir.clone(),
        });
    }
    let scanned = plan.run(scanner)?;

    // Every new value, before anything is written.
    let mut output = Vec::with_capacity(passes.len());
    for (index, pass) in passes.into_iter().enumerate() {
        output.push(match (held.bytes(index), pass) {
            (Some(_), SecondPass::Copy(runs, None)) => Output::Runs(runs, Vec::new()),
            (Some(_), SecondPass::Copy(runs, Some(markers))) => {
                Output::Runs(runs, scanned.replacements(&markers)?)
            }
            (Some(bytes), SecondPass::Rewrite(markers)) => {
                let mut rewritten = Vec::new();
                scanned.rewrite(&markers, bytes, &mut rewritten)?;
                Output::Rewritten(rewritten)
            }
            // Every value of a spilled file is computed now too, before anything is
            // written; its bytes are read back while writing.
            (None, SecondPass::Copy(_, markers)) => spilled(&scanned, markers)?,
            (None, SecondPass::Rewrite(markers)) => spilled(&scanned, Some(markers))?,
        });
    }

    let mut stream = Gather::new();
    let mut buffer = Vec::new();
    let mut scratch = Vec::new();
    for (index, (file, output)) in list.iter().zip(&output).enumerate() {
        match output {
            Output::Runs(runs, replacements) => {
                let bytes = held.bytes(index).expect("held files have runs");
                let patches = replacements.iter().map(|r| (r.range.clone(), &*r.bytes));
                stream.runs(bytes, runs, patches);
            }
            Output::Rewritten(bytes) => {
                stream.documents_of(bytes, file.format());
            }
            Output::Spilled(markers) => {
                let bytes = held.read_spilled(index, &mut buffer).map_err(|source| {
                    Error::Load(LoadError::Spill {
                        path: tree.dir.join(&file.relative),
                        source,
                    })
                })?;
                let bytes = match markers {
                    Some(markers) => {
                        scratch.clear();
                        scanned.rewrite(markers, bytes, &mut scratch)?;
                        &scratch
                    }
                    None => bytes,
                };
                stream.write_to(out).map_err(Error::Output)?;
                let mut tail = Gather::after(&stream);
                tail.documents_of(bytes, file.format());
                tail.write_to(out).map_err(Error::Output)?;
                stream.resume(&tail);
            }
        }
    }
    stream.write_to(out).map_err(Error::Output)?;
    warnings.extend(scanned.warnings());
    Ok(Streamed {
        warnings,
        scans: scanned
            .jobs
            .into_iter()
            .map(|ScannedJob { job, outcome }| (job.scan.name.clone(), outcome))
            .collect(),
    })
}

/// Leaves out the files of Helm charts (a directory holding `Chart.yaml` beside a
/// `templates/` directory): their templates are not manifests until Helm renders them.
/// Returns the files kept and the charts' directories (relative).
fn without_charts(dir: &Path, list: Vec<ManifestFile>) -> (Vec<ManifestFile>, Vec<PathBuf>) {
    let charts: Vec<PathBuf> = list
        .iter()
        .filter(|file| file.relative.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|file| file.relative.parent().map(Path::to_owned))
        .filter(|chart| dir.join(chart).join("templates").is_dir())
        .collect();
    if charts.is_empty() {
        return (list, charts);
    }
    let kept = list
        .into_iter()
        .filter(|file| !charts.iter().any(|chart| file.relative.starts_with(chart)))
        .collect();
    (kept, charts)
}

/// What the first pass learns of one file, on a reader thread: its markers and its
/// documents.
struct FirstPass {
    found: Found,
    /// The documents it renders, as byte ranges.
    runs: Vec<Run>,
    /// Whether a marker controls a top-level `kind:`/`apiVersion:` value.
    top_level_marked: bool,
}

fn first_pass(file: &ManifestFile, bytes: &[u8]) -> FirstPass {
    let found = Found::in_text(bytes);
    let top_level_marked = match &found {
        Found::Markers(markers) => marks_a_top_level_key(markers, bytes),
        Found::Errors { .. } => false,
    };
    FirstPass {
        runs: runs(bytes, file.format()),
        found,
        top_level_marked,
    }
}

/// What the second pass does with a file, once the plan is made.
enum SecondPass {
    /// Write these ranges of the file, resolving these markers (if any) on the way.
    Copy(Vec<Run>, Option<FileMarkers>),
    /// Resolve these markers, then split the result into documents again: a marker on a
    /// top-level `kind:` or `apiVersion:` line may change which documents render.
    Rewrite(FileMarkers),
}

impl SecondPass {
    fn has_markers(&self) -> bool {
        matches!(self, SecondPass::Copy(_, Some(_)) | SecondPass::Rewrite(_))
    }
}

/// What the second pass writes for a file, every new value computed.
enum Output {
    /// These ranges of the bytes held, with these replacements.
    Runs(Vec<Run>, Vec<Replacement>),
    /// The documents of these bytes (the file's, markers resolved).
    Rewritten(Vec<u8>),
    /// The file was past the memory limit: read it back from the spill file, resolve
    /// these markers (if any) and write its documents.
    Spilled(Option<FileMarkers>),
}

/// The output of a spilled file, its markers' values checked to resolve.
fn spilled(scanned: &Scanned<'_>, markers: Option<FileMarkers>) -> Result<Output, Error> {
    if let Some(markers) = &markers {
        scanned.replacements(markers)?;
    }
    Ok(Output::Spilled(markers))
}

/// Whether a marker controls a top-level `kind:` or `apiVersion:` value.
fn marks_a_top_level_key(markers: &[Marker], text: &[u8]) -> bool {
    markers.iter().any(|marker| {
        let start = text[..marker.span.start]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = &text[start..];
        line.starts_with(b"kind:") || line.starts_with(b"apiVersion:")
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::files::Excludes;

    #[test]
    fn chart_directories_are_left_out() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        for (path, text) in [
            ("app/deploy.yaml", "kind: A\n"),
            ("charts/web/Chart.yaml", "apiVersion: v2\n"),
            ("charts/web/values.yaml", "a: 1\n"),
            ("charts/web/templates/d.yaml", "kind: {{ .Values.k }}\n"),
            ("loose/Chart.yaml", "apiVersion: v2\n"),
        ] {
            fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            fs::write(dir.join(path), text).unwrap();
        }
        let (kept, charts) = without_charts(dir, manifest_files(dir, &Excludes::none()).unwrap());
        let kept: Vec<_> = kept.iter().map(|f| f.relative.clone()).collect();
        assert_eq!(
            kept,
            [PathBuf::from("app/deploy.yaml"), "loose/Chart.yaml".into()]
        );
        assert_eq!(charts, [PathBuf::from("charts/web")]);
    }
}
