//! Writeback against real git servers (lighttpd + git http-backend with Basic auth,
//! OpenSSH sshd), with a fake resolver that rewrites marked `image:` lines. The real
//! marker engine is plugged in by the command layer; what is tested here is the git
//! cycle: clone, commit, push, retry, credentials, dry run.

mod support;

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagescan::git::Credentials;
use imagescan::writeback::run::{Outcome, WritebackError, run_with};
use imagescan::writeback::settings::{Flags, Settings};
use support::fake_resolver::{FakeResolver, MARKER};
use support::git_server::{HTTP_PASSWORD, HTTP_USER, HttpGitServer, Repos, SshGitServer, git};

fn deploy(tag: &str) -> String {
    format!("kind: Deployment\nspec:\n  image: nginx:{tag} {MARKER}\n  replicas: 2\n")
}

fn seed(repos: &Repos) -> PathBuf {
    repos.create(
        "apps.git",
        &[
            ("apps/web/deploy.yaml", &deploy("1.25.0")),
            ("apps/api/deploy.yaml", &deploy("1.25.0")),
            ("README.md", "apps\n"),
        ],
    )
}

fn secret_dir(user: &str, password: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("username"), user).unwrap();
    fs::write(dir.path().join("password"), password).unwrap();
    dir
}

fn remote_settings(url: &str) -> Settings {
    let flags = Flags {
        repo: Some(url.to_owned()),
        branch: Some("main".into()),
        author_name: Some("Image Bot".into()),
        author_email: Some("bot@example.com".into()),
        message_template: Some(
            "images: {{ len .Changes }} changed\n\n{{ range .Changes -}}\n{{ .File }}:{{ .Line }} {{ .Scan }} {{ .Image }} {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}"
                .into(),
        ),
        ..Flags::default()
    };
    Settings::resolve(flags, None).unwrap()
}

/// Every argument vector passed to git must be free of the password.
fn assert_no_secret_in_args(git: &imagescan::git::Git, secret: &str) {
    let log = git.command_log();
    assert!(!log.is_empty());
    for args in log {
        for arg in args {
            assert!(
                !arg.to_string_lossy().contains(secret),
                "secret in git argv: {arg:?}"
            );
        }
    }
}

#[test]
fn first_push_then_no_op_over_http() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let before = server.repos.head("apps.git", "main").unwrap();
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let settings = remote_settings(&server.url("apps.git"));

    let mut resolver = FakeResolver::new("1.26.1");
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, git_used) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    let Outcome::Pushed {
        commit,
        branch,
        attempts,
        changes,
    } = outcome
    else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!((branch.as_str(), attempts, changes.len()), ("main", 1, 2));
    assert_no_secret_in_args(&git_used, HTTP_PASSWORD);

    let bare = server.repos.root.join("apps.git");
    assert_eq!(server.repos.head("apps.git", "main").unwrap(), commit);
    assert_eq!(git(&bare, &["rev-parse", "main~1"]), before);
    assert_eq!(
        git(
            &bare,
            &["log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"]
        ),
        "Image Bot <bot@example.com>|Image Bot <bot@example.com>"
    );
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%B", "main"]),
        "images: 2 changed\n\n\
         apps/api/deploy.yaml:3 web nginx nginx:1.25.0 -> nginx:1.26.1\n\
         apps/web/deploy.yaml:3 web nginx nginx:1.25.0 -> nginx:1.26.1"
    );
    assert_eq!(
        git(&bare, &["show", "main:apps/web/deploy.yaml"]) + "\n",
        deploy("1.26.1")
    );
    assert_eq!(
        git(&bare, &["diff", "--name-only", "main~1", "main"]),
        "apps/api/deploy.yaml\napps/web/deploy.yaml"
    );
    // The password is nowhere in the remote's history.
    let history = git(&bare, &["log", "-p", "--all", "--format=%H %an %ae %B"]);
    assert!(!history.contains(HTTP_PASSWORD));

    // Second run: every value current, no commit.
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(outcome, Outcome::Unchanged);
    assert_eq!(server.repos.head("apps.git", "main").unwrap(), commit);
}

#[test]
fn racing_writer_keeps_both_commits() {
    let server = HttpGitServer::start();
    let bare = seed(&server.repos);
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let settings = remote_settings(&server.url("apps.git"));
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "--quiet", bare.to_str().unwrap(), "w"],
    );
    let other_work = other.path().join("w");

    let mut resolver = FakeResolver::new("1.27.0");
    let calls = Rc::clone(&resolver.calls);
    // On the first call, after our clone and before our push, someone else pushes.
    let mut racing = |root: &Path, paths: &[PathBuf]| {
        if calls.get() == 0 {
            fs::write(other_work.join("README.md"), "apps, edited by a human\n").unwrap();
            git(&other_work, &["commit", "--quiet", "-am", "human edit"]);
            git(&other_work, &["push", "--quiet", "origin", "main"]);
        }
        resolver.resolve(root, paths)
    };
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(&settings, creds, &mut racing, &mut Vec::new()).unwrap();
    let Outcome::Pushed { attempts, .. } = outcome else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(attempts, 2, "the first push must have been rejected");
    assert_eq!(calls.get(), 2, "the resolver runs again on the new head");
    assert_eq!(
        git(&bare, &["log", "--format=%s|%an", "main"]),
        "images: 2 changed|Image Bot\nhuman edit|Other Writer\ninitial|Other Writer"
    );
    assert_eq!(
        git(&bare, &["show", "main:README.md"]),
        "apps, edited by a human"
    );
    assert_eq!(
        git(&bare, &["show", "main:apps/api/deploy.yaml"]) + "\n",
        deploy("1.27.0")
    );
}

#[test]
fn retries_run_out_without_losing_others_commits() {
    let server = HttpGitServer::start();
    let bare = seed(&server.repos);
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let mut settings = remote_settings(&server.url("apps.git"));
    settings.retry.attempts = 3;
    settings.retry.backoff = std::time::Duration::from_millis(10);
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "--quiet", bare.to_str().unwrap(), "w"],
    );
    let other_work = other.path().join("w");
    let mut resolver = FakeResolver::new("1.27.0");
    let mut n = 0;
    // Someone pushes before every one of our pushes.
    let mut racing = |root: &Path, paths: &[PathBuf]| {
        n += 1;
        fs::write(other_work.join("README.md"), format!("edit {n}\n")).unwrap();
        git(
            &other_work,
            &["commit", "--quiet", "-am", &format!("human edit {n}")],
        );
        git(&other_work, &["push", "--quiet", "origin", "main"]);
        resolver.resolve(root, paths)
    };
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let err = run_with(&settings, creds, &mut racing, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, WritebackError::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(format!("{err}").contains("gave up pushing to main after 3 attempts"));
    assert_eq!(
        git(&bare, &["log", "--format=%s", "main"]),
        "human edit 3\nhuman edit 2\nhuman edit 1\ninitial"
    );
}

#[test]
fn push_to_a_new_branch() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let main_before = server.repos.head("apps.git", "main").unwrap();
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let mut settings = remote_settings(&server.url("apps.git"));
    settings.push_branch = Some("imagescan/updates".into());
    settings.paths = vec![PathBuf::from("apps/web")];
    let mut resolver = FakeResolver::new("1.26.1");
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    let Outcome::Pushed { commit, branch, .. } = outcome else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(branch, "imagescan/updates");
    let repos = &server.repos;
    assert_eq!(repos.head("apps.git", "imagescan/updates").unwrap(), commit);
    assert_eq!(repos.head("apps.git", "main").unwrap(), main_before);
    let bare = repos.root.join("apps.git");
    // --path limits the run: only apps/web changed.
    assert_eq!(
        git(&bare, &["diff", "--name-only", "main", "imagescan/updates"]),
        "apps/web/deploy.yaml"
    );

    // A second run onto the now existing push branch builds on it: nothing left to do.
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(outcome, Outcome::Unchanged);
}

#[test]
fn wrong_password_is_a_clear_error_without_the_secret() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let before = server.repos.refs("apps.git");
    let wrong = "wrong-Pa55-do-not-print";
    let secret = secret_dir(HTTP_USER, wrong);
    let settings = remote_settings(&server.url("apps.git"));
    let mut resolver = FakeResolver::new("1.26.1");
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let err = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap_err();
    let text = format!("{err:#} {err:?}");
    assert!(text.contains("git push failed"), "{text}");
    assert!(text.contains("Authentication failed"), "{text}");
    assert!(!text.contains(wrong), "{text}");
    assert_eq!(server.repos.refs("apps.git"), before);
}

#[test]
fn anonymous_push_is_refused() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let before = server.repos.refs("apps.git");
    let settings = remote_settings(&server.url("apps.git"));
    let mut resolver = FakeResolver::new("1.26.1");
    let err = run_with(
        &settings,
        Credentials::ambient(),
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("git push failed"), "{text}");
    assert!(text.contains("terminal prompts disabled"), "{text}");
    assert_eq!(server.repos.refs("apps.git"), before);
}

#[test]
fn dry_run_on_a_clone_changes_nothing_remotely() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let before = server.repos.refs("apps.git");
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let mut settings = remote_settings(&server.url("apps.git"));
    settings.dry_run = true;
    let mut resolver = FakeResolver::new("1.26.1");
    let mut out = Vec::new();
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut out,
    )
    .unwrap();
    assert!(matches!(outcome, Outcome::DryRun { ref changes } if changes.len() == 2));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("--- a/apps/web/deploy.yaml\n+++ b/apps/web/deploy.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "-  image: nginx:1.25.0 {MARKER}\n+  image: nginx:1.26.1 {MARKER}\n"
        )),
        "{out}"
    );
    assert!(out.ends_with(
        "commit message:\nimages: 2 changed\n\napps/api/deploy.yaml:3 web nginx nginx:1.25.0 -> nginx:1.26.1\napps/web/deploy.yaml:3 web nginx nginx:1.25.0 -> nginx:1.26.1\n"
    ), "{out}");
    assert_eq!(server.repos.refs("apps.git"), before);
}

/// A local checkout (as in a CI job): its own remote applies; afterwards HEAD is the
/// pushed commit and the tree is clean. A dry run there touches no file, index or ref.
#[test]
fn local_checkout_dry_run_then_push() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &["clone", "--quiet", &server.url("apps.git"), "co"],
    );
    let co = work.path().join("co");
    let file = co.join("apps/web/deploy.yaml");
    let snapshot = |co: &Path| {
        (
            git(co, &["rev-parse", "HEAD"]),
            git(co, &["status", "--porcelain", "--untracked-files=all"]),
            fs::read(co.join(".git/index")).unwrap(),
            fs::read(&file).unwrap(),
        )
    };
    let before = snapshot(&co);
    let flags = Flags {
        dir: Some(co.clone()),
        dry_run: true,
        ..Flags::default()
    };
    let settings = Settings::resolve(flags, None).unwrap();
    let mut resolver = FakeResolver::new("1.26.1");
    let mut out = Vec::new();
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut out,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("+  image: nginx:1.26.1"), "{out}");
    assert!(
        out.ends_with("commit message:\nUpdate from image update automation\n"),
        "{out}"
    );
    assert_eq!(snapshot(&co), before, "dry run touched the checkout");
    let remote_before = server.repos.refs("apps.git");
    assert_eq!(server.repos.refs("apps.git"), remote_before);

    // The real run, limited to DIR = apps/web (a subdirectory of the checkout).
    let flags = Flags {
        dir: Some(co.join("apps/web")),
        ..Flags::default()
    };
    let settings = Settings::resolve(flags, None).unwrap();
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    let Outcome::Pushed {
        commit, changes, ..
    } = outcome
    else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].file, PathBuf::from("apps/web/deploy.yaml"));
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), commit);
    assert_eq!(server.repos.head("apps.git", "main").unwrap(), commit);
    assert_eq!(
        git(&co, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    assert_eq!(
        git(&co, &["log", "-1", "--format=%an <%ae>"]),
        "imagescan <imagescan@localhost>"
    );
}

#[test]
fn local_checkout_with_uncommitted_changes_is_refused() {
    let server = HttpGitServer::start();
    seed(&server.repos);
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &["clone", "--quiet", &server.url("apps.git"), "co"],
    );
    let co = work.path().join("co");
    fs::write(co.join("README.md"), "local edit\n").unwrap();
    let settings = Settings::resolve(
        Flags {
            dir: Some(co.clone()),
            ..Flags::default()
        },
        None,
    )
    .unwrap();
    let mut resolver = FakeResolver::new("1.26.1");
    let err = run_with(
        &settings,
        Credentials::ambient(),
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(matches!(err, WritebackError::DirtyTree { .. }), "{err:?}");
    assert_eq!(
        fs::read_to_string(co.join("README.md")).unwrap(),
        "local edit\n"
    );
    assert_eq!(resolver.calls.get(), 0);
}

#[test]
fn ssh_key_auth_with_known_hosts() {
    let server = SshGitServer::start();
    seed(&server.repos);
    let secret = tempfile::tempdir().unwrap();
    fs::copy(&server.client_key, secret.path().join("ssh-privatekey")).unwrap();
    // Mounted Secrets are often 0644: ssh would refuse such a key file, the private copy
    // (0600) is what it gets.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = secret.path().join("ssh-privatekey");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let settings = remote_settings(&server.url("apps.git"));

    // Without known_hosts (in the secret or the user's), the unknown host is refused.
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let mut resolver = FakeResolver::new("1.26.1");
    let err = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("Host key verification failed"),
        "{err:#}"
    );

    fs::copy(&server.known_hosts, secret.path().join("known_hosts")).unwrap();
    let mut resolver = FakeResolver::new("1.26.1");
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, git_used) = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap();
    let Outcome::Pushed { commit, .. } = outcome else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(server.repos.head("apps.git", "main").unwrap(), commit);
    let key = fs::read_to_string(&server.client_key).unwrap();
    let key_body = key.lines().nth(1).unwrap();
    assert_no_secret_in_args(&git_used, key_body);

    // A host key that does not match known_hosts is refused (strict checking).
    fs::copy(
        server.wrong_known_hosts(),
        secret.path().join("known_hosts"),
    )
    .unwrap();
    let before = server.repos.refs("apps.git");
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let mut resolver = FakeResolver::new("1.27.0");
    let err = run_with(
        &settings,
        creds,
        &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
        &mut Vec::new(),
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("git clone failed"), "{text}");
    assert!(text.contains("Host key verification failed"), "{text}");
    assert_eq!(server.repos.refs("apps.git"), before);
}

/// `--watch`: cycles repeat until the stop flag (set by SIGTERM/SIGINT in the binary) is
/// raised; the cycle in progress completes. A plain path URL needs no credentials.
#[test]
fn watch_repeats_until_stopped() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let repos_dir = tempfile::tempdir().unwrap();
    let repos = Repos {
        root: repos_dir.path().to_path_buf(),
    };
    let bare = seed(&repos);
    let settings = remote_settings(bare.to_str().unwrap());
    let tags = ["1.26.0", "1.26.0", "1.27.0"];
    let cycle = Cell::new(0);
    let mut resolver = FakeResolver::new(tags[0]);
    let mut resolve = |root: &Path, paths: &[PathBuf]| {
        resolver.tag = tags[cycle.get().min(tags.len() - 1)].to_owned();
        resolver.resolve(root, paths)
    };
    let stop = AtomicBool::new(false);
    let mut outcomes = Vec::new();
    imagescan::writeback::run::watch(
        &settings,
        &mut resolve,
        std::time::Duration::ZERO,
        &stop,
        &mut Vec::new(),
        |result, _| {
            outcomes.push(result.map(|o| matches!(o, Outcome::Pushed { .. })).unwrap());
            cycle.set(cycle.get() + 1);
            if cycle.get() == tags.len() {
                stop.store(true, Ordering::SeqCst);
            }
            true
        },
    );
    assert_eq!(outcomes, vec![true, false, true]);
    assert_eq!(
        git(&bare, &["log", "--format=%an", "main"]),
        "Image Bot\nImage Bot\nOther Writer"
    );
}

/// A local checkout with a commit of its own that the remote lacks: a racing push forces
/// a rebase, and every commit — the other writer's, the local one, ours — ends on the
/// branch.
#[test]
fn local_checkout_race_rebases_local_commits() {
    let server = HttpGitServer::start();
    let bare = seed(&server.repos);
    let secret = secret_dir(HTTP_USER, HTTP_PASSWORD);
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &["clone", "--quiet", &server.url("apps.git"), "co"],
    );
    let co = work.path().join("co");
    fs::write(co.join("NOTES.md"), "local notes\n").unwrap();
    git(&co, &["add", "NOTES.md"]);
    git(&co, &["commit", "--quiet", "-m", "local commit"]);
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "--quiet", bare.to_str().unwrap(), "w"],
    );
    let other_work = other.path().join("w");

    let settings = Settings::resolve(
        Flags {
            dir: Some(co.clone()),
            ..Flags::default()
        },
        None,
    )
    .unwrap();
    let mut resolver = FakeResolver::new("1.26.1");
    let calls = Rc::clone(&resolver.calls);
    let mut racing = |root: &Path, paths: &[PathBuf]| {
        if calls.get() == 0 {
            fs::write(other_work.join("README.md"), "edited elsewhere\n").unwrap();
            git(&other_work, &["commit", "--quiet", "-am", "remote edit"]);
            git(&other_work, &["push", "--quiet", "origin", "main"]);
        }
        resolver.resolve(root, paths)
    };
    let creds = Credentials::from_secret_dir(secret.path()).unwrap();
    let (outcome, _) = run_with(&settings, creds, &mut racing, &mut Vec::new()).unwrap();
    let Outcome::Pushed {
        commit, attempts, ..
    } = outcome
    else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(attempts, 2);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), commit);
    assert_eq!(
        git(&bare, &["log", "--format=%s", "main"]),
        "Update from image update automation\nlocal commit\nremote edit\ninitial"
    );
    assert_eq!(git(&co, &["status", "--porcelain"]), "");
}

/// A resolver that reports a change but leaves the bytes as they were makes no commit.
#[test]
fn reported_change_without_edit_makes_no_commit() {
    let repos_dir = tempfile::tempdir().unwrap();
    let repos = Repos {
        root: repos_dir.path().to_path_buf(),
    };
    let bare = seed(&repos);
    let before = repos.refs("apps.git");
    let settings = remote_settings(bare.to_str().unwrap());
    let mut claims =
        |_: &Path, _: &[PathBuf]| -> Result<Vec<imagescan::writeback::Change>, std::io::Error> {
            Ok(vec![imagescan::writeback::Change {
                file: "apps/web/deploy.yaml".into(),
                line: 3,
                scan: "web".into(),
                image: "nginx".into(),
                old_value: "nginx:1.25.0".into(),
                new_value: "nginx:1.25.0".into(),
            }])
        };
    let (outcome, _) = run_with(
        &settings,
        Credentials::ambient(),
        &mut claims,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(outcome, Outcome::Unchanged);
    assert_eq!(repos.refs("apps.git"), before);
}
