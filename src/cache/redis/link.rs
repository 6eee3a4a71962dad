//! [`Link`]: the one connection of a process to Redis, opened on first use, with short
//! connect/read/write timeouts. The first failure of any kind marks Redis down for the
//! rest of the process (one warning, no more waiting on timeouts): the caller then uses
//! the disk cache alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use redis::{
    Client, Connection, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo, RedisResult,
};

use super::RedisConfig;

/// A lazily opened connection that gives up for good on its first failure.
pub(crate) struct Link {
    config: RedisConfig,
    connection: Mutex<Option<Connection>>,
    down: AtomicBool,
    warnings: Mutex<Vec<String>>,
    /// What failed first, and how (`connecting: Connection refused …`).
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("config", &self.config)
            .field("down", &self.is_down())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub(crate) fn new(config: RedisConfig) -> Self {
        Link {
            config,
            connection: Mutex::new(None),
            down: AtomicBool::new(false),
            warnings: Mutex::default(),
            failure: Mutex::default(),
        }
    }

    pub(crate) fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// Whether Redis failed earlier in this process.
    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Runs `op` on the connection; `None` when Redis is down, or fails now (then it is
    /// down from here on, with a warning naming `what` was being done).
    pub(crate) fn run<T>(
        &self,
        what: &str,
        op: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> Option<T> {
        if self.is_down() {
            return None;
        }
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.is_down() {
            return None;
        }
        if slot.is_none() {
            match self.connect() {
                Ok(connection) => *slot = Some(connection),
                Err(error) => {
                    self.fail("connecting", &error);
                    return None;
                }
            }
        }
        let connection = slot.as_mut().expect("connected above");
        match op(connection) {
            Ok(value) => Some(value),
            Err(error) => {
                *slot = None;
                self.fail(what, &error);
                None
            }
        }
    }

    /// Records a warning for the caller to report.
    pub(crate) fn warn(&self, message: String) {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
    }

    pub(crate) fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// What made Redis count as down, if it does.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn fail(&self, what: &str, error: &redis::RedisError) {
        if !self.down.swap(true, Ordering::Relaxed) {
            *self.failure.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(format!("{what}: {error}"));
            self.warn(format!(
                "shared cache {} failed ({what}: {error}); using the disk cache and the registry for the rest of this run",
                self.config.redacted()
            ));
        }
    }

    fn connect(&self) -> RedisResult<Connection> {
        let config = &self.config;
        let addr = if config.tls {
            ConnectionAddr::TcpTls {
                host: config.host.clone(),
                port: config.port,
                insecure: false,
                tls_params: None,
            }
        } else {
            ConnectionAddr::Tcp(config.host.clone(), config.port)
        };
        let mut redis = RedisConnectionInfo::default()
            .set_db(config.db)
            .set_skip_set_lib_name();
        if let Some(user) = &config.username {
            redis = redis.set_username(user);
        }
        if let Some(password) = config.password() {
            redis = redis.set_password(password);
        }
        let info = addr.into_connection_info()?.set_redis_settings(redis);
        let connection = Client::open(info)?.get_connection_with_timeout(config.timeout)?;
        connection.set_read_timeout(Some(config.timeout))?;
        connection.set_write_timeout(Some(config.timeout))?;
        Ok(connection)
    }
}
