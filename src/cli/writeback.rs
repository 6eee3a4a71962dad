//! `imagescan writeback [DIR | --repo URL] …`: resolve the markers of a git checkout (a
//! local one, or a shallow clone of `--repo`), commit what changed and push it (SPEC §8).
//! The git cycle is [`crate::writeback::run`], resolving through the library's
//! [`TreeResolver`]; this file maps its outcome to output and exit codes.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::common::{ConfigArgs, SourceArgs};
use super::log;
use super::workspace;
use super::{Classify, CliError, CliResult, Exit};
use crate::config::{ConfigSet, DEFAULT_INTERVAL, parse_duration};
use crate::writeback::TreeResolver;
use crate::writeback::gitrepo::GitRepo;
use crate::writeback::run::{self, Outcome};
use crate::writeback::settings::{Checkout, Flags, Settings};

// Arguments of `imagescan writeback` (not a doc comment: see `Command`).
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
    let mut resolver = TreeResolver::new(
        args.config.config.clone(),
        workspace::scan_options(&args.source)?,
    );
    let stdout = std::io::stdout();
    if !args.watch {
        let outcome = run::run_once(&settings, &mut resolver, &mut stdout.lock());
        workspace::warn_all(&resolver.take_warnings());
        report(&outcome.map_err(CliError::classified)?);
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
        |result, resolver| {
            workspace::warn_all(&resolver.take_warnings());
            match result {
                Ok(outcome) => {
                    report(&outcome);
                    true
                }
                Err(error) => {
                    let error = CliError::classified(error);
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
