//! `imagescan fn` over one ResourceList: the functionConfig becomes the configuration,
//! `$imagescan` markers in the items (kpt keeps comments) and image rules (kustomize
//! strips them) get their scans' values, and problems become results.
//!
//! Markers are found in the items' bytes in one pass (or a run of items at a time as the
//! list is read), as in files; items are parsed only
//! when an image rule needs their container images or a message needs their identity.
//! The output is the input's bytes with the changed scalars replaced and the results
//! added. When any result is an error, no item changes: the output is the input with the
//! results, and the outcome says which exit code the command gives.

use crate::text::ShowPath as _;
use std::ops::Range;
use std::path::Path;

use super::images::{ImageField, image_fields};
use super::item::{self, ItemInfo, original_line};
use super::resource_list::{ReadError, ResourceList};
use super::results::{KrmResult, Severity, insertion};
use super::text::{byte_offsets, line_at};
use super::windows::ReadAhead;
use crate::config::{ConfigError, ConfigSet, ImageRule, Schema, image_name};
use crate::diagnostic::Diagnostic;
use crate::marker::encode;
use crate::scan::Scanner;
use crate::workspace::text::{STDIN_SCOPE, apply_replacements, write_replaced};
use crate::workspace::{Found, Plan, Replacement};

/// How the function ended, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Values resolved (possibly with warnings): exit 0.
    Resolved,
    /// Invalid input (configuration, markers, rules): exit 2, items unchanged.
    Invalid,
    /// A scan failed: exit 1, items unchanged.
    Failed,
}

/// What the function writes to stdout, and how it ended.
#[derive(Debug, Clone)]
pub struct FunctionOutput {
    /// What turns the input into the ResourceList to write: the items' new values
    /// (none when it failed) and the results, in input order.
    pub replacements: Vec<Replacement>,
    /// How it ended.
    pub outcome: Outcome,
    /// The results added (also in the output), for the command to log.
    pub results: Vec<KrmResult>,
}

/// The function could not produce a ResourceList at all.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// The input is not a ResourceList.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The directory relative paths resolve against cannot be opened.
    #[error("cannot open the working directory {path}", path = .path.shown())]
    WorkingDirectory {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What the functionConfig is called in messages when kpt gives no file for it.
const FUNCTION_CONFIG: &str = "functionConfig";

/// Runs the function on `input`; relative paths in the functionConfig (`layout`,
/// `caFile`) resolve against `base_dir` (the function's working directory). `ahead`: what was
/// found while the input was read ([`super::ItemWindows`]): the list's structure is read
/// from its lines, and its items' markers are used when their region is the one read.
pub fn run(
    input: &[u8],
    base_dir: &Path,
    ahead: Option<ReadAhead>,
    scanner: &Scanner,
) -> Result<FunctionOutput, FunctionError> {
    let (list, found) = match ahead {
        Some(ahead) => (
            ResourceList::read_lines(input, ahead.unindented)?,
            ahead.items,
        ),
        None => (ResourceList::read(input)?, None),
    };
    let mut run = Run {
        input,
        list,
        results: Vec::new(),
        item_lines: None,
        root_package: None,
    };
    let config = match run.config(base_dir)? {
        Some(config) => config,
        None => return Ok(run.finish(Vec::new(), Outcome::Invalid)),
    };

    // Markers, found in all items' bytes at once.
    let region = run.list.items_region.clone();
    let mut plan = Plan::new(&config);
    let found = match found {
        Some((read, markers)) if read == region => Found::Markers(markers),
        _ => Found::in_text(&input[region.clone()]),
    };
    let file = plan.add_found(Path::new("items"), Path::new(STDIN_SCOPE), found);
    if let Err(problems) = plan.problems() {
        let region_line = line_at(input, 0, 1, region.start);
        for d in problems.0 {
            let result = run.marker_result(&d, region_line + d.line - 1);
            run.results.push(result);
        }
    }

    // Image rules: their scans, and the container images they match.
    let mut rule_jobs = Vec::with_capacity(config.images.len());
    for rule in &config.images {
        match plan.require(Path::new(STDIN_SCOPE), &rule.scan, rule.form) {
            Some(job) => rule_jobs.push(job),
            None => {
                rule_jobs.push(None);
                run.results.push(rule_result(
                    rule,
                    Severity::Error,
                    format!(
                        "image rule names scan {:?}, which the functionConfig does not define \
                         [undefined-scan]",
                        rule.scan
                    ),
                ));
            }
        }
    }
    let matches = run.image_matches(&config.images);
    if run.has_errors() {
        return Ok(run.finish(Vec::new(), Outcome::Invalid));
    }

    let scanned = match plan.run(scanner) {
        Ok(done) => done,
        Err(errors) => {
            let invalid = errors
                .0
                .iter()
                .all(crate::scan::ScanError::is_invalid_input);
            for error in &errors.0 {
                run.results.push(
                    KrmResult::new(Severity::Error, chain(error))
                        .in_file(error.path.display().to_string()),
                );
            }
            let outcome = if invalid {
                Outcome::Invalid
            } else {
                Outcome::Failed
            };
            return Ok(run.finish(Vec::new(), outcome));
        }
    };
    for warning in scanned.warnings() {
        run.results
            .push(KrmResult::new(Severity::Warning, warning.to_string()));
    }

    let mut replacements = Vec::new();
    let mut marked: Vec<Range<usize>> = Vec::new();
    if let Some(file) = &file {
        let found = match scanned.replacements(file) {
            Ok(found) => found,
            Err(error) => {
                run.results
                    .push(KrmResult::new(Severity::Error, error.to_string()));
                return Ok(run.finish(Vec::new(), Outcome::Failed));
            }
        };
        marked = file
            .markers
            .iter()
            .map(|m| region.start + m.marker.span.start..region.start + m.marker.span.end)
            .collect();
        replacements.extend(found.into_iter().map(|r| Replacement {
            range: region.start + r.range.start..region.start + r.range.end,
            bytes: r.bytes,
        }));
    }
    for (rule, field) in matches {
        let Some(job) = rule_jobs[rule] else { continue };
        // A marker on the same scalar says more than a rule: it wins.
        if marked
            .iter()
            .any(|m| m.start < field.range.end && field.range.start < m.end)
        {
            continue;
        }
        let form = config.images[rule].form;
        let value = match scanned.value(job, form) {
            Ok(value) => value,
            Err(error) => {
                run.results.push(rule_result(
                    &config.images[rule],
                    Severity::Error,
                    error.to_string(),
                ));
                return Ok(run.finish(Vec::new(), Outcome::Failed));
            }
        };
        if value != field.value {
            replacements.push(Replacement {
                range: field.range,
                bytes: encode(field.style, &value).as_bytes().into(),
            });
        }
    }
    replacements.sort_by_key(|r| r.range.start);
    Ok(run.finish(replacements, Outcome::Resolved))
}

/// An error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn rule_result(rule: &ImageRule, severity: Severity, message: String) -> KrmResult {
    let at = &rule.defined_at;
    KrmResult::new(
        severity,
        format!("{}:{}: {}: {message}", at.path.shown(), at.line, rule.field),
    )
    .in_file(at.path.display().to_string())
    .at_field(rule.field.clone(), Some(rule.image.clone()))
}

/// One run's state.
struct Run<'a> {
    input: &'a [u8],
    list: ResourceList,
    results: Vec<KrmResult>,
    /// Each item's first line, computed when a message needs it.
    item_lines: Option<Vec<usize>>,
    /// The outermost kpt package's directory ([`item::root_package`]), read when a
    /// message needs it.
    root_package: Option<Option<String>>,
}

impl Run<'_> {
    fn has_errors(&self) -> bool {
        self.results.iter().any(|r| r.severity == Severity::Error)
    }

    /// The configuration from the functionConfig; `None` (with results) when invalid.
    fn config(&mut self, base_dir: &Path) -> Result<Option<ConfigSet>, FunctionError> {
        let Some(section) = &self.list.function_config else {
            return Ok(Some(ConfigSet::default()));
        };
        let text = std::str::from_utf8(&self.input[section.range.clone()])
            .map_err(|_| ReadError::NotUtf8)?;
        // The file kpt read it from names it in messages. A functionConfig without kpt's
        // path annotation (the usual one) is not parsed for it: parsing is most of the
        // time spent on a configuration, and it is parsed again to be loaded.
        let display = memchr::memmem::find(text.as_bytes(), item::PATH_ANNOTATION_END)
            .and_then(|_| item::parse(text, super::resource_list::Format::Flow))
            .and_then(|node| ItemInfo::of(&node).path)
            .unwrap_or_else(|| FUNCTION_CONFIG.to_owned());
        match ConfigSet::from_document(text, Schema::Function, Path::new(&display), base_dir) {
            Ok(config) => {
                for warning in &config.warnings {
                    self.results.push(config_result(warning, Severity::Warning));
                }
                Ok(Some(config))
            }
            Err(ConfigError::Invalid(diagnostics)) => {
                for d in &diagnostics.0 {
                    self.results.push(config_result(d, Severity::Error));
                }
                Ok(None)
            }
            Err(ConfigError::Io { path, source }) => {
                Err(FunctionError::WorkingDirectory { path, source })
            }
        }
    }

    /// The index of the item holding line `line` of the input.
    fn item_at_line(&mut self, line: usize) -> Option<usize> {
        let input = self.input;
        let items = &self.list.items;
        let lines = self.item_lines.get_or_insert_with(|| {
            let mut lines = Vec::with_capacity(items.len());
            let (mut from, mut from_line) = (0, 1);
            for item in items {
                from_line = line_at(input, from, from_line, item.start);
                from = item.start;
                lines.push(from_line);
            }
            lines
        });
        lines.partition_point(|&l| l <= line).checked_sub(1)
    }

    /// The result for a marker problem at line `line` of the input.
    fn marker_result(&mut self, d: &Diagnostic, line: usize) -> KrmResult {
        let Some(index) = self.item_at_line(line) else {
            return KrmResult::new(
                Severity::Error,
                format!("line {line}: {} [{}]", d.message, d.code),
            );
        };
        let range = self.list.items[index].clone();
        let item_line = self.item_lines.as_ref().expect("computed")[index];
        let text = String::from_utf8_lossy(&self.input[range]);
        let root = self
            .root_package
            .get_or_insert_with(|| item::root_package(self.input));
        let info = item::parse(&text, self.list.format)
            .map(|node| ItemInfo::of(&node).within(root.as_deref()))
            .unwrap_or_default();
        let line = original_line(text.as_bytes(), line - item_line + 1);
        let at = match &info.path {
            Some(_) => format!("{}:{line}", info.describe()),
            None => format!("{} line {line}", info.describe()),
        };
        // The marker engine's wording is about files; here the scans are the function's.
        let message = d.message.replace(
            "which no imagescan.yaml or fleet.yaml for this file defines",
            "which the functionConfig (spec.imageScans) does not define",
        );
        KrmResult::new(Severity::Error, format!("{at}: {message} [{}]", d.code)).about(&info)
    }

    /// Every container image field matched by a rule: (rule index, field). Rules that
    /// match nothing get a warning.
    fn image_matches(&mut self, rules: &[ImageRule]) -> Vec<(usize, ImageField)> {
        let mut matches = Vec::new();
        if rules.is_empty() {
            return matches;
        }
        let mut matched = vec![false; rules.len()];
        for range in &self.list.items {
            let bytes = &self.input[range.clone()];
            if memchr::memmem::find(bytes, b"image").is_none() {
                continue;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            let node = match item::parse_bounded(text, self.list.format) {
                Ok(Some(node)) => node,
                Ok(None) => continue,
                Err(deep) => {
                    let line = line_at(self.input, 0, 1, range.start) + deep.line - 1;
                    self.results.push(KrmResult::new(
                        Severity::Error,
                        format!("line {line}: {deep}; its images cannot be matched"),
                    ));
                    continue;
                }
            };
            let offsets = byte_offsets(text);
            for field in image_fields(&node, self.input, range.start, &offsets) {
                let name = image_name(&field.value);
                if let Some(rule) = rules.iter().position(|r| r.image == name) {
                    matched[rule] = true;
                    matches.push((rule, field));
                }
            }
        }
        for (rule, _) in rules.iter().zip(&matched).filter(|(_, m)| !**m) {
            self.results.push(rule_result(
                rule,
                Severity::Warning,
                format!(
                    "no container image named {:?} in the {} items; the rule changed nothing",
                    rule.image,
                    self.list.items.len()
                ),
            ));
        }
        matches
    }

    /// The output: the replacements applied (none when it failed) and the results added.
    fn finish(self, replacements: Vec<Replacement>, outcome: Outcome) -> FunctionOutput {
        let replacements = if outcome == Outcome::Resolved {
            replacements
        } else {
            Vec::new()
        };
        let mut all = replacements;
        if let Some(results) = insertion(&self.list, self.input, &self.results) {
            let at = all.partition_point(|r| r.range.start <= results.range.start);
            all.insert(at, results);
        }
        FunctionOutput {
            replacements: all,
            outcome,
            results: self.results,
        }
    }
}

impl FunctionOutput {
    /// Writes the output list, `input` with the replacements, to `out`.
    pub fn write(&self, input: &[u8], out: &mut impl std::io::Write) -> std::io::Result<()> {
        write_replaced(input, &self.replacements, out)
    }

    /// The output list as bytes.
    pub fn bytes(&self, input: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        apply_replacements(input, &self.replacements, &mut bytes);
        bytes
    }
}

fn config_result(d: &Diagnostic, severity: Severity) -> KrmResult {
    let result = KrmResult::new(severity, d.to_string()).in_file(d.path.display().to_string());
    match &d.field {
        Some(field) => result.at_field(field.clone(), None),
        None => result,
    }
}
