//! `kill -9` of the real binary in the middle of `imagescan writeback DIR` on a local
//! checkout of 300 marked files (resolved from an OCI layout committed in the
//! repository), pushing over smart HTTP to a bare repository: after every kill each file is entirely
//! old or entirely new, the remote branch is the old commit or the complete new one, and
//! the next normal run (what a CronJob does after an OOM kill) finishes with exit 0, a
//! clean tree and HEAD == remote. Plus the states a kill can leave, built on purpose:
//! files rewritten but not committed, a push that went through before the branch moved,
//! a leftover temporary file, and a human edit (refused, with what to do). And the same
//! kills of `writeback --repo URL` (a private clone): the remote is old or whole, and
//! the next run pushes or finds nothing to do.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::git_server::{HTTP_PASSWORD, HTTP_USER, HttpGitServer, git};

const FILES: usize = 300;
const OLD: &str = "registry.example.com/team/web:1.0.0";
const NEW: &str = "registry.example.com/team/web:1.5.0";

fn deploy(i: usize, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i:03}\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: {image} # {{\"$imagescan\": \"web\"}}\n        ports: [{{containerPort: 8080}}]\n"
    )
}

fn file_name(i: usize) -> String {
    format!("apps/team{}/app{i:03}.yaml", i % 10)
}

/// A bare repository (`remote.git`) holding the marked files, imagescan.yaml and the OCI
/// layout of registry.example.com/team/web (tags up to 1.5.0) from testdata/oci, served
/// by the real git smart-HTTP server (Basic auth on push). Served rather than a file://
/// path so that killing the client's process group does not kill the server side of a
/// push, which in real life runs on another machine.
struct Fixture {
    server: HttpGitServer,
    dir: tempfile::TempDir,
    base: String,
    cache: tempfile::TempDir,
    home: tempfile::TempDir,
    secrets: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let seed = dir.path().join("seed");
        for i in 0..FILES {
            let path = seed.join(file_name(i));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, deploy(i, OLD)).unwrap();
        }
        fs::write(
            seed.join("imagescan.yaml"),
            "imageScans:\n- tagName: web\n  image: registry.example.com/team/web\n  policy:\n    semver: {range: \">=1.0.0\"}\nregistries:\n- host: registry.example.com\n  layout: oci/registry.example.com\ncommit:\n  authorName: Image Bot\n  authorEmail: bot@example.com\n",
        )
        .unwrap();
        let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/oci");
        copy_tree(&layout, &seed.join("oci"));
        git(&seed, &["init", "--quiet", "--initial-branch=main"]);
        git(&seed, &["add", "--all"]);
        git(&seed, &["commit", "--quiet", "-m", "initial"]);
        let server = HttpGitServer::start();
        let bare = server.repos.root.join("remote.git");
        git(
            &server.repos.root,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "remote.git",
            ],
        );
        git(&seed, &["push", "--quiet", bare.to_str().unwrap(), "main"]);
        let base = git(&bare, &["rev-parse", "main"]);
        let secrets = tempfile::tempdir().unwrap();
        let secret = secrets.path().join("git");
        fs::create_dir(&secret).unwrap();
        fs::write(secret.join("username"), HTTP_USER).unwrap();
        fs::write(secret.join("password"), HTTP_PASSWORD).unwrap();
        Fixture {
            server,
            dir,
            base,
            cache: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            secrets,
        }
    }

    fn bare(&self) -> PathBuf {
        self.server.repos.root.join("remote.git")
    }

    fn url(&self) -> String {
        self.server.url("remote.git")
    }

    fn remote_head(&self) -> String {
        git(&self.bare(), &["rev-parse", "main"])
    }

    /// Puts the remote branch back on the initial commit and clones it afresh.
    fn fresh_checkout(&self, name: &str) -> PathBuf {
        git(&self.bare(), &["update-ref", "refs/heads/main", &self.base]);
        let co = self.dir.path().join(name);
        if co.exists() {
            fs::remove_dir_all(&co).unwrap();
        }
        git(self.dir.path(), &["clone", "--quiet", &self.url(), name]);
        co
    }

    /// `imagescan writeback DIR`.
    fn command(&self, co: &Path) -> Command {
        let mut cmd = self.binary();
        cmd.arg("writeback")
            .arg(co)
            .args(["--client-secret", "git"]);
        cmd
    }

    /// The binary with this fixture's cache and HOME and no ambient askpass.
    fn binary(&self) -> Command {
        let mut cmd = support::cli::command(&[]);
        cmd.env("IMAGESCAN_CACHE_DIR", self.cache.path())
            .env("IMAGESCAN_SECRETS_DIR", self.secrets.path())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1");
        cmd
    }

    fn run(&self, co: &Path) -> Output {
        self.command(co).output().unwrap()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// How many of the marked files are new; panics on a file that is neither version.
fn count_new(co: &Path) -> usize {
    let mut new = 0;
    for i in 0..FILES {
        let bytes = fs::read_to_string(co.join(file_name(i)))
            .unwrap_or_else(|e| panic!("{} after the kill: {e}", file_name(i)));
        if bytes == deploy(i, NEW) {
            new += 1;
        } else {
            assert_eq!(bytes, deploy(i, OLD), "{} is torn", file_name(i));
        }
    }
    new
}

/// Files named like write_atomic's temporaries (`.imagescan-tmp-…`, or any hidden
/// `.tmp` file) under `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                if name != ".git" {
                    pending.push(path);
                }
            } else if name.starts_with(".imagescan-tmp-")
                || (name.starts_with('.') && name.ends_with(".tmp"))
            {
                found.push(path);
            }
        }
    }
    found
}

/// Git's lock files (`index.lock`, `refs/heads/main.lock`…) under `git_dir`.
fn lock_files(git_dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![git_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "lock") {
                found.push(path);
            }
        }
    }
    found
}

/// The remote is the initial commit, or one commit on it whose tree has every file new.
fn assert_remote_whole(fx: &Fixture, new_tree: &str) -> bool {
    let head = fx.remote_head();
    if head == fx.base {
        return false;
    }
    let bare = fx.bare();
    assert_eq!(git(&bare, &["rev-parse", "main^{tree}"]), new_tree);
    assert_eq!(git(&bare, &["rev-parse", "main^"]), fx.base);
    true
}

/// After a normal run: exit 0, nothing uncommitted or untracked, HEAD == remote, and
/// the remote holds the complete new tree.
fn assert_finished(fx: &Fixture, co: &Path, out: &Output, new_tree: &str, history: &str) {
    assert!(
        out.status.success(),
        "the run after the kill failed: {}\n{history}",
        text(&out.stderr)
    );
    let status = git(co, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "the tree is clean\n{history}");
    assert_eq!(git(co, &["rev-parse", "HEAD"]), fx.remote_head());
    assert!(assert_remote_whole(fx, new_tree), "a commit was pushed");
    assert_eq!(count_new(co), FILES);
}

/// The tree of the complete new commit, from an uninterrupted run; also how long one
/// run takes, to spread the kills over it.
fn reference_run(fx: &Fixture) -> (String, Duration) {
    let co = fx.fresh_checkout("reference");
    let started = Instant::now();
    let out = fx.run(&co);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count_new(&co), FILES);
    let tree = git(&fx.bare(), &["rev-parse", "main^{tree}"]);
    let message = git(&fx.bare(), &["log", "-1", "--format=%an %s", "main"]);
    assert_eq!(message, "Image Bot Update from image update automation");
    (tree, took)
}

/// Sends SIGKILL to the process group `pgid` (the binary and its git children), or
/// only to the binary, then waits until no process of the group is left: what remains
/// on disk is then final.
fn kill_and_drain(child: &mut std::process::Child, whole_group: bool) {
    let pid = child.id().to_string();
    if whole_group {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
    } else {
        let _ = child.kill();
    }
    let _ = child.wait();
    for _ in 0..1000 {
        let alive = Command::new("kill")
            .args(["-0", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        if !alive {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("processes of group {pid} still running 10 s after the kill");
}

#[test]
fn kill_9_at_any_moment_leaves_no_torn_file_and_the_next_run_finishes() {
    use std::os::unix::process::CommandExt as _;

    let fx = Fixture::new();
    let (new_tree, took) = reference_run(&fx);
    let mut seen = Vec::new();
    let rounds = 12u32;
    for round in 0..rounds {
        let co = fx.fresh_checkout("co");
        // Kills spread from the start to past the end of a normal run.
        let delay = took.mul_f64(f64::from(round) / f64::from(rounds - 2));
        let mut child = fx
            .command(&co)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // Most kills take the binary alone (its git child finishes what it was doing);
        // every third the whole group, as a container's OOM kill does.
        let whole_group = round % 3 == 2;
        kill_and_drain(&mut child, whole_group);

        let new_files = count_new(&co);
        let pushed = assert_remote_whole(&fx, &new_tree);
        let temps = temp_files(&co).len();
        let dirty = !git(&co, &["status", "--porcelain", "--untracked-files=no"]).is_empty();
        seen.push(format!(
            "round {round} kill at {delay:?}: {new_files} new file(s), dirty {dirty}, {temps} temp file(s), remote {}",
            if pushed { "new" } else { "old" }
        ));

        let mut out = fx.run(&co);
        let locks = lock_files(&co.join(".git"));
        if whole_group && !locks.is_empty() {
            // A git child killed while holding a lock (the index, a ref): git cannot
            // tell a dead holder from a running one, so it refuses and says what to do
            // (remove the file); writeback passes that on and has changed nothing.
            assert_eq!(out.status.code(), Some(1));
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains(".lock") && stderr.contains("remove the file manually"),
                "{stderr}"
            );
            assert_eq!(count_new(&co), new_files);
            for lock in &locks {
                fs::remove_file(lock).unwrap();
            }
            seen.push(format!(
                "  next run refused: stale {locks:?}; removed, run again"
            ));
            out = fx.run(&co);
        }
        assert_finished(&fx, &co, &out, &new_tree, &seen.join("\n"));
        assert!(temp_files(&co).is_empty(), "temporary files were removed");
    }
}

#[test]
fn files_rewritten_but_not_committed_are_taken_as_ours() {
    let fx = Fixture::new();
    let (new_tree, _) = reference_run(&fx);
    let co = fx.fresh_checkout("co");
    // A run killed while resolving: the first 40 files are new, the rest old, and one
    // temporary file (partly written) was never renamed.
    for i in 0..40 {
        fs::write(co.join(file_name(i)), deploy(i, NEW)).unwrap();
    }
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let leftover = co.join(format!(
        "apps/team0/.imagescan-tmp-{dead}-Ab3dE9-app000.yaml"
    ));
    fs::write(&leftover, "apiVersion: apps/v1\nkind: Depl").unwrap();
    let out = fx.run(&co);
    assert_finished(&fx, &co, &out, &new_tree, "");
    assert!(!leftover.exists());
}

#[test]
fn a_push_that_went_through_before_the_branch_moved_is_not_pushed_twice() {
    let fx = Fixture::new();
    let (new_tree, _) = reference_run(&fx);
    let pushed = fx.remote_head();
    // The remote has the new commit; the checkout is still on the old one with every
    // file rewritten, as a run killed between push and branch update leaves it.
    let co = fx.dir.path().join("co");
    git(fx.dir.path(), &["clone", "--quiet", &fx.url(), "co"]);
    git(&co, &["reset", "--quiet", "--hard", &fx.base]);
    for i in 0..FILES {
        fs::write(co.join(file_name(i)), deploy(i, NEW)).unwrap();
    }
    let out = fx.run(&co);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fx.remote_head(), pushed, "no second commit");
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), pushed);
    assert_eq!(git(&co, &["status", "--porcelain"]), "");
    assert!(assert_remote_whole(&fx, &new_tree));
}

#[test]
fn an_edit_that_is_not_ours_is_refused_with_what_to_do() {
    let fx = Fixture::new();
    let co = fx.fresh_checkout("co");
    // A marked value set by hand to something the resolver would not write.
    let edited = deploy(7, "registry.example.com/team/web:1.2.0");
    fs::write(co.join(file_name(7)), &edited).unwrap();
    for i in 0..10 {
        fs::write(co.join(file_name(i + 20)), deploy(i + 20, NEW)).unwrap();
    }
    let out = fx.run(&co);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&file_name(7)), "{stderr}");
    assert!(stderr.contains("checkout -- ."), "{stderr}");
    assert_eq!(fs::read_to_string(co.join(file_name(7))).unwrap(), edited);
    assert_eq!(
        fs::read_to_string(co.join(file_name(20))).unwrap(),
        deploy(20, NEW),
        "nothing was dropped"
    );
    assert_eq!(fx.remote_head(), fx.base, "nothing was pushed");
}

#[test]
fn kill_9_of_a_clone_run_leaves_the_remote_old_or_whole() {
    use std::os::unix::process::CommandExt as _;

    let fx = Fixture::new();
    let (new_tree, took) = reference_run(&fx);
    let url = fx.url();
    let tmp = tempfile::tempdir().unwrap();
    let clone_run = || {
        let mut cmd = fx.binary();
        cmd.args(["writeback", "--repo", &url, "--branch", "main"])
            .args(["--client-secret", "git"])
            .env("TMPDIR", tmp.path());
        cmd
    };
    let rounds = 8u32;
    let mut seen_leftovers = false;
    for round in 0..rounds {
        git(&fx.bare(), &["update-ref", "refs/heads/main", &fx.base]);
        let delay = took.mul_f64(f64::from(round) / f64::from(rounds - 2));
        let mut child = clone_run()
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        kill_and_drain(&mut child, round % 2 == 1);
        let pushed = assert_remote_whole(&fx, &new_tree);

        let leftovers = ours_in(tmp.path());
        let out = clone_run().output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(assert_remote_whole(&fx, &new_tree), "round {round}");
        // The killed run's clone and credential copy were swept by the next run, which
        // removed its own.
        assert_eq!(
            ours_in(tmp.path()),
            Vec::<String>::new(),
            "round {round}: left by the kill: {leftovers:?}"
        );
        seen_leftovers |= !leftovers.is_empty();
        if pushed {
            assert!(text(&out.stderr).contains("no commit"), "not pushed twice");
        }
    }
    assert!(
        seen_leftovers,
        "some kill left a clone behind for the sweep"
    );
}

/// The `imagescan-*` entries of a temporary directory.
fn ours_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.starts_with("imagescan-"))
        .collect();
    names.sort();
    names
}
