//! The refresh lock of one entry across machines: `SET lock token NX PX ttl` to take
//! it, a compare-and-delete script to release it (only by the holder whose token it
//! holds), and expiry when the holder dies. While the holder works, a keeper thread
//! extends the lock every third of its lifetime with a compare-and-`PEXPIRE` (only
//! while it still holds this holder's token), so a refresh slower than `lock-ttl` does
//! not let a second process in; the keeper stops at `max-hold`, so a holder that hangs
//! frees the lock all the same. Waiters poll with a growing pause, and give up waiting
//! after `max-hold` plus the lock's lifetime plus a second: by then its holder is gone
//! or hung, and refreshing without it costs one extra listing, never a wrong value.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Script;

use super::link::Link;

/// Deletes `KEYS[1]` only if it still holds `ARGV[1]` (this holder's token).
const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// Sets `KEYS[1]` to expire in `ARGV[2]` ms only if it still holds `ARGV[1]` (this holder's
/// token): a lock that expired and was taken by another holder is left alone.
const EXTEND: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end"#;

/// A held lock, extended while held and released when dropped.
#[derive(Debug)]
pub(crate) struct RedisLock {
    link: Arc<Link>,
    key: String,
    token: String,
    /// Stops the keeper (dropping the sender wakes it), which is joined before release.
    keeper: Option<(Sender<()>, JoinHandle<()>)>,
}

impl RedisLock {
    /// Takes the lock `key`, waiting while another holder has it. Returns the lock (none
    /// when Redis failed or the wait ran out) and whether it waited.
    pub(crate) fn acquire(link: &Arc<Link>, key: String) -> (Option<RedisLock>, bool) {
        let ttl = link.config().lock_ttl;
        let ttl_ms = millis(ttl);
        let token = token();
        let patience = link.config().max_hold + ttl + Duration::from_secs(1);
        let deadline = Instant::now() + patience;
        let mut pause = Duration::from_millis(10);
        let mut waited = false;
        loop {
            let taken = link.run("taking a refresh lock", |c| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query::<Option<String>>(c)
            });
            match taken {
                None => return (None, waited),
                Some(Some(_)) => {
                    let keeper = spawn_keeper(Arc::clone(link), key.clone(), token.clone());
                    let lock = RedisLock {
                        link: Arc::clone(link),
                        key,
                        token,
                        keeper,
                    };
                    return (Some(lock), waited);
                }
                Some(None) => {}
            }
            if Instant::now() >= deadline {
                link.warn(format!(
                    "waited {}s for another process's refresh (lock {key}); refreshing without it",
                    patience.as_secs()
                ));
                return (None, true);
            }
            waited = true;
            std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}

/// Starts the thread that extends the lock `key` while it holds `token`, every third of
/// `lock-ttl`, until told to stop, the lock is lost, Redis fails or `max-hold` passes.
/// `None` if no thread could be started (the lock then simply expires on time).
fn spawn_keeper(
    link: Arc<Link>,
    key: String,
    token: String,
) -> Option<(Sender<()>, JoinHandle<()>)> {
    let ttl = link.config().lock_ttl;
    let period = (ttl / 3).max(Duration::from_millis(1));
    let until = Instant::now() + link.config().max_hold;
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("redis-lock-keeper".to_owned())
        .spawn(move || {
            loop {
                match stopped.recv_timeout(period) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                if Instant::now() >= until {
                    return;
                }
                let extended = link.run("extending a refresh lock", |c| {
                    Script::new(EXTEND)
                        .key(&key)
                        .arg(&token)
                        .arg(millis(ttl))
                        .invoke::<i64>(c)
                });
                if extended != Some(1) {
                    return;
                }
            }
        })
        .ok()?;
    Some((stop, thread))
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.keeper.take() {
            drop(stop);
            let _ = thread.join();
        }
        // When this fails, the lock expires by itself.
        let _ = self.link.run("releasing a refresh lock", |c| {
            Script::new(RELEASE)
                .key(&self.key)
                .arg(&self.token)
                .invoke::<i64>(c)
        });
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// A token no other holder has: this process, the time, a counter and std's per-process
/// random hash keys. It is not a secret, only unique.
fn token() -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u64(SEQUENCE.fetch_add(1, Ordering::Relaxed));
    let high = hasher.finish();
    let low = RandomState::new().build_hasher().finish();
    format!("{}-{high:016x}{low:016x}", std::process::id())
}
