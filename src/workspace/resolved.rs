//! [`Resolved`]: a workspace with every marker's new value computed — the files that
//! change, their new bytes and each changed value — and the outputs the commands make of
//! it: the change list, a unified diff, the all-or-nothing write.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::fsutil::{Durability, write_all_atomic_with};
use crate::marker::Change;

use super::{Error, FileMarkers, Scanned, ScannedJob, Warning, Workspace};

/// One file whose bytes change.
#[derive(Debug, Clone)]
pub struct FileEdit {
    /// Its index in the workspace's files.
    pub index: usize,
    /// The file as messages name it.
    pub shown: PathBuf,
    /// The file on disk that is written (a symlink's target, so the link stays a link),
    /// absolute; `None` for a document held in memory.
    pub target: Option<PathBuf>,
    /// Its new bytes.
    pub bytes: Vec<u8>,
    /// The values that change, in text order.
    pub changes: Vec<Change>,
}

/// Every marker of a workspace resolved.
#[derive(Debug)]
pub struct Resolved<'w> {
    workspace: &'w Workspace,
    scanned: Scanned<'w>,
    edits: Vec<FileEdit>,
    /// Warnings found before the scans ran.
    planned_warnings: Vec<Warning>,
}

impl<'w> Resolved<'w> {
    /// Computes the new bytes of every file with markers. A file reached by two paths (a
    /// symlink and its target, both in the tree) is edited once; when its markers
    /// resolve differently through them (other scans in scope), that is an error.
    pub(super) fn new(
        workspace: &'w Workspace,
        scanned: Scanned<'w>,
        markers: &[Option<FileMarkers>],
        planned_warnings: Vec<Warning>,
    ) -> Result<Self, Error> {
        let files = workspace.files();
        let mut edits: Vec<FileEdit> = Vec::new();
        let mut by_target: HashMap<PathBuf, usize> = HashMap::new();
        for (index, markers) in markers.iter().enumerate() {
            let Some(markers) = markers else { continue };
            let mut bytes = Vec::new();
            let changes = scanned.rewrite(markers, files.bytes(index), &mut bytes)?;
            if changes.is_empty() {
                continue;
            }
            let target = files.target(index).map(Path::to_owned);
            if let Some(target) = &target {
                if let Some(&first) = by_target.get(target) {
                    if edits[first].bytes == bytes {
                        continue;
                    }
                    return Err(Error::Aliased {
                        first: edits[first].shown.clone(),
                        second: files.shown(index),
                        target: target.clone(),
                    });
                }
                by_target.insert(target.clone(), edits.len());
            }
            edits.push(FileEdit {
                index,
                shown: files.shown(index),
                target,
                bytes,
                changes,
            });
        }
        Ok(Resolved {
            workspace,
            scanned,
            edits,
            planned_warnings,
        })
    }

    /// The workspace resolved.
    pub fn workspace(&self) -> &'w Workspace {
        self.workspace
    }

    /// The files that change, in file order.
    pub fn edits(&self) -> &[FileEdit] {
        &self.edits
    }

    /// Every value that changes, with its file as shown, in file order.
    pub fn changes(&self) -> impl Iterator<Item = (&Path, &Change)> {
        self.edits
            .iter()
            .flat_map(|edit| edit.changes.iter().map(|c| (edit.shown.as_path(), c)))
    }

    /// The scans that ran, each with its outcome.
    pub fn scans(&self) -> &[ScannedJob<'w>] {
        &self.scanned.jobs
    }

    /// What the user should know: configuration warnings, nothing to do, stale scan
    /// results served.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = self.planned_warnings.clone();
        warnings.extend(self.scanned.warnings());
        warnings
    }

    /// The bytes of file `index`, resolved (its own when nothing changes).
    pub fn bytes(&self, index: usize) -> Cow<'_, [u8]> {
        match self.edits.binary_search_by_key(&index, |edit| edit.index) {
            Ok(at) => Cow::Borrowed(&self.edits[at].bytes),
            Err(_) => Cow::Borrowed(self.workspace.files().bytes(index)),
        }
    }

    /// The image (as its scan spells it) that a change's scan lists.
    pub fn image_of(&self, edit: &FileEdit, change: &Change) -> String {
        let files = self.workspace.files();
        self.workspace
            .config()
            .scan_for_resolved(&files.scope_path(edit.index), &change.scan)
            .map(|scan| scan.reference.name.clone())
            .unwrap_or_default()
    }

    /// A unified diff of every change, files named as shown (`a/NAME`, `b/NAME`).
    pub fn diff(&self) -> String {
        let files = self.workspace.files();
        let mut diff = String::new();
        for edit in &self.edits {
            let old = String::from_utf8_lossy(files.bytes(edit.index));
            let new = String::from_utf8_lossy(&edit.bytes);
            let name = edit.shown.to_string_lossy();
            diff.push_str(
                &similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string(),
            );
        }
        diff
    }

    /// Writes every changed file, all or none ([`crate::fsutil::write_all_atomic`]): each to the file
    /// on disk that holds it, so that a symlink stays a link. Documents held in memory
    /// are not written. First removes the temporary files that killed runs left in the
    /// tree ([`crate::fsutil::temp::sweep`]).
    pub fn write(&self) -> Result<(), Error> {
        self.write_with(Durability::Synced)
    }

    /// [`Resolved::write`], synced or not: a throwaway copy ([`Durability::Unsynced`]:
    /// Argo CD's unpacked repository) is neither synced nor swept — a fresh copy holds no
    /// temporary file of a killed run, and sweeping walks the whole tree.
    pub fn write_with(&self, durability: Durability) -> Result<(), Error> {
        if durability == Durability::Synced
            && let Some(dir) = self.workspace.files().tree_dir()
        {
            crate::fsutil::temp::sweep(dir);
        }
        let writes: Vec<(&Path, &[u8])> = self
            .edits
            .iter()
            .filter_map(|edit| Some((edit.target.as_deref()?, edit.bytes.as_slice())))
            .collect();
        write_all_atomic_with(&writes, durability).map_err(|err| Error::Write {
            path: self
                .edits
                .iter()
                .filter(|edit| edit.target.is_some())
                .nth(err.index)
                .map_or_else(PathBuf::new, |edit| edit.shown.clone()),
            replaced: err.replaced,
            source: err.error,
        })
    }
}
