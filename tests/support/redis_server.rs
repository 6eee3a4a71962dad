//! A real `redis-server` (Debian's) for the tests: started on 127.0.0.1 on a free port
//! from a config file written here (the password is in the file, never in argv), with
//! persistence off (`save ""`, `appendonly no`), stopped by PID when its handle drops.
//! The tests talk to it through the `redis` crate.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::registry::{free_port, require};

/// A running `redis-server` process.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    pub password: String,
    /// With TLS: the TLS port and the (certificate, key) served there.
    pub tls: Option<(u16, PathBuf, PathBuf)>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// A server requiring `password`.
    pub fn start(password: &str) -> RedisServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            password: password.to_owned(),
            tls: None,
            dir,
        };
        server.launch();
        server
    }

    /// A server requiring `password`, on a plain port (for the test's own connection)
    /// and a TLS port serving `cert`/`key` (clients are not asked for certificates).
    pub fn start_tls(password: &str, cert: &Path, key: &Path) -> RedisServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            password: password.to_owned(),
            tls: Some((free_port(), cert.to_owned(), key.to_owned())),
            dir,
        };
        server.launch();
        server
    }

    /// `rediss://127.0.0.1:TLS_PORT`.
    pub fn tls_url(&self) -> String {
        let (port, _, _) = self.tls.as_ref().expect("started with TLS");
        format!("rediss://127.0.0.1:{port}")
    }

    fn config(&self) -> PathBuf {
        let path = self.dir.path().join("redis.conf");
        let mut config = format!(
            "bind 127.0.0.1\nport {}\nrequirepass \"{}\"\nsave \"\"\nappendonly no\ndir {}\nlogfile {}\ndaemonize no\n",
            self.port,
            self.password,
            self.dir.path().display(),
            self.dir.path().join("redis.log").display()
        );
        if let Some((port, cert, key)) = &self.tls {
            config.push_str(&format!(
                "tls-port {port}\ntls-cert-file {}\ntls-key-file {}\ntls-auth-clients no\n",
                cert.display(),
                key.display()
            ));
        }
        std::fs::write(&path, config).unwrap();
        path
    }

    fn launch(&mut self) {
        let child = Command::new(require("redis-server"))
            .arg(self.config())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("redis-server exited ({status}): {}", self.log());
            }
            let tls_up = self
                .tls
                .as_ref()
                .is_none_or(|(port, _, _)| TcpStream::connect(("127.0.0.1", *port)).is_ok());
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && tls_up {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "redis-server did not listen on {}: {}",
            self.port,
            self.log()
        );
    }

    /// Stops the server (SIGKILL to its PID): everything it held is lost.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty (as after a crash without persistence).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// `redis://127.0.0.1:PORT` (no password: give it through a file or the URL).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A connection of the test itself.
    pub fn connect(&self) -> redis::Connection {
        redis::Client::open(format!(
            "redis://:{}@127.0.0.1:{}",
            self.password, self.port
        ))
        .unwrap()
        .get_connection()
        .unwrap()
    }

    /// Every key and its value (values as stored; `None` for non-string keys).
    pub fn dump(&self) -> Vec<(String, Option<Vec<u8>>)> {
        let mut connection = self.connect();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
        keys.into_iter()
            .map(|key| {
                let value: Option<Vec<u8>> = redis::cmd("GET")
                    .arg(&key)
                    .query(&mut connection)
                    .ok()
                    .flatten();
                (key, value)
            })
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
