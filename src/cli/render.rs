//! `imagescan render [DIR] [-- CMD...]`: the Kubernetes objects under DIR with markers
//! resolved, as one `---`-separated stream on stdout; or, with CMD, resolve the markers in
//! a temporary copy of DIR (or DIR itself with `--in-place`) and run CMD there, passing
//! its stdout through. Nothing reaches stdout unless everything succeeded.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use clap::Args;

use super::common::{ConfigArgs, SourceArgs, parse_size};
use super::workspace::{self, Files};
use super::{Classify, CliError, CliResult, Exit};
use crate::files::{
    DEFAULT_MAX_FILE_BYTES, Excludes, LoadOptions, Loaded, ManifestFile, copy_tree, load,
    manifest_files, marker_files, read_file,
};
use crate::marker::Marker;
use crate::render::{Gather, Run, runs};
use crate::resolve::{FileMarkers, Found, Plan, Replacement};
use crate::rundir::{self, RunDir};
use crate::scan::ScanOutcome;

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
    /// How many bytes of manifests to hold in memory between the two passes (suffixes
    /// KiB, MiB, GiB); files past it are read a second time.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    memory_limit: u64,
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
    // Copies left by renders that were killed go first.
    rundir::sweep();
    let copy = RunDir::new("render")
        .context("cannot create a temporary directory")
        .or_failure()?;
    // The tree goes one level down: the run's lock file stays out of CMD's sight.
    let tree = copy.path().join("tree");
    std::fs::create_dir(&tree)
        .context("cannot create a temporary directory")
        .or_failure()?;
    copy_tree(&args.dir, &tree).or_invalid()?;
    render_command(args, &config, &excludes, &tree)
}

/// Renders in two passes, so that nothing reaches stdout unless every file and scan is
/// fine. The first pass reads every file once, on every core, into memory (up to
/// `--memory-limit`) and finds its markers (and every problem) and the byte ranges of
/// the documents it renders. Then the scans run and every new value is computed. The
/// second pass writes the documents from memory as slices (`writev`), the new values of
/// marked scalars in place of the old ones. Only a file past the memory limit is read
/// again, and checked to be the file planned.
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
    let options = LoadOptions {
        max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        memory_limit: args.memory_limit,
        workers: workspace::readers(),
    };
    let Loaded { analyses, held } = load(&args.dir, &list, &options, first_pass).or_failure()?;

    let mut plan = Plan::new(config);
    let mut passes = Vec::with_capacity(list.len());
    for (file, first) in list.iter().zip(analyses) {
        let shown = args.dir.join(&file.relative);
        let markers = plan.add_found(&shown, &root.join(&file.relative), first.found);
        passes.push(match markers {
            Some(markers) if first.top_level_marked => SecondPass::Rewrite(markers),
            markers => SecondPass::Copy(first.runs, markers),
        });
    }
    plan.problems().map_err(workspace::invalid_diagnostics)?;
    let outcomes = workspace::run_scans(&plan, &args.source)?;

    // Every new value, before anything is written.
    let mut output = Vec::with_capacity(passes.len());
    for (index, pass) in passes.into_iter().enumerate() {
        output.push(match (held.bytes(index), pass) {
            (Some(_), SecondPass::Copy(runs, None)) => Output::Runs(runs, Vec::new()),
            (Some(_), SecondPass::Copy(runs, Some(markers))) => {
                Output::Runs(runs, plan.replacements(&markers, &outcomes).or_failure()?)
            }
            (Some(bytes), SecondPass::Rewrite(markers)) => {
                let mut rewritten = Vec::new();
                plan.rewrite(&markers, bytes, &outcomes, &mut rewritten)
                    .or_failure()?;
                Output::Rewritten(rewritten)
            }
            (None, SecondPass::Copy(_, markers)) => Output::ReadAgain(markers),
            (None, SecondPass::Rewrite(markers)) => Output::ReadAgain(Some(markers)),
        });
    }

    let mut stdout = stdout_file()?;
    let mut stream = Gather::new();
    let mut buffer = Vec::new();
    let mut scratch = Vec::new();
    for (index, (file, output)) in list.iter().zip(&output).enumerate() {
        match output {
            Output::Runs(runs, replacements) => {
                let bytes = held.bytes(index).expect("held files have runs");
                let patches = replacements
                    .iter()
                    .map(|r| (r.range.clone(), r.bytes.as_slice()));
                stream.runs(bytes, runs, patches);
            }
            Output::Rewritten(bytes) => {
                stream.documents_of(bytes, file.format());
            }
            Output::ReadAgain(markers) => {
                let shown = args.dir.join(&file.relative);
                let bytes = read_again(
                    file,
                    &shown,
                    markers.as_ref(),
                    &plan,
                    &outcomes,
                    &mut buffer,
                    &mut scratch,
                )?;
                stream.write_to(&mut stdout).map_err(write_error)?;
                let mut tail = Gather::after(&stream);
                tail.documents_of(bytes, file.format());
                tail.write_to(&mut stdout).map_err(write_error)?;
                stream.resume(&tail);
            }
        }
    }
    stream.write_to(&mut stdout).map_err(write_error)?;
    Ok(Exit::Success)
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

/// What the second pass writes for a file, every new value computed.
enum Output {
    /// These ranges of the bytes held, with these replacements.
    Runs(Vec<Run>, Vec<Replacement>),
    /// The documents of these bytes (the file's, markers resolved).
    Rewritten(Vec<u8>),
    /// The file was past the memory limit: read it again (it must still have these
    /// markers, or none) and write its documents.
    ReadAgain(Option<FileMarkers>),
}

/// Reads a file past the memory limit again and returns the bytes to render: its own,
/// or with these markers resolved. The file must still be the one planned.
fn read_again<'b>(
    file: &ManifestFile,
    shown: &Path,
    markers: Option<&FileMarkers>,
    plan: &Plan<'_>,
    outcomes: &[ScanOutcome],
    buffer: &'b mut Vec<u8>,
    scratch: &'b mut Vec<u8>,
) -> Result<&'b [u8], CliError> {
    let len = read_file(&file.path, DEFAULT_MAX_FILE_BYTES, buffer)
        .with_context(|| format!("cannot read {} again", shown.display()))
        .or_failure()?;
    let bytes = &buffer[..len];
    let changed = || {
        CliError::failure(anyhow::anyhow!(
            "{} changed while it was rendered; render again",
            shown.display()
        ))
    };
    match markers {
        Some(markers) => {
            if !markers.matches(bytes) {
                return Err(changed());
            }
            scratch.clear();
            plan.rewrite(markers, bytes, outcomes, scratch)
                .or_failure()?;
            Ok(scratch)
        }
        None => match Found::in_text(bytes) {
            Found::Markers(found) if found.is_empty() => Ok(bytes),
            _ => Err(changed()),
        },
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

/// Standard output as a file, written with `writev` and no buffer in between.
fn stdout_file() -> Result<File, CliError> {
    std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .map_err(write_error)
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

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::config::ConfigSet;
    use crate::files::manifest_files;

    /// A file past the memory limit is read again in the second pass: it must still be
    /// the file planned — the same markers, or none where there were none.
    #[test]
    fn a_file_read_again_must_be_the_file_planned() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        fs::create_dir(dir.join(".git")).unwrap();
        fs::write(
            dir.join("imagescan.yaml"),
            "imageScans:\n- tagName: web\n  image: example.com/web\n",
        )
        .unwrap();
        let marked = "image: example.com/web:1.0 # {\"$imagescan\": \"web\"}\n";
        let plain = "apiVersion: v1\nkind: ConfigMap\n";
        fs::write(dir.join("a.yaml"), marked).unwrap();
        fs::write(dir.join("b.yaml"), plain).unwrap();
        let config = ConfigSet::load(dir, &[]).unwrap();
        let files = manifest_files(dir, &Excludes::none()).unwrap();
        let mut plan = Plan::new(&config);
        let markers = plan
            .add_found(
                &dir.join("a.yaml"),
                &dir.join("a.yaml"),
                Found::in_text(marked.as_bytes()),
            )
            .unwrap();
        let (mut buffer, mut scratch) = (Vec::new(), Vec::new());
        let mut again = |file: &ManifestFile, markers: Option<&FileMarkers>| {
            let shown = dir.join(&file.relative);
            read_again(file, &shown, markers, &plan, &[], &mut buffer, &mut scratch)
                .map(<[u8]>::to_vec)
                .map_err(|err| format!("{:#}", err.error))
        };

        // Unchanged and without markers: its own bytes.
        assert_eq!(again(&files[1], None).unwrap(), plain.as_bytes());
        // A marked value edited in between: refused, naming the file.
        fs::write(dir.join("a.yaml"), marked.replace("1.0", "1.1")).unwrap();
        let err = again(&files[0], Some(&markers)).unwrap_err();
        assert!(
            err.contains("a.yaml changed while it was rendered"),
            "{err}"
        );
        // A marker that appeared in between: refused too.
        fs::write(dir.join("b.yaml"), format!("{plain}{marked}")).unwrap();
        let err = again(&files[1], None).unwrap_err();
        assert!(
            err.contains("b.yaml changed while it was rendered"),
            "{err}"
        );
    }
}
