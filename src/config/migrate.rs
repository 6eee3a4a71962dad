//! `imagescan migrate`: moves the `imageScans:` block of `DIR/fleet.yaml` into
//! `DIR/imagescan.yaml` (creating it, or appending the items to its `imageScans:` list),
//! removing only that block from fleet.yaml: every other byte of fleet.yaml — comments,
//! key order, CRLF line ends, a missing final newline — stays. Fleet ≥ 0.15 rejects
//! `imageScans` in fleet.yaml unless its own scanner is on.
//!
//! What imagescan reads from fleet.yaml but would reject in imagescan.yaml is dropped on
//! the way, the way Fleet and imagescan already ignore it: a second policy (semver wins
//! over alphabetical, Fleet's precedence) and keys imagescan does not know (Fleet-only
//! keys such as `gitrepoName`). Each drop is returned in [`Migration::dropped`] for the
//! command to report. The result is then checked with the validation `check` runs; a
//! result that would fail it is refused ([`MigrateError::Invalid`]) before anything is
//! written, so migrate never produces a configuration `check` rejects.
//!
//! The edit is a byte-level cut located with saphyr spans (top-level keys' lines); the
//! YAML is never re-emitted. [`plan`] computes both files (reading nothing but the
//! location of the directory, for the validation's path rules); [`prepare_dir`] reads
//! the two files and plans, [`Prepared::write`] writes them (atomically, imagescan.yaml
//! first, so an interruption never loses a scan).

use crate::text::ShowPath as _;
use std::fs;
use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode as _, MarkedYaml, Scalar, YamlData};

use super::check_text;
use super::raw::FileKind;
use crate::diagnostic::{Code, Diagnostics};
use crate::fsutil::write_atomic;

/// Why the migration cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A file could not be read or written.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A shape the byte-exact edit cannot handle.
    #[error("{path}:{line}: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What and why.
        message: String,
    },
    /// A scan is defined in both files with different contents.
    #[error(
        "{path}:{line}: imageScans: tagName {name_q} is already defined in imagescan.yaml; remove one of the two definitions first", name_q = crate::text::quoted(.name))]
    Duplicate {
        /// fleet.yaml.
        path: PathBuf,
        /// Line of the fleet.yaml definition.
        line: usize,
        /// The tagName.
        name: String,
    },
    /// The configuration migrate would write does not pass `check`.
    #[error("{path} as migrate would write it does not pass `check`; nothing was written")]
    Invalid {
        /// The file that would be written.
        path: PathBuf,
        /// What `check` would report.
        source: Diagnostics,
    },
    /// fleet.yaml or imagescan.yaml is a symbolic link (it could point outside DIR).
    #[error("{path} is a symbolic link; migrate edits only regular files inside DIR")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
}

/// The new contents of both files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// fleet.yaml without its `imageScans:` block.
    pub fleet: String,
    /// imagescan.yaml with the scans.
    pub imagescan: String,
    /// How many scans moved (0 when imagescan.yaml already had all of them).
    pub moved: usize,
    /// What was left behind because imagescan ignores it in fleet.yaml.
    pub dropped: Vec<Dropped>,
}

/// A part of a fleet.yaml scan that migrate did not carry over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// fleet.yaml.
    pub path: PathBuf,
    /// 1-based line of the dropped key in fleet.yaml.
    pub line: usize,
    /// The key, e.g. `imageScans[0].policy.alphabetical`.
    pub field: String,
    /// Why it was dropped.
    pub reason: String,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: dropped {}: {}",
            self.path.shown(),
            self.line,
            self.field,
            self.reason
        )
    }
}

/// What [`migrate_dir`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateOutcome {
    /// fleet.yaml has no `imageScans` (or no fleet.yaml): nothing was written.
    NothingToDo,
    /// The scans were moved.
    Moved {
        /// How many scans were added to imagescan.yaml.
        scans: usize,
        /// Whether imagescan.yaml was created.
        created: bool,
        /// What was left behind.
        dropped: Vec<Dropped>,
    },
}

/// One top-level `imageScans:` block, by lines.
struct Block {
    /// 0-based index of the `imageScans:` key line.
    key_line: usize,
    /// 0-based index one past the block's last line (trailing blank and column-0
    /// comment lines excluded: they belong to what follows).
    end_line: usize,
    /// Whether the value is a flow collection or scalar on the key line.
    inline_value: bool,
    /// The items' tagNames with their 1-based lines.
    tag_names: Vec<(String, usize)>,
}

/// Computes the migration of `fleet` (fleet.yaml text) into `imagescan` (imagescan.yaml
/// text, when it exists). `None` when fleet.yaml has no `imageScans`. The paths are
/// where the files are (their directory must exist): the result is checked as `check`
/// would check those files, and refused when it would fail.
pub fn plan(
    fleet: &str,
    imagescan: Option<&str>,
    fleet_path: &Path,
    imagescan_path: &Path,
) -> Result<Option<Migration>, MigrateError> {
    let Some(migration) = merge(fleet, imagescan, fleet_path, imagescan_path)? else {
        return Ok(None);
    };
    for (text, kind, path) in [
        (&migration.imagescan, FileKind::ImageScan, imagescan_path),
        (&migration.fleet, FileKind::Fleet, fleet_path),
    ] {
        let (errors, _) = check_text(text, kind, path, path);
        if !errors.is_empty() {
            return Err(MigrateError::Invalid {
                path: path.to_path_buf(),
                source: Diagnostics(errors),
            });
        }
    }
    Ok(Some(migration))
}

/// [`plan`] before the final check.
fn merge(
    fleet: &str,
    imagescan: Option<&str>,
    fleet_path: &Path,
    imagescan_path: &Path,
) -> Result<Option<Migration>, MigrateError> {
    let fleet_lines = lines(fleet);
    let Some(block) = find_block(fleet, &fleet_lines, fleet_path)? else {
        return Ok(None);
    };
    let new_fleet: String = fleet_lines[..block.key_line]
        .iter()
        .chain(&fleet_lines[block.end_line..])
        .copied()
        .collect();
    let eol = if fleet_lines[block.key_line].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut block_text: String = fleet_lines[block.key_line..block.end_line].concat();
    if !block_text.ends_with('\n') {
        block_text.push_str(eol);
    }
    let (block_text, dropped) = drop_ignored(&block_text, block.key_line, fleet_path);

    let Some(existing) = imagescan else {
        return Ok(Some(Migration {
            fleet: new_fleet,
            imagescan: block_text,
            moved: block.tag_names.len(),
            dropped,
        }));
    };
    let is_lines = lines(existing);
    let target = find_block(existing, &is_lines, imagescan_path)?;
    let Some(target) = target else {
        // No imageScans yet: the block goes at the end.
        let mut out = existing.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&block_text);
        return Ok(Some(Migration {
            fleet: new_fleet,
            imagescan: out,
            moved: block.tag_names.len(),
            dropped,
        }));
    };
    // Scans already in imagescan.yaml: all of them means an interrupted earlier run
    // (imagescan.yaml is written first), so only fleet.yaml is left to clean.
    let known: Vec<&str> = target.tag_names.iter().map(|(n, _)| n.as_str()).collect();
    let present: Vec<&(String, usize)> = block
        .tag_names
        .iter()
        .filter(|(n, _)| known.contains(&n.as_str()))
        .collect();
    if !present.is_empty() {
        if present.len() == block.tag_names.len() {
            return Ok(Some(Migration {
                fleet: new_fleet,
                imagescan: existing.to_owned(),
                moved: 0,
                dropped,
            }));
        }
        let (name, line) = present[0];
        return Err(MigrateError::Duplicate {
            path: fleet_path.to_path_buf(),
            line: *line,
            name: name.clone(),
        });
    }
    for (b, path, text_lines) in [
        (&block, fleet_path, &fleet_lines),
        (&target, imagescan_path, &is_lines),
    ] {
        if b.inline_value {
            return Err(MigrateError::Unsupported {
                path: path.to_path_buf(),
                line: b.key_line + 1,
                message: format!(
                    "imageScans is written in flow style ({}); make it a block list (`- tagName: …` lines) to merge",
                    text_lines[b.key_line].trim_end()
                ),
            });
        }
    }
    let block_lines = lines(&block_text);
    let items = &block_lines[1..];
    let shift = dash_indent(&is_lines[target.key_line + 1..target.end_line])
        .zip(dash_indent(items))
        .map(|(want, have)| want as isize - have as isize)
        .unwrap_or(0);
    let mut out: String = is_lines[..target.end_line].concat();
    if !out.ends_with('\n') {
        out.push_str(eol);
    }
    for line in items {
        out.push_str(&reindent(line, shift));
    }
    if !out.ends_with('\n') {
        out.push_str(eol);
    }
    out.push_str(&is_lines[target.end_line..].concat());
    Ok(Some(Migration {
        fleet: new_fleet,
        imagescan: out,
        moved: block.tag_names.len(),
        dropped,
    }))
}

/// A migration planned for a directory, not written yet.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `DIR/fleet.yaml`.
    pub fleet_path: PathBuf,
    /// `DIR/imagescan.yaml`.
    pub imagescan_path: PathBuf,
    /// imagescan.yaml as it is now, if it exists.
    pub old_imagescan: Option<String>,
    /// Both files as they will be.
    pub migration: Migration,
}

impl Prepared {
    /// Whether imagescan.yaml is created (it does not exist yet).
    pub fn creates(&self) -> bool {
        self.old_imagescan.is_none()
    }

    /// Writes both files, imagescan.yaml first (a run interrupted between the two is
    /// finished by running again: scans already moved are recognised). First removes the
    /// temporary files a killed migrate left beside them ([`crate::fsutil::temp::sweep_dir`]).
    pub fn write(&self) -> Result<(), MigrateError> {
        if let Some(dir) = self.fleet_path.parent() {
            crate::fsutil::temp::sweep_dir(dir);
        }
        let write = |path: &Path, text: &str| {
            write_atomic(path, text.as_bytes()).map_err(|source| MigrateError::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        if self.old_imagescan.as_deref() != Some(self.migration.imagescan.as_str()) {
            write(&self.imagescan_path, &self.migration.imagescan)?;
        }
        write(&self.fleet_path, &self.migration.fleet)
    }
}

/// Reads fleet.yaml and imagescan.yaml in `dir` and plans the migration; `None` when
/// there is nothing to move. Nothing is written.
pub fn prepare_dir(dir: &Path) -> Result<Option<Prepared>, MigrateError> {
    let fleet_path = dir.join("fleet.yaml");
    let imagescan_path = dir.join("imagescan.yaml");
    let Some(fleet) = read_regular(&fleet_path)? else {
        return Ok(None);
    };
    let old_imagescan = read_regular(&imagescan_path)?;
    let Some(migration) = plan(
        &fleet,
        old_imagescan.as_deref(),
        &fleet_path,
        &imagescan_path,
    )?
    else {
        return Ok(None);
    };
    Ok(Some(Prepared {
        fleet_path,
        imagescan_path,
        old_imagescan,
        migration,
    }))
}

/// Migrates `dir`: plans ([`prepare_dir`]), then writes both files atomically.
pub fn migrate_dir(dir: &Path) -> Result<MigrateOutcome, MigrateError> {
    let Some(prepared) = prepare_dir(dir)? else {
        return Ok(MigrateOutcome::NothingToDo);
    };
    prepared.write()?;
    Ok(MigrateOutcome::Moved {
        scans: prepared.migration.moved,
        created: prepared.creates(),
        dropped: prepared.migration.dropped,
    })
}

/// Removes from `block` (a standalone `imageScans:` block, cut from fleet.yaml at the
/// 0-based line `first_line`) what imagescan ignores in fleet.yaml but rejects in
/// imagescan.yaml: the policies Fleet's precedence ignores (`policy-ignored` when read
/// as fleet.yaml) and keys imagescan does not know (`unknown-field` when read as
/// imagescan.yaml). Returns the block left and what was dropped, in line order.
fn drop_ignored(block: &str, first_line: usize, fleet_path: &Path) -> (String, Vec<Dropped>) {
    let (_, ignored) = check_text(block, FileKind::Fleet, fleet_path, fleet_path);
    let (unknown, _) = check_text(block, FileKind::ImageScan, fleet_path, fleet_path);
    let mut found: Vec<Dropped> = ignored
        .into_iter()
        .filter(|d| d.code == Code::PolicyIgnored)
        .map(|d| {
            // "`alphabetical` is ignored because `semver` is also given (…); keep only one"
            let reason = d
                .message
                .split("; keep")
                .next()
                .unwrap_or_default()
                .to_owned();
            (d, reason)
        })
        .chain(
            unknown
                .into_iter()
                .filter(|d| d.code == Code::UnknownField)
                .map(|d| {
                    let reason =
                        "not an imagescan key (ignored in fleet.yaml, an error in imagescan.yaml)";
                    (d, reason.to_owned())
                }),
        )
        .filter(|(d, _)| d.line > 1)
        .map(|(d, reason)| Dropped {
            path: fleet_path.to_path_buf(),
            line: first_line + d.line,
            field: d.field.unwrap_or_default(),
            reason,
        })
        .collect();
    found.sort_by_key(|d| d.line);
    found.dedup_by_key(|d| d.line);
    let mut text: Vec<String> = lines(block).into_iter().map(str::to_owned).collect();
    // Bottom up, so that the lines above keep their numbers.
    for d in found.iter().rev() {
        remove_entry(&mut text, d.line - first_line - 1);
    }
    (text.concat(), found)
}

/// Removes the mapping entry whose key is on line `at` (0-based), with the lines nested
/// under it. An entry that opens a sequence item (`- key: …`) hands the dash to the
/// entry that follows it.
fn remove_entry(text: &mut Vec<String>, at: usize) {
    let line = &text[at];
    let spaces = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[spaces..];
    let dashed = rest.starts_with("- ") || rest.starts_with("-\t");
    let key_col = if dashed {
        spaces + 1 + (rest[1..].len() - rest[1..].trim_start().len())
    } else {
        spaces
    };
    // Comment lines directly above the key, at its indentation, describe it.
    let mut start = at;
    while !dashed && start > 0 {
        let above = &text[start - 1];
        let indent = above.len() - above.trim_start_matches(' ').len();
        if indent == key_col && above.trim_start().starts_with('#') {
            start -= 1;
        } else {
            break;
        }
    }
    let mut end = at + 1;
    while end < text.len() {
        let l = &text[end];
        let blank = l.trim().is_empty();
        let indent = l.len() - l.trim_start_matches(' ').len();
        if !blank && indent <= key_col {
            break;
        }
        end += 1;
    }
    // Blank lines before what follows stay with it.
    while end > at + 1 && text[end - 1].trim().is_empty() {
        end -= 1;
    }
    if dashed {
        let next_is_sibling = text.get(end).is_some_and(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            indent == key_col && !l.trim_start().starts_with('#')
        });
        if next_is_sibling {
            let prefix = text[at][..key_col].to_owned();
            let sibling = text[end][key_col..].to_owned();
            text[end] = format!("{prefix}{sibling}");
        }
    }
    text.drain(start..end);
}

fn read_regular(path: &Path) -> Result<Option<String>, MigrateError> {
    let io = |source| MigrateError::Io {
        path: path.to_path_buf(),
        source,
    };
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(MigrateError::Symlink {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
    }
    fs::read_to_string(path).map(Some).map_err(io)
}

/// The text split after each `\n` (a final line without one included).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn find_block(text: &str, lines: &[&str], path: &Path) -> Result<Option<Block>, MigrateError> {
    crate::yaml_depth::check(text).map_err(|deep| MigrateError::Syntax {
        path: path.to_path_buf(),
        message: format!("{deep} (line {})", deep.line),
    })?;
    let docs = MarkedYaml::load_from_str(text).map_err(|e| MigrateError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let Some(doc) = docs.first() else {
        return Ok(None);
    };
    let YamlData::Mapping(map) = &doc.data else {
        return Ok(None);
    };
    let mut keys = map.iter();
    let found = keys.by_ref().find(|(k, _)| is_str(k, "imageScans"));
    let Some((key, value)) = found else {
        return Ok(None);
    };
    let key_line = key.span.start.line() - 1;
    if key.span.start.col() != 0 {
        return Err(MigrateError::Unsupported {
            path: path.to_path_buf(),
            line: key_line + 1,
            message: "imageScans must be a top-level key at the start of its line".into(),
        });
    }
    // The block ends where the next top-level key starts, or at the end of the
    // document (`---` / `...`) or of the file.
    let next_key = keys.next().map(|(k, _)| k.span.start.line() - 1);
    let doc_end = lines
        .iter()
        .enumerate()
        .skip(key_line + 1)
        .find(|(_, l)| l.starts_with("---") || l.starts_with("..."))
        .map(|(i, _)| i);
    let mut end = [next_key, doc_end]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(lines.len());
    while end > key_line + 1 {
        let l = lines[end - 1];
        if l.trim().is_empty() || l.starts_with('#') {
            end -= 1;
        } else {
            break;
        }
    }
    let after_key = lines[key_line]
        .split_once(':')
        .map(|(_, v)| v.trim())
        .unwrap_or("");
    let inline_value = !after_key.is_empty() && !after_key.starts_with('#');
    let mut tag_names = Vec::new();
    if let YamlData::Sequence(items) = &value.data {
        for item in items {
            if let Some(name) = item.data.as_mapping_get("tagName")
                && let YamlData::Value(Scalar::String(s)) = &name.data
            {
                tag_names.push((s.to_string(), name.span.start.line()));
            }
        }
    }
    Ok(Some(Block {
        key_line,
        end_line: end,
        inline_value,
        tag_names,
    }))
}

fn is_str(node: &MarkedYaml<'_>, want: &str) -> bool {
    matches!(&node.data, YamlData::Value(Scalar::String(s)) if s == want)
}

/// The indentation of the first `- ` line.
fn dash_indent(lines: &[&str]) -> Option<usize> {
    lines.iter().find_map(|l| {
        let t = l.trim_start_matches(' ');
        t.starts_with('-').then(|| l.len() - t.len())
    })
}

fn reindent(line: &str, shift: isize) -> String {
    if shift == 0 || line.trim().is_empty() {
        return line.to_owned();
    }
    if shift > 0 {
        return format!("{}{line}", " ".repeat(shift as usize));
    }
    let strip = (-shift) as usize;
    let spaces = line.len() - line.trim_start_matches(' ').len();
    line[spaces.min(strip)..].to_owned()
}
