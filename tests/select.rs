//! `imagescan select` through the real binary: tags on stdin, the selected tag on stdout,
//! exit 1 when none is selected, exit 2 for an invalid policy, and `--help`.

mod support;

use support::cli::Imagescan;

/// What one run of the binary produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn select(args: &[&str], stdin: &str) -> Run {
    let mut run = Imagescan::at_root(&["select"]).stdin(stdin);
    for arg in args {
        run = run.arg(arg);
    }
    let out = run.output();
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

#[test]
fn selects_one_tag() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--semver", ">=1.2 <2"],
            "1.1.0\n1.2.0\nv1.9.3\n2.0.0\nlatest\n",
            "v1.9.3",
        ),
        (
            &["--semver", "~1.4 || ^2"],
            "1.4.9\n2.3.1\n3.0.0\n",
            "2.3.1",
        ),
        (&["--semver", "1.2 - 1.4"], "1.4.7\n1.5.0\n", "1.4.7"),
        (&["--semver", "*"], "1.0.0\n1.1.0-rc.1\n", "1.0.0"),
        (
            &["--semver", ">= 0.0.0-0"],
            "1.0.0\n1.1.0-rc.1\n",
            "1.1.0-rc.1",
        ),
        (&["--semver", "!=1.1.0, >=1"], "1.0.0\n1.1.0\n", "1.0.0"),
        (&["--semver", "1.2.3"], "1.2.3\r\nv1.2.3\r\n", "v1.2.3"),
        (&["--alphabetical", "asc"], "a\nc\nb\n", "c"),
        (&["--alphabetical", "DESC"], "b\na\nc\n", "a"),
        (&["--numerical", "asc"], "9\n10\nlatest\n1.5\n", "10"),
        (&["--numerical", "desc"], "9\n10\n-2\n", "-2"),
        (
            &[
                "--numerical",
                "asc",
                "--filter",
                r"^main-[0-9a-f]+-(?P<ts>\d+)$",
                "--extract",
                "$ts",
            ],
            "main-aaa-99\nmain-bbb-100\ndev-ccc-900\n",
            "main-bbb-100",
        ),
        (
            &[
                "--semver",
                "^1",
                "--filter",
                r"^app-(?P<v>.*)$",
                "--extract",
                "${v}",
            ],
            "app-1.2.0\napp-1.10.0\n1.11.0\n",
            "app-1.10.0",
        ),
        (
            &["--alphabetical", "asc", "--filter", "^rc-"],
            "rc-1\nrc-2\nzz\n",
            "rc-2",
        ),
        (
            &[
                "--alphabetical",
                "asc",
                "--exclude",
                r"\.sig$",
                "--exclude",
                "^sha256-",
            ],
            "1\n2\n2.sig\nsha256-ff\n",
            "2",
        ),
    ];
    for (args, stdin, want) in cases {
        let run = select(args, stdin);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert_eq!(run.stdout, format!("{want}\n"), "{args:?}");
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

#[test]
fn exit_1_when_nothing_is_selected() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--semver", ">=2"],
            "1.0.0\nlatest\n",
            "no tag matches semver \">=2\": 2 tags seen, 1 left after exclude, filterTags and parsing",
        ),
        (&["--numerical", "asc"], "latest\nmain\n", "numerical asc"),
        (&["--alphabetical", "asc"], "", "0 tags seen"),
        (
            &["--alphabetical", "asc", "--filter", "^v"],
            "1\n2\n",
            "alphabetical asc",
        ),
    ];
    for (args, stdin, message) in cases {
        let run = select(args, stdin);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn exit_2_for_an_invalid_policy() {
    let cases: &[(&[&str], &str)] = &[
        (&["--semver", ">= bar"], "invalid semver range \">= bar\""),
        (&["--semver", "1.2.3.4"], "invalid semver range"),
        (&["--semver", ""], "invalid semver range"),
        (&["--semver", "1 ||"], "invalid semver range"),
        (&["--alphabetical", "up"], "invalid order \"up\""),
        (&["--numerical", ""], "invalid order"),
        (
            &["--numerical", "asc", "--filter", "("],
            "invalid pattern `(`",
        ),
        (
            &["--numerical", "asc", "--exclude", "[z-a]"],
            "invalid pattern `[z-a]`",
        ),
        (
            &[
                "--numerical",
                "asc",
                "--filter",
                r"^(\d+)$",
                "--extract",
                "$ts",
            ],
            r"extract `$ts` names a group that pattern `^(\d+)$` does not have",
        ),
        (
            &[
                "--numerical",
                "asc",
                "--filter",
                r"^(\d+)$",
                "--extract",
                "$2",
            ],
            "extract `$2`",
        ),
    ];
    for (args, message) in cases {
        let run = select(args, "1.0.0\n");
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.contains("invalid policy"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["--semver", "1", "--numerical", "asc"][..],
        &["--numerical", "asc", "--extract", "$1"][..],
    ] {
        let run = select(args, "");
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn help() {
    let run = select(&["--help"], "");
    assert_eq!(run.code, 0, "{run:?}");
    for needle in [
        "--semver <RANGE>",
        "--alphabetical <ORDER>",
        "--numerical <ORDER>",
        "--filter",
        "--extract",
        "--exclude",
    ] {
        assert!(
            run.stdout.contains(needle),
            "help lacks {needle}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn many_tags() {
    let mut stdin = String::new();
    for major in 0..20 {
        for minor in 0..50 {
            for patch in 0..20 {
                stdin.push_str(&format!("{major}.{minor}.{patch}\n"));
            }
        }
    }
    let run = select(&["--semver", ">=3.1, <3.4 || ~17.2.x"], &stdin);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "17.2.19\n");
}
