//! Real git servers for tests, on 127.0.0.1 free ports, stopped by PID on drop:
//! smart HTTP (Debian lighttpd + `git http-backend` CGI, Basic auth required for
//! receive-pack, anonymous reads) and SSH (Debian openssh-server `sshd -D` with its own
//! host key and authorized_keys, logging in as the current user).
//! `scripts/install-test-deps` installs both.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password the HTTP server accepts for pushes.
pub const HTTP_USER: &str = "writer";
pub const HTTP_PASSWORD: &str = "pw-Zq8s1xK3-never-print";

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}): {}",
                fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on 127.0.0.1:{port}");
}

fn require(binary: &str) -> PathBuf {
    let path = PathBuf::from(binary);
    assert!(
        path.exists(),
        "{binary} is missing: run scripts/install-test-deps (Debian packages lighttpd, openssh-server)"
    );
    path
}

/// Runs git with a fixed identity and no prompts; panics on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Other Writer")
        .env("GIT_AUTHOR_EMAIL", "other@example.com")
        .env("GIT_COMMITTER_NAME", "Other Writer")
        .env("GIT_COMMITTER_EMAIL", "other@example.com")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim_end()
        .to_owned()
}

/// A directory of bare repositories, each created with a first commit on `main`.
#[derive(Debug)]
pub struct Repos {
    pub root: PathBuf,
}

impl Repos {
    /// Creates bare repository `name` whose `main` holds `files` (path, contents).
    pub fn create(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let bare = self.root.join(name);
        let parent = bare.parent().unwrap();
        fs::create_dir_all(parent).unwrap();
        git(
            parent,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                bare.to_str().unwrap(),
            ],
        );
        let work = tempfile::tempdir().unwrap();
        git(work.path(), &["init", "--quiet", "--initial-branch=main"]);
        for (path, contents) in files {
            let file = work.path().join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, contents).unwrap();
        }
        git(work.path(), &["add", "--all"]);
        git(work.path(), &["commit", "--quiet", "-m", "initial"]);
        git(
            work.path(),
            &[
                "push",
                "--quiet",
                bare.to_str().unwrap(),
                "HEAD:refs/heads/main",
            ],
        );
        bare
    }

    /// The commit id of `branch` in bare repository `name` (None when missing).
    pub fn head(&self, name: &str, branch: &str) -> Option<String> {
        let out = Command::new("git")
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ])
            .current_dir(self.root.join(name))
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
    }

    /// `git for-each-ref` of bare repository `name`: every ref and its commit.
    pub fn refs(&self, name: &str) -> String {
        git(&self.root.join(name), &["for-each-ref"])
    }
}

/// lighttpd serving `git http-backend` on 127.0.0.1.
#[derive(Debug)]
pub struct HttpGitServer {
    child: Child,
    port: u16,
    pub repos: Repos,
    _dir: tempfile::TempDir,
}

impl HttpGitServer {
    pub fn start() -> Self {
        let lighttpd = require("/usr/sbin/lighttpd");
        let dir = tempfile::tempdir().unwrap();
        let repos = dir.path().join("repos");
        fs::create_dir(&repos).unwrap();
        let users = dir.path().join("users");
        fs::write(&users, format!("{HTTP_USER}:{HTTP_PASSWORD}\n")).unwrap();
        let exec_path = git(dir.path(), &["--exec-path"]);
        let port = free_port();
        let log = dir.path().join("error.log");
        let auth = r#"auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )"#;
        let config = format!(
            r#"server.document-root = "{repos}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{log}"
server.modules = ( "mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv" )
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
alias.url = ( "/git/" => "{exec_path}/git-http-backend/" )
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ( "" => "" )
  setenv.add-environment = ( "GIT_PROJECT_ROOT" => "{repos}", "GIT_HTTP_EXPORT_ALL" => "1" )
  $HTTP["url"] =~ "/git-receive-pack$" {{
    {auth}
  }}
  $HTTP["querystring"] =~ "service=git-receive-pack" {{
    {auth}
  }}
}}
"#,
            repos = repos.display(),
            log = log.display(),
            users = users.display(),
        );
        let config_path = dir.path().join("lighttpd.conf");
        fs::write(&config_path, config).unwrap();
        let mut child = Command::new(lighttpd)
            .arg("-D")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lighttpd starts");
        wait_for_port(port, &mut child, "lighttpd", &log);
        Self {
            child,
            port,
            repos: Repos { root: repos },
            _dir: dir,
        }
    }

    /// The clone URL of repository `name` (no credentials in it).
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/git/{name}", self.port)
    }
}

impl Drop for HttpGitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// sshd serving git over SSH on 127.0.0.1, for the current user, key auth only.
#[derive(Debug)]
pub struct SshGitServer {
    child: Child,
    port: u16,
    user: String,
    pub repos: Repos,
    /// The client's private key.
    pub client_key: PathBuf,
    /// A known_hosts file holding the server's host key for `[127.0.0.1]:PORT`.
    pub known_hosts: PathBuf,
    dir: tempfile::TempDir,
}

impl SshGitServer {
    pub fn start() -> Self {
        let sshd = require("/usr/sbin/sshd");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let keygen = |name: &str| {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(name))
                .status()
                .expect("ssh-keygen runs");
            assert!(status.success());
        };
        keygen("host_key");
        keygen("client_key");
        fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let repos = d.join("repos");
        fs::create_dir(&repos).unwrap();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned();
        // sshd running as root needs its privilege separation directory.
        let _ = fs::create_dir_all("/run/sshd");
        let port = free_port();
        let config = format!(
            "ListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPidFile none\nAllowUsers {user}\n",
            d = d.display()
        );
        let config_path = d.join("sshd_config");
        fs::write(&config_path, config).unwrap();
        let log = d.join("sshd.log");
        let mut child = Command::new(sshd)
            .arg("-D")
            .arg("-f")
            .arg(&config_path)
            .arg("-p")
            .arg(port.to_string())
            .arg("-E")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        wait_for_port(port, &mut child, "sshd", &log);
        let host_key = fs::read_to_string(d.join("host_key.pub")).unwrap();
        let known_hosts = d.join("known_hosts");
        fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_key}")).unwrap();
        Self {
            child,
            port,
            user,
            repos: Repos { root: repos },
            client_key: d.join("client_key"),
            known_hosts,
            dir,
        }
    }

    /// The clone URL of repository `name`.
    pub fn url(&self, name: &str) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            self.repos.root.join(name).display()
        )
    }

    /// A known_hosts file naming another key for this server (a spoofed host).
    pub fn wrong_known_hosts(&self) -> PathBuf {
        let other = self.dir.path().join("other_host_key");
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&other)
            .status()
            .unwrap();
        assert!(status.success());
        let key = fs::read_to_string(other.with_extension("pub")).unwrap();
        let path = self.dir.path().join("wrong_known_hosts");
        fs::write(&path, format!("[127.0.0.1]:{} {key}", self.port)).unwrap();
        path
    }
}

impl Drop for SshGitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
