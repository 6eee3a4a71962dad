//! `imagescan select`: the policy engine with no registry. Tags on stdin, one a line;
//! the selected tag on stdout; exit 1 when none is selected, 2 for an invalid policy.
//!
//! Orchestration only: flags become a [`TagPolicy`] (all validation happens in the
//! library), stdin is read once and split into borrowed lines, and the library selects.

use std::io::{Read, Write};

use anyhow::Context;
use clap::{ArgGroup, Args};

use super::{Classify, CliResult, Exit};
use crate::policy::{Order, Policy, PolicyError, TagFilter, TagPolicy, compile_pattern};

// Arguments of `imagescan select` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("policy").required(true).args(["semver", "alphabetical", "numerical"])))]
pub struct SelectArgs {
    /// Masterminds semver range, e.g. ">=1.2 <2" or "~1.4 || ^2"; selects the greatest
    /// version in range. Tags that are not versions are skipped.
    #[arg(long, value_name = "RANGE")]
    semver: Option<String>,
    /// Byte-wise order: asc selects the greatest tag, desc the least.
    #[arg(long, value_name = "ORDER")]
    alphabetical: Option<String>,
    /// Numeric order (integers and decimals such as 42 or 1.5): asc selects the greatest,
    /// desc the least. Tags that are not numbers are skipped.
    #[arg(long, value_name = "ORDER")]
    numerical: Option<String>,
    /// Keep only tags matching this regular expression.
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Order by this template over the filter's groups ($name or $1) instead of the tag.
    #[arg(long, value_name = "TEMPLATE", requires = "filter")]
    extract: Option<String>,
    /// Drop tags matching this regular expression before anything else (repeatable).
    #[arg(long, value_name = "REGEX")]
    exclude: Vec<String>,
}

impl SelectArgs {
    fn policy(&self) -> Result<TagPolicy, PolicyError> {
        let policy = match (&self.semver, &self.alphabetical, &self.numerical) {
            (Some(range), _, _) => Policy::semver(range)?,
            (_, Some(order), _) => Policy::Alphabetical(order.parse::<Order>()?),
            (_, _, Some(order)) => Policy::Numerical(order.parse::<Order>()?),
            (None, None, None) => unreachable!("clap requires one policy"),
        };
        let filter = self
            .filter
            .as_deref()
            .map(|pattern| TagFilter::new(pattern, self.extract.as_deref()))
            .transpose()?;
        let exclude = self
            .exclude
            .iter()
            .map(|pattern| compile_pattern(pattern))
            .collect::<Result<_, _>>()?;
        Ok(TagPolicy {
            policy,
            filter,
            exclude,
        })
    }
}

/// Runs `imagescan select`.
pub fn run(args: &SelectArgs) -> CliResult {
    let policy = args.policy().context("invalid policy").or_invalid()?;
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read tags from stdin")
        .or_failure()?;
    let input = String::from_utf8(input)
        .context("tags on stdin are not UTF-8")
        .or_invalid()?;
    // Lines are trimmed so that CRLF input and stray spaces do not become tag text.
    let tags = input.lines().map(str::trim).filter(|tag| !tag.is_empty());
    let selection = policy.select(tags).or_failure()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", selection.tag)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
        .or_failure()?;
    Ok(Exit::Success)
}
