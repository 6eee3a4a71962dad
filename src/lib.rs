//! imagescan keeps container image references in GitOps repositories current.
//!
//! The data flows one way: [`config`] (scan definitions) → [`source`] (registry or OCI
//! layout, behind the [`cache`]) → [`policy`] (which tag) → [`marker`] (which bytes
//! change) → output ([`render`], [`writeback`]). The pure cores — [`config`] validation,
//! [`reference`], [`platform`], [`policy`], [`marker`] — take values and return values;
//! I/O stays at the edges, and the library never prints.

pub mod argocd;
pub mod cache;
pub mod class;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod diagnostic;
pub mod files;
pub mod fsutil;
pub mod git;
pub mod install;
pub mod krm;
pub mod marker;
pub mod parallel;
pub mod platform;
pub mod policy;
pub mod postrender;
pub mod redact;
pub mod reference;
pub mod registry;
pub mod render;
pub mod rundir;
pub mod scan;
pub mod source;
pub mod text;
pub mod workspace;
pub mod writeback;
pub mod yaml_depth;

#[cfg(test)]
mod error_chain_tests;
