//! `imagescan writeback [DIR | --repo URL] …`: resolve the markers of a git checkout (a
//! local one, or a shallow clone of `--repo`), commit what changed and push it (SPEC §8).
//! The git cycle is [`crate::writeback::run`]; this file plugs the marker pipeline of
//! `resolve` into it and maps its outcome to output and exit codes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::common::{ConfigArgs, SourceArgs};
use super::log;
use super::workspace::{self, Files};
use super::{Classify, CliError, CliResult, Exit};
use crate::config::{CommitSettings, ConfigSet, DEFAULT_INTERVAL, parse_duration};
use crate::files::{Excludes, marker_files};
use crate::fsutil::write_all_atomic;
use crate::writeback::gitrepo::GitRepo;
use crate::writeback::run::{self, Outcome, WritebackError};
use crate::writeback::settings::{Checkout, Flags, Settings};
use crate::writeback::{Change, Resolver};

/// Arguments of `imagescan writeback`.
#[derive(Debug, Args)]
pub struct WritebackArgs {
    /// A local checkout (or a directory inside one) to update in place.
    #[arg(conflicts_with = "repo")]
    dir: Option<PathBuf>,
    /// Clone this repository (shallow, single branch) into a temporary directory.
    #[arg(long, value_name = "URL")]
    repo: Option<String>,
    /// The branch to clone, or to expect checked out.
    #[arg(long, value_name = "B")]
    branch: Option<String>,
    /// The branch to push to (default: the checked-out one; created when missing).
    #[arg(long, value_name = "B")]
    push_branch: Option<String>,
    /// Resolve markers only under this path of the repository (repeatable).
    #[arg(long = "path", value_name = "P")]
    paths: Vec<PathBuf>,
    /// Git credentials from $IMAGESCAN_SECRETS_DIR/NAME/ (username+password, or
    /// ssh-privatekey and known_hosts).
    #[arg(long, value_name = "NAME")]
    client_secret: Option<String>,
    /// Take repo, branch, paths, clientSecretName, imageScanCommit and
    /// imageScanInterval from this Fleet GitRepo manifest (flags win).
    #[arg(long, value_name = "FILE")]
    gitrepo: Option<PathBuf>,
    /// Print the diff and the commit message; change nothing, locally or remotely.
    #[arg(long)]
    dry_run: bool,
    /// Repeat until SIGTERM/SIGINT, finishing the current cycle.
    #[arg(long)]
    watch: bool,
    /// With --watch: time between cycles (Go duration; default: the GitRepo's
    /// imageScanInterval, else the smallest scan interval of a local checkout, else 15m).
    #[arg(long, value_name = "D", requires = "watch", value_parser = go_duration)]
    interval: Option<Duration>,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
}

fn go_duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// Runs `imagescan writeback`.
pub fn run(args: &WritebackArgs) -> CliResult {
    let gitrepo = args
        .gitrepo
        .as_deref()
        .map(|path| GitRepo::read(path).map(|repo| (repo, path)))
        .transpose()
        .or_invalid()?;
    let flags = Flags {
        dir: args.dir.clone(),
        repo: args.repo.clone(),
        branch: args.branch.clone(),
        push_branch: args.push_branch.clone(),
        paths: args.paths.clone(),
        client_secret: args.client_secret.clone(),
        interval: args.interval,
        dry_run: args.dry_run,
        ..Flags::default()
    };
    let settings = Settings::resolve(flags, gitrepo.as_ref().map(|(r, p)| (r, *p))).or_invalid()?;
    let mut resolver = MarkerResolver {
        config: args.config.config.clone(),
        source: args.source.clone(),
        loaded: None,
    };
    let stdout = std::io::stdout();
    if !args.watch {
        let outcome =
            run::run_once(&settings, &mut resolver, &mut stdout.lock()).map_err(writeback_error)?;
        report(&outcome);
        return Ok(Exit::Success);
    }
    let interval = watch_interval(&settings)?;
    let stop = run::stop_on_signals()
        .context("cannot install signal handlers")
        .or_failure()?;
    let mut failure = None;
    run::watch(
        &settings,
        &mut resolver,
        interval,
        &stop,
        &mut stdout.lock(),
        |result| {
            match result {
                Ok(outcome) => {
                    report(&outcome);
                    true
                }
                Err(error) => {
                    let error = writeback_error(error);
                    log::error(format_args!("{:#}", error.error));
                    // Invalid input will not fix itself; a registry or git outage may.
                    let go_on = error.exit != Exit::Invalid;
                    if !go_on {
                        failure = Some(error);
                    }
                    go_on
                }
            }
        },
    );
    failure.map_or(Ok(Exit::Success), Err)
}

fn watch_interval(settings: &Settings) -> Result<Duration, CliError> {
    if let Some(interval) = settings.interval {
        return Ok(interval);
    }
    if let Some((text, line)) = &settings.gitrepo_interval {
        return parse_duration(text)
            .with_context(|| format!("imageScanInterval at line {line}"))
            .or_invalid();
    }
    if let Checkout::Local(dir) = &settings.checkout
        && let Ok(config) = ConfigSet::load(dir, &[])
        && let Some(smallest) = config.scans.iter().map(|s| s.interval).min()
    {
        return Ok(smallest.max(Duration::from_secs(1)));
    }
    Ok(DEFAULT_INTERVAL)
}

fn report(outcome: &Outcome) {
    match outcome {
        Outcome::Unchanged => log::info("every value is current; no commit"),
        Outcome::Pushed {
            commit,
            branch,
            attempts,
            changes,
        } => log::info(format_args!(
            "pushed {commit} to {branch} ({} value(s) changed, {attempts} attempt(s))",
            changes.len()
        )),
        Outcome::DryRun { changes } => log::info(format_args!(
            "dry run: {} value(s) would change; nothing was written",
            changes.len()
        )),
    }
}

fn writeback_error(error: WritebackError) -> CliError {
    if let WritebackError::Resolve { source, .. } = &error
        && let Some(failure) = source.downcast_ref::<ResolveFailure>()
    {
        return CliError {
            exit: failure.exit,
            error: anyhow::Error::new(error),
        };
    }
    if error.is_invalid_input() {
        CliError::invalid(error)
    } else {
        CliError::failure(error)
    }
}

/// A failure of the marker pipeline, keeping the exit code it maps to.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct ResolveFailure {
    exit: Exit,
    message: String,
}

impl From<CliError> for ResolveFailure {
    fn from(error: CliError) -> Self {
        ResolveFailure {
            exit: error.exit,
            message: format!("{:#}", error.error),
        }
    }
}

/// Resolves markers in a work tree with the same pipeline as `imagescan resolve --write`.
#[derive(Debug)]
struct MarkerResolver {
    config: Vec<PathBuf>,
    source: SourceArgs,
    /// The configuration [`Resolver::commit_settings`] loaded, for the first
    /// [`Resolver::resolve`] of the same directory (the tree has not changed between
    /// the two; a later attempt, on a new head, loads it afresh).
    loaded: Option<(PathBuf, ConfigSet)>,
}

impl MarkerResolver {
    fn dirs(root: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
        if paths.is_empty() {
            vec![root.to_owned()]
        } else {
            paths.iter().map(|p| root.join(p)).collect()
        }
    }

    fn load(&mut self, root: &Path, dir: &Path) -> Result<ConfigSet, CliError> {
        match self.loaded.take() {
            Some((loaded_dir, config)) if loaded_dir == dir => Ok(config),
            _ => workspace::load_config_with_root(dir, &self.config, Some(root)),
        }
    }

    fn resolve_dir(&mut self, root: &Path, dir: &Path) -> Result<Vec<Change>, CliError> {
        let config = self.load(root, dir)?;
        let list = marker_files(dir, &Excludes::none()).or_invalid()?;
        let files = Files::read(dir, list)?;
        let (plan, markers) = files.plan(&config, dir, &files.root)?;
        let outcomes = workspace::run_scans(&plan, &self.source)?;
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot open {}", root.display()))
            .or_failure()?;
        let mut changes = Vec::new();
        let mut writes = Vec::new();
        for (i, file) in files.list.iter().enumerate() {
            let Some(file_markers) = &markers[i] else {
                continue;
            };
            let mut new = Vec::new();
            let changed = plan
                .rewrite(file_markers, files.bytes(i), &outcomes, &mut new)
                .or_failure()?;
            if changed.is_empty() {
                continue;
            }
            let path = files.root.join(&file.relative);
            let relative = path.strip_prefix(&root).unwrap_or(&path).to_owned();
            changes.extend(changed.into_iter().map(|c| Change {
                file: relative.clone(),
                line: c.line,
                image: image_of(&config, &path, &c.scan),
                scan: c.scan,
                old_value: c.old_value,
                new_value: c.new_value,
            }));
            writes.push((path, new));
        }
        // All files or none, as `resolve --write`.
        let writes: Vec<(&Path, &[u8])> = writes
            .iter()
            .map(|(path, new)| (path.as_path(), new.as_slice()))
            .collect();
        write_all_atomic(&writes)
            .map_err(|err| {
                anyhow::Error::new(err.error)
                    .context(format!("cannot write {}", writes[err.index].0.display()))
            })
            .or_failure()?;
        Ok(changes)
    }
}

fn image_of(config: &ConfigSet, file: &Path, scan: &str) -> String {
    config
        .scan_for_resolved(file, scan)
        .map(|s| s.reference.name.clone())
        .unwrap_or_default()
}

impl Resolver for MarkerResolver {
    type Error = ResolveFailure;

    fn resolve(&mut self, root: &Path, paths: &[PathBuf]) -> Result<Vec<Change>, ResolveFailure> {
        let mut changes = Vec::new();
        for dir in Self::dirs(root, paths) {
            changes.extend(self.resolve_dir(root, &dir)?);
        }
        Ok(changes)
    }

    fn commit_settings(
        &mut self,
        root: &Path,
        paths: &[PathBuf],
    ) -> Result<Option<CommitSettings>, ResolveFailure> {
        let dir = Self::dirs(root, paths).swap_remove(0);
        let config = workspace::load_config_with_root(&dir, &self.config, Some(root))?;
        let commit = config.commit.clone();
        self.loaded = Some((dir, config));
        Ok(commit)
    }
}
