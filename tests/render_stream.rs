//! The render core over real directory trees built in temporary directories: order,
//! selection, exclusion, symlinks, the two passes (load, then gather) without markers,
//! and the copy for `render -- CMD`.

use std::fs;
use std::path::Path;

use std::io::{Read, Seek, SeekFrom};

use imagescan::files::{
    DEFAULT_MAX_FILE_BYTES, Excludes, LoadError, WalkError, copy_tree, manifest_files,
};
use imagescan::scan::{ScanOptions, Scanner};
use imagescan::workspace::stream::{StreamOptions, render_stream};
use imagescan::workspace::{Error, TreeOptions};

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn object(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

/// Renders `dir` with the library's render stream (no configuration: the files are
/// streamed as they are), holding `memory_limit` bytes between the passes.
fn render_with(dir: &Path, max_file_bytes: u64, memory_limit: u64) -> Result<String, Error> {
    let options = StreamOptions {
        tree: TreeOptions {
            dir: dir.to_owned(),
            ..TreeOptions::default()
        },
        memory_limit,
        max_file_bytes,
    };
    let mut out = tempfile::tempfile().unwrap();
    render_stream(&options, &Scanner::new(ScanOptions::default()), &mut out)?;
    let mut text = String::new();
    out.seek(SeekFrom::Start(0)).unwrap();
    out.read_to_string(&mut text).unwrap();
    Ok(text)
}

fn render_to_string(dir: &Path) -> String {
    render_with(dir, DEFAULT_MAX_FILE_BYTES, u64::MAX).unwrap()
}

fn relatives(dir: &Path, excludes: &Excludes) -> Vec<String> {
    manifest_files(dir, excludes)
        .unwrap()
        .into_iter()
        .map(|file| file.relative.to_str().unwrap().to_owned())
        .collect()
}

/// A tree exercising order and selection.
fn tree() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    write(root, "b.yaml", &object("b"));
    write(root, "a/z.yml", &object("a-z"));
    write(root, "a.yaml", &object("a"));
    write(
        root,
        "a-b/x.json",
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a-b-x"}}"#,
    );
    write(root, "B.yaml", &object("upper-b"));
    // A valid configuration (the stream loads it) that would otherwise pass for an object.
    write(
        root,
        "imagescan.yaml",
        "imageScans: []\n# apiVersion: v1\n# kind: ConfigMap\n",
    );
    write(root, "sub/fleet.yaml", &object("fleet-not-rendered"));
    write(root, ".git/config.yaml", &object("git-not-rendered"));
    write(root, "README.md", &object("not-a-manifest"));
    write(root, "values.yaml", "image:\n  tag: 1.0.0\n");
    write(
        root,
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
    );
    write(
        root,
        "multi.yaml",
        &format!(
            "---\n{}---\n# only a comment\n---\n{}",
            object("m1"),
            object("m2").trim_end()
        ),
    );
    temp
}

#[test]
fn files_in_byte_order_of_their_relative_path() {
    let temp = tree();
    assert_eq!(
        relatives(temp.path(), &Excludes::none()),
        [
            "B.yaml",
            "a-b/x.json",
            "a.yaml",
            "a/z.yml",
            "b.yaml",
            "kustomization.yaml",
            "multi.yaml",
            "values.yaml"
        ]
    );
}

#[test]
fn renders_objects_as_one_stream() {
    let temp = tree();
    let expected = [
        object("upper-b"),
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a-b-x"}}"#.to_owned()
            + "\n",
        object("a"),
        object("a-z"),
        object("b"),
        object("m1"),
        object("m2"),
    ]
    .join("---\n");
    assert_eq!(render_to_string(temp.path()), expected);
    // The same when some or all files are past the memory limit and read again.
    for memory_limit in [0, 100, 300] {
        assert_eq!(
            render_with(temp.path(), DEFAULT_MAX_FILE_BYTES, memory_limit).unwrap(),
            expected,
            "memory limit {memory_limit}"
        );
    }
}

#[test]
fn exclude_globs_skip_files_and_directories() {
    let temp = tree();
    let excludes = Excludes::new(&["a", "*.json", "/b.yaml", "sub/**"]).unwrap();
    assert_eq!(
        relatives(temp.path(), &excludes),
        [
            "B.yaml",
            "a.yaml",
            "kustomization.yaml",
            "multi.yaml",
            "values.yaml"
        ]
    );
}

#[test]
fn oversized_files_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path(), "a.yaml", &object("a"));
    write(
        temp.path(),
        "b/big.yaml",
        &object("big-enough-to-pass-64-bytes"),
    );
    let err = render_with(temp.path(), 64, u64::MAX).unwrap_err();
    let Error::Load(LoadError::TooLarge { path, limit }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*limit, 64);
    assert!(path.starts_with(temp.path()), "{path:?}");
}

#[cfg(unix)]
mod symlinks {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_symlink_out_of_dir_is_refused_and_never_read() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("dir");
        write(&dir, "a.yaml", &object("a"));
        write(temp.path(), "secret.yaml", &object("secret"));
        symlink(temp.path().join("secret.yaml"), dir.join("leak.yaml")).unwrap();
        let err = manifest_files(&dir, &Excludes::none()).unwrap_err();
        let WalkError::SymlinkEscape { path, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, &dir.join("leak.yaml"));
        assert!(err.to_string().contains("leak.yaml"), "{err}");

        // Relative links and links through `..` are resolved, not trusted.
        fs::remove_file(dir.join("leak.yaml")).unwrap();
        symlink("../secret.yaml", dir.join("leak.yaml")).unwrap();
        assert!(matches!(
            manifest_files(&dir, &Excludes::none()),
            Err(WalkError::SymlinkEscape { .. })
        ));

        // A directory symlink out of DIR, whatever its name, is refused too.
        fs::remove_file(dir.join("leak.yaml")).unwrap();
        symlink(temp.path(), dir.join("up")).unwrap();
        assert!(matches!(
            manifest_files(&dir, &Excludes::none()),
            Err(WalkError::SymlinkEscape { .. })
        ));

        // Excluding it is the way out.
        let excludes = Excludes::new(&["up"]).unwrap();
        assert_eq!(relatives(&dir, &excludes), ["a.yaml"]);
    }

    /// Files are opened by name in their directory, held open since the listing, and
    /// never through a symlink: one swapped in after the listing is refused.
    #[test]
    fn a_file_swapped_for_a_symlink_after_listing_is_not_followed() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("dir");
        write(&dir, "sub/a.yaml", &object("a"));
        write(temp.path(), "secret.yaml", &object("secret"));
        let files = manifest_files(&dir, &Excludes::none()).unwrap();
        assert!(files[0].parent.is_some());
        let mut text = String::new();
        Read::read_to_string(&mut files[0].open().unwrap(), &mut text).unwrap();
        assert_eq!(text, object("a"));

        fs::remove_file(dir.join("sub/a.yaml")).unwrap();
        symlink(temp.path().join("secret.yaml"), dir.join("sub/a.yaml")).unwrap();
        let err = files[0].open().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(40), "ELOOP expected: {err}");
        // The directory itself swapped for a link out of DIR: the listing holds the
        // directory it listed open, and reads there.
        fs::remove_file(dir.join("sub/a.yaml")).unwrap();
        write(&dir, "sub/a.yaml", &object("a2"));
        fs::rename(dir.join("sub"), dir.join("old")).unwrap();
        write(temp.path(), "a.yaml", &object("outside"));
        symlink(temp.path(), dir.join("sub")).unwrap();
        let mut text = String::new();
        Read::read_to_string(&mut files[0].open().unwrap(), &mut text).unwrap();
        assert_eq!(text, object("a2"));
    }

    #[test]
    fn symlinks_inside_dir() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        write(dir, "real/a.yaml", &object("a"));
        symlink("real/a.yaml", dir.join("link.yaml")).unwrap();
        // A directory link (here a cycle) is not descended.
        symlink(".", dir.join("real/loop")).unwrap();
        // A dangling link that is not a manifest name is ignored; one that is, refused.
        symlink("nowhere", dir.join("notes.txt")).unwrap();
        assert_eq!(
            relatives(dir, &Excludes::none()),
            ["link.yaml", "real/a.yaml"]
        );
        assert_eq!(
            render_to_string(dir),
            format!("{}---\n{}", object("a"), object("a"))
        );
        symlink("nowhere.yaml", dir.join("dangling.yaml")).unwrap();
        assert!(matches!(
            manifest_files(dir, &Excludes::none()),
            Err(WalkError::Dangling { .. })
        ));
    }

    #[test]
    fn copy_for_commands() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("dir");
        write(&dir, "Chart.yaml", "name: app\n");
        write(&dir, "templates/deploy.yaml", &object("d"));
        write(&dir, ".git/HEAD", "ref: refs/heads/main\n");
        symlink("../Chart.yaml", dir.join("templates/chart-link.yaml")).unwrap();
        symlink("templates", dir.join("tpl")).unwrap();
        let dest = temp.path().join("copy");
        fs::create_dir(&dest).unwrap();
        let summary = copy_tree(&dir, &dest).unwrap();
        assert_eq!((summary.files, summary.dirs, summary.symlinks), (3, 1, 1));
        assert_eq!(
            fs::read_to_string(dest.join("Chart.yaml")).unwrap(),
            "name: app\n"
        );
        // A file link becomes a regular file with the target's content.
        let link = dest.join("templates/chart-link.yaml");
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(fs::read_to_string(&link).unwrap(), "name: app\n");
        // A directory link points into the copy, not the original.
        assert_eq!(
            fs::read_link(dest.join("tpl")).unwrap(),
            Path::new("templates")
        );
        assert_eq!(
            dest.join("tpl").canonicalize().unwrap(),
            dest.join("templates").canonicalize().unwrap()
        );
        assert!(!dest.join(".git").exists());

        // A link out of DIR stops the copy with an error naming it.
        symlink(temp.path(), dir.join("templates/up")).unwrap();
        let dest = temp.path().join("copy2");
        fs::create_dir(&dest).unwrap();
        let err = copy_tree(&dir, &dest).unwrap_err();
        assert!(
            matches!(&err, WalkError::SymlinkEscape { path, .. } if path.ends_with("templates/up")),
            "{err:?}"
        );
    }
}
