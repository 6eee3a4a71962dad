//! What the registry client reports while it works, for the caller to show as it
//! happens (the library never prints): a wait before a retry, with why and how long.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Something worth telling the user while a request is under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryEvent {
    /// A request failed and will be tried again after `wait`.
    Retrying {
        /// The registry host.
        host: String,
        /// The repository being read.
        repository: String,
        /// Why: `HTTP 503`, `HTTP 429`, or a transport error class.
        reason: String,
        /// The attempt that comes next (2 for the first retry).
        attempt: u32,
        /// Attempts in total.
        max_attempts: u32,
        /// How long the client waits first.
        wait: Duration,
        /// Time left before the deadline, when there is one.
        left: Option<Duration>,
    },
}

impl fmt::Display for RegistryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryEvent::Retrying {
                host,
                repository,
                reason,
                attempt,
                max_attempts,
                wait,
                left,
            } => {
                write!(
                    f,
                    "registry {host}: {reason} for {repository}; waiting {:.1}s before \
                     attempt {attempt} of {max_attempts}",
                    wait.as_secs_f64()
                )?;
                if let Some(left) = left {
                    write!(f, " ({:.1}s left before the deadline)", left.as_secs_f64())?;
                }
                Ok(())
            }
        }
    }
}

/// Receives [`RegistryEvent`]s as they happen, from any scan thread.
#[derive(Clone)]
pub struct Observer(Arc<dyn Fn(&RegistryEvent) + Send + Sync>);

impl Observer {
    /// An observer calling `f` for each event.
    pub fn new(f: impl Fn(&RegistryEvent) + Send + Sync + 'static) -> Self {
        Observer(Arc::new(f))
    }

    pub(crate) fn notify(&self, event: &RegistryEvent) {
        (self.0)(event);
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

impl PartialEq for Observer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Observer {}
