//! imagescan keeps container image references in GitOps repositories current.
//!
//! The data flows one way: [`config`] (scan definitions) and [`files`] (the inputs) →
//! [`source`] (registry or OCI layout, behind the [`cache`]) → [`policy`] (which tag) →
//! [`marker`] (which bytes change) → output. [`workspace`] is the one pipeline that joins
//! these steps; every command and plugin mode is an adapter over it: the render stream
//! and a tool run in a resolved repository ([`workspace`], [`render`]), the Argo CD
//! plugin ([`argocd`]), the KRM function ([`krm`]), the Helm post-renderer
//! ([`postrender`]) and [`writeback`]. The pure cores — [`config`] validation,
//! [`reference`](mod@reference), [`platform`], [`policy`], [`marker`] — take values and return values;
//! I/O stays at the edges, the library never prints, and each error says its
//! [`class`] (the exit code it maps to).
//!
//! Module docs map the internal data flow and link to private modules: read them with
//! `cargo doc --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

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
pub mod reads;
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
