//! The refresh lock of one entry across machines: `SET lock token NX PX ttl` to take
//! it, a compare-and-delete script to release it (only by the holder whose token it
//! holds), and expiry when the holder dies. Waiters poll with a growing pause, and give
//! up waiting after the lock's lifetime plus a second: by then its holder is gone or
//! slower than the lock says, and refreshing without it costs one extra listing, never
//! a wrong value.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Script;

use super::link::Link;

/// Deletes KEYS[1] only if it still holds ARGV[1] (this holder's token).
const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// A held lock, released when dropped.
#[derive(Debug)]
pub(crate) struct RedisLock {
    link: Arc<Link>,
    key: String,
    token: String,
}

impl RedisLock {
    /// Takes the lock `key`, waiting while another holder has it. Returns the lock (none
    /// when Redis failed or the wait ran out) and whether it waited.
    pub(crate) fn acquire(link: &Arc<Link>, key: String) -> (Option<RedisLock>, bool) {
        let ttl = link.config().lock_ttl;
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let token = token();
        let deadline = Instant::now() + ttl + Duration::from_secs(1);
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
                    let lock = RedisLock {
                        link: Arc::clone(link),
                        key,
                        token,
                    };
                    return (Some(lock), waited);
                }
                Some(None) => {}
            }
            if Instant::now() >= deadline {
                link.warn(format!(
                    "waited {}s for another process's refresh (lock {key}); refreshing without it",
                    (ttl + Duration::from_secs(1)).as_secs()
                ));
                return (None, true);
            }
            waited = true;
            std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        // When this fails, the lock expires by itself.
        let _ = self.link.run("releasing a refresh lock", |c| {
            Script::new(RELEASE)
                .key(&self.key)
                .arg(&self.token)
                .invoke::<i64>(c)
        });
    }
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
