//! Matching registry hosts against the keys of Docker config files, pure code.
//!
//! Keys are written in many spellings: `kubectl create secret docker-registry` writes
//! `https://index.docker.io/v1/` for Docker Hub, `docker login` writes bare hosts, some
//! tools write `https://host:port/v2/`. A key matches a host when both reduce to the
//! same canonical host: scheme and path dropped, lowercased, and every Docker Hub alias
//! folded into `docker.io`.

/// The names Docker Hub goes by in image references, config keys and API calls.
const DOCKER_HUB_ALIASES: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// The server URL Docker's tools use for Docker Hub (credential helpers store it so).
pub(crate) const DOCKER_HUB_SERVER_URL: &str = "https://index.docker.io/v1/";

/// The canonical host of a registry host or config key: `host[:port]`, lowercase,
/// `docker.io` for any Docker Hub spelling.
pub(crate) fn canonical_host(key: &str) -> String {
    let key = key.trim();
    let without_scheme = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            key.get(..scheme.len())
                .filter(|prefix| prefix.eq_ignore_ascii_case(scheme))
                .map(|_| &key[scheme.len()..])
        })
        .unwrap_or(key);
    let host = without_scheme
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if DOCKER_HUB_ALIASES.contains(&host.as_str()) {
        "docker.io".to_owned()
    } else {
        host
    }
}

/// Whether a config key names the registry `host`.
pub(crate) fn key_matches(key: &str, host: &str) -> bool {
    let key = canonical_host(key);
    !key.is_empty() && key == canonical_host(host)
}

/// What a credential helper is asked for: Docker Hub's historical URL, else the host.
pub(crate) fn helper_server_url(host: &str) -> String {
    let host = canonical_host(host);
    if host == "docker.io" {
        DOCKER_HUB_SERVER_URL.to_owned()
    } else {
        host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_spellings_match_every_docker_hub_host() {
        let keys = [
            "https://index.docker.io/v1/",
            "https://index.docker.io/v1",
            "http://index.docker.io/v1/",
            "index.docker.io",
            "index.docker.io/v1/",
            "docker.io",
            "https://docker.io",
            "registry-1.docker.io",
            "https://registry-1.docker.io/v2/",
            "HTTPS://Index.Docker.IO/v1/",
            " https://index.docker.io/v1/ ",
        ];
        for key in keys {
            for host in ["docker.io", "registry-1.docker.io", "index.docker.io"] {
                assert!(key_matches(key, host), "{key:?} should match {host}");
            }
            assert!(!key_matches(key, "ghcr.io"), "{key:?}");
            assert!(!key_matches(key, "docker.io.example.com"), "{key:?}");
        }
    }

    #[test]
    fn other_hosts_match_host_and_port_only() {
        let table: &[(&str, &str, bool)] = &[
            ("registry.example.com", "registry.example.com", true),
            ("https://registry.example.com", "registry.example.com", true),
            (
                "https://registry.example.com/v2/",
                "registry.example.com",
                true,
            ),
            ("http://registry.example.com/", "registry.example.com", true),
            ("Registry.Example.com", "registry.example.com", true),
            (
                "registry.example.com:5000",
                "registry.example.com:5000",
                true,
            ),
            (
                "https://registry.example.com:5000/v1/",
                "registry.example.com:5000",
                true,
            ),
            ("registry.example.com", "registry.example.com:5000", false),
            ("registry.example.com:5000", "registry.example.com", false),
            ("example.com", "registry.example.com", false),
            ("registry.example.com.evil", "registry.example.com", false),
            ("127.0.0.1:5000", "127.0.0.1:5000", true),
            ("localhost:5000", "localhost:5000", true),
            ("", "", false),
            ("https://", "", false),
        ];
        for &(key, host, expected) in table {
            assert_eq!(key_matches(key, host), expected, "{key:?} vs {host:?}");
        }
    }

    #[test]
    fn helper_server_urls() {
        assert_eq!(helper_server_url("docker.io"), DOCKER_HUB_SERVER_URL);
        assert_eq!(
            helper_server_url("registry-1.docker.io"),
            DOCKER_HUB_SERVER_URL
        );
        assert_eq!(helper_server_url("ghcr.io"), "ghcr.io");
        assert_eq!(helper_server_url("Reg.Example:5000"), "reg.example:5000");
    }
}
