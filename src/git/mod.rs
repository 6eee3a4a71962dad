//! The git wrapper: runs the system `git` for one work tree (clone, status, add, commit,
//! fetch, reset, rebase, push) with a controlled environment.
//!
//! Why the system `git`: gix has no push, and libgit2 adds C dependencies and callback
//! authentication; the system git already speaks every transport and honours the
//! checkout's own configuration (remote, credential helper), as a CI job expects.
//!
//! Credentials ([`Credentials`], in `credentials.rs`) never travel in a URL, an argument
//! or a log. Git never prompts (`GIT_TERMINAL_PROMPT=0`). Error messages carry the git
//! subcommand and its stderr, with URL user information redacted.
//!
//! This module must not know about markers, templates or the retry policy: that is
//! [`crate::writeback`]'s job.

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use crate::credentials::CredentialError;

mod credentials;

pub use credentials::Credentials;

/// A git failure, with the subcommand and what git said (URL user information redacted).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started at all.
    #[error("cannot run git {subcommand}")]
    Spawn {
        /// The git subcommand (`clone`, `push`…).
        subcommand: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `git` exited with a failure.
    #[error("git {subcommand} failed ({status}): {stderr}")]
    Failed {
        /// The git subcommand (`clone`, `push`…).
        subcommand: String,
        /// The exit status, as text.
        status: String,
        /// git's stderr, trimmed and redacted.
        stderr: String,
    },
    /// The push was refused because the remote branch moved (someone pushed meanwhile).
    #[error("git push to {branch} was rejected because the remote branch moved: {stderr}")]
    PushRejected {
        /// The remote branch pushed to.
        branch: String,
        /// git's report, redacted.
        stderr: String,
    },
    /// Setting up credentials failed (secret directory unreadable, temp files).
    #[error("git credentials from {path}")]
    Credentials {
        /// The secret directory or file concerned.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The secret named for git cannot be used (bad name, not mounted).
    #[error(transparent)]
    Secret(#[from] CredentialError),
    /// The secret directory holds neither `username` + `password` nor `ssh-privatekey`.
    #[error("git credentials: {path} holds neither `username` + `password` nor `ssh-privatekey`")]
    NoCredentials {
        /// The secret directory.
        path: PathBuf,
    },
    /// git printed something that is not valid UTF-8 or not the expected shape.
    #[error("git {subcommand}: unexpected output: {output}")]
    Unexpected {
        /// The git subcommand.
        subcommand: String,
        /// What it printed (redacted).
        output: String,
    },
}

/// The author and committer identity of the commits made (both the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `user.name`.
    pub name: String,
    /// `user.email`.
    pub email: String,
}

/// The outcome of `git push` that was not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// The remote branch now points at what we pushed.
    Pushed,
    /// Nothing to push: the remote already had it.
    UpToDate,
}

/// One work tree and the environment git runs with there.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    credentials: Credentials,
    identity: Option<Identity>,
    /// A private index and work tree used instead of the checkout's (dry runs).
    detached_tree: Option<(PathBuf, PathBuf)>,
    log: Arc<Mutex<Vec<Vec<OsString>>>>,
}

impl Git {
    /// A wrapper for the existing work tree `dir`.
    pub fn open(dir: impl Into<PathBuf>, credentials: Credentials) -> Self {
        Self {
            dir: dir.into(),
            credentials,
            identity: None,
            detached_tree: None,
            log: Arc::default(),
        }
    }

    /// Clones `branch` (default: the remote's HEAD) of `url` shallowly into `into`, which
    /// must not exist or be empty.
    pub fn clone_branch(
        url: &str,
        branch: Option<&str>,
        into: &Path,
        credentials: Credentials,
    ) -> Result<Self, GitError> {
        let git = Self::open(into, credentials);
        let mut cmd = git.base_command();
        cmd.args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--single-branch",
            "--no-tags",
        ]);
        if let Some(branch) = branch {
            cmd.arg("--branch").arg(branch);
        }
        cmd.arg("--").arg(url).arg(into);
        git.run_in(cmd, "clone", None)?;
        Ok(git)
    }

    /// Sets the author and committer of the commits made from now on.
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Writes the files of HEAD into `tree` through the private index `index`, and
    /// returns a wrapper whose work tree and index are those: the checkout itself (its
    /// files, index and refs) is never touched. `git diff` there shows what changed.
    pub fn export_head(&self, index: &Path, tree: &Path) -> Result<Self, GitError> {
        let mut other = self.clone();
        other.detached_tree = Some((index.to_path_buf(), tree.to_path_buf()));
        other.run(&["read-tree", "HEAD"], "read-tree")?;
        other.run(&["checkout-index", "--all"], "checkout-index")?;
        Ok(other)
    }

    /// The work tree.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every argument vector passed to git so far (for `-v` logs and for tests proving
    /// that no secret is ever an argument).
    pub fn command_log(&self) -> Vec<Vec<OsString>> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The top level of the work tree holding `self.dir()`.
    pub fn toplevel(&self) -> Result<PathBuf, GitError> {
        Ok(PathBuf::from(
            self.text(&["rev-parse", "--show-toplevel"], "rev-parse")?,
        ))
    }

    /// The checked-out branch, or `None` on a detached HEAD.
    pub fn current_branch(&self) -> Result<Option<String>, GitError> {
        let out = self.run(
            &["symbolic-ref", "--quiet", "--short", "HEAD"],
            "symbolic-ref",
        );
        match out {
            Ok(out) => Ok(Some(utf8(out.stdout, "symbolic-ref")?.trim().to_owned())),
            Err(GitError::Failed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The commit id of `rev`.
    pub fn rev_parse(&self, rev: &str) -> Result<String, GitError> {
        self.text(&["rev-parse", "--verify", "--quiet", rev], "rev-parse")
    }

    /// Whether tracked files differ from HEAD (untracked files do not count).
    pub fn has_tracked_changes(&self) -> Result<bool, GitError> {
        let out = self.run(&["status", "--porcelain", "--untracked-files=no"], "status")?;
        Ok(!out.stdout.is_empty())
    }

    /// The unified diff of the work tree against the index.
    pub fn diff(&self) -> Result<Vec<u8>, GitError> {
        Ok(self
            .run(&["diff", "--no-color", "--no-ext-diff"], "diff")?
            .stdout)
    }

    /// Commits every modified tracked file (`--all`) with `message`, author = committer =
    /// the configured identity. Returns the new commit id, or `None` when no file
    /// differs from HEAD (nothing to commit).
    pub fn commit_all(&self, message: &str) -> Result<Option<String>, GitError> {
        let mut cmd = self.base_command();
        cmd.args([
            "commit",
            "--quiet",
            "--all",
            "--no-verify",
            "--no-gpg-sign",
            "--file",
            "-",
        ]);
        let out = self.output(cmd, "commit", Some(message.as_bytes()))?;
        if !out.status.success() {
            if String::from_utf8_lossy(&out.stdout).contains("nothing to commit") {
                return Ok(None);
            }
            return Err(failed("commit", &out));
        }
        self.rev_parse("HEAD").map(Some)
    }

    /// Builds a commit of every modified tracked file (as `commit --all` would) on top
    /// of HEAD with `message`, author = committer = the configured identity, WITHOUT
    /// moving HEAD: the branch moves only after the push succeeded
    /// ([`Git::advance_head`]), so that a run killed before then leaves no local commit
    /// that the remote lacks. Returns the commit id, or `None` when no file differs
    /// from HEAD.
    pub fn commit_detached(&self, message: &str) -> Result<Option<String>, GitError> {
        self.run(&["add", "--update"], "add")?;
        let tree = self.text(&["write-tree"], "write-tree")?;
        if tree == self.text(&["rev-parse", "HEAD^{tree}"], "rev-parse")? {
            return Ok(None);
        }
        let mut cmd = self.base_command();
        cmd.args(["commit-tree", "--no-gpg-sign", "-p", "HEAD", "-F", "-"])
            .arg(&tree);
        let out = self.run_in(cmd, "commit-tree", Some(message.as_bytes()))?;
        Ok(Some(utf8(out.stdout, "commit-tree")?.trim_end().to_owned()))
    }

    /// Moves the checked-out branch from `old` to `new` (a commit whose tree the index
    /// and work tree already hold, see [`Git::commit_detached`]); fails if the branch is
    /// no longer at `old`.
    pub fn advance_head(&self, new: &str, old: &str) -> Result<(), GitError> {
        self.run(
            &["update-ref", "-m", "imagescan writeback", "HEAD", new, old],
            "update-ref",
        )
        .map(drop)
    }

    /// Tracked files whose work-tree contents differ from HEAD (staged or not), relative
    /// to the top level.
    pub fn changed_files(&self) -> Result<Vec<PathBuf>, GitError> {
        let out = self.run(
            &["diff", "--name-only", "--no-renames", "-z", "HEAD", "--"],
            "diff",
        )?;
        Ok(nul_separated(&out.stdout))
    }

    /// Untracked files that are not ignored, relative to the top level.
    pub fn untracked_files(&self) -> Result<Vec<PathBuf>, GitError> {
        let out = self.run(
            &[
                "ls-files",
                "--others",
                "--exclude-standard",
                "--full-name",
                "-z",
            ],
            "ls-files",
        )?;
        Ok(nul_separated(&out.stdout))
    }

    /// The value of configuration `key`, if set.
    pub fn config_get(&self, key: &str) -> Result<Option<String>, GitError> {
        match self.run(&["config", "--get", key], "config") {
            Ok(out) => Ok(Some(utf8(out.stdout, "config")?.trim_end().to_owned())),
            Err(GitError::Failed { stderr, .. }) if stderr.is_empty() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `remote` has branch `branch`.
    pub fn remote_has_branch(&self, remote: &str, branch: &str) -> Result<bool, GitError> {
        let refname = format!("refs/heads/{branch}");
        let out = self.run(
            &["ls-remote", "--heads", "--", remote, refname.as_str()],
            "ls-remote",
        )?;
        Ok(!out.stdout.is_empty())
    }

    /// Fetches `branch` of `remote`; returns the fetched commit id (`FETCH_HEAD`).
    pub fn fetch(&self, remote: &str, branch: &str) -> Result<String, GitError> {
        let refspec = format!("refs/heads/{branch}");
        self.run(
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--",
                remote,
                refspec.as_str(),
            ],
            "fetch",
        )?;
        self.rev_parse("FETCH_HEAD")
    }

    /// Whether `ancestor` is an ancestor of (or equal to) `descendant`.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        match self.run(
            &["merge-base", "--is-ancestor", ancestor, descendant],
            "merge-base",
        ) {
            Ok(_) => Ok(true),
            Err(GitError::Failed { stderr, .. }) if stderr.is_empty() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Moves the current branch, index and work tree to `commit`.
    pub fn reset_hard(&self, commit: &str) -> Result<(), GitError> {
        self.run(&["reset", "--quiet", "--hard", commit], "reset")
            .map(drop)
    }

    /// Replays the current branch's commits onto `upstream`; aborts the rebase and fails
    /// when they do not apply cleanly (the checkout is left as it was).
    pub fn rebase(&self, upstream: &str) -> Result<(), GitError> {
        let result = self.run(&["rebase", "--quiet", "--no-autostash", upstream], "rebase");
        if result.is_err() {
            let _ = self.run(&["rebase", "--abort"], "rebase");
        }
        result.map(drop)
    }

    /// Pushes HEAD to `refs/heads/<branch>` of `remote` (creating the branch when missing).
    /// Never forces; a refusal because the branch moved is [`GitError::PushRejected`].
    pub fn push_head(&self, remote: &str, branch: &str) -> Result<PushOutcome, GitError> {
        self.push_rev(remote, "HEAD", branch)
    }

    /// Pushes `rev` (a commit id or `HEAD`) to `refs/heads/<branch>` of `remote`, as
    /// [`Git::push_head`] does.
    pub fn push_rev(&self, remote: &str, rev: &str, branch: &str) -> Result<PushOutcome, GitError> {
        let refspec = format!("{rev}:refs/heads/{branch}");
        let mut cmd = self.base_command();
        // Not --porcelain: it moves the `[rejected]` report to stdout, and its reason
        // ("fetch first") is what tells a moved branch from other refusals.
        cmd.args(["push", "--", remote, refspec.as_str()]);
        match self.run_in(cmd, "push", None) {
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                if stderr.contains("Everything up-to-date") {
                    Ok(PushOutcome::UpToDate)
                } else {
                    Ok(PushOutcome::Pushed)
                }
            }
            Err(GitError::Failed { stderr, .. }) if is_moved(&stderr) => {
                Err(GitError::PushRejected {
                    branch: branch.to_owned(),
                    stderr,
                })
            }
            Err(e) => Err(e),
        }
    }

    fn text(&self, args: &[&str], subcommand: &str) -> Result<String, GitError> {
        let out = self.run(args, subcommand)?;
        Ok(utf8(out.stdout, subcommand)?.trim_end().to_owned())
    }

    fn run<S: AsRef<OsStr>>(&self, args: &[S], subcommand: &str) -> Result<Output, GitError> {
        let mut cmd = self.base_command();
        cmd.args(args);
        self.run_in(cmd, subcommand, None)
    }

    /// A `git` command in the work tree with the controlled environment.
    fn base_command(&self) -> Command {
        let mut cmd = Command::new("git");
        if self.dir.is_dir() {
            cmd.current_dir(&self.dir);
        }
        if let Some((index, tree)) = &self.detached_tree {
            let mut arg = OsString::from("--work-tree=");
            arg.push(tree);
            cmd.arg(arg).env("GIT_INDEX_FILE", index);
        }
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            // A stray askpass program of the desktop (SSH_ASKPASS) must not pop up.
            .env_remove("SSH_ASKPASS")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        for (k, v) in &self.credentials.env {
            cmd.env(k, v);
        }
        if let Some(id) = &self.identity {
            cmd.env("GIT_AUTHOR_NAME", &id.name)
                .env("GIT_AUTHOR_EMAIL", &id.email)
                .env("GIT_COMMITTER_NAME", &id.name)
                .env("GIT_COMMITTER_EMAIL", &id.email);
        }
        cmd
    }

    fn run_in(
        &self,
        cmd: Command,
        subcommand: &str,
        stdin: Option<&[u8]>,
    ) -> Result<Output, GitError> {
        let out = self.output(cmd, subcommand, stdin)?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(failed(subcommand, &out))
        }
    }

    /// Runs `cmd` to completion whatever its exit status.
    fn output(
        &self,
        mut cmd: Command,
        subcommand: &str,
        stdin: Option<&[u8]>,
    ) -> Result<Output, GitError> {
        if let Ok(mut log) = self.log.lock() {
            log.push(cmd.get_args().map(OsStr::to_os_string).collect());
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let spawn_err = |source| GitError::Spawn {
            subcommand: subcommand.to_owned(),
            source,
        };
        let mut child = cmd.spawn().map_err(spawn_err)?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes).map_err(spawn_err)?;
        }
        child.wait_with_output().map_err(spawn_err)
    }
}

fn nul_separated(bytes: &[u8]) -> Vec<PathBuf> {
    bytes
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| {
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStrExt as _;
                PathBuf::from(OsStr::from_bytes(name))
            }
            #[cfg(not(unix))]
            {
                PathBuf::from(String::from_utf8_lossy(name).into_owned())
            }
        })
        .collect()
}

fn failed(subcommand: &str, out: &Output) -> GitError {
    GitError::Failed {
        subcommand: subcommand.to_owned(),
        status: out.status.to_string(),
        stderr: redact(String::from_utf8_lossy(&out.stderr).trim()),
    }
}

/// Whether a failed push's report says the remote branch moved (as opposed to auth,
/// network or hook failures).
fn is_moved(stderr: &str) -> bool {
    stderr.contains("[rejected]")
        && (stderr.contains("fetch first")
            || stderr.contains("non-fast-forward")
            || stderr.contains("stale info"))
        || stderr.contains("cannot lock ref")
        || stderr.contains("failed to update ref")
}

/// Removes user information (`user:password@`) from every URL in `text`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '\'' | '"' | '>'))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***@");
                out.push_str(&authority[at + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn utf8(bytes: Vec<u8>, subcommand: &str) -> Result<String, GitError> {
    String::from_utf8(bytes).map_err(|e| GitError::Unexpected {
        subcommand: subcommand.to_owned(),
        output: redact(&String::from_utf8_lossy(e.as_bytes())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_userinfo() {
        let cases = [
            (
                "fatal: Authentication failed for 'https://bob:s3cret@host/repo.git/'",
                "fatal: Authentication failed for 'https://***@host/repo.git/'",
            ),
            ("https://host/x", "https://host/x"),
            ("ssh://git@host:22/x y", "ssh://***@host:22/x y"),
            (
                "a http://u@h b https://h2/p",
                "a http://***@h b https://h2/p",
            ),
            ("no url here", "no url here"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
        }
    }

    #[test]
    fn moved_detection() {
        let cases = [
            (" ! [rejected]        HEAD -> main (fetch first)", true),
            (" ! [rejected]        HEAD -> main (non-fast-forward)", true),
            (
                " ! [remote rejected] HEAD -> main (pre-receive hook declined)",
                false,
            ),
            ("fatal: Authentication failed", false),
            (
                "error: cannot lock ref 'refs/heads/main': is at x but expected y",
                true,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(is_moved(input), want, "{input}");
        }
    }
}
