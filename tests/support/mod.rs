//! Shared helpers of the integration tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod fault_server;
pub mod registry;
