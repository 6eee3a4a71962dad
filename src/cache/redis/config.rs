//! [`RedisConfig`]: where the shared cache is (`redis://[[user]:password@]host[:port][/db]`
//! or `rediss://` for TLS, with optional `?prefix=…&lock-ttl=…&timeout=…`), parsed by
//! hand so that no message ever repeats the password: errors name the part that is
//! wrong, and [`RedisConfig::redacted`] is the only way the URL is shown.

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The default prefix of every key imagescan writes.
pub const DEFAULT_PREFIX: &str = "imagescan:";
/// How long a refresh lock lives when its holder dies without releasing it.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
/// The longest a live holder keeps extending its lock unless the caller says otherwise
/// (the scan runner uses its deadline): past the 90 s Argo CD gives a plugin.
pub const DEFAULT_MAX_HOLD: Duration = Duration::from_secs(120);
/// Connect, read and write timeout of every Redis operation: past it, Redis counts as
/// down for the rest of the process and the disk cache is used.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// How to reach the shared cache. Its `Debug` shows the redacted URL only.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `rediss://`: TLS, verified against the system roots (and `SSL_CERT_FILE`).
    pub tls: bool,
    /// Host name or address.
    pub host: String,
    /// Port (default 6379).
    pub port: u16,
    /// Database number (default 0).
    pub db: i64,
    /// ACL user name, if any.
    pub username: Option<String>,
    password: Option<String>,
    /// Prefix of every key.
    pub prefix: String,
    /// Expiry of a refresh lock: how long a holder that died keeps the others waiting.
    /// A live holder's lock is extended every third of it while it works.
    pub lock_ttl: Duration,
    /// The longest a live holder extends its lock: past it the lock expires even if the
    /// holder still works (a hung holder), and waiters stop waiting for it. The scan
    /// runner sets it to the run's deadline, after which no registry work can go on.
    pub max_hold: Duration,
    /// Connect, read and write timeout.
    pub timeout: Duration,
}

/// A `--cache` / `IMAGESCAN_CACHE` value that is not a usable Redis URL. Never holds
/// the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cache URL {shown}: {problem}")]
pub struct RedisConfigError {
    /// The URL with any password replaced by `***` (or a placeholder).
    pub shown: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisConfig({})", self.redacted())
    }
}

impl RedisConfig {
    /// Parses `url`; `password_file` (`IMAGESCAN_REDIS_PASSWORD_FILE`) holds the password
    /// when the URL has none (its trailing newline is ignored).
    pub fn parse(url: &str, password_file: Option<&Path>) -> Result<Self, RedisConfigError> {
        let fail = |shown: String, problem: &str| RedisConfigError {
            shown,
            problem: problem.to_owned(),
        };
        let placeholder = "(the URL given)".to_owned();
        let (tls, rest) = if let Some(rest) = url.strip_prefix("rediss://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("redis://") {
            (false, rest)
        } else {
            return Err(fail(
                placeholder,
                "expected redis://[:password@]host[:port][/db] or rediss://…",
            ));
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                let user = decode(user)
                    .ok_or_else(|| fail(placeholder.clone(), "bad %-escape in the user name"))?;
                let password = decode(password)
                    .ok_or_else(|| fail(placeholder.clone(), "bad %-escape in the password"))?;
                (
                    (!user.is_empty()).then_some(user),
                    (!password.is_empty()).then_some(password),
                )
            }
        };
        let mut config = RedisConfig {
            tls,
            host: String::new(),
            port: 6379,
            db: 0,
            username,
            password,
            prefix: DEFAULT_PREFIX.to_owned(),
            lock_ttl: DEFAULT_LOCK_TTL,
            max_hold: DEFAULT_MAX_HOLD,
            timeout: DEFAULT_TIMEOUT,
        };
        let (host, port) = split_host_port(hostport)
            .ok_or_else(|| fail(config.redacted(), "expected host[:port] after //"))?;
        config.host = host.to_owned();
        if let Some(port) = port {
            config.port = port
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| {
                    fail(
                        config.redacted(),
                        "the port is not a number from 1 to 65535",
                    )
                })?;
        }
        if !path.is_empty() {
            config.db = path
                .parse::<i64>()
                .ok()
                .filter(|&db| db >= 0)
                .ok_or_else(|| fail(config.redacted(), "the database (after /) is not a number"))?;
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value)
                .ok_or_else(|| fail(config.redacted(), "bad %-escape in the query"))?;
            let duration = |what: &str| {
                crate::config::parse_duration(&value)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        fail(
                            config.redacted(),
                            &format!("{what} must be a Go duration above 0, e.g. 30s"),
                        )
                    })
            };
            match name {
                "prefix" => config.prefix = value.clone(),
                "lock-ttl" => config.lock_ttl = duration("lock-ttl")?,
                "timeout" => config.timeout = duration("timeout")?,
                _ => {
                    return Err(fail(
                        config.redacted(),
                        &format!("unknown parameter {name:?} (known: prefix, lock-ttl, timeout)"),
                    ));
                }
            }
        }
        if let Some(file) = password_file {
            if config.password.is_some() {
                return Err(fail(
                    config.redacted(),
                    "the URL has a password and IMAGESCAN_REDIS_PASSWORD_FILE is set: give it once",
                ));
            }
            let text = std::fs::read_to_string(file).map_err(|e| {
                fail(
                    config.redacted(),
                    &format!(
                        "cannot read IMAGESCAN_REDIS_PASSWORD_FILE {}: {e}",
                        file.display()
                    ),
                )
            })?;
            let password = text.strip_suffix('\n').unwrap_or(&text);
            let password = password.strip_suffix('\r').unwrap_or(password);
            if password.is_empty() {
                return Err(fail(
                    config.redacted(),
                    &format!("IMAGESCAN_REDIS_PASSWORD_FILE {} is empty", file.display()),
                ));
            }
            config.password = Some(password.to_owned());
        }
        Ok(config)
    }

    /// The password, for the connection handshake only.
    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The URL as it may be shown: any password is `***`; no query.
    pub fn redacted(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        let auth = match (&self.username, &self.password) {
            (None, None) => String::new(),
            (Some(user), None) => format!("{user}@"),
            (user, Some(_)) => format!("{}:***@", user.as_deref().unwrap_or("")),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{auth}{host}:{}/{}", self.port, self.db)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        return (!host.is_empty()).then_some((host, port));
    }
    let (host, port) = match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    (!host.is_empty()).then_some((host, port))
}

/// Decodes `%XX` escapes; `None` when one is malformed or the result is not UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let c = RedisConfig::parse(
            "redis://:s%40cret@cache.internal:6380/2?prefix=t1:&lock-ttl=2s",
            None,
        )
        .unwrap();
        assert_eq!(
            (c.tls, c.host.as_str(), c.port, c.db),
            (false, "cache.internal", 6380, 2)
        );
        assert_eq!(c.password(), Some("s@cret"));
        assert_eq!(c.prefix, "t1:");
        assert_eq!(c.lock_ttl, Duration::from_secs(2));
        assert_eq!(c.redacted(), "redis://:***@cache.internal:6380/2");
        assert_eq!(
            format!("{c:?}"),
            "RedisConfig(redis://:***@cache.internal:6380/2)"
        );
        let c = RedisConfig::parse("rediss://argo:pw@[::1]", None).unwrap();
        assert_eq!(
            (c.tls, c.host.as_str(), c.port, c.db),
            (true, "::1", 6379, 0)
        );
        assert_eq!(c.username.as_deref(), Some("argo"));
        assert_eq!(c.redacted(), "rediss://argo:***@[::1]:6379/0");
        let c = RedisConfig::parse("redis://localhost", None).unwrap();
        assert_eq!((c.password(), c.prefix.as_str()), (None, DEFAULT_PREFIX));
    }

    #[test]
    fn errors_never_show_the_password() {
        for url in [
            "http://:hunter2@host",
            "redis://:hunter2@host:0",
            "redis://:hunter2@host:99999",
            "redis://:hunter2@:6379",
            "redis://:hunter2@host/x",
            "redis://:hunter2@host/-1",
            "redis://:hunter2@host?bogus=1",
            "redis://:hunter2@host?lock-ttl=0",
            "redis://:hunter2%zz@host",
        ] {
            let err = RedisConfig::parse(url, None).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{url}: {err}");
            assert!(err.starts_with("invalid cache URL "), "{url}: {err}");
        }
    }

    #[test]
    fn password_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "from-file\n").unwrap();
        let c = RedisConfig::parse("redis://127.0.0.1:7000", Some(&file)).unwrap();
        assert_eq!(c.password(), Some("from-file"));
        assert_eq!(c.redacted(), "redis://:***@127.0.0.1:7000/0");
        let err = RedisConfig::parse("redis://:inline@127.0.0.1", Some(&file)).unwrap_err();
        assert!(err.problem.contains("give it once"), "{err}");
        let err =
            RedisConfig::parse("redis://127.0.0.1", Some(&dir.path().join("none"))).unwrap_err();
        assert!(err.problem.contains("cannot read"), "{err}");
    }
}
