//! The fault matrix of issue 13: the real binary against a hostile loopback registry
//! the test owns. Every case is bounded in time and asserts the exit code, an empty
//! stdout on failure, files left unchanged, and the absence of the test credential —
//! plain, base64 of `user:password`, and URL-encoded — in stdout, stderr and every file
//! of the cache.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::cli::{Imagescan, stderr};
use support::fault_server::{FaultServer, Reply};
use support::registry::base64;
use support::tree::{Snapshot, snapshot};

const USER: &str = "fault-user";
const PASSWORD: &str = "pw-Hx7/q+fault-never-shown";

/// A workspace of `n` scans of `HOST/team/aI` with one marker each, the secret
/// directory for the test credential, and a cache directory.
struct Case {
    root: tempfile::TempDir,
}

impl Case {
    fn new(host: &str, n: usize, credential: bool) -> Case {
        Case::with_marker(host, n, credential, "")
    }

    /// Like [`Case::new`], with markers of the form `aI{form}` (`:digest`…).
    fn with_marker(host: &str, n: usize, credential: bool, form: &str) -> Case {
        let root = tempfile::tempdir().unwrap();
        let ws = root.path().join("ws");
        fs::create_dir_all(&ws).unwrap();
        fs::create_dir_all(root.path().join("cache")).unwrap();
        let secrets = root.path().join("secrets/reg");
        fs::create_dir_all(&secrets).unwrap();
        fs::write(secrets.join("username"), USER).unwrap();
        fs::write(secrets.join("password"), PASSWORD).unwrap();
        let secret_ref = if credential {
            "  secretRef: {name: reg}\n"
        } else {
            ""
        };
        let mut config = String::from("imageScans:\n");
        let mut pods = String::new();
        for i in 0..n {
            config.push_str(&format!(
                "- tagName: a{i}\n  image: {host}/team/a{i}\n  interval: 1s\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n{secret_ref}"
            ));
            pods.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: {host}/team/a{i}:0.1 # {{\"$imagescan\": \"a{i}{form}\"}}\n"
            ));
        }
        config.push_str(&format!("registries:\n- host: {host}\n  insecure: true\n"));
        fs::write(ws.join("imagescan.yaml"), config).unwrap();
        fs::write(ws.join("pods.yaml"), pods).unwrap();
        Case { root }
    }

    fn ws(&self) -> PathBuf {
        self.root.path().join("ws")
    }

    fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    /// `imagescan ARGS` in the workspace, with this case's cache and secrets.
    fn run(&self, args: &[&str]) -> Output {
        Imagescan::new(&self.ws(), args)
            .env("IMAGESCAN_CACHE_DIR", self.cache())
            .env("IMAGESCAN_SECRETS_DIR", self.root.path().join("secrets"))
            .output()
    }
}

/// The forms of the test credential that must never appear.
fn needles() -> Vec<String> {
    let pair = format!("{USER}:{PASSWORD}");
    vec![
        PASSWORD.to_owned(),
        base64(pair.as_bytes(), false),
        base64(pair.as_bytes(), true),
        base64(PASSWORD.as_bytes(), false),
        PASSWORD.replace('/', "%2F").replace('+', "%2B"),
    ]
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

/// No credential in the outputs nor in any cache file.
fn assert_no_credential(case: &Case, outputs: &[&Output]) {
    let mut texts: Vec<(String, String)> = Vec::new();
    for (i, out) in outputs.iter().enumerate() {
        texts.push((
            format!("stdout #{i}"),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
        texts.push((
            format!("stderr #{i}"),
            String::from_utf8_lossy(&out.stderr).into(),
        ));
    }
    for path in files_under(&case.cache()) {
        let bytes = fs::read(&path).unwrap();
        texts.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into(),
        ));
    }
    for (what, text) in &texts {
        for needle in needles() {
            assert!(
                !text.contains(&needle),
                "{what} holds the credential: {text}"
            );
        }
    }
}

/// A failure: exit `code`, nothing on stdout, the workspace unchanged.
fn assert_failed_cleanly(out: &Output, code: i32, before: &Snapshot, case: &Case) {
    support::cli::assert_failed(out, code);
    assert_eq!(&snapshot(&case.ws()), before, "files unchanged");
}

#[test]
fn twenty_scans_against_a_silent_registry_end_by_the_deadline() {
    let server = FaultServer::start(|_| Reply::Stall(Duration::from_secs(120)));
    let case = Case::new(&server.host(), 20, true);
    let before = snapshot(&case.ws());
    let started = Instant::now();
    let out = case.run(&["render", ".", "--deadline", "2s"]);
    let took = started.elapsed();
    assert_failed_cleanly(&out, 1, &before, &case);
    let err = stderr(&out);
    assert!(err.contains("2s deadline for registry work"), "{err}");
    // 20 scans of 30 s requests, 8 at a time, would take ~90 s without the deadline.
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_credential(&case, &[&out]);
}

#[test]
fn the_deadline_comes_from_the_environment_too_and_must_be_positive() {
    let server = FaultServer::start(|_| Reply::Stall(Duration::from_secs(120)));
    let case = Case::new(&server.host(), 2, false);
    let before = snapshot(&case.ws());
    let started = Instant::now();
    let out = Imagescan::new(&case.ws(), &["render", "."])
        .env("IMAGESCAN_CACHE_DIR", case.cache())
        .env("IMAGESCAN_DEADLINE", "1s")
        .output();
    assert_failed_cleanly(&out, 1, &before, &case);
    assert!(stderr(&out).contains("1s deadline"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(15));

    let out = case.run(&["render", ".", "--deadline", "0s"]);
    assert_failed_cleanly(&out, 2, &before, &case);
    assert!(stderr(&out).contains("longer than 0s"), "{}", stderr(&out));
}

#[test]
fn retry_after_past_the_deadline_serves_the_stale_cache_at_once() {
    let limited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = {
        let limited = std::sync::Arc::clone(&limited);
        FaultServer::start(move |request| {
            if limited.load(std::sync::atomic::Ordering::SeqCst) {
                return Reply::json(429, "{}").with_header("Retry-After", "3600");
            }
            if request.header("authorization").is_none() {
                return Reply::status(401).with_header("WWW-Authenticate", "Basic realm=\"fault\"");
            }
            Reply::json(200, r#"{"name":"team/a0","tags":["1.0.0","1.2.0"]}"#)
        })
    };
    let case = Case::new(&server.host(), 1, true);
    let first = case.run(&["render", "."]);
    support::cli::assert_exit(&first, 0);
    assert!(support::cli::stdout(&first).contains("team/a0:1.2.0"));
    // Past the 1 s interval: the next render refreshes, and is refused.
    std::thread::sleep(Duration::from_millis(2100));
    limited.store(true, std::sync::atomic::Ordering::SeqCst);
    let before_tags = server.count("/tags/list");
    let started = Instant::now();
    let second = case.run(&["render", ".", "--deadline", "30s"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    support::cli::assert_exit(&second, 0);
    assert!(support::cli::stdout(&second).contains("team/a0:1.2.0"));
    let err = stderr(&second);
    assert!(
        err.contains("serving stale tags") && err.contains("asked to wait 3600s"),
        "{err}"
    );
    assert_eq!(server.count("/tags/list") - before_tags, 1, "no retry");
    assert_no_credential(&case, &[&first, &second]);
}

/// A registry that asks for Basic and then serves `reply` to authorized requests.
fn basic_registry(
    reply: impl Fn(&support::fault_server::Request) -> Reply + Send + Sync + 'static,
) -> FaultServer {
    FaultServer::start(move |request| {
        if request.header("authorization").is_none() {
            return Reply::status(401).with_header("WWW-Authenticate", "Basic realm=\"fault\"");
        }
        reply(request)
    })
}

#[test]
fn endless_pagination_stops_at_the_listing_limit_and_says_so() {
    let server = basic_registry(|request| {
        let page: u64 = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let tags: Vec<String> = (0..2_000).map(|i| format!("\"{page}.{i}.0\"")).collect();
        Reply::json(
            200,
            format!(r#"{{"name":"team/a0","tags":[{}]}}"#, tags.join(",")),
        )
        .with_header(
            "Link",
            &format!("</v2/team/a0/tags/list?page={}>; rel=\"next\"", page + 1),
        )
    });
    let case = Case::new(&server.host(), 1, true);
    let before = snapshot(&case.ws());
    let started = Instant::now();
    let out = case.run(&["render", "."]);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_failed_cleanly(&out, 1, &before, &case);
    let err = stderr(&out);
    assert!(
        err.contains("more than 250000 tags") && err.contains("team/a0"),
        "{err}"
    );
    assert_no_credential(&case, &[&out]);
}

#[test]
fn an_empty_manifest_gives_no_digest_but_an_error_naming_the_image() {
    let server = basic_registry(|request| {
        if request.path().ends_with("/tags/list") {
            return Reply::json(200, r#"{"name":"team/a0","tags":["1.0.0"]}"#);
        }
        // HEAD and GET without Docker-Content-Digest, and an empty body.
        Reply::Full {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "application/vnd.oci.image.manifest.v1+json".into(),
            )],
            body: Vec::new(),
        }
    });
    let case = Case::with_marker(&server.host(), 1, true, ":digest");
    let before = snapshot(&case.ws());
    for args in [&["render", "."][..], &["resolve", ".", "--write"][..]] {
        let out = case.run(args);
        assert_failed_cleanly(&out, 1, &before, &case);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{}/team/a0:1.0.0", server.host()))
                && err.contains("empty manifest body")
                && !err.contains("e3b0c442"),
            "{err}"
        );
        assert_no_credential(&case, &[&out]);
    }
}

/// A registry that copies the request's `Authorization` header into `where_`.
fn reflecting_registry(place: &'static str) -> FaultServer {
    basic_registry(move |request| {
        let auth = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        match place {
            "link" => Reply::json(200, r#"{"name":"team/a0","tags":["1.0.0"]}"#)
                .with_header("Link", &format!("{auth}; rel=\"next\"")),
            "json" => Reply::json(200, format!(r#"{{"name":"team/a0","tags":"{auth}"}}"#)),
            "challenge" => Reply::status(401).with_header("WWW-Authenticate", &auth),
            "status" => Reply::status(500).with_header("X-Echo", &auth),
            _ => unreachable!(),
        }
    })
}

#[test]
fn a_credential_reflected_by_the_registry_never_reaches_stderr_or_the_cache() {
    for place in ["link", "json", "challenge", "status"] {
        let server = reflecting_registry(place);
        let case = Case::new(&server.host(), 1, true);
        let before = snapshot(&case.ws());
        let mut outputs = Vec::new();
        for format in ["text", "json"] {
            let out = case.run(&["render", ".", "--log-format", format, "--deadline", "10s"]);
            assert_failed_cleanly(&out, 1, &before, &case);
            assert!(
                stderr(&out).contains("team/a0"),
                "{place}: {}",
                stderr(&out)
            );
            outputs.push(out);
        }
        assert!(
            server
                .requests()
                .iter()
                .any(|r| r.header("authorization").is_some()),
            "{place}: the credential was sent, so it could be reflected"
        );
        let refs: Vec<&Output> = outputs.iter().collect();
        assert_no_credential(&case, &refs);
    }
}
