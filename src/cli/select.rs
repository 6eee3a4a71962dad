//! `imagescan select`: the policy engine with no registry. Tags on stdin, one a line;
//! the selected tag on stdout; exit 1 when none is selected, 2 for an invalid policy.

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{ArgGroup, Args};

use super::{Classify, CliResult, Exit};
use crate::policy::{Order, Policy, TagFilter, TagPolicy};

/// Arguments of `imagescan select`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("policy").required(true).args(["semver", "alphabetical", "numerical"])))]
pub struct SelectArgs {
    /// Masterminds semver range, e.g. ">=1.2 <2" or "~1.4 || ^2".
    #[arg(long, value_name = "RANGE")]
    semver: Option<String>,
    /// Byte-wise order: asc selects the greatest tag, desc the least.
    #[arg(long, value_name = "ORDER")]
    alphabetical: Option<String>,
    /// Numeric order: asc selects the greatest number, desc the least.
    #[arg(long, value_name = "ORDER")]
    numerical: Option<String>,
    /// Keep only tags matching this regular expression.
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Order by this template over the filter's groups ($name or $1) instead of the tag.
    #[arg(long, value_name = "TEMPLATE", requires = "filter")]
    extract: Option<String>,
    /// Drop tags matching this regular expression (repeatable).
    #[arg(long, value_name = "REGEX")]
    exclude: Vec<String>,
}

impl SelectArgs {
    fn policy(&self) -> Result<TagPolicy, crate::policy::PolicyError> {
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
            .map(|pattern| {
                regex::Regex::new(pattern).map_err(|e| crate::policy::PolicyError::InvalidPattern {
                    pattern: pattern.clone(),
                    reason: e.to_string(),
                })
            })
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
    let policy = args.policy().or_invalid()?;
    let mut tags = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read tags from stdin").or_failure()?;
        let tag = line.trim();
        if !tag.is_empty() {
            tags.push(tag.to_owned());
        }
    }
    let selection = policy.select(&tags).or_failure()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", selection.tag)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
        .or_failure()?;
    Ok(Exit::Success)
}
