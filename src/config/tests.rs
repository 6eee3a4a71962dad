//! Loading, scoping and shadowing over real directory trees in temporary directories.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::diagnostic::Code;

/// A temporary repository (it holds `.git`) with the files given.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join(".git")).unwrap();
    for (path, text) in files {
        let path = tmp.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    tmp
}

fn scan(name: &str, image: &str) -> String {
    format!("imageScans:\n- tagName: {name}\n  image: {image}\n")
}

fn errors(dir: &Path, extra: &[PathBuf]) -> Vec<Diagnostic> {
    match ConfigSet::load(dir, extra) {
        Err(ConfigError::Invalid(d)) => d.0,
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[test]
fn nearer_definitions_shadow_farther_ones() {
    let tmp = repo(&[
        ("imagescan.yaml", &scan("app", "ghcr.io/root/app")),
        ("apps/fleet.yaml", &scan("app", "ghcr.io/apps/app")),
        ("apps/web/imagescan.yaml", &scan("app", "ghcr.io/web/app")),
        ("apps/web/deploy.yaml", ""),
        ("other/deploy.yaml", ""),
    ]);
    let root = tmp.path();
    let set = ConfigSet::load(root, &[]).unwrap();
    assert_eq!(set.scans.len(), 3);
    let cases = [
        ("apps/web/deploy.yaml", "ghcr.io/web/app"),
        ("apps/web/not-yet-created.yaml", "ghcr.io/web/app"),
        ("apps/x.yaml", "ghcr.io/apps/app"),
        ("other/deploy.yaml", "ghcr.io/root/app"),
        ("deploy.yaml", "ghcr.io/root/app"),
    ];
    for (file, image) in cases {
        let found = set.scan_for(&root.join(file), "app").unwrap();
        assert_eq!(found.reference.name, image, "{file}");
    }
    assert!(set.scan_for(&root.join("deploy.yaml"), "nope").is_none());
}

#[test]
fn subdirectory_loads_ancestors_up_to_the_root_only() {
    let tmp = repo(&[
        ("imagescan.yaml", &scan("root", "ghcr.io/a/root")),
        ("apps/imagescan.yaml", &scan("apps", "ghcr.io/a/apps")),
        ("apps/web/fleet.yaml", &scan("web", "ghcr.io/a/web")),
        ("apps/web/sub/imagescan.yaml", &scan("sub", "ghcr.io/a/sub")),
        ("other/imagescan.yaml", &scan("other", "ghcr.io/a/other")),
    ]);
    let web = tmp.path().join("apps/web");
    let set = ConfigSet::load(&web, &[]).unwrap();
    let mut names: Vec<_> = set.scans.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["apps", "root", "sub", "web"]);
    // The sub-directory's scan applies to its subtree only.
    assert!(set.scan_for(&web.join("sub/x.yaml"), "sub").is_some());
    assert!(set.scan_for(&web.join("x.yaml"), "sub").is_none());
    // Files are named from the directory given.
    assert_eq!(set.files[0], web.join("fleet.yaml"));
}

#[test]
fn relative_dir_names_files_as_the_user_opens_them() {
    let tmp = repo(&[("a/b/imagescan.yaml", "imageScans:\n- image: nginx\n")]);
    let cwd = std::env::current_dir().unwrap();
    // Name the directory relative to the working directory, the way a user types it.
    let relative = pathdiff(&tmp.path().join("a/b"), &cwd);
    let errs = errors(&relative, &[]);
    assert_eq!(errs[0].path, relative.join("imagescan.yaml"));
    assert_eq!(errs[0].line, 2);
}

/// `target` relative to `base` with `..` steps (both absolute).
fn pathdiff(target: &Path, base: &Path) -> PathBuf {
    let target = target.canonicalize().unwrap();
    let base = base.canonicalize().unwrap();
    let common = target
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in target.components().skip(common) {
        out.push(c);
    }
    out
}

#[test]
fn one_tag_name_twice_in_one_directory_is_an_error_naming_both() {
    let tmp = repo(&[
        ("imagescan.yaml", &scan("app", "ghcr.io/a/app")),
        ("fleet.yaml", &scan("app", "ghcr.io/a/app")),
        (
            "x/imagescan.yaml",
            "imageScans:\n- tagName: b\n  image: nginx\n- tagName: b\n  image: nginx\n",
        ),
    ]);
    let errs = errors(tmp.path(), &[]);
    let got: Vec<_> = errs
        .iter()
        .map(|d| (d.path.file_name().unwrap().to_owned(), d.line, d.code))
        .collect();
    assert_eq!(
        got,
        [
            ("fleet.yaml".into(), 2, Code::DuplicateScan),
            ("imagescan.yaml".into(), 4, Code::DuplicateScan),
        ]
    );
    assert!(errs[0].message.contains("imagescan.yaml:2"), "{}", errs[0]);
}

#[test]
fn explicit_config_applies_to_dir_and_wins_over_dirs_own_file() {
    let tmp = repo(&[
        ("imagescan.yaml", &scan("app", "ghcr.io/repo/app")),
        ("sub/imagescan.yaml", &scan("app", "ghcr.io/sub/app")),
    ]);
    let outside = tempfile::tempdir().unwrap();
    let extra = outside.path().join("scans.yaml");
    fs::write(&extra, scan("app", "ghcr.io/explicit/app")).unwrap();
    let set = ConfigSet::load(tmp.path(), std::slice::from_ref(&extra)).unwrap();
    let at = |f: &str| {
        set.scan_for(&tmp.path().join(f), "app")
            .unwrap()
            .reference
            .name
            .clone()
    };
    assert_eq!(at("x.yaml"), "ghcr.io/explicit/app");
    assert_eq!(at("sub/x.yaml"), "ghcr.io/sub/app");
    assert_eq!(set.files[0], extra);

    // DIR's own file named with --config is read once, as a --config file.
    let own = tmp.path().join("imagescan.yaml");
    let set = ConfigSet::load(tmp.path(), std::slice::from_ref(&own)).unwrap();
    assert_eq!(
        set.files
            .iter()
            .filter(|f| f.ends_with("imagescan.yaml"))
            .count(),
        2
    );
    assert_eq!(set.scans.len(), 2);

    // Two --config files defining one name: an error.
    let errs = errors(tmp.path(), &[extra.clone(), extra]);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Code::DuplicateScan);
}

#[test]
fn registries_nearest_entry_for_a_host_wins() {
    let tmp = repo(&[
        (
            "imagescan.yaml",
            "registries:\n- host: ghcr.io\n  insecure: true\n- host: index.docker.io\n  endpoint: https://mirror.example.com\n",
        ),
        (
            "apps/imagescan.yaml",
            &format!(
                "{}registries:\n- host: ghcr.io\n  endpoint: https://apps.example.com\n",
                scan("app", "ghcr.io/a/app")
            ),
        ),
        ("other/imagescan.yaml", &scan("other", "ghcr.io/a/other")),
        ("hub/imagescan.yaml", &scan("hub", "nginx")),
        ("elsewhere/imagescan.yaml", &scan("q", "quay.io/a/q")),
    ]);
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    let find = |name: &str| set.scans.iter().find(|s| s.name == name).unwrap();
    let app = set.registry_for(find("app")).unwrap();
    assert_eq!(app.endpoint.as_deref(), Some("https://apps.example.com"));
    let other = set.registry_for(find("other")).unwrap();
    assert!(other.insecure);
    let hub = set.registry_for(find("hub")).unwrap();
    assert_eq!(hub.host, "docker.io");
    assert!(set.registry_for(find("q")).is_none());
}

#[test]
fn registry_paths_resolve_against_the_file_and_stay_in_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    let outside_ca = outside.path().join("ca.pem");
    fs::write(&outside_ca, "x").unwrap();
    let tmp = repo(&[
        ("certs/ca.pem", "x"),
        ("oci/index.json", "{}"),
        (
            "apps/imagescan.yaml",
            &format!(
                "registries:\n- host: a.example.com\n  caFile: ../certs/ca.pem\n  layout: ../oci\n- host: b.example.com\n  caFile: {}\n",
                outside_ca.display()
            ),
        ),
    ]);
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    let root = tmp.path().canonicalize().unwrap();
    assert_eq!(
        set.registries[0].ca_file.as_deref(),
        Some(root.join("certs/ca.pem").as_path())
    );
    assert_eq!(
        set.registries[0].layout.as_deref(),
        Some(root.join("oci").as_path())
    );
    assert_eq!(
        set.registries[1].ca_file.as_deref(),
        Some(outside_ca.canonicalize().unwrap().as_path())
    );

    // A relative path leaving the repository, directly or through a symlink.
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("link")).unwrap();
    fs::write(
        tmp.path().join("apps/imagescan.yaml"),
        "registries:\n- host: a.example.com\n  caFile: ../../ca.pem\n  layout: ../link\n- host: b.example.com\n  caFile: missing.pem\n  layout: ../certs/ca.pem\n",
    )
    .unwrap();
    let got: Vec<_> = errors(tmp.path(), &[])
        .into_iter()
        .map(|d| (d.line, d.code))
        .collect();
    assert_eq!(
        got,
        [
            (3, Code::MissingPath),
            (4, Code::PathOutsideRepository),
            (6, Code::MissingPath),
            (7, Code::WrongPathKind),
        ]
    );
}

#[test]
fn symlinked_directories_are_not_followed_and_linked_files_must_stay_inside() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("imagescan.yaml"), scan("x", "nginx")).unwrap();
    let tmp = repo(&[]);
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("linked")).unwrap();
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    assert!(set.scans.is_empty());

    std::os::unix::fs::symlink(
        outside.path().join("imagescan.yaml"),
        tmp.path().join("imagescan.yaml"),
    )
    .unwrap();
    let errs = errors(tmp.path(), &[]);
    assert_eq!(errs[0].code, Code::PathOutsideRepository);
}

#[test]
fn every_problem_in_every_file_is_reported() {
    let tmp = repo(&[
        (
            "imagescan.yaml",
            "imageScans:\n- tagName: a\n  image: nginx\n  interval: 1d\n  bogus: 1\n- image: Bad\n",
        ),
        (
            "sub/fleet.yaml",
            "imageScans:\n- tagName: b\n  image: nginx\n  interval: 1w\n",
        ),
    ]);
    let got: Vec<_> = errors(tmp.path(), &[])
        .into_iter()
        .map(|d| {
            (
                d.path.file_name().unwrap().to_str().unwrap().to_owned(),
                d.line,
                d.code,
            )
        })
        .collect();
    let want = [
        ("imagescan.yaml", 4, Code::InvalidDuration),
        ("imagescan.yaml", 5, Code::UnknownField),
        ("imagescan.yaml", 6, Code::MissingField),
        ("imagescan.yaml", 6, Code::InvalidImage),
        ("fleet.yaml", 4, Code::InvalidDuration),
    ];
    let want: Vec<_> = want.iter().map(|&(f, l, c)| (f.to_owned(), l, c)).collect();
    assert_eq!(got, want);
}

#[test]
fn validated_values_and_defaults() {
    let tmp = repo(&[(
        "imagescan.yaml",
        "imageScans:\n- tagName: a\n  image: nginx:1.25\n- tagName: b\n  image: localhost:5000/x\n  interval: 90s\n  platform: linux/arm64/v8\n  suspend: true\n  secretRef: {name: regcred}\n  policy: {alphabetical: {}}\ncommit:\n  authorName: bot\n",
    )]);
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    let a = &set.scans[0];
    assert_eq!(a.interval, DEFAULT_INTERVAL);
    assert!(matches!(&a.policy.policy, crate::policy::Policy::Semver(r) if r.as_written() == "*"));
    assert_eq!(a.reference.name, "nginx");
    assert_eq!(a.reference.tag.as_deref(), Some("1.25"));
    assert_eq!(a.defined_at.line, 2);
    assert_eq!(a.scope, tmp.path().canonicalize().unwrap());
    let b = &set.scans[1];
    assert_eq!(b.interval, Duration::from_secs(90));
    assert_eq!(b.platform.as_ref().unwrap().architecture, "arm64");
    assert!(b.suspend);
    assert_eq!(b.secret_ref.as_deref(), Some("regcred"));
    assert!(matches!(
        b.policy.policy,
        crate::policy::Policy::Alphabetical(crate::policy::Order::Asc)
    ));
    assert_eq!(
        set.commit.as_ref().unwrap().author_name.as_deref(),
        Some("bot")
    );
}

#[test]
fn fleet_yaml_with_two_policies_keeps_semver_with_a_warning() {
    let both = "imageScans:\n- tagName: a\n  image: nginx\n  policy:\n    alphabetical: {order: asc}\n    semver: {range: '>=1'}\n";
    let tmp = repo(&[("fleet.yaml", both)]);
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    assert!(
        matches!(&set.scans[0].policy.policy, crate::policy::Policy::Semver(r) if r.as_written() == ">=1")
    );
    assert_eq!(set.warnings.len(), 1);
    assert_eq!(
        (set.warnings[0].line, set.warnings[0].code),
        (5, Code::PolicyIgnored)
    );

    let tmp = repo(&[("imagescan.yaml", both)]);
    let errs = errors(tmp.path(), &[]);
    assert_eq!((errs[0].line, errs[0].code), (6, Code::ConflictingPolicies));
}

#[test]
fn oversized_files_are_refused() {
    let big = format!("# {}\n", "x".repeat(MAX_CONFIG_BYTES as usize));
    let tmp = repo(&[("imagescan.yaml", &big)]);
    let errs = errors(tmp.path(), &[]);
    assert_eq!(errs[0].code, Code::FileTooLarge);
}

#[test]
fn outside_git_the_directory_is_the_root() {
    // No `.git`: ancestors are not read, whatever they hold.
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("imagescan.yaml"), "imageScans: {}\n").unwrap();
    fs::create_dir(tmp.path().join("d")).unwrap();
    let set = ConfigSet::load(&tmp.path().join("d"), &[]).unwrap();
    assert!(set.files.is_empty());
}

#[test]
fn missing_dir_or_config_is_an_io_error() {
    let tmp = repo(&[]);
    assert!(matches!(
        ConfigSet::load(&tmp.path().join("nope"), &[]),
        Err(ConfigError::Io { .. })
    ));
    assert!(matches!(
        ConfigSet::load(tmp.path(), &[tmp.path().join("nope.yaml")]),
        Err(ConfigError::Io { .. })
    ));
}

/// The subtree is discovered depth first in name order, from each directory's listing:
/// a directory that happens to be named like a configuration file is descended, not read.
#[test]
fn nested_files_in_name_order_and_directories_named_like_config_files() {
    let tmp = repo(&[
        ("a/imagescan.yaml", &scan("a", "ghcr.io/x/a")),
        ("a/b/fleet.yaml", &scan("ab", "ghcr.io/x/ab")),
        ("a-c/imagescan.yaml", &scan("ac", "ghcr.io/x/ac")),
        (
            "imagescan.yaml/imagescan.yaml",
            &scan("odd", "ghcr.io/x/odd"),
        ),
        ("z/deploy.yaml", ""),
    ]);
    let set = ConfigSet::load(tmp.path(), &[]).unwrap();
    let files: Vec<_> = set.files.iter().map(|f| f.to_str().unwrap()).collect();
    let prefix = format!("{}/", tmp.path().display());
    let relative: Vec<_> = files
        .iter()
        .map(|f| f.strip_prefix(&prefix).unwrap_or(f))
        .collect();
    assert_eq!(
        relative,
        [
            "a/imagescan.yaml",
            "a/b/fleet.yaml",
            "a-c/imagescan.yaml",
            "imagescan.yaml/imagescan.yaml"
        ]
    );
}

#[test]
fn rate_limits_are_positive_numbers_and_errors_name_file_line_and_field() {
    let tmp = repo(&[(
        "imagescan.yaml",
        "registries:\n- host: a.example.com\n  rateLimit: 2.5\n- host: b.example.com\n  rateLimit: 0\n- host: c.example.com\n  rateLimit: fast\n- host: d.example.com\n  rateLimit: -1\n",
    )]);
    let errs = errors(tmp.path(), &[]);
    let found: Vec<(usize, Code, String)> = errs
        .iter()
        .map(|e| (e.line, e.code, e.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (
                5,
                Code::InvalidRateLimit,
                "registries[1].rateLimit".to_owned()
            ),
            (7, Code::WrongType, "registries[2].rateLimit".to_owned()),
            (
                9,
                Code::InvalidRateLimit,
                "registries[3].rateLimit".to_owned()
            ),
        ],
        "{errs:#?}"
    );
    assert!(errs.iter().all(|e| e.path.ends_with("imagescan.yaml")));
    let ok = repo(&[(
        "imagescan.yaml",
        "registries:\n- host: a.example.com\n  rateLimit: 2.5\n- host: b.example.com\n  rateLimit: 10\n",
    )]);
    let set = ConfigSet::load(ok.path(), &[]).unwrap();
    let rates: Vec<_> = set.registries.iter().map(|r| r.rate_limit).collect();
    assert_eq!(rates, [Some(2.5), Some(10.0)]);
}
