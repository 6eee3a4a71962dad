//! The registry client (SPEC §5): the only HTTP code in imagescan.
//!
//! One [`RegistryClient`] per registry host, built from plain [`HostSettings`] and an
//! optional [`Credential`]; it implements [`crate::source::TagSource`]. Inside: the
//! request loop with timeouts, retries and the deadline ([`client`], [`retry`],
//! [`deadline`], progress as [`event`]s), each host's concurrency, rate and announced
//! quota ([`quota`]), name lookups done once per host ([`resolve`]), authentication
//! ([`auth`]), TLS roots ([`tls`]), paginated tag lists ([`tags`], [`tag_page`], [`link`]) and
//! digests ([`manifest`]). [`run_bounded`] (from [`crate::parallel`]) runs many scans
//! with a bounded number of threads. Nothing here prints, caches on disk or reads credentials files.
//! The `Link` and `WWW-Authenticate` parsers are public only for the fuzz targets (fuzz/).

mod auth;
mod client;
mod credential;
mod deadline;
mod error;
mod event;
mod link;
mod manifest;
mod quota;
mod resolve;
mod retry;
mod source;
mod tag_page;
mod tags;
mod tls;

pub use crate::parallel::run_bounded;
pub use auth::{Challenge, parse_challenges};
pub use client::{ClientOptions, HostSettings, RegistryClient, SharedQuota};
pub use credential::Credential;
pub use deadline::Deadline;
pub use error::RegistryError;
pub use event::{Observer, RegistryEvent};
pub use link::{next_link, resolve as resolve_link};
pub use manifest::MANIFEST_MEDIA_TYPES;
pub use quota::{Announced, DEFAULT_MAX_CONCURRENT, HostQuota};
pub use retry::RetryPolicy;
