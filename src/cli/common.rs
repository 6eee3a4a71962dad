//! Arguments shared by the commands that read a directory's configuration and reach
//! registries (`render`, `resolve`, `scan`, `check`, `writeback`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Where the configuration comes from.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Extra configuration file, applied to all of DIR (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,
}

/// How registry results are obtained.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Read the cache only; never reach a registry.
    #[arg(long)]
    pub offline: bool,
    /// Serve a stale cache entry up to this age when a refresh fails (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub max_stale: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s).map_err(|e| e.to_string())
}
