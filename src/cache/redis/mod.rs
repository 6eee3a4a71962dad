//! The shared cache in Redis, for several machines (the repo-server replicas of one
//! Argo CD): the same entries as the disk cache under credential-scoped keys with a
//! prefix, a refresh lock per entry that works across hosts, and the disk cache behind
//! it whenever Redis is unreachable, slow or answers garbage; listing and clearing it
//! for `imagescan cache`. docs/cache.md states what it guarantees.

mod admin;
mod codec;
mod config;
mod link;
mod lock;
mod store;

pub use admin::SharedListing;
pub use config::{
    DEFAULT_LOCK_TTL, DEFAULT_PREFIX, DEFAULT_TIMEOUT, RedisConfig, RedisConfigError,
};
pub use store::RedisStore;
