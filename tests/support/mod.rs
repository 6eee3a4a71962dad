//! Shared helpers for integration tests. Each test binary uses a part of them.
#![allow(dead_code)]

pub mod fake_resolver;
pub mod git_server;
