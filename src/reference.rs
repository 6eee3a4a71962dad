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
            return Err(fail("empty reference"));
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
            return Err(fail("empty image name"));
        }
        if name.len() > NAME_TOTAL_MAX {
            return Err(fail("image name longer than 255 characters"));
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
#[error("invalid image reference {input:?}: {reason}")]
pub struct ReferenceError {
    /// The reference as written.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const NAME_TOTAL_MAX: usize = 255;

/// Whether the first path component names a registry rather than a Docker Hub namespace.
fn is_domain_like(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// Host components (`[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` joined by `.`) or a
/// bracketed IPv6 address, with an optional numeric port.
pub(crate) fn validate_domain(domain: &str) -> Result<(), &'static str> {
    let (host, port) = if let Some(after) = domain.strip_prefix('[') {
        let (ip, rest) = after
            .split_once(']')
            .ok_or("unclosed `[` in registry host")?;
        if ip.is_empty()
            || !ip
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("invalid IPv6 address in registry host");
        }
        match rest {
            "" => (None, None),
            _ => (
                None,
                Some(rest.strip_prefix(':').ok_or("invalid registry host")?),
            ),
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !c.starts_with('-')
                && !c.ends_with('-')
        };
        if !host.split('.').all(component_ok) {
            return Err("invalid registry host");
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("invalid port in registry host");
    }
    Ok(())
}

/// Path components: lower-case alphanumerics separated by `.`, `_`, `__` or runs of `-`.
fn validate_path(path: &str) -> Result<(), &'static str> {
    for component in path.split('/') {
        if component.is_empty() {
            return Err("empty path component");
        }
        if component.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("repository name must be lowercase");
        }
        let bytes = component.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return Err("path components must start and end with a letter or digit");
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
                return Err("invalid character in repository name");
            }
        }
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn validate_tag(tag: &str) -> Result<(), &'static str> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    match tag.as_bytes() {
        [] => Err("empty tag"),
        [first, ..] if !word(*first) => Err("tag must start with a letter, digit or `_`"),
        bytes if bytes.len() > 128 => Err("tag longer than 128 characters"),
        bytes if !bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-') => {
            Err("invalid character in tag")
        }
        _ => Ok(()),
    }
}

/// `algorithm:encoded`, with the lengths the registered algorithms require.
fn validate_digest(digest: &str) -> Result<(), &'static str> {
    let (algorithm, encoded) = digest
        .split_once(':')
        .ok_or("digest must look like sha256:<hex>")?;
    let alg_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !alg_ok {
        return Err("invalid digest algorithm");
    }
    let hex = |n: usize| {
        encoded.len() == n
            && encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match algorithm {
        "sha256" if !hex(64) => Err("sha256 digest must be 64 lower-case hex characters"),
        "sha512" if !hex(128) => Err("sha512 digest must be 128 lower-case hex characters"),
        _ if encoded.len() < 32
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-') =>
        {
            Err("invalid digest")
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
        let long = "a".repeat(256);
        let cases = [
            "",
            "Nginx",
            "nginx:",
            "nginx:-x",
            "nginx:a b",
            "nginx@sha256:abc",
            "nginx@md5",
            ":1.0",
            "/nginx",
            "nginx/",
            "a//b",
            "ghcr.io/",
            "ghcr.io/A/b",
            "-a/b",
            "a/-b",
            "a/b-",
            "a/b..c",
            "exa mple.com/a",
            "example.com:port/a",
            "-bad.com/a",
            "https://ghcr.io/a",
            long.as_str(),
        ];
        for input in cases {
            assert!(
                Reference::parse(input).is_err(),
                "{input:?} should be invalid"
            );
        }
    }
}
