//! `imagescan migrate` on golden cases (testdata/migrate/<case>/in → want, byte for
//! byte, each followed by `check`, which must pass) and its refusals, through the real
//! binary. The fleet-* cases are written after the fleet.yaml examples of Fleet's image
//! scan documentation (both policies in one scan, comments between keys) and Fleet-only
//! keys (`gitrepoName`).

mod support;

use std::fs;
use std::path::Path;
use std::process::Output;

use support::cli::Imagescan;

fn imagescan(args: &[&str], dir: &Path) -> Output {
    Imagescan::at_root(args).arg(dir).output()
}

fn migrate(dir: &Path) -> Output {
    imagescan(&["migrate"], dir)
}

/// `imagescan check DIR` passes.
fn assert_check_passes(dir: &Path, what: &str) {
    let out = imagescan(&["check"], dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: check after migrate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/migrate");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "golden cases missing");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&case.join("in"), dir.path());
        let out = migrate(dir.path());
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{name}: stdout must stay empty");
        let want = case.join("want");
        assert_eq!(listing(dir.path()), listing(&want), "{name}: files");
        for file in listing(&want) {
            let got = fs::read(dir.path().join(&file)).unwrap();
            let expected = fs::read(want.join(&file)).unwrap();
            assert!(
                got == expected,
                "{name}/{file}:\n--- got\n{}\n--- want\n{}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected)
            );
        }
        assert_check_passes(dir.path(), &name);
        // A second run has nothing left to do and changes nothing.
        let again = migrate(dir.path());
        assert!(again.status.success(), "{name}: second run");
        for file in listing(&want) {
            assert_eq!(
                fs::read(dir.path().join(&file)).unwrap(),
                fs::read(want.join(&file)).unwrap(),
                "{name}/{file}: second run"
            );
        }
    }
}

#[test]
fn refusals_leave_files_untouched() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "duplicate tagName",
            "imageScans:\n- tagName: web\n  image: a\n- tagName: api\n  image: b\n",
            Some("imageScans:\n- tagName: web\n  image: c\n"),
            "fleet.yaml:2: imageScans: tagName \"web\" is already defined in imagescan.yaml",
        ),
        (
            "flow style into a list",
            "imageScans: [{tagName: api, image: b}]\n",
            Some("imageScans:\n- tagName: web\n  image: c\n"),
            "flow style",
        ),
        ("not yaml", "imageScans: [\n", None, "fleet.yaml"),
    ];
    for (what, fleet, imagescan, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("fleet.yaml"), fleet).unwrap();
        if let Some(text) = imagescan {
            fs::write(dir.path().join("imagescan.yaml"), text).unwrap();
        }
        let out = migrate(dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(message), "{what}: {stderr}");
        assert_eq!(
            fs::read_to_string(dir.path().join("fleet.yaml")).unwrap(),
            *fleet
        );
        let got = fs::read_to_string(dir.path().join("imagescan.yaml")).ok();
        assert_eq!(got.as_deref(), *imagescan, "{what}");
    }
}

#[cfg(unix)]
#[test]
fn symlinked_fleet_yaml_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("fleet.yaml");
    fs::write(&target, "imageScans:\n- tagName: web\n  image: a\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("fleet.yaml")).unwrap();
    let out = migrate(dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert!(!dir.path().join("imagescan.yaml").exists());
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "imageScans:\n- tagName: web\n  image: a\n"
    );
}

#[test]
fn what_fleet_ignores_is_dropped_and_reported() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/migrate");
    for (name, expected) in [
        (
            "fleet-docs-both-policies",
            &[
                "fleet.yaml:10: dropped imageScans[0].policy.alphabetical: `alphabetical` is ignored because `semver` is also given",
            ][..],
        ),
        (
            "fleet-only-keys",
            &[
                "fleet.yaml:4: dropped imageScans[0].gitrepoName: not an imagescan key",
                "fleet.yaml:12: dropped imageScans[1].gitrepoName: not an imagescan key",
                "fleet.yaml:16: dropped imageScans[1].policy.flavour: not an imagescan key",
            ][..],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&case.join(name).join("in"), dir.path());
        let out = migrate(dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("dropped")).collect();
        assert_eq!(warnings.len(), expected.len(), "{name}: {stderr}");
        for (line, want) in warnings.iter().zip(expected) {
            assert!(line.contains(want), "{name}: {line:?} should say {want:?}");
        }
    }
}

#[test]
fn dry_run_prints_the_result_and_writes_nothing() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/migrate/fleet-only-keys");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&case.join("in"), dir.path());
    let before = fs::read(dir.path().join("fleet.yaml")).unwrap();
    let out = imagescan(&["migrate", "--dry-run"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        fs::read(case.join("want/imagescan.yaml")).unwrap(),
        "stdout is the imagescan.yaml a real run writes"
    );
    assert_eq!(listing(dir.path()), ["fleet.yaml"]);
    assert_eq!(fs::read(dir.path().join("fleet.yaml")).unwrap(), before);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing written"));
}

#[test]
fn a_result_that_would_fail_check_is_refused_before_writing() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "an interval check rejects",
            "imageScans:\n- tagName: web\n  image: registry.example.com/web\n  policy:\n    semver:\n      range: \"*\"\n  interval: 1w\n",
            None,
            "[invalid-duration]",
        ),
        (
            "an existing imagescan.yaml check rejects",
            "imageScans:\n- tagName: web\n  image: registry.example.com/web\n",
            Some("registries:\n- host: https://registry.example.com\n"),
            "[invalid-host]",
        ),
    ];
    for (what, fleet, imagescan_yaml, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("fleet.yaml"), fleet).unwrap();
        if let Some(text) = imagescan_yaml {
            fs::write(dir.path().join("imagescan.yaml"), text).unwrap();
        }
        for args in [&["migrate"][..], &["migrate", "--dry-run"][..]] {
            let out = imagescan(args, dir.path());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{what} {args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{what} {args:?}");
            assert!(
                stderr.contains("imagescan.yaml as migrate would write it does not pass `check`"),
                "{what}: {stderr}"
            );
            assert!(stderr.contains(code), "{what}: {stderr}");
            assert_eq!(
                fs::read_to_string(dir.path().join("fleet.yaml")).unwrap(),
                *fleet
            );
            let got = fs::read_to_string(dir.path().join("imagescan.yaml")).ok();
            assert_eq!(got.as_deref(), *imagescan_yaml, "{what}");
        }
    }
}
