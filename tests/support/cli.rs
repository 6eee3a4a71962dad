//! The one way the integration tests run the real binary: [`Imagescan`], a builder in
//! the style of just's tests, with an environment isolated from the caller's (its own
//! HOME, cache, Docker config and secrets directories; no ambient log level, CA bundle,
//! shared cache, askpass or configuration), and the assertions on its output.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The crate root: commands given `testdata/…` paths run from here.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command line of the real binary in an isolated environment (kept alive with it).
pub struct Imagescan {
    command: Command,
    stdin: Option<Vec<u8>>,
    home: tempfile::TempDir,
}

/// `imagescan ARGS` with no variable of the caller's that changes what it does (log
/// level, shared cache, configuration, deadline, CA bundle, askpass): the base of
/// [`Imagescan`], and for tests that spawn many processes with directories of their own
/// (which they set: cache, secrets, Docker config, HOME).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_imagescan"));
    command.args(args);
    for name in [
        "IMAGESCAN_LOG",
        "IMAGESCAN_CACHE",
        "IMAGESCAN_CACHE_DIR",
        "IMAGESCAN_CONFIG",
        "IMAGESCAN_DEADLINE",
        "IMAGESCAN_REDIS_PASSWORD_FILE",
        "IMAGESCAN_SECRETS_DIR",
        "DOCKER_CONFIG",
        "SSL_CERT_FILE",
        "CURL_CA_BUNDLE",
        "XDG_CACHE_HOME",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
    ] {
        command.env_remove(name);
    }
    command
}

impl Imagescan {
    /// `imagescan ARGS`, run in `cwd`, with directories of its own.
    pub fn new(cwd: &Path, args: &[&str]) -> Self {
        let home = tempfile::tempdir().unwrap();
        let mut command = command(args);
        command
            .current_dir(cwd)
            .env("IMAGESCAN_CACHE_DIR", home.path().join("cache"))
            .env("DOCKER_CONFIG", home.path().join("docker"))
            .env("IMAGESCAN_SECRETS_DIR", home.path().join("secrets"))
            .env("HOME", home.path());
        Imagescan {
            command,
            stdin: None,
            home,
        }
    }

    /// `imagescan ARGS` run in the crate root (for `testdata/…` paths).
    pub fn at_root(args: &[&str]) -> Self {
        Self::new(&crate_root(), args)
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable (e.g. the isolated cache, to test the defaults).
    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Gives these bytes on stdin (otherwise stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The isolated home directory (its `cache/`, `docker/`, `secrets/` are the
    /// command's unless overridden).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Runs it to completion.
    pub fn output(mut self) -> Output {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("run imagescan");
        let stdin = child.stdin.take().expect("piped stdin");
        let bytes = self.stdin.take().unwrap_or_default();
        // A command may exit before reading its stdin: a broken pipe is then expected.
        let writer = std::thread::spawn(move || {
            let mut stdin = stdin;
            let _ = stdin.write_all(&bytes);
        });
        let output = child.wait_with_output().expect("run imagescan");
        let _ = writer.join();
        output
    }
}

/// Runs `imagescan ARGS` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    Imagescan::new(cwd, args).output()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts the exit code, printing stderr when it differs.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr:\n{}\nstdout:\n{}",
        stderr(out),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Asserts a failure: exit `code`, nothing at all on stdout.
pub fn assert_failed(out: &Output, code: i32) {
    assert_exit(out, code);
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on failure, got:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `command` as a user who owns none of the test's files when the tests run as root
/// (root reads and writes whatever the modes say): through `setpriv` as `nobody`, with
/// the same environment and directory (not its stdin, stdout and stderr: set them on the
/// result). Unchanged for any other user. Everything it needs must be reachable by
/// others (see [`chmod_tree`]).
pub fn as_other_user(command: Command) -> Command {
    if !rustix::process::geteuid().is_root() {
        return command;
    }
    let mut other = Command::new("setpriv");
    other
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        other.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => other.env(key, value),
            None => other.env_remove(key),
        };
    }
    other
}

/// Sets `mode` on `path` and, for a directory, on everything below it (files get the
/// mode without the search bits).
pub fn chmod_tree(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chmod_tree(&entry.unwrap().path(), mode);
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    } else {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o666)).unwrap();
    }
}
