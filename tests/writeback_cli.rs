//! `imagescan writeback` through the real binary, against the real git smart-HTTP server
//! (lighttpd + git http-backend, Basic auth on push) with the real marker pipeline: the
//! demo app and its OCI layouts are pushed to a bare repository, then written back.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::cli::Imagescan;
use support::git_server::{HTTP_PASSWORD, HTTP_USER, HttpGitServer, git};

const TEMPLATE: &str = "chore(images): {{ len .Changes }} updated\n\n{{ range .Changes }}{{ .File }}:{{ .Line }} {{ .Scan }} {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}";

/// Every file of testdata/demo and testdata/oci, under `demo/` and `oci/`, plus a
/// `commit:` section appended to the demo's imagescan.yaml.
fn demo_files() -> Vec<(String, String)> {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut files = Vec::new();
    for top in ["demo", "oci"] {
        let mut pending = vec![testdata.join(top)];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(&testdata).unwrap();
                    files.push((
                        relative.to_str().unwrap().to_owned(),
                        fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
    }
    for (name, text) in &mut files {
        if name == "demo/imagescan.yaml" {
            text.push_str(&format!(
                "commit:\n  authorName: Image Bot\n  authorEmail: bot@example.com\n  messageTemplate: {}\n",
                serde_json::to_string(TEMPLATE).unwrap()
            ));
        }
    }
    files
}

struct Env {
    secrets: tempfile::TempDir,
    home: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Env {
    fn new(password: &str) -> Self {
        let secrets = tempfile::tempdir().unwrap();
        let dir = secrets.path().join("git");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("username"), HTTP_USER).unwrap();
        fs::write(dir.join("password"), password).unwrap();
        Env {
            secrets,
            home: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// `imagescan writeback --repo URL --branch main --path demo EXTRA...`.
    fn writeback(&self, url: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "writeback",
            "--repo",
            url,
            "--branch",
            "main",
            "--path",
            "demo",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn run(&self, args: &[&str]) -> Output {
        Imagescan::at_root(args)
            .env("IMAGESCAN_SECRETS_DIR", self.secrets.path())
            .env("IMAGESCAN_CACHE_DIR", self.cache.path())
            .env("HOME", self.home.path())
            .output()
    }
}

fn seeded() -> (HttpGitServer, String, PathBuf) {
    let server = HttpGitServer::start();
    let files = demo_files();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let bare = server.repos.create("apps.git", &refs);
    let url = server.url("apps.git");
    (server, url, bare)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn pushes_once_with_the_configured_message_then_does_nothing() {
    let (server, url, bare) = seeded();
    let env = Env::new(HTTP_PASSWORD);
    let before = server.repos.head("apps.git", "main").unwrap();

    let first = env.writeback(&url, &["--client-secret", "git"]);
    assert!(first.status.success(), "stderr: {}", text(&first.stderr));
    let after = server.repos.head("apps.git", "main").unwrap();
    assert_ne!(before, after, "a commit was pushed");

    let message = git(&bare, &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.starts_with("chore(images): 7 updated\n"),
        "{message}"
    );
    assert!(
        message.contains("demo/deployment.yaml:20 web registry.example.com/team/web:1.0.0 -> registry.example.com/team/web:1.5.0"),
        "{message}"
    );
    assert!(
        message.contains("demo/values.yaml:4 web 1.4.2 -> 1.5.0"),
        "values are unquoted: {message}"
    );
    let people = git(
        &bare,
        &["log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"],
    );
    assert_eq!(
        people,
        "Image Bot <bot@example.com>|Image Bot <bot@example.com>"
    );
    let deployment = git(&bare, &["show", "main:demo/deployment.yaml"]);
    assert!(
        deployment
            .contains("image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}")
    );
    // Only the marked values changed.
    let stat = git(&bare, &["diff", "--numstat", &before, "main"]);
    assert_eq!(stat.lines().count(), 4, "{stat}");

    let second = env.writeback(&url, &["--client-secret", "git"]);
    assert!(second.status.success(), "stderr: {}", text(&second.stderr));
    assert_eq!(
        server.repos.head("apps.git", "main").unwrap(),
        after,
        "no second commit"
    );
    assert!(text(&second.stderr).contains("no commit"));

    for output in [&first, &second] {
        assert!(!text(&output.stdout).contains(HTTP_PASSWORD));
        assert!(!text(&output.stderr).contains(HTTP_PASSWORD));
    }
    let history = git(&bare, &["log", "--format=%B", "main"]);
    assert!(!history.contains(HTTP_PASSWORD));
}

#[test]
fn dry_run_prints_the_diff_and_message_and_pushes_nothing() {
    let (server, url, _bare) = seeded();
    let env = Env::new(HTTP_PASSWORD);
    let refs = server.repos.refs("apps.git");
    let out = env.writeback(&url, &["--dry-run"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "-        image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "+        image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("commit message:\nchore(images): 7 updated"),
        "{stdout}"
    );
    assert_eq!(server.repos.refs("apps.git"), refs, "nothing pushed");
}

#[test]
fn wrong_password_fails_with_exit_1_and_no_secret() {
    let (server, url, _bare) = seeded();
    let wrong = "not-the-password-5f3a";
    let env = Env::new(wrong);
    let refs = server.repos.refs("apps.git");
    let out = env.writeback(&url, &["--client-secret", "git"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains(wrong));
    assert!(!text(&out.stdout).contains(wrong));
    assert_eq!(server.repos.refs("apps.git"), refs);
}

#[test]
fn a_bad_template_is_exit_2_before_any_clone() {
    let dir = tempfile::tempdir().unwrap();
    let gitrepo = dir.path().join("gitrepo.yaml");
    fs::write(
        &gitrepo,
        "apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: apps\nspec:\n  repo: http://127.0.0.1:1/nowhere.git\n  imageScanCommit:\n    messageTemplate: \"{{ range .Changes }}\"\n",
    )
    .unwrap();
    let env = Env::new(HTTP_PASSWORD);
    let out = env.run(&["writeback", "--gitrepo", gitrepo.to_str().unwrap()]);
    // Exit 2 (invalid input), not 1: a clone of the unreachable URL was never tried.
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("gitrepo.yaml"),
        "{}",
        text(&out.stderr)
    );
}

/// A manifest that is a symlink to another in the repository (an app reusing a base's
/// file): the link's target is written, the link stays a link (mode 120000 in the pushed
/// tree), and its values count once.
#[test]
fn a_symlinked_manifest_stays_a_link_and_counts_once() {
    let (server, url, bare) = seeded();
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &["clone", "--quiet", bare.to_str().unwrap(), "."],
    );
    fs::create_dir(work.path().join("demo/app")).unwrap();
    std::os::unix::fs::symlink(
        "../deployment.yaml",
        work.path().join("demo/app/deployment.yaml"),
    )
    .unwrap();
    git(work.path(), &["add", "--all"]);
    git(
        work.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "--quiet",
            "-m",
            "app links the deployment",
        ],
    );
    git(work.path(), &["push", "--quiet", "origin", "HEAD:main"]);
    let before = server.repos.head("apps.git", "main").unwrap();

    let env = Env::new(HTTP_PASSWORD);
    let out = env.writeback(&url, &["--client-secret", "git"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));

    let tree = git(&bare, &["ls-tree", "main", "demo/app/deployment.yaml"]);
    assert!(tree.starts_with("120000 blob "), "still a symlink: {tree}");
    assert_eq!(
        git(&bare, &["cat-file", "-p", "main:demo/app/deployment.yaml"]),
        "../deployment.yaml"
    );
    let message = git(&bare, &["log", "-1", "--format=%B", "main"]);
    // The same 7 values as without the link: the linked file is counted once, under its
    // own path.
    assert!(
        message.starts_with("chore(images): 7 updated\n"),
        "{message}"
    );
    assert!(!message.contains("demo/app/"), "{message}");
    let stat = git(&bare, &["diff", "--numstat", &before, "main"]);
    assert_eq!(stat.lines().count(), 4, "{stat}");
}
