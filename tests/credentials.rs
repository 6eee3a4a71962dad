//! Credential lookup against real files and a real helper process in temp directories:
//! every secret layout, every Docker Hub spelling, credential helpers, broken inputs, and
//! a check that no error or Debug output ever carries the password.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use imagescan::credentials::{Credential, CredentialEnv, CredentialError, Secret, lookup};

const PASSWORD: &str = "Pa55-w0rd-never-printed";
const TOKEN: &str = "identity-token-never-printed";

/// A temp directory holding `secrets/`, `docker/` and `bin/`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["secrets", "docker", "bin"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Self { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, content: &str) -> &Self {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
        self
    }

    fn env(&self) -> CredentialEnv {
        CredentialEnv {
            secrets_dir: self.path("secrets"),
            docker_config_dir: Some(self.path("docker")),
            // The helper script itself needs `cat` from the system path.
            path: Some(
                std::env::join_paths([self.path("bin"), "/usr/bin".into(), "/bin".into()]).unwrap(),
            ),
        }
    }

    fn lookup(
        &self,
        host: &str,
        secret: Option<&str>,
    ) -> Result<Option<Credential>, CredentialError> {
        lookup(host, secret, &self.env())
    }

    /// Installs the fake helper `docker-credential-test`: it logs its argument and the
    /// server URL it was given, and answers per server URL.
    fn install_helper(&self) {
        let log = self.path("helper.log");
        let script = format!(
            r#"#!/bin/sh
url=$(cat)
printf '%s %s\n' "$1" "$url" >> '{log}'
case "$url" in
  https://index.docker.io/v1/) printf '{{"ServerURL":"%s","Username":"hubuser","Secret":"{PASSWORD}"}}' "$url" ;;
  tokens.example) printf '{{"ServerURL":"%s","Username":"<token>","Secret":"{TOKEN}"}}' "$url" ;;
  missing.example) echo "credentials not found in native keychain"; exit 1 ;;
  broken.example) echo "keychain is locked" >&2; exit 1 ;;
  garbage.example) printf '{{"Username":"u","Secret":"{PASSWORD}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
"#,
            log = log.display()
        );
        let path = self.path("bin/docker-credential-test");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn helper_log(&self) -> String {
        fs::read_to_string(self.path("helper.log")).unwrap_or_default()
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn alice() -> Credential {
    Credential::password("alice", PASSWORD)
}

fn dockerconfigjson(key: &str) -> String {
    format!(
        r#"{{"auths": {{"{key}": {{"auth": "{}"}}}}}}"#,
        b64(&format!("alice:{PASSWORD}"))
    )
}

const DOCKER_HUB_KEYS: &[&str] = &[
    "https://index.docker.io/v1/",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
    "https://registry-1.docker.io",
    "http://index.docker.io/v1",
];

const DOCKER_HUB_HOSTS: &[&str] = &["docker.io", "registry-1.docker.io", "index.docker.io"];

#[test]
fn secret_with_dockerconfigjson_matches_every_docker_hub_spelling() {
    for key in DOCKER_HUB_KEYS {
        let f = Fixture::new();
        f.write("secrets/regcred/.dockerconfigjson", &dockerconfigjson(key));
        for host in DOCKER_HUB_HOSTS {
            assert_eq!(
                f.lookup(host, Some("regcred")).unwrap(),
                Some(alice()),
                "{key} for {host}"
            );
        }
        assert_eq!(f.lookup("ghcr.io", Some("regcred")).unwrap(), None, "{key}");
    }
}

#[test]
fn secret_with_dockercfg_legacy_layout() {
    let f = Fixture::new();
    f.write(
        "secrets/old/.dockercfg",
        &format!(
            r#"{{"https://index.docker.io/v1/": {{"username": "alice", "password": "{PASSWORD}", "email": "a@example.com"}},
                "reg.example:5000": {{"auth": "{}"}}}}"#,
            b64("bob:other")
        ),
    );
    assert_eq!(
        f.lookup("registry-1.docker.io", Some("old")).unwrap(),
        Some(alice())
    );
    assert_eq!(
        f.lookup("reg.example:5000", Some("old")).unwrap(),
        Some(Credential::password("bob", "other"))
    );
    assert_eq!(f.lookup("reg.example", Some("old")).unwrap(), None);
}

#[test]
fn dockerconfigjson_wins_over_dockercfg_and_basic_files() {
    let f = Fixture::new();
    f.write(
        "secrets/both/.dockerconfigjson",
        &dockerconfigjson("ghcr.io"),
    )
    .write(
        "secrets/both/.dockercfg",
        r#"{"ghcr.io": {"username": "x", "password": "y"}}"#,
    )
    .write("secrets/both/username", "x\n")
    .write("secrets/both/password", "y\n");
    assert_eq!(f.lookup("ghcr.io", Some("both")).unwrap(), Some(alice()));
}

#[test]
fn secret_with_username_and_password_files() {
    let table = [
        ("alice\n", &*format!("{PASSWORD}\n"), alice()),
        ("alice", PASSWORD, alice()),
        ("alice\r\n", &*format!("{PASSWORD}\r\n"), alice()),
        // Only one newline is dropped; spaces are part of the password.
        ("alice\n", "pw \n\n", Credential::password("alice", "pw \n")),
    ];
    for (username, password, expected) in table {
        let f = Fixture::new();
        f.write("secrets/basic/username", username)
            .write("secrets/basic/password", password);
        // A basic-auth secret applies to whichever host the scan uses.
        for host in ["reg.example", "docker.io"] {
            assert_eq!(
                f.lookup(host, Some("basic")).unwrap(),
                Some(expected.clone()),
                "{username:?}"
            );
        }
    }
}

#[test]
fn kubernetes_style_symlinked_secret_files_are_read() {
    let f = Fixture::new();
    f.write("secrets/k8s/..2026_11_22/username", "alice\n")
        .write("secrets/k8s/..2026_11_22/password", PASSWORD);
    std::os::unix::fs::symlink("..2026_11_22", f.path("secrets/k8s/..data")).unwrap();
    std::os::unix::fs::symlink("..data/username", f.path("secrets/k8s/username")).unwrap();
    std::os::unix::fs::symlink("..data/password", f.path("secrets/k8s/password")).unwrap();
    assert_eq!(f.lookup("reg.example", Some("k8s")).unwrap(), Some(alice()));
}

#[test]
fn secret_errors_name_the_problem() {
    let f = Fixture::new();
    f.write("secrets/half/username", "alice\n")
        .write("secrets/halfpw/password", PASSWORD)
        .write("secrets/emptyuser/username", "\n")
        .write("secrets/emptyuser/password", PASSWORD)
        .write("secrets/notadir", "x");
    fs::create_dir(f.path("secrets/empty")).unwrap();
    let secrets = f.path("secrets").display().to_string();
    let table = [
        (
            "absent",
            format!(
                "secret \"absent\" not found: {secrets}/absent does not exist (mount the Secret there or set IMAGESCAN_SECRETS_DIR)"
            ),
        ),
        (
            "notadir",
            format!(
                "secret \"notadir\" not found: {secrets}/notadir does not exist (mount the Secret there or set IMAGESCAN_SECRETS_DIR)"
            ),
        ),
        (
            "empty",
            format!(
                "secret \"empty\" in {secrets}/empty holds none of .dockerconfigjson, .dockercfg, username + password"
            ),
        ),
        (
            "half",
            format!("{secrets}/half/password is missing (a secret with username needs it too)"),
        ),
        (
            "halfpw",
            format!("{secrets}/halfpw/username is missing (a secret with password needs it too)"),
        ),
        (
            "emptyuser",
            format!("{secrets}/emptyuser/username: the content is empty"),
        ),
        (
            "../docker",
            "invalid secret name \"../docker\": it contains a path separator".to_owned(),
        ),
        (
            "..",
            "invalid secret name \"..\": it contains '..' or is '.'".to_owned(),
        ),
    ];
    for (name, expected) in table {
        let err = f.lookup("reg.example", Some(name)).unwrap_err();
        assert_eq!(err.to_string(), expected, "{name}");
    }
}

#[test]
fn docker_config_auths_in_every_docker_hub_spelling() {
    for key in DOCKER_HUB_KEYS {
        let f = Fixture::new();
        f.write("docker/config.json", &dockerconfigjson(key));
        for host in DOCKER_HUB_HOSTS {
            assert_eq!(
                f.lookup(host, None).unwrap(),
                Some(alice()),
                "{key} for {host}"
            );
        }
    }
}

#[test]
fn docker_config_entry_kinds_and_hosts_with_ports() {
    let f = Fixture::new();
    f.write(
        "docker/config.json",
        &format!(
            r#"{{"auths": {{
                "https://reg.example:5000/v2/": {{"username": "alice", "password": "{PASSWORD}"}},
                "tokens.example": {{"auth": "{}", "identitytoken": "{TOKEN}"}},
                "empty.example": {{}}
            }}}}"#,
            b64("carol:")
        ),
    );
    assert_eq!(f.lookup("reg.example:5000", None).unwrap(), Some(alice()));
    assert_eq!(f.lookup("reg.example", None).unwrap(), None);
    let token = f.lookup("tokens.example", None).unwrap().unwrap();
    assert_eq!(token, Credential::identity_token("carol", TOKEN));
    assert!(matches!(token.secret(), Secret::IdentityToken(t) if t == TOKEN));
    assert_eq!(f.lookup("empty.example", None).unwrap(), None);
    assert_eq!(f.lookup("other.example", None).unwrap(), None);
}

#[test]
fn no_docker_config_means_anonymous() {
    let f = Fixture::new();
    assert_eq!(f.lookup("docker.io", None).unwrap(), None);
    let env = CredentialEnv {
        docker_config_dir: None,
        ..f.env()
    };
    assert_eq!(lookup("docker.io", None, &env).unwrap(), None);
}

#[test]
fn secret_ref_ignores_the_docker_config() {
    let f = Fixture::new();
    f.write("docker/config.json", &dockerconfigjson("ghcr.io"))
        .write(
            "secrets/other/.dockerconfigjson",
            &dockerconfigjson("quay.io"),
        );
    assert_eq!(f.lookup("ghcr.io", Some("other")).unwrap(), None);
    assert_eq!(f.lookup("ghcr.io", None).unwrap(), Some(alice()));
}

#[test]
fn credential_helpers_per_host_and_default_store() {
    let f = Fixture::new();
    f.install_helper();
    f.write(
        "docker/config.json",
        &format!(
            r#"{{"credsStore": "test",
                "credHelpers": {{"helped.example": "test", "gone.example": "absent"}},
                "auths": {{"missing.example": {{"auth": "{}"}}, "docker.io": {{}}}}}}"#,
            b64("inline:pw")
        ),
    );
    // Docker Hub is asked for with Docker's historical server URL.
    assert_eq!(
        f.lookup("registry-1.docker.io", None).unwrap(),
        Some(Credential::password("hubuser", PASSWORD))
    );
    assert_eq!(
        f.lookup("tokens.example", None).unwrap(),
        Some(Credential::identity_token("<token>", TOKEN))
    );
    // "credentials not found": anonymous, or the inline entry when there is one.
    assert_eq!(f.lookup("helped.example", None).unwrap(), None);
    assert_eq!(
        f.lookup("missing.example", None).unwrap(),
        Some(Credential::password("inline", "pw"))
    );
    assert_eq!(
        f.helper_log(),
        "get https://index.docker.io/v1/\nget tokens.example\nget helped.example\nget missing.example\n"
    );

    let err = f.lookup("broken.example", None).unwrap_err().to_string();
    assert!(
        err.starts_with("credential helper docker-credential-test failed for broken.example (exit status: 1): keychain is locked"),
        "{err}"
    );
    let err = f.lookup("garbage.example", None).unwrap_err().to_string();
    assert_eq!(
        err,
        "credential helper docker-credential-test answered for garbage.example with invalid output: not JSON (end of file error at line 1, column 49)"
    );
    let err = f.lookup("gone.example", None).unwrap_err().to_string();
    assert_eq!(
        err,
        "credential helper docker-credential-absent (for gone.example) not found in PATH"
    );
}

#[test]
fn helper_is_found_only_on_the_given_path() {
    let f = Fixture::new();
    f.install_helper();
    f.write("docker/config.json", r#"{"credsStore": "test"}"#);
    let env = CredentialEnv {
        path: Some(OsString::from("/nonexistent")),
        ..f.env()
    };
    let err = lookup("docker.io", None, &env).unwrap_err();
    assert!(
        matches!(err, CredentialError::HelperNotFound { .. }),
        "{err}"
    );
    // A non-executable file of that name is not a helper.
    fs::set_permissions(
        f.path("bin/docker-credential-test"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let err = f.lookup("docker.io", None).unwrap_err();
    assert!(
        matches!(err, CredentialError::HelperNotFound { .. }),
        "{err}"
    );
}

#[test]
fn invalid_helper_names_are_refused() {
    let f = Fixture::new();
    f.write("docker/config.json", r#"{"credsStore": "../../bin/sh"}"#);
    let err = f.lookup("docker.io", None).unwrap_err().to_string();
    let config = f.path("docker/config.json");
    assert_eq!(
        err,
        format!(
            "invalid credential helper name \"../../bin/sh\" in {}",
            config.display()
        )
    );
}

/// Every failure path with the password somewhere in the input: no message and no Debug
/// rendering of the error or of a credential may contain it.
#[test]
fn no_error_or_debug_output_contains_the_password() {
    let f = Fixture::new();
    f.install_helper();
    let bad_files: &[(&str, String)] = &[
        // Malformed JSON right after the password.
        (
            "trunc/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": {{"password": "{PASSWORD}""#),
        ),
        (
            "garbage/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": {{"password": "{PASSWORD}" x}}}}}}"#),
        ),
        (
            "notb64/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": {{"auth": "{PASSWORD}!"}}}}}}"#),
        ),
        (
            "nocolon/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": {{"auth": "{}"}}}}}}"#, b64(PASSWORD)),
        ),
        (
            "notobject/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": "{PASSWORD}"}}}}"#),
        ),
        (
            "wrongtype/.dockerconfigjson",
            format!(r#"{{"auths": {{"r": {{"password": ["{PASSWORD}"]}}}}}}"#),
        ),
        ("topstring/.dockercfg", format!(r#""{PASSWORD}""#)),
        ("onlypw/password", PASSWORD.to_owned()),
    ];
    let mut outputs = Vec::new();
    for (rel, content) in bad_files {
        f.write(&format!("secrets/{rel}"), content);
        let name = rel.split('/').next().unwrap();
        let err = f.lookup("r", Some(name)).unwrap_err();
        outputs.push(format!("{err}\n{err:?}\n{err:#?}"));
    }
    // Non-UTF-8 password file.
    let mut bytes = PASSWORD.as_bytes().to_vec();
    bytes.push(0xff);
    fs::create_dir_all(f.path("secrets/binary")).unwrap();
    fs::write(f.path("secrets/binary/username"), "alice").unwrap();
    fs::write(f.path("secrets/binary/password"), bytes).unwrap();
    let err = f.lookup("r", Some("binary")).unwrap_err();
    outputs.push(format!("{err}\n{err:?}"));
    // Docker config and helper failures.
    f.write(
        "docker/config.json",
        &format!(r#"{{"credsStore": "test", "auths": {{"x": {{"auth": "{PASSWORD}"}}"#),
    );
    let err = f.lookup("x", None).unwrap_err();
    outputs.push(format!("{err}\n{err:?}"));
    f.write("docker/config.json", r#"{"credsStore": "test"}"#);
    let err = f.lookup("garbage.example", None).unwrap_err();
    outputs.push(format!("{err}\n{err:?}"));
    // Successful lookups rendered for logs.
    for credential in [
        f.lookup("docker.io", None).unwrap().unwrap(),
        f.lookup("tokens.example", None).unwrap().unwrap(),
    ] {
        outputs.push(format!(
            "{credential}\n{credential:?}\n{credential:#?}\n{}",
            credential.identity()
        ));
    }
    assert_eq!(outputs.len(), bad_files.len() + 5);
    for output in outputs {
        assert!(!output.contains(PASSWORD), "password leaked: {output}");
        assert!(!output.contains(TOKEN), "token leaked: {output}");
        assert!(
            !output.contains(&b64(PASSWORD)),
            "encoded password leaked: {output}"
        );
    }
}

#[test]
fn unreadable_files_are_reported_with_their_path() {
    let f = Fixture::new();
    // A directory where a file is expected cannot be read.
    fs::create_dir_all(f.path("docker/config.json")).unwrap();
    let err = f.lookup("docker.io", None).unwrap_err();
    let path: &Path = &f.path("docker/config.json");
    // The cause is the error's source(), not part of its message (printed once).
    assert_eq!(err.to_string(), format!("cannot read {}", path.display()));
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
}

#[test]
fn a_helper_writing_much_to_stderr_does_not_block() {
    let f = Fixture::new();
    let path = f.path("bin/docker-credential-noisy");
    // 200 KB on stderr before answering: more than a pipe holds.
    fs::write(
        &path,
        "#!/bin/sh\ncat >/dev/null\nhead -c 200000 /dev/zero | tr '\\0' x >&2\nprintf '{\"Username\":\"u\",\"Secret\":\"s\"}'\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    f.write("docker/config.json", r#"{"credsStore": "noisy"}"#);
    assert_eq!(
        f.lookup("reg.example", None).unwrap(),
        Some(Credential::password("u", "s"))
    );
}
