//! Docker credential helpers: runs `docker-credential-<helper> get` with the server URL
//! on stdin and reads `{"ServerURL", "Username", "Secret"}` from stdout (the protocol of
//! docker/docker-credential-helpers). The helper's output holds the secret, so it is
//! never quoted in an error.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::Credential;
use super::error::{CredentialError, json_position};
use super::host::helper_server_url;

/// How long a helper may take; some ask a cloud metadata service, none should hang a scan.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// What helpers print (to stdout, exit 1) when they hold nothing for the server.
const NOT_FOUND_MESSAGE: &str = "credentials not found in native keychain";

/// Asks `helper` for the credential of `host`; `Ok(None)` when it has none.
pub(crate) fn get(
    helper: &str,
    host: &str,
    search_path: Option<&OsStr>,
    config_path: &Path,
) -> Result<Option<Credential>, CredentialError> {
    let valid = !helper.is_empty()
        && helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !valid {
        return Err(CredentialError::InvalidHelperName {
            helper: helper.to_owned(),
            path: config_path.to_owned(),
        });
    }
    let program =
        find_program(&format!("docker-credential-{helper}"), search_path).ok_or_else(|| {
            CredentialError::HelperNotFound {
                helper: helper.to_owned(),
                host: host.to_owned(),
            }
        })?;
    let output = run(&program, &helper_server_url(host), search_path).map_err(|e| match e {
        RunError::Io(source) => CredentialError::HelperIo {
            helper: helper.to_owned(),
            source,
        },
        RunError::Timeout => CredentialError::HelperTimeout {
            helper: helper.to_owned(),
            host: host.to_owned(),
            timeout: HELPER_TIMEOUT,
        },
    })?;
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stdout);
        let errtext = String::from_utf8_lossy(&output.stderr);
        if text.contains(NOT_FOUND_MESSAGE) || errtext.contains(NOT_FOUND_MESSAGE) {
            return Ok(None);
        }
        let first_line = text
            .lines()
            .chain(errtext.lines())
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("no message");
        return Err(CredentialError::HelperFailed {
            helper: helper.to_owned(),
            host: host.to_owned(),
            status: output.status,
            message: first_line.chars().take(200).collect(),
        });
    }
    parse_output(&output.stdout).map_err(|reason| CredentialError::HelperOutput {
        helper: helper.to_owned(),
        host: host.to_owned(),
        reason,
    })
}

/// Parses a helper's successful answer; `<token>` as username marks an identity token.
fn parse_output(stdout: &[u8]) -> Result<Option<Credential>, String> {
    let value: Value = serde_json::from_slice(stdout).map_err(|e| {
        let (kind, line, column) = json_position(&e);
        format!("not JSON ({kind} error at line {line}, column {column})")
    })?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".to_owned());
    };
    let field = |name: &str| match object.get(name) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(Value::Null) | None => Ok(""),
        Some(_) => Err(format!("{name} is not a string")),
    };
    let username = field("Username")?;
    let secret = field("Secret")?;
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if username == "<token>" {
        Credential::identity_token(username, secret)
    } else {
        Credential::password(username, secret)
    }))
}

/// The first executable regular file named `name` in the search path.
fn find_program(name: &str, search_path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(search_path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

enum RunError {
    Io(std::io::Error),
    Timeout,
}

/// Runs `program get` with `input` on stdin, bounded by [`HELPER_TIMEOUT`].
fn run(
    program: &Path,
    input: &str,
    search_path: Option<&OsStr>,
) -> Result<std::process::Output, RunError> {
    let mut command = Command::new(program);
    command
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = search_path {
        // Helpers such as docker-credential-gcloud run further programs from PATH.
        command.env("PATH", path);
    }
    let mut child = command.spawn().map_err(RunError::Io)?;
    // Docker writes the URL without a newline and closes stdin; helpers read to EOF.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let written = stdin.write_all(input.as_bytes());
    drop(stdin);
    // Both pipes are drained at once so that a chatty helper cannot block on either.
    let (tx, rx) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr_tx = tx.clone();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = tx.send(stdout.read_to_end(&mut out).map(|_| (true, out)));
    });
    std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = stderr_tx.send(stderr.read_to_end(&mut err).map(|_| (false, err)));
    });
    let deadline = std::time::Instant::now() + HELPER_TIMEOUT;
    let mut collected = (None, None);
    let outcome = loop {
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(remaining) {
            Ok(Ok((true, out))) => collected.0 = Some(out),
            Ok(Ok((false, err))) => collected.1 = Some(err),
            Ok(Err(e)) => break Ok(Err(e)),
            Err(_) => break Err(()),
        }
        if let (Some(out), Some(err)) = (&mut collected.0, &mut collected.1) {
            break Ok(Ok((std::mem::take(out), std::mem::take(err))));
        }
    };
    match outcome {
        Ok(Ok((stdout, stderr))) => {
            let status = child.wait().map_err(RunError::Io)?;
            // A helper that exits before reading stdin causes a broken pipe: its exit
            // status tells more than our write error.
            if status.success() {
                written.map_err(RunError::Io)?;
            }
            Ok(std::process::Output {
                status,
                stdout,
                stderr,
            })
        }
        Ok(Err(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(RunError::Io(e))
        }
        Err(()) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(RunError::Timeout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_output_shapes() {
        let table: &[(&str, Result<Option<Credential>, &str>)] = &[
            (
                r#"{"ServerURL": "r", "Username": "u", "Secret": "s"}"#,
                Ok(Some(Credential::password("u", "s"))),
            ),
            (
                r#"{"Username": "<token>", "Secret": "refresh"}"#,
                Ok(Some(Credential::identity_token("<token>", "refresh"))),
            ),
            (r#"{"Username": "u", "Secret": ""}"#, Ok(None)),
            (
                r#"{"Username": "u", "Secret": 5}"#,
                Err("Secret is not a string"),
            ),
            (r#"["u"]"#, Err("not a JSON object")),
            (
                r#"{"Username": "u", "Secret": "leak"#,
                Err("not JSON (end of file error at line 1, column 33)"),
            ),
        ];
        for (output, expected) in table {
            let got = parse_output(output.as_bytes());
            match expected {
                Ok(expected) => assert_eq!(got.as_ref().ok(), Some(expected), "{output}"),
                Err(expected) => assert_eq!(
                    got.as_ref().err().map(String::as_str),
                    Some(*expected),
                    "{output}"
                ),
            }
        }
    }
}
