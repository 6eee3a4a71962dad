//! Shared helpers of the integration tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod argocd;
pub mod cli;
pub mod fake_resolver;
pub mod fault_server;
pub mod git_server;
pub mod golden;
pub mod kube_tools;
pub mod redis_server;
pub mod registry;
pub mod tree;
pub mod yaml;
