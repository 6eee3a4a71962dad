//! `imagescan scan` and `render` (the real binary) against real registries (Debian
//! docker-registry 2.8): index and platform digests, registry-then-cache sources,
//! single-flight across eight concurrent renders, stale-if-error and `--offline`,
//! secret directories for htpasswd and token auth (and a grep for every secret in every
//! output and cache file), TLS with a private CA, and pagination behind a proxy.
//!
//! Every child gets its own IMAGESCAN_CACHE_DIR, IMAGESCAN_SECRETS_DIR, DOCKER_CONFIG and
//! HOME (temporary directories), and SSL_CERT_FILE set explicitly.

mod support;

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use support::cli::{as_other_user, chmod_tree};
use support::fault_server::{FaultServer, Reply, forward};
use support::registry::{
    Auth, Pages, Pusher, Registry, TestCa, TokenServer, base64, paginating_proxy,
};

const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
const USER: &str = "scanner";
const PASSWORD: &str = "pw-Zr4-secret-never-shown";
const WRONG_PASSWORD: &str = "pw-wrong-Kd9-never-shown";

/// One command's result, as text.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        self
    }

    #[track_caller]
    fn fails(self) -> Run {
        assert_eq!(
            self.code, 1,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The per-test environment of the children: cache, secrets, Docker config and HOME
/// under one temporary directory; every output is kept for the secret grep.
struct Env {
    root: tempfile::TempDir,
    outputs: RefCell<Vec<String>>,
}

impl Env {
    fn new() -> Env {
        let root = tempfile::tempdir().unwrap();
        for dir in ["cache", "secrets", "docker", "home"] {
            fs::create_dir(root.path().join(dir)).unwrap();
        }
        Env {
            root,
            outputs: RefCell::default(),
        }
    }

    fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    fn secrets(&self) -> PathBuf {
        self.root.path().join("secrets")
    }

    /// A workspace directory `name` holding `files`.
    fn workspace(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.root.path().join("ws").join(name);
        fs::create_dir_all(&dir).unwrap();
        for (path, text) in files {
            fs::write(dir.join(path), text).unwrap();
        }
        dir
    }

    fn command(&self, cache: &Path, args: &[&str]) -> Command {
        let mut command = support::cli::command(args);
        command
            .env("IMAGESCAN_CACHE_DIR", cache)
            .env("IMAGESCAN_SECRETS_DIR", self.secrets())
            .env("DOCKER_CONFIG", self.root.path().join("docker"))
            .env("HOME", self.root.path().join("home"))
            .env("SSL_CERT_FILE", SYSTEM_BUNDLE)
            .stdin(Stdio::null());
        command
    }

    fn record(&self, run: Run) -> Run {
        let mut outputs = self.outputs.borrow_mut();
        outputs.push(run.stdout.clone());
        outputs.push(run.stderr.clone());
        run
    }

    /// Runs the binary with the default cache directory.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(&self.cache(), args, &[])
    }

    fn run_with(&self, cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(cache, args);
        command.envs(env.iter().copied());
        self.record(Run::from(command.output().unwrap()))
    }

    /// Every output so far and every file under `dirs`, as (what, text).
    fn everything(&self, dirs: &[PathBuf]) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .outputs
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, text)| (format!("output #{i}"), text.clone()))
            .collect();
        for dir in dirs {
            for path in files_under(dir) {
                let bytes = fs::read(&path).unwrap();
                all.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
        all
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `imagescan.yaml` with `scans` (already-indented YAML items) and one plain-HTTP
/// `registries:` entry per host in `insecure`.
fn config(scans: &str, registries: &str) -> String {
    format!("imageScans:\n{scans}registries:\n{registries}")
}

fn insecure(host: &str) -> String {
    format!("- host: {host}\n  insecure: true\n")
}

fn scan_item(name: &str, image: &str, extra: &str) -> String {
    format!(
        "- tagName: {name}\n  image: {image}\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n{extra}"
    )
}

/// A Kubernetes object whose image carries `marker`.
fn pod(name: &str, value: &str, marker: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: c\n    image: {value} # {{\"$imagescan\": \"{marker}\"}}\n"
    )
}

fn scan_rows(run: &Run) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    value.as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [serde_json::Value], scan: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["scan"] == scan)
        .unwrap_or_else(|| panic!("no row for {scan}: {rows:?}"))
}

const PLATFORMS: [(&str, &str, Option<&str>); 2] =
    [("linux", "amd64", None), ("linux", "arm64", Some("v8"))];

/// `repository` with 1.0.0, 2.0.0-rc.1 and latest (one image) and 1.2.0 (a multi-arch
/// OCI index); returns (index digest, arm64 manifest digest).
fn push_app(pusher: &Pusher, repository: &str) -> (String, String) {
    let single = ["1.0.0", "2.0.0-rc.1", "latest"].map(String::from);
    pusher.tags(repository, &single);
    let (index, children) = pusher.index(repository, "1.2.0", true, &PLATFORMS);
    (index.digest, children[1].digest.clone())
}

#[test]
fn scan_reports_index_and_platform_digests_from_registry_then_cache() {
    let registry = Registry::anonymous();
    let pusher = Pusher::new(&registry);
    let host = registry.host();
    let (index, _) = push_app(&pusher, "team/app");
    let (_, arm64) = push_app(&pusher, "team/arm");
    let env = Env::new();
    let scans = scan_item("app", &format!("{host}/team/app"), "")
        + &scan_item(
            "arm",
            &format!("{host}/team/arm"),
            "  platform: linux/arm64\n",
        );
    let dir = env.workspace(
        "scan",
        &[("imagescan.yaml", &config(&scans, &insecure(&host)))],
    );

    let first = env.run(&["scan", path_str(&dir), "--output", "json"]).ok();
    let second = env.run(&["scan", path_str(&dir), "--output", "json"]).ok();
    for (run, source) in [(&first, "registry"), (&second, "cache")] {
        let rows = scan_rows(run);
        assert_eq!(rows.len(), 2, "{rows:?}");
        for (scan, digest, image) in [("app", &index, "team/app"), ("arm", &arm64, "team/arm")] {
            let r = row(&rows, scan);
            assert_eq!(r["image"], format!("{host}/{image}"));
            assert_eq!(r["tags_seen"], 4, "{r}");
            assert_eq!(r["tags_kept"], 3, "latest is no version: {r}");
            // 2.0.0-rc.1 is a prerelease, which ">=1.0.0" excludes.
            assert_eq!(r["tag"], "1.2.0");
            assert_eq!(r["digest"], digest.as_str(), "{scan}");
            assert_eq!(r["source"], source, "{scan}");
        }
    }
    assert_ne!(index, arm64);

    let table = env.run(&["scan", path_str(&dir)]).ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("SCAN"), "{}", table.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("app ")
            && l.contains("1.2.0")
            && l.contains(&index)
            && l.ends_with("cache")),
        "{}",
        table.stdout
    );
}

#[test]
fn eight_concurrent_renders_list_each_repository_once() {
    let registry = Registry::anonymous();
    let pusher = Pusher::new(&registry);
    let (index, _) = push_app(&pusher, "team/a");
    push_app(&pusher, "team/b");
    pusher.tags("team/c", &["1.0.0".to_owned(), "1.5.0".to_owned()]);
    // Every request passes this proxy, which records it.
    let upstream = registry.url();
    let proxy = FaultServer::start(move |request| forward(&upstream, request));
    let host = proxy.host();

    let env = Env::new();
    let scans = ["a", "b", "c"]
        .map(|name| scan_item(name, &format!("{host}/team/{name}"), ""))
        .concat();
    let dir = env.workspace(
        "render",
        &[
            ("imagescan.yaml", &config(&scans, &insecure(&host))),
            (
                "a.yaml",
                &pod("a", &format!("{host}/team/a:0.1"), "a:digest"),
            ),
            ("b.yaml", &pod("b", &format!("{host}/team/b:0.1"), "b")),
            ("c.yaml", &pod("c", "0.1", "c:tag")),
        ],
    );
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.command(&env.cache(), &["render", path_str(&dir)])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|child| {
            env.record(Run::from(child.wait_with_output().unwrap()))
                .ok()
        })
        .collect();
    let expected = format!(
        "{}---\n{}---\n{}",
        pod("a", &format!("{host}/team/a:1.2.0@{index}"), "a:digest"),
        pod("b", &format!("{host}/team/b:1.2.0"), "b"),
        pod("c", "1.5.0", "c:tag"),
    );
    for run in &runs {
        assert_eq!(run.stdout, expected);
    }
    let requests = proxy.requests();
    for name in ["a", "b", "c"] {
        let path = format!("/v2/team/{name}/tags/list");
        let listings = requests.iter().filter(|r| r.path() == path).count();
        assert_eq!(listings, 1, "{path}: {requests:#?}");
    }
    let heads = requests
        .iter()
        .filter(|r| r.method == "HEAD" && r.path() == "/v2/team/a/manifests/1.2.0")
        .count();
    assert_eq!(heads, 1, "one digest lookup for team/a:1.2.0");
    assert!(
        !requests
            .iter()
            .any(|r| r.path().starts_with("/v2/team/b/manifests")
                || r.path().starts_with("/v2/team/c/manifests")),
        "no digest lookups for markers that need none"
    );
}

#[test]
fn stale_cache_served_when_the_registry_is_down_and_offline_mode() {
    let registry = Registry::anonymous();
    let host = registry.host();
    push_app(&Pusher::new(&registry), "team/app");
    let env = Env::new();
    let scans = scan_item("app", &format!("{host}/team/app"), "  interval: 1s\n");
    let dir = env.workspace(
        "stale",
        &[
            ("imagescan.yaml", &config(&scans, &insecure(&host))),
            (
                "app.yaml",
                &pod("app", &format!("{host}/team/app:0.1"), "app"),
            ),
        ],
    );
    let expected = pod("app", &format!("{host}/team/app:1.2.0"), "app");
    let warm = env.run(&["render", path_str(&dir)]).ok();
    assert_eq!(warm.stdout, expected);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    drop(registry);

    let stale = env.run(&["render", path_str(&dir)]).ok();
    assert_eq!(stale.stdout, expected);
    assert!(
        stale.stderr.contains("warning") && stale.stderr.contains("scan app"),
        "{}",
        stale.stderr
    );
    assert!(stale.stderr.contains("stale"), "{}", stale.stderr);

    // `scan` says so too: in its SOURCE column and on stderr (no digest: the plain
    // marker never needed one, so none is cached).
    let scanned = env
        .run(&["scan", path_str(&dir), "--output", "json", "--no-digest"])
        .ok();
    let rows = scan_rows(&scanned);
    assert_eq!(row(&rows, "app")["source"], "stale-cache");
    assert_eq!(row(&rows, "app")["tag"], "1.2.0");
    assert!(
        scanned
            .stderr
            .contains("warning: scan app: serving stale tags"),
        "{}",
        scanned.stderr
    );

    let too_old = env
        .run(&["render", path_str(&dir), "--max-stale", "1s"])
        .fails();
    assert_eq!(too_old.stdout, "", "nothing emitted on failure");
    assert!(too_old.stderr.contains("scan app"), "{}", too_old.stderr);

    let offline = env.run(&["render", path_str(&dir), "--offline"]).ok();
    assert_eq!(offline.stdout, expected);

    let empty = env.root.path().join("empty-cache");
    let cold = env
        .run_with(&empty, &["render", path_str(&dir), "--offline"], &[])
        .fails();
    assert_eq!(cold.stdout, "");
    assert!(
        cold.stderr.contains("scan app") && cold.stderr.contains("offline"),
        "{}",
        cold.stderr
    );
}

/// A cache directory the process can read but not change — mounted read-only, or warmed
/// by another user (a KRM function's container runs as `nobody`): the lock cannot be
/// taken nor the entry written. Fresh entries are served; a stale one is refreshed from
/// the registry without the lock (a warning each for the lock and the write, the file
/// left as it was); an entry it may not read is listed again; with the registry gone,
/// the stale entry is served.
#[test]
fn a_cache_it_cannot_lock_or_write_is_read_and_worked_around() {
    let registry = Registry::anonymous();
    let host = registry.host();
    let pusher = Pusher::new(&registry);
    pusher.tags("team/app", &["1.0.0", "1.1.0"].map(String::from));
    let env = Env::new();
    let scans = scan_item("app", &format!("{host}/team/app"), "  interval: 2s\n");
    let dir = env.workspace(
        "readonly",
        &[("imagescan.yaml", &config(&scans, &insecure(&host)))],
    );
    let scan = |env: &Env| {
        let args = ["scan", path_str(&dir), "--output", "json", "--no-digest"];
        let mut command = as_other_user(env.command(&env.cache(), &args));
        command.stdin(Stdio::null());
        env.record(Run::from(command.output().unwrap()))
    };
    let warm = env
        .run(&["scan", path_str(&dir), "--output", "json", "--no-digest"])
        .ok();
    assert_eq!(row(&scan_rows(&warm), "app")["tag"], "1.1.0");
    chmod_tree(env.root.path(), 0o755);
    chmod_tree(&env.cache(), 0o555);
    let entries = files_under(&env.cache());
    let before: Vec<Vec<u8>> = entries.iter().map(|f| fs::read(f).unwrap()).collect();

    let fresh = scan(&env).ok();
    assert_eq!(row(&scan_rows(&fresh), "app")["tag"], "1.1.0");
    assert_eq!(row(&scan_rows(&fresh), "app")["source"], "cache");
    assert!(!fresh.stderr.contains("warning"), "{}", fresh.stderr);

    pusher.tags("team/app", &["1.2.0".to_owned()]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let refreshed = scan(&env).ok();
    assert_eq!(row(&scan_rows(&refreshed), "app")["tag"], "1.2.0");
    assert_eq!(row(&scan_rows(&refreshed), "app")["source"], "registry");
    for warning in [
        "warning: cannot lock cache file",
        "refreshing without it",
        "warning: cannot write cache file",
        "; not cached there",
    ] {
        assert!(
            refreshed.stderr.contains(warning),
            "{warning}: {}",
            refreshed.stderr
        );
    }
    assert_eq!(
        files_under(&env.cache()),
        entries,
        "no file added or removed"
    );
    let after: Vec<Vec<u8>> = entries.iter().map(|f| fs::read(f).unwrap()).collect();
    assert!(after == before, "the cache files are unchanged");

    // An entry it may not read at all counts as missing: listed again.
    let entry = entries
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "json"))
        .expect("the entry file");
    chmod_tree(entry, 0o000);
    let unreadable = scan(&env).ok();
    assert_eq!(row(&scan_rows(&unreadable), "app")["tag"], "1.2.0");
    assert!(
        unreadable
            .stderr
            .contains("warning: cannot read cache file")
            && unreadable.stderr.contains("taken as missing"),
        "{}",
        unreadable.stderr
    );
    assert_eq!(
        unreadable.stderr.matches("taken as missing").count(),
        1,
        "said once: {}",
        unreadable.stderr
    );
    chmod_tree(&env.cache(), 0o555);

    drop(registry);
    let stale = scan(&env).ok();
    assert_eq!(row(&scan_rows(&stale), "app")["tag"], "1.1.0");
    assert_eq!(row(&scan_rows(&stale), "app")["source"], "stale-cache");
    assert!(
        stale
            .stderr
            .contains("warning: scan app: serving stale tags"),
        "{}",
        stale.stderr
    );
}

/// Writes secret `name` with `files`.
fn secret(env: &Env, name: &str, files: &[(&str, &str)]) {
    let dir = env.secrets().join(name);
    fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        fs::write(dir.join(file), text).unwrap();
    }
}

fn dockerconfigjson(host: &str, password: &str) -> String {
    let auth = base64(format!("{USER}:{password}").as_bytes(), false);
    format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#)
}

/// Runs `scan` on a registry needing credentials with the two secret layouts (each with
/// its own cold cache) and a wrong password; returns the cache directories used.
fn scan_with_secrets(env: &Env, host: &str, expected_digest: &str, label: &str) -> Vec<PathBuf> {
    secret(
        env,
        &format!("{label}-json"),
        &[(".dockerconfigjson", &dockerconfigjson(host, PASSWORD))],
    );
    secret(
        env,
        &format!("{label}-files"),
        &[("username", USER), ("password", &format!("{PASSWORD}\n"))],
    );
    secret(
        env,
        &format!("{label}-wrong"),
        &[(".dockerconfigjson", &dockerconfigjson(host, WRONG_PASSWORD))],
    );
    let mut caches = Vec::new();
    for layout in ["json", "files", "wrong"] {
        let scans = scan_item(
            "app",
            &format!("{host}/team/app"),
            &format!("  secretRef: {{name: {label}-{layout}}}\n"),
        );
        let dir = env.workspace(
            &format!("{label}-{layout}"),
            &[("imagescan.yaml", &config(&scans, &insecure(host)))],
        );
        let cache = env.root.path().join(format!("cache-{label}-{layout}"));
        let run = env.run_with(&cache, &["scan", path_str(&dir), "--output", "json"], &[]);
        if layout == "wrong" {
            let run = run.fails();
            assert!(
                run.stderr.contains("scan app")
                    && run.stderr.contains("refused access")
                    && run.stderr.contains("check the credentials"),
                "{}",
                run.stderr
            );
        } else {
            let run = run.ok();
            let rows = scan_rows(&run);
            assert_eq!(row(&rows, "app")["tag"], "1.2.0", "{label} {layout}");
            assert_eq!(row(&rows, "app")["digest"], expected_digest);
            let listed = env.run_with(&cache, &["cache", "ls"], &[]).ok();
            assert!(listed.stdout.contains("team/app"), "{}", listed.stdout);
        }
        caches.push(cache);
    }
    // No credential at all: refused, and the message says none was configured.
    let scans = scan_item("app", &format!("{host}/team/app"), "");
    let dir = env.workspace(
        &format!("{label}-none"),
        &[("imagescan.yaml", &config(&scans, &insecure(host)))],
    );
    let cache = env.root.path().join(format!("cache-{label}-none"));
    let run = env.run_with(&cache, &["scan", path_str(&dir)], &[]).fails();
    assert!(
        run.stderr.contains("no credentials were configured"),
        "{}",
        run.stderr
    );
    caches.push(cache);
    caches
}

/// Fails when any output or file holds a secret, plain or base64-encoded.
fn assert_no_secret(env: &Env, dirs: &[PathBuf], secrets: &[String]) {
    let mut needles = Vec::new();
    for secret in secrets {
        needles.push(secret.clone());
        needles.push(base64(secret.as_bytes(), false));
        needles.push(base64(secret.as_bytes(), true));
        needles.push(base64(format!("{USER}:{secret}").as_bytes(), false));
    }
    // The grep finds what it looks for: the secret directories hold the passwords.
    let control = env.everything(&[env.secrets()]);
    assert!(
        needles
            .iter()
            .any(|n| control.iter().any(|(_, t)| t.contains(n.as_str()))),
        "the secrets themselves are found"
    );
    let everything = env.everything(dirs);
    assert!(everything.len() > 10, "the grep covers outputs and files");
    for (what, text) in &everything {
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{what} holds a secret ({} chars): {text}",
                needle.len()
            );
        }
    }
}

#[test]
fn htpasswd_registry_with_secret_directories_and_no_secret_in_any_output() {
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(
        storage.path(),
        Auth::Htpasswd {
            username: USER.into(),
            password: PASSWORD.into(),
        },
        None,
    );
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let (index, _) = push_app(&Pusher::new(&open), "team/app");
    let env = Env::new();
    let caches = scan_with_secrets(&env, &secured.host(), &index, "basic");
    assert_no_secret(
        &env,
        &caches,
        &[PASSWORD.to_owned(), WRONG_PASSWORD.to_owned()],
    );
}

#[test]
fn token_registry_with_secret_directories_and_no_token_in_any_output() {
    let tokens = TokenServer::start(USER, PASSWORD, false, 300);
    // The realm is this recording proxy, so the test knows every token issued.
    let issued = Arc::new(Mutex::new(Vec::<String>::new()));
    let realm_proxy = {
        let upstream = tokens.server.url();
        let issued = Arc::clone(&issued);
        FaultServer::start(move |request| {
            let reply = forward(&upstream, request);
            if let Reply::Full {
                status: 200, body, ..
            } = &reply
            {
                let value: serde_json::Value = serde_json::from_slice(body).unwrap();
                issued
                    .lock()
                    .unwrap()
                    .push(value["token"].as_str().unwrap().to_owned());
            }
            reply
        })
    };
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(
        storage.path(),
        Auth::Token {
            realm: format!("{}/token", realm_proxy.url()),
            service: tokens.service.clone(),
            issuer: tokens.issuer.clone(),
            root_cert: tokens.cert.clone(),
        },
        None,
    );
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let (index, _) = push_app(&Pusher::new(&open), "team/app");
    let env = Env::new();
    let caches = scan_with_secrets(&env, &secured.host(), &index, "token");
    let issued = issued.lock().unwrap().clone();
    assert_eq!(issued.len(), 2, "one token for each good secret's run");
    let mut secrets = vec![PASSWORD.to_owned(), WRONG_PASSWORD.to_owned()];
    for token in issued {
        // The signature alone identifies a token; header and claims are not secret.
        secrets.push(token.rsplit('.').next().unwrap().to_owned());
        secrets.push(token);
    }
    assert_no_secret(&env, &caches, &secrets);
}

/// A Docker config `identitytoken` reaches the token service as an OAuth2 refresh-token
/// grant (a POST form), and the scan works; the token is in no output or cache file.
#[test]
fn identity_token_from_a_docker_config_secret() {
    let tokens = TokenServer::start(USER, PASSWORD, false, 300);
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(storage.path(), tokens.auth(), None);
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let (index, _) = push_app(&Pusher::new(&open), "team/app");
    let env = Env::new();
    let host = secured.host();
    secret(
        &env,
        "identity",
        &[(
            ".dockerconfigjson",
            &format!(
                r#"{{"auths":{{"{host}":{{"username":"00000000-0000-0000-0000-000000000000","identitytoken":"{PASSWORD}"}}}}}}"#
            ),
        )],
    );
    let scans = scan_item(
        "app",
        &format!("{host}/team/app"),
        "  secretRef: {name: identity}\n",
    );
    let dir = env.workspace(
        "identity",
        &[("imagescan.yaml", &config(&scans, &insecure(&host)))],
    );
    let run = env.run(&["scan", path_str(&dir), "--output", "json"]).ok();
    let rows = scan_rows(&run);
    assert_eq!(row(&rows, "app")["tag"], "1.2.0");
    assert_eq!(row(&rows, "app")["digest"], index);
    let requests = tokens.server.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.method == "POST"
        && r.header("Authorization").is_none()
        && r.form("refresh_token").as_deref() == Some(PASSWORD)));
    // Again from the cache, and once more with a cold cache and debug logs: every
    // output and file is searched for the token.
    env.run(&["scan", path_str(&dir)]).ok();
    env.run(&["cache", "ls"]).ok();
    let cold = env.root.path().join("cache-identity-debug");
    env.run_with(&cold, &["-v", "-v", "scan", path_str(&dir)], &[])
        .ok();
    assert_no_secret(&env, &[env.cache(), cold, dir], &[PASSWORD.to_owned()]);
}

#[test]
fn tls_with_a_private_ca() {
    let ca = TestCa::generate();
    let storage = tempfile::tempdir().unwrap();
    let secure = Registry::start(
        storage.path(),
        Auth::Anonymous,
        Some((&ca.leaf_cert, &ca.leaf_key)),
    );
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let (index, _) = push_app(&Pusher::new(&open), "team/app");
    let host = secure.host();
    let env = Env::new();
    let scans = scan_item("app", &format!("{host}/team/app"), "");
    let trusted = env.workspace(
        "trusted",
        &[(
            "imagescan.yaml",
            &config(&scans, &format!("- host: {host}\n  caFile: ca.pem\n")),
        )],
    );
    fs::copy(&ca.ca_cert, trusted.join("ca.pem")).unwrap();
    let run = env
        .run_with(
            &env.root.path().join("cache-trusted"),
            &["scan", path_str(&trusted), "--output", "json"],
            &[],
        )
        .ok();
    let rows = scan_rows(&run);
    assert_eq!(row(&rows, "app")["tag"], "1.2.0");
    assert_eq!(row(&rows, "app")["digest"], index.as_str());

    let untrusted = env.workspace(
        "untrusted",
        &[("imagescan.yaml", &format!("imageScans:\n{scans}"))],
    );
    let run = env
        .run_with(
            &env.root.path().join("cache-untrusted"),
            &["scan", path_str(&untrusted)],
            &[],
        )
        .fails();
    assert!(
        run.stderr.contains("TLS verification failed") && run.stderr.contains("scan app"),
        "{}",
        run.stderr
    );

    // SSL_CERT_FILE naming the private CA trusts it too (SPEC §5).
    let run = env
        .run_with(
            &env.root.path().join("cache-env"),
            &["scan", path_str(&untrusted), "--output", "json"],
            &[("SSL_CERT_FILE", path_str(&ca.ca_cert))],
        )
        .ok();
    assert_eq!(row(&scan_rows(&run), "app")["digest"], index.as_str());
}

#[test]
fn pagination_through_a_mirror_endpoint() {
    let registry = Registry::anonymous();
    let tags: Vec<String> = (0..2500)
        .map(|i| format!("1.{}.{}", i / 100, i % 100))
        .collect();
    Pusher::new(&registry).tags("big/app", &tags);
    let proxy = paginating_proxy(registry.url(), 100, Pages::Last);
    let host = registry.host();
    let env = Env::new();
    let scans = scan_item("big", &format!("{host}/big/app"), "");
    let registries = format!("- host: {host}\n  endpoint: {}\n", proxy.url());
    let dir = env.workspace("big", &[("imagescan.yaml", &config(&scans, &registries))]);
    let run = env.run(&["scan", path_str(&dir), "--output", "json"]).ok();
    let rows = scan_rows(&run);
    let big = row(&rows, "big");
    assert_eq!(big["tags_seen"], 2500);
    assert_eq!(big["tags_kept"], 2500);
    assert_eq!(big["tag"], "1.24.99");
    assert_eq!(big["image"], format!("{host}/big/app"));
    assert_eq!(proxy.count("/tags/list"), 25, "25 pages of 100");
}
