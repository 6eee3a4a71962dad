//! `imagescan migrate` on golden cases (testdata/migrate/<case>/in → want, byte for
//! byte) and its refusals, through the real binary.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn migrate(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imagescan"))
        .arg("migrate")
        .arg(dir)
        .output()
        .expect("imagescan runs")
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
    assert!(cases.len() >= 6, "golden cases missing");
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
