//! Image reference parsing and Docker Hub normalisation (SPEC §5), pure code.
//!
//! Follows the grammar of the distribution project (`reference.ParseNormalizedNamed`):
//! the first path component is a registry host when it holds `.` or `:`, is `localhost`,
//! or has upper-case letters; otherwise the image is on Docker Hub (`docker.io`), where a
//! single-component name gets the `library/` prefix. The user's spelling is kept in
//! [`Reference::name`], because that is what gets written back into files (SPEC §3).

use std::fmt;

/// A parsed image reference: `[host[:port]/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The image as the user spelled it, without tag or digest (`nginx`, `ghcr.io/a/b`).
    pub name: String,
    /// The registry domain: `docker.io` for Docker Hub, else the first component.
    pub domain: String,
    /// The repository path on that registry (`library/nginx` for `nginx`).
    pub repository: String,
    /// The tag in the reference, if any (ignored for scanning).
    pub tag: Option<String>,
    /// The digest in the reference, if any (ignored for scanning).
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a reference following the distribution grammar.
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let fail = |reason| ReferenceError {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(fail("it is empty".to_owned()));
        }
        if let Some((scheme, _)) = input.split_once("://") {
            return Err(fail(format!(
                "an image reference has no URL scheme; drop `{scheme}://`"
            )));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(fail)?;
                (rest, Some(digest.to_owned()))
            }
            None => (input, None),
        };
        // A tag is a `:` after the last `/` (a `:` before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let (name, tag) = (&rest[..last_slash + i], &rest[last_slash + i + 1..]);
                validate_tag(tag).map_err(fail)?;
                (name, Some(tag.to_owned()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(fail(
                "the image name before the tag or digest is empty".to_owned(),
            ));
        }
        if name.len() > NAME_TOTAL_MAX {
            return Err(fail(format!(
                "the image name is {} characters long; at most {NAME_TOTAL_MAX}",
                name.len()
            )));
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, path)) if is_domain_like(first) => {
                validate_domain(first).map_err(fail)?;
                (first, path)
            }
            _ => ("docker.io", name),
        };
        validate_path(path).map_err(fail)?;
        // `index.docker.io` is Docker Hub's legacy name; both normalise to `docker.io`.
        let domain = if domain == "index.docker.io" {
            "docker.io"
        } else {
            domain
        };
        let repository = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        Ok(Reference {
            name: name.to_owned(),
            domain: domain.to_owned(),
            repository,
            tag,
            digest,
        })
    }

    /// The host the registry API is reached at (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.domain
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// An image reference that does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {input_q}: {reason}", input_q = crate::text::quoted(.input))]
pub struct ReferenceError {
    /// The reference as written.
    pub input: String,
    /// What is wrong with it: which part, and what that part may hold.
    pub reason: String,
}

const NAME_TOTAL_MAX: usize = 255;

/// Whether the first path component names a registry rather than a Docker Hub namespace.
fn is_domain_like(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// The first character of `text` that `ok` refuses, shown for a message.
fn first_bad(text: &str, ok: impl Fn(char) -> bool) -> String {
    match text.chars().find(|&c| !ok(c)) {
        Some(c) if c.is_whitespace() || c.is_control() => format!("{c:?}"),
        Some(c) => format!("`{c}`"),
        None => String::new(),
    }
}

/// Host components (`[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` joined by `.`) or a
/// bracketed IPv6 address, with an optional numeric port.
pub(crate) fn validate_domain(domain: &str) -> Result<(), String> {
    let (host, port) = if let Some(after) = domain.strip_prefix('[') {
        let (ip, rest) = after
            .split_once(']')
            .ok_or_else(|| format!("registry host `{domain}` opens `[` and never closes it"))?;
        if ip.is_empty()
            || !ip
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(format!(
                "`[{ip}]` in registry host `{domain}` is not an IPv6 address"
            ));
        }
        match rest {
            "" => (None, None),
            _ => (
                None,
                Some(rest.strip_prefix(':').ok_or_else(|| {
                    format!("registry host `{domain}` has `{rest}` after `]`; expected `:PORT`")
                })?),
            ),
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        for component in host.split('.') {
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
            let problem = if component.is_empty() {
                "an empty name between dots".to_owned()
            } else if !component.chars().all(allowed) {
                format!(
                    "{} in `{component}` (letters, digits and `-` only)",
                    first_bad(component, allowed)
                )
            } else if component.starts_with('-') || component.ends_with('-') {
                format!("`{component}` starting or ending with `-`")
            } else {
                continue;
            };
            return Err(format!("registry host `{host}` has {problem}"));
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "port `{port}` of registry host `{domain}` is not a number"
        ));
    }
    Ok(())
}

/// Path components: lower-case alphanumerics separated by `.`, `_`, `__` or runs of `-`.
fn validate_path(path: &str) -> Result<(), String> {
    const RULE: &str = "lower-case letters and digits, separated by `.`, `_`, `__` or `-`";
    for component in path.split('/') {
        if component.is_empty() {
            return Err(format!(
                "repository `{path}` has an empty component (`//`, or `/` at either end)"
            ));
        }
        if component.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "repository `{path}` has upper-case letters; repository names must be lowercase"
            ));
        }
        let bytes = component.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return Err(format!(
                "repository component `{component}` must start and end with a letter or digit"
            ));
        }
        let mut i = 0;
        while i < bytes.len() {
            if alnum(bytes[i]) {
                i += 1;
                continue;
            }
            let sep_start = i;
            while i < bytes.len() && !alnum(bytes[i]) {
                i += 1;
            }
            let sep = &component[sep_start..i];
            if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
                let ok = |c: char| matches!(c, '.' | '_' | '-');
                let what = match first_bad(sep, ok) {
                    bad if !bad.is_empty() => bad,
                    _ => format!("`{sep}`"),
                };
                return Err(format!(
                    "repository component `{component}` has {what}; allowed: {RULE}"
                ));
            }
        }
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn validate_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let allowed = |c: char| word(c) || c == '.' || c == '-';
    match tag.chars().next() {
        None => Err("the tag after `:` is empty".to_owned()),
        Some(first) if !word(first) => Err(format!(
            "tag `{tag}` starts with {}; a tag starts with a letter, digit or `_`",
            first_bad(&first.to_string(), word)
        )),
        _ if tag.len() > 128 => Err(format!(
            "tag `{tag}` is {} characters long; at most 128",
            tag.len()
        )),
        _ if !tag.chars().all(allowed) => Err(format!(
            "tag `{tag}` has {}; allowed: letters, digits, `_`, `.` and `-`",
            first_bad(tag, allowed)
        )),
        _ => Ok(()),
    }
}

/// `algorithm:encoded`, with the lengths the registered algorithms require.
fn validate_digest(digest: &str) -> Result<(), String> {
    let (algorithm, encoded) = digest.split_once(':').ok_or_else(|| {
        format!("digest `{digest}` has no `:`; a digest looks like sha256:<64 hex digits>")
    })?;
    let alg_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !alg_ok {
        return Err(format!(
            "digest algorithm `{algorithm}` is not lower-case letters and digits (e.g. sha256)"
        ));
    }
    let hex = |n: usize| {
        encoded.len() == n
            && encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let hex_reason = |n: usize| {
        let bad = first_bad(encoded, |c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if bad.is_empty() {
            format!(
                "{algorithm} digest has {} hex digits; it needs {n}",
                encoded.len()
            )
        } else {
            format!("{algorithm} digest has {bad}; it needs {n} lower-case hex digits")
        }
    };
    match algorithm {
        "sha256" if !hex(64) => Err(hex_reason(64)),
        "sha512" if !hex(128) => Err(hex_reason(128)),
        _ if encoded.len() < 32 => Err(format!(
            "{algorithm} digest is {} characters long; at least 32",
            encoded.len()
        )),
        _ if !encoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '=' || c == '_' || c == '-') =>
        {
            Err(format!(
                "{algorithm} digest has {}; allowed: letters, digits, `=`, `_` and `-`",
                first_bad(encoded, |c| c.is_ascii_alphanumeric()
                    || matches!(c, '=' | '_' | '-'))
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// input, name, domain, repository, tag, digest
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_and_normalises() {
        let with_both = format!("ghcr.io/a/b:1@{SHA}");
        let cases: &[Case<'_>] = &[
            // input, name, domain, repository, tag, digest
            ("nginx", "nginx", "docker.io", "library/nginx", None, None),
            (
                "nginx:1.25",
                "nginx",
                "docker.io",
                "library/nginx",
                Some("1.25"),
                None,
            ),
            (
                "bitnami/redis",
                "bitnami/redis",
                "docker.io",
                "bitnami/redis",
                None,
                None,
            ),
            (
                "docker.io/nginx",
                "docker.io/nginx",
                "docker.io",
                "library/nginx",
                None,
                None,
            ),
            (
                "index.docker.io/library/nginx",
                "index.docker.io/library/nginx",
                "docker.io",
                "library/nginx",
                None,
                None,
            ),
            ("localhost/a", "localhost/a", "localhost", "a", None, None),
            (
                "localhost:5000/a",
                "localhost:5000/a",
                "localhost:5000",
                "a",
                None,
                None,
            ),
            (
                "localhost:5000/a:v2",
                "localhost:5000/a",
                "localhost:5000",
                "a",
                Some("v2"),
                None,
            ),
            (
                "registry.example.com/team/app",
                "registry.example.com/team/app",
                "registry.example.com",
                "team/app",
                None,
                None,
            ),
            (
                &with_both,
                "ghcr.io/a/b",
                "ghcr.io",
                "a/b",
                Some("1"),
                Some(SHA),
            ),
            (
                "127.0.0.1:5000/x/y_z__w.v-u---t",
                "127.0.0.1:5000/x/y_z__w.v-u---t",
                "127.0.0.1:5000",
                "x/y_z__w.v-u---t",
                None,
                None,
            ),
            (
                "[::1]:5000/a",
                "[::1]:5000/a",
                "[::1]:5000",
                "a",
                None,
                None,
            ),
            ("Registry/a", "Registry/a", "Registry", "a", None, None),
        ];
        for &(input, name, domain, repository, tag, digest) in cases {
            let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.name, name, "{input}");
            assert_eq!(r.domain, domain, "{input}");
            assert_eq!(r.repository, repository, "{input}");
            assert_eq!(r.tag.as_deref(), tag, "{input}");
            assert_eq!(r.digest.as_deref(), digest, "{input}");
            assert_eq!(r.to_string(), input, "{input} displays as written");
        }
    }

    #[test]
    fn api_host_of_docker_hub() {
        assert_eq!(
            Reference::parse("nginx").unwrap().api_host(),
            "registry-1.docker.io"
        );
        assert_eq!(Reference::parse("ghcr.io/a").unwrap().api_host(), "ghcr.io");
    }

    #[test]
    fn rejects_invalid_references() {
        // The input and what the message must say about it: the part that is wrong and
        // what it may hold.
        let cases: [(&str, &str); 24] = [
            ("", "it is empty"),
            ("Nginx", "repository `Nginx` has upper-case letters"),
            ("nginx:", "the tag after `:` is empty"),
            (
                "nginx:-x",
                "tag `-x` starts with `-`; a tag starts with a letter, digit or `_`",
            ),
            (
                "nginx:a b",
                "tag `a b` has ' '; allowed: letters, digits, `_`, `.` and `-`",
            ),
            (
                "nginx@sha256:abc",
                "sha256 digest has 3 hex digits; it needs 64",
            ),
            (
                "nginx@sha256:XYZ",
                "sha256 digest has `X`; it needs 64 lower-case hex digits",
            ),
            ("nginx@md5", "digest `md5` has no `:`"),
            (":1.0", "the image name before the tag or digest is empty"),
            ("/nginx", "repository `/nginx` has an empty component"),
            ("nginx/", "repository `nginx/` has an empty component"),
            ("a//b", "repository `a//b` has an empty component"),
            ("ghcr.io/", "repository `` has an empty component"),
            ("ghcr.io/A/b", "repository `A/b` has upper-case letters"),
            (
                "-a/b",
                "repository component `-a` must start and end with a letter or digit",
            ),
            ("a/-b", "repository component `-b` must start and end"),
            ("a/b-", "repository component `b-` must start and end"),
            (
                "a/b..c",
                "repository component `b..c` has `..`; allowed: lower-case letters",
            ),
            ("a/b!c", "repository component `b!c` has `!`; allowed"),
            (
                "exa mple.com/a",
                "registry host `exa mple.com` has ' ' in `exa mple`",
            ),
            (
                "example.com:port/a",
                "port `port` of registry host `example.com:port` is not a number",
            ),
            (
                "-bad.com/a",
                "registry host `-bad.com` has `-bad` starting or ending with `-`",
            ),
            (
                "https://ghcr.io/a",
                "an image reference has no URL scheme; drop `https://`",
            ),
            (
                "example.com:/a",
                "port `` of registry host `example.com:` is not a number",
            ),
        ];
        for (input, reason) in cases {
            let err = Reference::parse(input).expect_err(input);
            assert!(
                err.reason.contains(reason),
                "{input:?}: {:?} should say {reason:?}",
                err.reason
            );
            assert_eq!(
                err.to_string(),
                format!("invalid image reference {input:?}: {}", err.reason)
            );
        }
        let long = "a".repeat(256);
        let err = Reference::parse(&long).unwrap_err();
        assert_eq!(
            err.reason,
            "the image name is 256 characters long; at most 255"
        );
    }
}
