//! docs/commands.md gives each command a synopsis listing every flag its `--help` shows
//! (the flags every command takes — `-q`, `-v`, `--log-format`, `--help` — are said once
//! at the top of the page).

mod support;

use support::cli::Imagescan;

/// The commands with a synopsis, as typed after `imagescan`.
const COMMANDS: &[&str] = &[
    "render",
    "resolve",
    "scan",
    "check",
    "select",
    "cache ls",
    "cache clear",
    "writeback",
    "migrate",
    "fn",
    "post-render",
];

const EVERYWHERE: &[&str] = &[
    "--help",
    "--quiet",
    "--verbose",
    "--log-format",
    "--version",
];

/// The long flags `imagescan CMD --help` lists.
fn flags(command: &str) -> Vec<String> {
    let args: Vec<&str> = command.split(' ').chain(["--help"]).collect();
    let out = Imagescan::at_root(&args).output();
    assert!(out.status.success(), "{command} --help");
    let help = String::from_utf8(out.stdout).unwrap();
    let mut flags = Vec::new();
    for line in help.lines() {
        let line = line.trim_start();
        let line = line
            .strip_prefix('-')
            .filter(|l| !l.starts_with('-'))
            .and_then(|l| l.split_once(", "))
            .map_or(line, |(_, rest)| rest);
        if let Some(rest) = line.strip_prefix("--") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let flag = format!("--{name}");
            if !EVERYWHERE.contains(&flag.as_str()) && !flags.contains(&flag) {
                flags.push(flag);
            }
        }
    }
    flags
}

/// The synopsis of `command` in the page: the code span starting `imagescan COMMAND`.
fn synopsis<'a>(page: &'a str, command: &str) -> &'a str {
    let start = format!("`imagescan {command}");
    let at = page
        .match_indices(&start)
        .map(|(i, _)| i)
        .find(|&i| {
            let after = &page[i + start.len()..];
            after.starts_with(' ') || after.starts_with('`') || after.starts_with('\n')
        })
        .unwrap_or_else(|| panic!("docs/commands.md has no synopsis `imagescan {command} …`"));
    let rest = &page[at + 1..];
    &rest[..rest.find('`').unwrap()]
}

#[test]
fn every_flag_of_every_command_is_in_its_synopsis() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands.md"),
    )
    .unwrap();
    let mut missing = Vec::new();
    for command in COMMANDS {
        let synopsis = synopsis(&page, command);
        for flag in flags(command) {
            let listed = synopsis
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|word| word == flag);
            if !listed {
                missing.push(format!("{command} {flag}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags missing from docs/commands.md synopses: {missing:?}"
    );
}
