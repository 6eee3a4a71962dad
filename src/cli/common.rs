//! Arguments shared by the commands that read a directory's configuration and reach
//! registries (`render`, `resolve`, `scan`, `check`, `writeback`).

use std::fs::File;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

use std::io::Write;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::{Classify as _, CliError};
use crate::files::{DEFAULT_MAX_FILE_BYTES, StreamBytes, read_stream_with};

// Where the configuration comes from (flattened into subcommands; not a doc comment:
// see `Command`).
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Extra configuration file, applied to all of DIR (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,
}

// How registry results are obtained (flattened into subcommands; not a doc comment:
// see `Command`).
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Read the cache only; never reach a registry.
    #[arg(long)]
    pub offline: bool,
    /// Serve a stale cache entry up to this age when a refresh fails (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub max_stale: Duration,
    /// Time for all registry work of the command, retries and waits included; past it
    /// scans fail (or serve stale cache). Keep it under Argo CD's plugin timeout (90s).
    #[arg(
        long,
        value_name = "DURATION",
        env = "IMAGESCAN_DEADLINE",
        default_value = "60s",
        value_parser = parse_deadline
    )]
    pub deadline: Duration,
    // The help text shows URL syntax, not doc links.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// Share the cache through Redis (redis://[:password@]host:port[/db] or rediss://);
    /// the password may come from the file named by IMAGESCAN_REDIS_PASSWORD_FILE.
    #[arg(
        long = "cache",
        value_name = "URL",
        env = "IMAGESCAN_CACHE",
        hide_env_values = true
    )]
    pub cache: Option<String>,
}

/// How a command lists its findings (`check`'s problems, `resolve --check`'s changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Findings {
    /// One line each on stderr (JSON lines under `--log-format json`).
    Text,
    /// One JSON document on stdout, for CI annotations.
    Json,
}

/// Standard output as a file, written with `writev` and no buffer in between.
pub fn stdout_file() -> Result<File, CliError> {
    std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .map_err(write_error)
}

/// [`stdout_file`] for a stream of `bytes` (`fn`'s and `post-render`'s output): a pipe
/// is widened ([`widen_pipe`]) when they are more than it holds by default.
pub fn stdout_file_for(bytes: usize) -> Result<File, CliError> {
    let file = stdout_file()?;
    if bytes > DEFAULT_PIPE_BYTES {
        widen_pipe(&file);
    }
    Ok(file)
}

/// Reads stdin whole (`fn`'s and `post-render`'s stream; at most the size limit of a
/// manifest file), calling `arrived` with everything read so far after each read. A pipe
/// is widened ([`widen_pipe`]) once the stream has outgrown what it holds by default.
pub fn read_stdin(mut arrived: impl FnMut(&[u8])) -> Result<StreamBytes, CliError> {
    let mut widened = false;
    read_stream_with(
        std::io::stdin().lock(),
        DEFAULT_MAX_FILE_BYTES as usize,
        |so_far| {
            if !widened && so_far.len() >= DEFAULT_PIPE_BYTES {
                widened = true;
                widen_pipe(std::io::stdin());
            }
            arrived(so_far);
        },
    )
    .context("cannot read stdin")
    .or_failure()
}

/// What a pipe holds by default on Linux.
const DEFAULT_PIPE_BYTES: usize = 64 << 10;

/// The size asked for a pipe that carries a large stream: the default limit for
/// unprivileged processes (`/proc/sys/fs/pipe-max-size`).
const PIPE_BYTES: usize = 1 << 20;

/// Asks for a 1 MiB buffer on `fd` if it is a smaller pipe, so that 20 MB cross it in
/// 20 turns of the writer and the reader instead of 320 with the default 64 KiB (Helm,
/// kpt and kustomize give and take `fn`'s and `post-render`'s streams through pipes;
/// docs/benchmarks.md has the figures). Only streams past the default size are widened:
/// a widened pipe counts 256 pages against the user's pipe quota
/// (`/proc/sys/fs/pipe-user-pages-soft`). Anything else, a larger pipe, or a refusal
/// (the quota is spent) is left as it is.
fn widen_pipe(fd: impl AsFd) {
    let fd = fd.as_fd();
    if rustix::pipe::fcntl_getpipe_size(fd).is_ok_and(|size| size < PIPE_BYTES) {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES);
    }
}

/// A failed write to stdout: exit 1.
pub fn write_error(error: std::io::Error) -> CliError {
    CliError::failure(anyhow::Error::new(error).context("cannot write to stdout"))
}

/// Writes a command's product to stdout.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    print_stdout_bytes(text.as_bytes())
}

/// Writes a command's product to stdout.
pub fn print_stdout_bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(write_error)
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s).map_err(|e| e.to_string())
}

fn parse_deadline(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err("the deadline must be longer than 0s".to_owned()),
        d => Ok(d),
    }
}

/// Parses a byte size: a number of bytes, or of `KiB`, `MiB` or `GiB`.
pub fn parse_size(input: &str) -> Result<u64, String> {
    let digits = input.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit: u64 = match &input[digits.len()..] {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {}: write bytes, or a number of KiB, MiB or GiB",
                crate::text::quoted(other)
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| {
            format!(
                "{} is not a size: write e.g. 256MiB or 0",
                crate::text::quoted(input)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        for (input, bytes) in [
            ("0", 0),
            ("100", 100),
            ("100B", 100),
            ("4KiB", 4096),
            ("256MiB", 256 << 20),
            ("2GiB", 2 << 30),
        ] {
            assert_eq!(parse_size(input), Ok(bytes), "{input}");
        }
        for input in [
            "",
            "MiB",
            "1.5GiB",
            "-1",
            "10MB",
            "99999999999999999999GiB",
            "1 MiB",
        ] {
            assert!(parse_size(input).is_err(), "{input}");
        }
    }
}
