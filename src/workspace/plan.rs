//! [`Plan`]: the markers of a set of files, the scans they need, and every problem
//! found (pure over the bytes given); and [`Scanned`], the plan's scans run, each with
//! its outcome, from which every marker's new value and every file's new bytes follow.

use crate::text::ShowPath as _;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ConfigSet, Scan};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::marker::{self, Change, Edit, Form, Marker, MarkerError, MissingDigest, ScalarStyle};
use crate::scan::{ScanErrors, ScanJob, ScanOutcome, Scanner};

/// One marker and the scan job that gives its value.
#[derive(Debug, Clone)]
pub struct PlannedMarker {
    /// The marker found.
    pub marker: Marker,
    /// Index of its scan job ([`Plan::jobs`], then [`Scanned::jobs`]); `None` when the
    /// scan is suspended (value left as is).
    pub job: Option<usize>,
}

/// The markers of one file.
#[derive(Debug, Clone)]
pub struct FileMarkers {
    /// The file as shown to users.
    pub path: PathBuf,
    /// Its markers, in text order.
    pub markers: Vec<PlannedMarker>,
}

impl FileMarkers {
    /// Whether `text` still holds exactly these markers (the file was not changed since
    /// it was planned), so that their byte ranges may be edited.
    pub fn matches(&self, text: &[u8]) -> bool {
        marker::find_markers(text).is_ok_and(|found| {
            found.len() == self.markers.len()
                && found.iter().zip(&self.markers).all(|(a, b)| *a == b.marker)
        })
    }
}

/// What one file's text holds, found without the configuration (pure; any thread).
#[derive(Debug, Clone)]
pub enum Found {
    /// Its markers (none for most files).
    Markers(Vec<Marker>),
    /// Problems with its markers, and the well-formed markers besides them (whose scans
    /// are checked too, so that every problem is reported at once).
    Errors {
        /// The problems.
        errors: Vec<MarkerError>,
        /// The well-formed markers on other lines.
        others: Vec<Marker>,
    },
}

impl Found {
    /// Finds the markers of `text`.
    pub fn in_text(text: &[u8]) -> Self {
        match marker::find_markers(text) {
            Ok(markers) => Found::Markers(markers),
            Err(errors) => Found::Errors {
                others: markers_besides(text, &errors),
                errors,
            },
        }
    }
}

/// Everything markers need from the scans, collected over many files.
#[derive(Debug)]
pub struct Plan<'c> {
    config: &'c ConfigSet,
    /// The scans to run, each once, with whether a digest is needed.
    pub jobs: Vec<ScanJob<'c>>,
    job_of: HashMap<*const Scan, usize>,
    problems: Vec<Diagnostic>,
}

/// A marker's value cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// A digest form without a digest (the scan ran without `digest`; a bug if seen).
    #[error("{path}:{line}", path = .path.shown())]
    MissingDigest {
        /// The file.
        path: PathBuf,
        /// The line of the value.
        line: usize,
        /// Which form.
        source: MissingDigest,
    },
    /// Two markers control one value.
    #[error("{path}", path = .path.shown())]
    Overlap {
        /// The file.
        path: PathBuf,
        /// Which line.
        source: marker::OverlappingEdits,
    },
}

impl<'c> Plan<'c> {
    /// An empty plan over `config`.
    pub fn new(config: &'c ConfigSet) -> Self {
        Plan {
            config,
            jobs: Vec::new(),
            job_of: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// Adds one file: `shown` names it in messages; `resolved` is its absolute path with
    /// symlinks resolved (scopes are compared against it). Returns its markers, or
    /// `None` when it has none or has problems (which the plan keeps).
    pub fn add_file(&mut self, shown: &Path, resolved: &Path, text: &[u8]) -> Option<FileMarkers> {
        self.add_found(shown, resolved, Found::in_text(text))
    }

    /// [`Plan::add_file`] for markers already found (e.g. by another thread).
    pub fn add_found(
        &mut self,
        shown: &Path,
        resolved: &Path,
        found: Found,
    ) -> Option<FileMarkers> {
        let markers = match found {
            Found::Markers(markers) if markers.is_empty() => return None,
            Found::Markers(markers) => markers,
            Found::Errors { mut errors, others } => {
                // The file's other markers may name undefined scans: list those too now,
                // not only once these are fixed (`check` reports every problem).
                for marker in others {
                    if self
                        .config
                        .scan_for_resolved(resolved, &marker.scan)
                        .is_none()
                    {
                        errors.push(MarkerError::undefined_scan(&marker));
                    }
                }
                errors.sort_by_key(|e| e.line);
                self.problems
                    .extend(errors.iter().map(|e| e.to_diagnostic(shown)));
                return None;
            }
        };
        // Many markers name the same few scans: each name is looked up once.
        let config = self.config;
        let mut by_name: HashMap<&str, Option<&'c Scan>> = HashMap::new();
        let scans: Vec<Option<&'c Scan>> = markers
            .iter()
            .map(|m| {
                *by_name
                    .entry(&m.scan)
                    .or_insert_with(|| config.scan_for_resolved(resolved, &m.scan))
            })
            .collect();
        drop(by_name);
        let mut planned = Vec::with_capacity(markers.len());
        let mut ok = true;
        for (marker, scan) in markers.into_iter().zip(scans) {
            let Some(scan) = scan else {
                self.problems
                    .push(MarkerError::undefined_scan(&marker).to_diagnostic(shown));
                ok = false;
                continue;
            };
            let job = (!scan.suspend).then(|| self.job_for(scan, marker.form.needs_digest()));
            planned.push(PlannedMarker { marker, job });
        }
        ok.then(|| FileMarkers {
            path: shown.to_owned(),
            markers: planned,
        })
    }

    /// The job giving scan `name`'s value to a file at `resolved` (absolute, symlinks
    /// resolved), added when needed — for values asked for by something other than a
    /// marker (a KRM function's image rules). `None`: no scan of that name applies;
    /// `Some(None)`: the scan is suspended (the value stays as it is).
    pub fn require(&mut self, resolved: &Path, name: &str, form: Form) -> Option<Option<usize>> {
        let scan = self.config.scan_for_resolved(resolved, name)?;
        Some((!scan.suspend).then(|| self.job_for(scan, form.needs_digest())))
    }

    fn job_for(&mut self, scan: &'c Scan, digest: bool) -> usize {
        let key: *const Scan = scan;
        if let Some(&index) = self.job_of.get(&key) {
            self.jobs[index].digest |= digest;
            return index;
        }
        self.jobs.push(ScanJob {
            scan,
            registry: self.config.registry_for(scan),
            digest,
        });
        self.job_of.insert(key, self.jobs.len() - 1);
        self.jobs.len() - 1
    }

    /// How many problems were found so far.
    pub fn problem_count(&self) -> usize {
        self.problems.len()
    }

    /// Takes back the problems found since there were `count` of them (those of the
    /// files added since), e.g. to report them as warnings instead.
    pub fn take_problems_since(&mut self, count: usize) -> Vec<Diagnostic> {
        self.problems.split_off(count)
    }

    /// Every problem found so far (undefined scans, malformed markers, …), or `Ok`.
    pub fn problems(&self) -> Result<(), Diagnostics> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(self.problems.clone()))
        }
    }

    /// Runs every scan of the plan (on `scanner`, concurrently): each job with its
    /// outcome, or every scan that failed.
    pub fn run(&self, scanner: &Scanner) -> Result<Scanned<'c>, ScanErrors> {
        let mut jobs = Vec::with_capacity(self.jobs.len());
        let mut errors = Vec::new();
        for (job, result) in self.jobs.iter().zip(scanner.run(&self.jobs)) {
            match result {
                Ok(outcome) => jobs.push(ScannedJob { job: *job, outcome }),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(Scanned {
                jobs,
                worked_around: scanner.warnings(),
            })
        } else {
            Err(ScanErrors(errors))
        }
    }
}

/// A scan job that ran, and what it found.
#[derive(Debug, Clone)]
pub struct ScannedJob<'c> {
    /// What was asked.
    pub job: ScanJob<'c>,
    /// What it selected.
    pub outcome: ScanOutcome,
}

/// A [`Plan`]'s scans, run: the source of every marker's new value.
#[derive(Debug, Clone)]
pub struct Scanned<'c> {
    /// The jobs, in plan order (a [`PlannedMarker::job`] indexes them).
    pub jobs: Vec<ScannedJob<'c>>,
    /// What the scanner worked around (a shared cache that was down…).
    pub worked_around: Vec<String>,
}

impl Scanned<'_> {
    /// What the user should know of the scans: stale results served, problems worked
    /// around.
    pub fn warnings(&self) -> Vec<super::Warning> {
        let stale = self.jobs.iter().filter_map(|job| {
            job.outcome
                .warning
                .as_ref()
                .map(|message| super::Warning::Stale {
                    scan: job.job.scan.name.clone(),
                    message: message.clone(),
                })
        });
        let cache = self
            .worked_around
            .iter()
            .cloned()
            .map(super::Warning::Cache);
        stale.chain(cache).collect()
    }
}

impl Scanned<'_> {
    /// The value `form` asks for from job `job` (an index [`Plan::require`] gave).
    pub fn value(&self, job: usize, form: Form) -> Result<String, MissingDigest> {
        let ScannedJob { job, outcome } = &self.jobs[job];
        form.value(
            &job.scan.reference.name,
            &outcome.tag,
            outcome.digest.as_deref(),
        )
    }

    /// The new value of each of `file`'s markers that resolves (suspended scans'
    /// markers are left out), in text order.
    fn values<'f>(&self, file: &'f FileMarkers) -> Result<Vec<(&'f Marker, String)>, RewriteError> {
        let mut values = Vec::with_capacity(file.markers.len());
        for planned in &file.markers {
            let Some(job) = planned.job else { continue };
            values.push((
                &planned.marker,
                self.marker_value(file, job, &planned.marker)?,
            ));
        }
        Ok(values)
    }

    /// [`Scanned::value`] for `marker` of `file`, whose scan is job `job`; a missing
    /// digest names the marker's file and line.
    fn marker_value(
        &self,
        file: &FileMarkers,
        job: usize,
        marker: &Marker,
    ) -> Result<String, RewriteError> {
        self.value(job, marker.form)
            .map_err(|source| RewriteError::MissingDigest {
                path: file.path.clone(),
                line: marker.line,
                source,
            })
    }

    /// Appends `text` with `file`'s markers resolved to `out`, and returns the values
    /// that changed.
    pub fn rewrite(
        &self,
        file: &FileMarkers,
        text: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Vec<Change>, RewriteError> {
        let values = self.values(file)?;
        let edits: Vec<Edit<'_>> = values
            .iter()
            .map(|(marker, value)| Edit {
                marker,
                new_value: value,
            })
            .collect();
        marker::apply(text, &edits, out).map_err(|source| RewriteError::Overlap {
            path: file.path.clone(),
            source,
        })
    }

    /// The byte replacements that resolve `file`'s markers: each changed scalar's byte
    /// range in the file and the bytes written there instead (quoted as
    /// [`marker::apply`] would), in text order. Applying them to the file's bytes gives
    /// what [`Scanned::rewrite`] gives.
    pub fn replacements(&self, file: &FileMarkers) -> Result<Vec<Replacement>, RewriteError> {
        // Thousands of markers name a few scans: each value is made once per form and
        // encoded once per style, and the replacements share the bytes.
        let mut values: HashMap<(usize, Form), String> = HashMap::new();
        let mut encoded: HashMap<(usize, Form, ScalarStyle), Arc<[u8]>> = HashMap::new();
        let mut replacements = Vec::new();
        for planned in &file.markers {
            let Some(job) = planned.job else { continue };
            let marker = &planned.marker;
            let value = match values.entry((job, marker.form)) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => new.insert(self.marker_value(file, job, marker)?),
            };
            if marker.value == *value {
                continue;
            }
            let bytes = encoded
                .entry((job, marker.form, marker.style))
                .or_insert_with(|| marker::encode(marker.style, value).as_bytes().into());
            replacements.push(Replacement {
                range: marker.span.clone(),
                bytes: Arc::clone(bytes),
            });
        }
        Ok(replacements)
    }
}

/// Bytes that replace a range of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The range replaced.
    pub range: Range<usize>,
    /// What is written instead (shared by the replacements that write the same).
    pub bytes: Arc<[u8]>,
}

/// The well-formed markers of a text in which [`marker::find_markers`] found `errors`:
/// the markers found once the erroneous lines' `$imagescan` are blanked out (same length,
/// so line numbers and offsets stay). Only the error path pays for this second pass.
fn markers_besides(text: &[u8], errors: &[MarkerError]) -> Vec<Marker> {
    let mut lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let mut copy = text.to_vec();
    let mut start = 0;
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        if lines.binary_search(&(index + 1)).is_ok() {
            let needle = marker::NEEDLE;
            let mut at = 0;
            while let Some(i) = line[at..].windows(needle.len()).position(|w| w == needle) {
                copy[start + at + i..start + at + i + needle.len()].fill(b' ');
                at += i + needle.len();
            }
        }
        start += line.len() + 1;
    }
    marker::find_markers(&copy).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::markers_besides;
    use crate::marker::find_markers;

    #[test]
    fn markers_besides_the_erroneous_lines() {
        // (text, scans of the well-formed markers found besides the errors)
        let cases: &[(&str, &[&str])] = &[
            (
                "a: 1 # {\"$imagescan\": \"x\"}\nb: 2 # {\"$imagescan\": \"y:bogus\"}\n",
                &["x"],
            ),
            (
                "a: # {\"$imagescan\": \"x\"}\n  nested: 1\nb: 2 # {\"$imagescan\": y}\nc: 3 # {\"$imagescan\": \"z:tag\"}",
                &["z"],
            ),
            (
                "a: 1 # {\"$imagescan\": \"x\"\r\nb: 2 # {\"$imagescan\": \"y\"}\r\n",
                &["y"],
            ),
            ("a: 1 # {\"$imagescan\": \"$imagescan\"\n", &[]),
        ];
        for (text, scans) in cases {
            let errors = find_markers(text.as_bytes()).expect_err(text);
            let found: Vec<String> = markers_besides(text.as_bytes(), &errors)
                .into_iter()
                .map(|m| m.scan)
                .collect();
            assert_eq!(found, *scans, "{text:?}");
        }
    }
}
