//! The writeback cycle: check out (a local checkout or a shallow clone), resolve, commit
//! only when a value changed, push; on a rejected push fetch the new head, rebuild our
//! commit on it (re-resolving from scratch) and retry, a bounded number of times with
//! backoff. Never force-pushes; never drops a commit that is not ours.
//!
//! This module must not know how markers are resolved (the [`Resolver`] does) nor print
//! anything but the dry-run product into the writer it is given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::class::{Class, Classified};
use crate::credentials::CredentialEnv;
use crate::git::{Credentials, Git, GitError};
use crate::rundir::{self, RunDir};
use crate::writeback::settings::{Checkout, Settings};
use crate::writeback::template::TemplateError;
use crate::writeback::{Change, Resolver, template_data};

/// What one cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every value was current: no commit.
    Unchanged,
    /// A commit was pushed.
    Pushed {
        /// The commit id.
        commit: String,
        /// The branch it was pushed to.
        branch: String,
        /// How many attempts it took (1 when nobody raced us).
        attempts: u32,
        /// What changed.
        changes: Vec<Change>,
    },
    /// `--dry-run`: the diff and message were written; nothing else changed.
    DryRun {
        /// What would change.
        changes: Vec<Change>,
    },
}

/// Why a cycle failed.
#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    /// A git command failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The resolver failed.
    #[error("resolving markers in {root}")]
    Resolve {
        /// The work tree.
        root: PathBuf,
        /// The resolver's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The commit message template failed to parse (imagescan.yaml) or execute.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The local checkout has uncommitted changes to tracked files that are not what
    /// writeback itself would write (those, left by a killed run, are recovered).
    #[error(
        "{dir} has uncommitted changes that writeback did not make (first: {file}); writeback commits only its own edits: commit or stash them, or drop them with `git -C {dir} checkout -- .`, then run again"
    )]
    DirtyTree {
        /// The checkout.
        dir: PathBuf,
        /// The first changed file that is not writeback's edit.
        file: PathBuf,
    },
    /// The local checkout is on no branch.
    #[error("{dir} is on a detached HEAD; check out a branch or give --push-branch")]
    DetachedHead {
        /// The checkout.
        dir: PathBuf,
    },
    /// The local checkout is on another branch than `--branch`.
    #[error("{dir} has branch {current} checked out, not {wanted}")]
    WrongBranch {
        /// The checkout.
        dir: PathBuf,
        /// Checked out.
        current: String,
        /// Asked for.
        wanted: String,
    },
    /// Every attempt was rejected because others kept pushing.
    #[error(
        "gave up pushing to {branch} after {attempts} attempts: the branch kept moving (others pushed meanwhile); nothing was force-pushed, run again later"
    )]
    RetriesExhausted {
        /// The push branch.
        branch: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A temporary directory or the dry-run output could not be written.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
}

impl Classified for WritebackError {
    fn class(&self) -> Class {
        match self {
            // The pipeline's own errors keep their class (a marker problem is the same
            // exit code under writeback as under resolve).
            WritebackError::Resolve { source, .. } => source
                .downcast_ref::<crate::workspace::Error>()
                .map_or(Class::Operational, Classified::class),
            WritebackError::Template(TemplateError::Parse { .. })
            | WritebackError::DetachedHead { .. }
            | WritebackError::WrongBranch { .. } => Class::Invalid,
            // The git client secret: the same class as a registry secretRef's.
            WritebackError::Git(GitError::Secret(e)) => e.class(),
            _ => Class::Operational,
        }
    }
}

/// Runs one writeback cycle with `settings`, resolving through `resolver`. A dry run
/// writes the diff and the commit message to `out`; otherwise `out` is not used.
pub fn run_once<R: Resolver>(
    settings: &Settings,
    resolver: &mut R,
    out: &mut dyn Write,
) -> Result<Outcome, WritebackError> {
    // Clones and credential copies of runs that were killed go first.
    rundir::sweep();
    let credentials = match &settings.client_secret {
        Some(name) => Credentials::from_secret_name(name, &CredentialEnv::from_process())?,
        None => Credentials::ambient(),
    };
    run_with(settings, credentials, resolver, out).map(|(outcome, _)| outcome)
}

/// [`run_once`] with explicit credentials; also returns the [`Git`] used (its command
/// log shows every argument vector passed to git).
pub fn run_with<R: Resolver>(
    settings: &Settings,
    credentials: Credentials,
    resolver: &mut R,
    out: &mut dyn Write,
) -> Result<(Outcome, Git), WritebackError> {
    let io = |what| move |source| WritebackError::Io { what, source };
    let clone_dir;
    let (git, remote, branch, default_paths) = match &settings.checkout {
        Checkout::Local(dir) => {
            let probe = Git::open(dir, credentials.clone());
            let root = probe.toplevel()?;
            let git = Git::open(&root, credentials);
            let branch = git
                .current_branch()?
                .ok_or_else(|| WritebackError::DetachedHead { dir: root.clone() })?;
            if let Some(wanted) = &settings.branch
                && *wanted != branch
            {
                return Err(WritebackError::WrongBranch {
                    dir: root,
                    current: branch,
                    wanted: wanted.clone(),
                });
            }
            let remote = git
                .config_get(&format!("branch.{branch}.remote"))?
                .unwrap_or_else(|| "origin".to_owned());
            // DIR as a subdirectory of the checkout limits the run to it.
            let dir_abs = std::fs::canonicalize(dir).map_err(io("resolving DIR"))?;
            let root_abs = std::fs::canonicalize(&root).map_err(io("resolving DIR"))?;
            let sub = dir_abs
                .strip_prefix(&root_abs)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let default_paths = if sub.as_os_str().is_empty() {
                Vec::new()
            } else {
                vec![sub]
            };
            (git, remote, branch, default_paths)
        }
        Checkout::Remote(url) => {
            clone_dir = RunDir::new("writeback").map_err(io("creating a temporary directory"))?;
            let into = clone_dir.path().join("repo");
            let git = Git::clone_branch(url, settings.branch.as_deref(), &into, credentials)?;
            let branch = git
                .current_branch()?
                .ok_or_else(|| WritebackError::DetachedHead { dir: into.clone() })?;
            (git, "origin".to_owned(), branch, Vec::new())
        }
    };
    let root = git.dir().to_path_buf();
    let paths = if settings.paths.is_empty() {
        default_paths
    } else {
        settings.paths.clone()
    };
    let push_branch = settings.push_branch.clone().unwrap_or(branch.clone());

    let config_commit = resolver
        .commit_settings(&root, &paths)
        .map_err(|e| resolve_err(&root, e))?;
    let (identity, template) = settings.commit.merge(config_commit.as_ref())?;
    let git = git.with_identity(identity);

    if settings.dry_run {
        let outcome = dry_run(&git, &settings.checkout, &paths, resolver, &template, out)?;
        return Ok((outcome, git));
    }

    let local = matches!(settings.checkout, Checkout::Local(_));
    if local {
        // A killed run's temporary files (crate::fsutil::temp): ours, and an operator
        // would otherwise find them as junk.
        crate::fsutil::temp::sweep(git.dir());
        if git.has_tracked_changes()? {
            recover_own_edits(&git, &paths, resolver)?;
        }
    }
    // A push branch that already exists elsewhere is where our commit must go on top of.
    if push_branch != branch && git.remote_has_branch(&remote, &push_branch)? {
        sync_to(&git, &remote, &push_branch)?;
    }

    let mut backoff = settings.retry.backoff;
    let attempts = settings.retry.attempts.max(1);
    for attempt in 1..=attempts {
        let base = git.rev_parse("HEAD")?;
        let changes = resolver
            .resolve(&root, &paths)
            .map_err(|e| resolve_err(&root, e))?;
        if changes.is_empty() {
            return Ok((Outcome::Unchanged, git));
        }
        let message = template.execute(&template_data(&changes))?;
        // Every tracked change is the resolver's: a clone is fresh, and a local checkout
        // was checked clean of tracked changes above. In a local checkout the branch
        // moves only once the push succeeded: a run killed before that leaves no
        // unpushed commit of ours (which a later run, finding every value current,
        // would never push). A clone is private and thrown away: one `commit --all`.
        let committed = if local {
            git.commit_detached(&message)?
        } else {
            git.commit_all(&message)?
        };
        let Some(commit) = committed else {
            // Values reported but bytes unchanged: nothing to commit, nothing to undo.
            return Ok((Outcome::Unchanged, git));
        };
        match git.push_rev(&remote, &commit, &push_branch) {
            Ok(_) => {
                if local {
                    git.advance_head(&commit, &base)?;
                }
                return Ok((
                    Outcome::Pushed {
                        commit,
                        branch: push_branch,
                        attempts: attempt,
                        changes,
                    },
                    git,
                ));
            }
            Err(GitError::PushRejected { .. }) => {
                // Drop our edits (HEAD never moved), then move onto the new remote head.
                git.reset_hard(&base)?;
                if attempt == attempts {
                    break;
                }
                std::thread::sleep(jittered(backoff));
                backoff = (backoff * 2).min(settings.retry.max_backoff);
                sync_to(&git, &remote, &push_branch)?;
            }
            Err(e) => {
                // The checkout goes back to where it was: no edit of ours left.
                let _ = git.reset_hard(&base);
                return Err(e.into());
            }
        }
    }
    Err(WritebackError::RetriesExhausted {
        branch: push_branch,
        attempts,
    })
}

/// A local checkout with tracked changes: when every changed file holds exactly the
/// bytes this run would write itself (what a killed run leaves: the resolver had
/// rewritten some files, or the push went through but the branch had not moved yet),
/// the edits are ours and reproducible, so they are dropped and the run goes on. A
/// CronJob restarted after an OOM kill thus recovers by itself. Any other change (a
/// human edit, a value the registry has since moved past) is refused with
/// [`WritebackError::DirtyTree`]: writeback commits only its own edits.
fn recover_own_edits<R: Resolver>(
    git: &Git,
    paths: &[PathBuf],
    resolver: &mut R,
) -> Result<(), WritebackError> {
    let io = |what| move |source| WritebackError::Io { what, source };
    let root = git.dir();
    let dirty = |file: &Path| WritebackError::DirtyTree {
        dir: root.to_path_buf(),
        file: file.to_path_buf(),
    };
    let changed = git.changed_files()?;
    let mut current = Vec::with_capacity(changed.len());
    for file in &changed {
        // Cheap first: the resolver only ever writes files that hold a marker (a
        // deleted file, or one without `$imagescan`, is not its edit).
        let bytes = std::fs::read(root.join(file)).map_err(|_| dirty(file))?;
        if !bytes.windows(10).any(|w| w == b"$imagescan") {
            return Err(dirty(file));
        }
        current.push(bytes);
    }
    // What this run would write, on HEAD's files in a private tree and index.
    let scratch = RunDir::new("recover").map_err(io("creating a temporary directory"))?;
    let tree = scratch.path().join("tree");
    std::fs::create_dir(&tree).map_err(io("creating a temporary directory"))?;
    git.export_head(&scratch.path().join("index"), &tree)?;
    resolver
        .resolve(&tree, paths)
        .map_err(|e| resolve_err(&tree, e))?;
    for (file, bytes) in changed.iter().zip(&current) {
        if std::fs::read(tree.join(file)).ok().as_ref() != Some(bytes) {
            return Err(dirty(file));
        }
    }
    git.reset_hard("HEAD")?;
    Ok(())
}

/// Moves the current branch onto the remote's `branch`: a fast-forward (reset) when our
/// HEAD is already contained in it, otherwise a rebase of the local commits that are not
/// ours (a local checkout ahead of its remote), which fails rather than lose any.
fn sync_to(git: &Git, remote: &str, branch: &str) -> Result<(), WritebackError> {
    let fetched = git.fetch(remote, branch)?;
    if git.is_ancestor("HEAD", &fetched)? {
        git.reset_hard(&fetched)?;
    } else {
        git.rebase(&fetched)?;
    }
    Ok(())
}

fn dry_run<R: Resolver>(
    git: &Git,
    checkout: &Checkout,
    paths: &[PathBuf],
    resolver: &mut R,
    template: &crate::writeback::template::Template,
    out: &mut dyn Write,
) -> Result<Outcome, WritebackError> {
    let io = |what| move |source| WritebackError::Io { what, source };
    // A local checkout is never written: HEAD's files are exported into a private tree
    // with a private index, resolved there, and diffed there.
    let scratch;
    let (git, root) = match checkout {
        Checkout::Local(_) => {
            scratch = RunDir::new("dry-run").map_err(io("creating a temporary directory"))?;
            let tree = scratch.path().join("tree");
            std::fs::create_dir(&tree).map_err(io("creating a temporary directory"))?;
            let exported = git.export_head(&scratch.path().join("index"), &tree)?;
            (exported, tree)
        }
        Checkout::Remote(_) => (git.clone(), git.dir().to_path_buf()),
    };
    let changes = resolver
        .resolve(&root, paths)
        .map_err(|e| resolve_err(&root, e))?;
    let diff = git.diff()?;
    if !changes.is_empty() && !diff.is_empty() {
        let message = template.execute(&template_data(&changes))?;
        let mut write = || -> std::io::Result<()> {
            out.write_all(&diff)?;
            writeln!(out, "\ncommit message:")?;
            out.write_all(message.as_bytes())?;
            if !message.ends_with('\n') {
                out.write_all(b"\n")?;
            }
            out.flush()
        };
        write().map_err(io("writing the dry-run output"))?;
    }
    Ok(Outcome::DryRun { changes })
}

fn resolve_err<E: std::error::Error + Send + Sync + 'static>(root: &Path, e: E) -> WritebackError {
    WritebackError::Resolve {
        root: root.to_path_buf(),
        source: Box::new(e),
    }
}

/// Up to +50% of `d`, so that racing writers do not retry in lockstep.
fn jittered(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    d + d.mul_f64(f64::from(nanos % 500) / 1000.0)
}

/// Repeats [`run_once`] every `interval` until `stop` is set (see [`stop_on_signals`]).
/// A cycle in progress is always finished. `report` sees each cycle's result and returns
/// whether to go on (e.g. stop on invalid input, keep going on a network failure).
pub fn watch<R, F>(
    settings: &Settings,
    resolver: &mut R,
    interval: Duration,
    stop: &AtomicBool,
    out: &mut dyn Write,
    mut report: F,
) where
    R: Resolver,
    F: FnMut(Result<Outcome, WritebackError>, &mut R) -> bool,
{
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let outcome = run_once(settings, resolver, out);
        if !report(outcome, resolver) {
            return;
        }
        while !stop.load(Ordering::SeqCst) && started.elapsed() < interval {
            let left = interval.saturating_sub(started.elapsed());
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}

/// A flag set by SIGTERM or SIGINT (for [`watch`]): the process then finishes its
/// current cycle and returns instead of dying mid-push.
pub fn stop_on_signals() -> std::io::Result<std::sync::Arc<AtomicBool>> {
    let flag = std::sync::Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&flag))?;
    }
    Ok(flag)
}
