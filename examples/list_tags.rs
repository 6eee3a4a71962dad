//! Lists the tags of one or more repositories of a registry through imagescan's client,
//! for measuring the client alone (bench/scan.sh) until `imagescan scan` is wired.
//!
//! ```text
//! cargo run --release --example list_tags -- [--insecure] [--workers N] HOST REPOSITORY...
//! ```
//! One repository: prints its tags, one a line. Several: prints `REPOSITORY COUNT`
//! lines, listing them with at most N (default 8) concurrent workers.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use imagescan::registry::{HostSettings, RegistryClient, run_bounded};

fn main() -> ExitCode {
    let mut insecure = false;
    let mut workers = 8;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--insecure" => insecure = true,
            "--workers" => workers = args.next().and_then(|n| n.parse().ok()).unwrap_or(workers),
            _ => positional.push(arg),
        }
    }
    let (Some(host), repositories) = (positional.first(), positional.get(1..).unwrap_or(&[]))
    else {
        return usage();
    };
    if repositories.is_empty() {
        return usage();
    }
    let client = match RegistryClient::new(
        HostSettings {
            insecure,
            ..HostSettings::new(host.as_str())
        },
        None,
    ) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if let [repository] = repositories {
        match client.list_tags_of(repository) {
            Ok(tags) => {
                for tag in &tags {
                    let _ = writeln!(out, "{tag}");
                }
            }
            Err(error) => return fail(&error),
        }
    } else {
        let results = run_bounded(repositories.to_vec(), workers, |repository| {
            let tags = client.list_tags_of(&repository);
            (repository, tags)
        });
        for (repository, tags) in results {
            match tags {
                Ok(tags) => {
                    let _ = writeln!(out, "{repository} {}", tags.len());
                }
                Err(error) => return fail(&error),
            }
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "usage: list_tags [--insecure] [--workers N] HOST REPOSITORY..."
    );
    ExitCode::from(2)
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "list_tags: {error}");
    ExitCode::FAILURE
}
