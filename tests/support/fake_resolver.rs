//! A stand-in for the marker engine in git tests: rewrites every
//! `image: nginx:X # {"$imagescan": "web"}` line under the paths to `nginx:<tag>`,
//! atomically, and reports each change as the real resolver would.

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagescan::writeback::{Change, write_atomic};

/// The marker the fake resolver looks for.
pub const MARKER: &str = r#"# {"$imagescan": "web"}"#;

/// Rewrites every `image: nginx:X # marker` line under `paths` to `nginx:<tag>`.
#[derive(Debug)]
pub struct FakeResolver {
    pub tag: String,
    pub calls: Rc<Cell<u32>>,
}

#[derive(Debug, thiserror::Error)]
#[error("fake resolver: {0}")]
pub struct FakeError(#[from] std::io::Error);

impl FakeResolver {
    pub fn new(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            calls: Rc::default(),
        }
    }

    pub fn resolve(&mut self, root: &Path, paths: &[PathBuf]) -> Result<Vec<Change>, FakeError> {
        self.calls.set(self.calls.get() + 1);
        let mut files = Vec::new();
        let starts: Vec<PathBuf> = if paths.is_empty() {
            vec![root.to_path_buf()]
        } else {
            paths.iter().map(|p| root.join(p)).collect()
        };
        for start in starts {
            walk(&start, &mut files)?;
        }
        files.sort();
        let mut changes = Vec::new();
        for file in files {
            let text = fs::read_to_string(&file)?;
            let mut out = String::new();
            let mut changed = false;
            for (i, line) in text.split_inclusive('\n').enumerate() {
                let Some((head, rest)) = line.split_once("image: ") else {
                    out.push_str(line);
                    continue;
                };
                let Some((old, tail)) = rest.split_once(' ') else {
                    out.push_str(line);
                    continue;
                };
                let new = format!("nginx:{}", self.tag);
                if !tail.starts_with(MARKER) || old == new {
                    out.push_str(line);
                    continue;
                }
                out.push_str(&format!("{head}image: {new} {tail}"));
                changed = true;
                changes.push(Change {
                    file: file.strip_prefix(root).unwrap().to_path_buf(),
                    line: i + 1,
                    scan: "web".into(),
                    image: "nginx".into(),
                    old_value: old.to_owned(),
                    new_value: new,
                });
            }
            if changed {
                write_atomic(&file, out.as_bytes())?;
            }
        }
        Ok(changes)
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    Ok(())
}
