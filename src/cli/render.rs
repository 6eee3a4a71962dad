//! `imagescan render [DIR] [-- CMD...]`: the Kubernetes objects under DIR with markers
//! resolved, as one `---`-separated stream on stdout; or, with CMD, resolve the markers in
//! a temporary copy of DIR (or DIR itself with `--in-place`) and run CMD there, passing
//! its stdout through. Nothing reaches stdout unless everything succeeded.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use clap::Args;

use super::common::{ConfigArgs, SourceArgs};
use super::workspace::{self, Files};
use super::{Classify, CliError, CliResult, Exit};
use crate::marker::Marker;
use crate::render::handles::open_file_budget;
use crate::render::{
    Excludes, Format, ManifestFile, Run, StreamWriter, copy_tree, manifest_files, marker_files,
    runs,
};
use crate::resolve::{FileMarkers, Found, Plan};

/// Arguments of `imagescan render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The directory to render.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// With CMD: resolve the markers in DIR itself instead of a temporary copy.
    #[arg(long, requires = "command")]
    in_place: bool,
    /// A command to run in the resolved directory, e.g. `-- kubectl kustomize .`.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

/// Runs `imagescan render`.
pub fn run(args: &RenderArgs) -> CliResult {
    let config = workspace::load_config(&args.dir, &args.config.config)?;
    let excludes = Excludes::new(&args.exclude).or_invalid()?;
    if args.command.is_empty() {
        return render_stream(args, &config, &excludes);
    }
    if args.in_place {
        return render_command(args, &config, &excludes, &args.dir);
    }
    let copy = tempfile::Builder::new()
        .prefix("imagescan-render-")
        .tempdir()
        .context("cannot create a temporary directory")
        .or_failure()?;
    copy_tree(&args.dir, copy.path()).or_invalid()?;
    render_command(args, &config, &excludes, copy.path())
}

/// Renders in two passes, so that nothing reaches stdout unless every file and scan is
/// fine. The first pass reads each file into one reused buffer and finds its markers (and
/// every problem) and the byte ranges of the documents it renders. Then the scans run.
/// The second pass copies those ranges from the files to stdout in the kernel, writing
/// the new values of marked scalars in place of the old ones on the way; a file with
/// markers must not have changed in between (size and modification time). Holding the
/// whole tree in fresh memory instead costs more in page faults than copying twice
/// (docs/render.md has the figures).
fn render_stream(
    args: &RenderArgs,
    config: &crate::config::ConfigSet,
    excludes: &Excludes,
) -> CliResult {
    let list = manifest_files(&args.dir, excludes).or_invalid()?;
    let root = args
        .dir
        .canonicalize()
        .with_context(|| format!("cannot open directory {}", args.dir.display()))
        .or_invalid()?;
    // Files stay open for the second pass, as many as the open-file limit allows. The
    // first pass runs on one thread: reading on two measured slower here (docs/render.md).
    let mut budget = open_file_budget();
    let mut buffer = Vec::new();
    let first = list
        .iter()
        .map(|file| read_and_find(&args.dir, file, &mut budget, &mut buffer));
    let mut plan = Plan::new(config);
    let mut passes = Vec::with_capacity(list.len());
    for (file, first) in list.iter().zip(first) {
        let FirstRead {
            found,
            runs,
            top_level_marked,
            unchanged,
            opened,
        } = first?;
        let shown = args.dir.join(&file.relative);
        let pass = match (
            plan.add_found(&shown, &root.join(&file.relative), found),
            unchanged,
        ) {
            (None, _) => SecondPass::Copy(runs, None),
            (Some(markers), Some(unchanged)) if !top_level_marked => {
                SecondPass::Copy(runs, Some((markers, unchanged)))
            }
            (Some(markers), _) => SecondPass::Rewrite(markers),
        };
        passes.push((pass, opened));
    }
    plan.problems().map_err(workspace::invalid_diagnostics)?;
    let outcomes = workspace::run_scans(&plan, &args.source)?;

    let stdout = std::io::stdout().lock();
    let mut stream = StreamWriter::new(std::io::BufWriter::with_capacity(1 << 20, stdout));
    let mut scratch = Vec::new();
    for (file, (pass, opened)) in list.iter().zip(passes) {
        let shown = args.dir.join(&file.relative);
        if pass.is_empty() {
            continue;
        }
        let opened = match opened {
            Some(opened) => opened,
            None => File::open(&file.path)
                .with_context(|| format!("cannot read {}", shown.display()))
                .or_failure()?,
        };
        match pass {
            SecondPass::Copy(runs, markers) => {
                let replacements = match &markers {
                    None => Vec::new(),
                    Some((markers, unchanged)) => {
                        unchanged.check(&opened, &shown)?;
                        plan.replacements(markers, &outcomes).or_failure()?
                    }
                };
                let patches: Vec<_> = replacements
                    .iter()
                    .map(|r| (r.range.clone(), r.bytes.as_slice()))
                    .collect();
                stream
                    .copy_runs(&opened, &runs, &patches)
                    .with_context(|| format!("cannot copy {} to stdout", shown.display()))
                    .or_failure()?;
            }
            SecondPass::Rewrite(markers) => {
                workspace::reread(&opened, &shown, &mut buffer)?;
                // The file must still be the one planned: edits are byte ranges.
                if !markers.matches(&buffer) {
                    return Err(CliError::failure(anyhow::anyhow!(
                        "{} changed while it was rendered; render again",
                        shown.display()
                    )));
                }
                scratch.clear();
                plan.rewrite(&markers, &buffer, &outcomes, &mut scratch)
                    .or_failure()?;
                stream
                    .write_file(&scratch, format_of(file))
                    .map_err(write_error)?;
            }
        }
    }
    stream.finish().map_err(write_error)?;
    Ok(Exit::Success)
}

/// What the first pass learned of one file, before planning (which needs the
/// configuration).
struct FirstRead {
    found: Found,
    /// The documents it renders, as byte ranges.
    runs: Vec<Run>,
    /// Whether a marker controls a top-level `kind:`/`apiVersion:` value.
    top_level_marked: bool,
    /// Size and time when read, for a file with markers.
    unchanged: Option<Unchanged>,
    /// The file, kept open for the second pass when the budget allows.
    opened: Option<File>,
}

fn read_and_find(
    dir: &Path,
    file: &ManifestFile,
    budget: &mut usize,
    buffer: &mut Vec<u8>,
) -> Result<FirstRead, CliError> {
    let shown = dir.join(&file.relative);
    let opened = workspace::read_file(&file.path, &shown, buffer)?;
    let found = Found::in_text(buffer);
    let runs = runs(buffer, format_of(file));
    let (top_level_marked, unchanged) = match &found {
        Found::Markers(markers) if !markers.is_empty() => (
            marks_a_top_level_key(markers, buffer),
            Some(Unchanged::of(&opened, &shown)?),
        ),
        _ => (false, None),
    };
    let wanted = !runs.is_empty() || matches!(&found, Found::Markers(m) if !m.is_empty());
    let keep = wanted && *budget > 0;
    *budget -= usize::from(keep);
    Ok(FirstRead {
        found,
        runs,
        top_level_marked,
        unchanged,
        opened: keep.then_some(opened),
    })
}

/// What the second pass of [`render_stream`] does with a file.
enum SecondPass {
    /// Copy these ranges of the file, resolving these markers (if any) on the way.
    Copy(Vec<Run>, Option<(FileMarkers, Unchanged)>),
    /// Read it again and resolve these markers: a marker on a top-level `kind:` or
    /// `apiVersion:` line may change which documents render.
    Rewrite(FileMarkers),
}

impl SecondPass {
    /// Whether the file contributes nothing to the output.
    fn is_empty(&self) -> bool {
        matches!(self, SecondPass::Copy(runs, _) if runs.is_empty())
    }
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

/// A file's size and modification time when its markers were found: the second pass
/// edits byte ranges, so the file must not have changed in between.
struct Unchanged(u64, Option<std::time::SystemTime>);

impl Unchanged {
    fn of(file: &File, shown: &Path) -> Result<Self, CliError> {
        let meta = file
            .metadata()
            .with_context(|| format!("cannot read {}", shown.display()))
            .or_failure()?;
        Ok(Unchanged(meta.len(), meta.modified().ok()))
    }

    fn check(&self, file: &File, shown: &Path) -> Result<(), CliError> {
        let now = Unchanged::of(file, shown)?;
        if now.0 == self.0 && now.1 == self.1 {
            Ok(())
        } else {
            Err(CliError::failure(anyhow::anyhow!(
                "{} changed while it was rendered; render again",
                shown.display()
            )))
        }
    }
}

fn format_of(file: &ManifestFile) -> Format {
    if file.json {
        Format::Json
    } else {
        Format::Yaml
    }
}

fn render_command(
    args: &RenderArgs,
    config: &crate::config::ConfigSet,
    excludes: &Excludes,
    workdir: &Path,
) -> CliResult {
    let original = args
        .dir
        .canonicalize()
        .with_context(|| format!("cannot open directory {}", args.dir.display()))
        .or_invalid()?;
    let list = marker_files(workdir, excludes).or_invalid()?;
    let files = Files::read(workdir, list)?;
    let (plan, markers) = files.plan(config, &args.dir, &original)?;
    let outcomes = workspace::run_scans(&plan, &args.source)?;
    let mut rewritten = Vec::new();
    for (i, markers) in markers.iter().enumerate() {
        let Some(markers) = markers else { continue };
        let mut out = Vec::new();
        let changes = plan
            .rewrite(markers, files.bytes(i), &outcomes, &mut out)
            .or_failure()?;
        if !changes.is_empty() {
            rewritten.push((i, out));
        }
    }
    let rewritten: Vec<(usize, &[u8])> = rewritten
        .iter()
        .map(|(i, out)| (*i, out.as_slice()))
        .collect();
    workspace::write_files(&files, &args.dir, &rewritten)?;

    let (program, rest) = args.command.split_first().expect("clap requires CMD");
    let output = Command::new(program)
        .args(rest)
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", program.to_string_lossy()))
        .or_failure()?;
    if !output.status.success() {
        // A signal-killed command has no code; 1 says "operational failure".
        let code = output
            .status
            .code()
            .and_then(|code| u8::try_from(code).ok())
            .filter(|&code| code != 0)
            .unwrap_or(1);
        return Err(CliError {
            exit: Exit::Command(code),
            error: anyhow::anyhow!(
                "{} failed ({}); its output was not passed on",
                program.to_string_lossy(),
                output.status
            ),
        });
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&output.stdout)
        .and_then(|()| stdout.flush())
        .map_err(write_error)?;
    Ok(Exit::Success)
}

fn write_error(error: std::io::Error) -> CliError {
    CliError::failure(anyhow::Error::new(error).context("cannot write to stdout"))
}
