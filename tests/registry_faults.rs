//! Faults a real registry does not produce on demand, from a loopback server: 429 with
//! `Retry-After`, 5xx bursts and persistent 5xx, stalls past the timeout, truncated
//! JSON, bodies cut short, refused connections, a missing `Docker-Content-Digest`, and
//! an OAuth2-style token response. Each test counts the requests made.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use imagescan::reference::Reference;
use imagescan::registry::{
    ClientOptions, Credential, HostSettings, RegistryClient, RegistryError, RetryPolicy,
};
use imagescan::source::{SourceError, TagSource};
use support::fault_server::{FaultServer, Reply, Request};
use support::registry::{free_port, sha256};

const TAGS: &str = r#"{"name":"team/app","tags":["1.0","1.1"]}"#;

fn fast_options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(800),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_retry_after: Duration::from_millis(50),
        },
        max_body_bytes: 1 << 20,
        ..ClientOptions::default()
    }
}

fn client(host: &str, credential: Option<Credential>) -> RegistryClient {
    RegistryClient::with_options(
        HostSettings {
            insecure: true,
            ..HostSettings::new(host)
        },
        credential,
        fast_options(),
    )
    .unwrap()
}

fn app(host: &str) -> Reference {
    Reference {
        name: format!("{host}/team/app"),
        domain: host.to_owned(),
        repository: "team/app".to_owned(),
        tag: None,
        digest: None,
    }
}

/// A server answering the n-th request (0-based) with `script(n, request)`.
fn scripted(script: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static) -> FaultServer {
    let counter = Arc::new(AtomicUsize::new(0));
    FaultServer::start(move |request| script(counter.fetch_add(1, Ordering::SeqCst), request))
}

fn registry_error(error: SourceError) -> RegistryError {
    match error {
        SourceError::Registry(e) => e,
        other => panic!("expected a registry error, got {other}"),
    }
}

#[test]
fn rate_limit_with_retry_after_then_success() {
    for retry_after in ["1", "Thu, 01 Jan 1970 00:00:00 GMT"] {
        let server = scripted(move |n, _| match n {
            0 => Reply::json(429, "{}").with_header("Retry-After", retry_after),
            _ => Reply::json(200, TAGS),
        });
        let tags = client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap();
        assert_eq!(tags, ["1.0", "1.1"]);
        assert_eq!(server.count("/tags/list"), 2, "{retry_after}");
    }
}

#[test]
fn persistent_rate_limit_gives_up_after_the_bounded_attempts() {
    // Retry-After of an hour is capped (50 ms here), so this returns promptly.
    let server = FaultServer::start(|_| Reply::json(429, "{}").with_header("Retry-After", "3600"));
    let error = registry_error(
        client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(
        matches!(error, RegistryError::RateLimited { attempts: 3, .. }),
        "{error}"
    );
    assert_eq!(server.count("/tags/list"), 3);
}

#[test]
fn server_error_bursts_are_retried_and_persistent_ones_reported() {
    let burst = scripted(|n, _| match n {
        0 => Reply::status(503),
        1 => Reply::status(502),
        _ => Reply::json(200, TAGS),
    });
    assert_eq!(
        client(&burst.host(), None)
            .list_tags(&app(&burst.host()))
            .unwrap(),
        ["1.0", "1.1"]
    );
    assert_eq!(burst.count("/tags/list"), 3);

    let down = FaultServer::start(|_| Reply::status(500));
    let error = registry_error(
        client(&down.host(), None)
            .list_tags(&app(&down.host()))
            .unwrap_err(),
    );
    assert!(
        matches!(
            error,
            RegistryError::Status {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("HTTP 500"), "{error}");
    assert_eq!(down.count("/tags/list"), 3);
}

#[test]
fn a_stall_past_the_timeout_fails_without_hanging() {
    let server = FaultServer::start(|_| Reply::Stall(Duration::from_secs(30)));
    let error = registry_error(
        client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(matches!(error, RegistryError::Timeout { .. }), "{error}");
    // Waiting the stall out would have ended in a cut body, not a Timeout.
    assert_eq!(server.count("/tags/list"), 1, "a timeout is not retried");
}

#[test]
fn truncated_json_is_a_clear_error() {
    let server =
        FaultServer::start(|_| Reply::json(200, r#"{"name":"team/app","tags":["1.0","1."#));
    let error = registry_error(
        client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(
        matches!(
            error,
            RegistryError::InvalidJson {
                what: "tag list",
                ..
            }
        ),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("tag list") && text.contains("team/app") && text.contains(&server.host()),
        "{text}"
    );
}

#[test]
fn a_body_cut_short_is_retried() {
    let server = scripted(|n, _| match n {
        0 => Reply::Cut {
            declared: TAGS.len(),
            body: TAGS.as_bytes()[..10].to_vec(),
        },
        _ => Reply::json(200, TAGS),
    });
    assert_eq!(
        client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap(),
        ["1.0", "1.1"]
    );
    assert_eq!(server.count("/tags/list"), 2);
}

#[test]
fn a_refused_connection_is_unreachable_after_retries() {
    let host = format!("127.0.0.1:{}", free_port());
    let error = registry_error(client(&host, None).list_tags(&app(&host)).unwrap_err());
    assert!(
        matches!(error, RegistryError::Unreachable { attempts: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&host), "{error}");
}

#[test]
fn no_digest_is_made_up_from_an_empty_or_unknown_body() {
    // HEAD without the header, GET with an empty body: the hash of nothing is refused.
    for (content_type, body) in [
        ("application/vnd.oci.image.manifest.v1+json", ""),
        ("application/vnd.oci.image.manifest.v1+json", "  \n"),
        ("text/html", "<html>maintenance</html>"),
        (
            "application/json",
            r#"{"schemaVersion":1,"name":"team/app"}"#,
        ),
    ] {
        let server = FaultServer::start(move |request| Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: if request.method == "HEAD" {
                Vec::new()
            } else {
                body.as_bytes().to_vec()
            },
        });
        let error = registry_error(
            client(&server.host(), None)
                .digest(&app(&server.host()), "1.0", None)
                .unwrap_err(),
        );
        assert!(matches!(error, RegistryError::NoDigest { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains(&format!("{}/team/app:1.0", server.host())),
            "{message}"
        );
        assert!(!message.contains("e3b0c442"), "{message}");
    }
}

#[test]
fn digest_without_the_header_hashes_one_get() {
    let manifest =
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    let server = FaultServer::start(move |request| Reply::Full {
        status: 200,
        headers: vec![(
            "Content-Type".into(),
            "application/vnd.oci.image.manifest.v1+json".into(),
        )],
        body: if request.method == "HEAD" {
            Vec::new()
        } else {
            manifest.to_vec()
        },
    });
    let digest = client(&server.host(), None)
        .digest(&app(&server.host()), "1.0", None)
        .unwrap();
    assert_eq!(digest, sha256(manifest));
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["HEAD", "GET"]);

    let bad =
        FaultServer::start(|_| Reply::status(200).with_header("Docker-Content-Digest", "md5:zz!"));
    let error = registry_error(
        client(&bad.host(), None)
            .digest(&app(&bad.host()), "1.0", None)
            .unwrap_err(),
    );
    assert!(
        matches!(error, RegistryError::InvalidDigest { .. }),
        "{error}"
    );
}

#[test]
fn oauth2_access_token_without_expiry_and_no_credential_leak() {
    let token_server = FaultServer::start(|_| Reply::json(200, r#"{"access_token":"tok-abc"}"#));
    let realm = format!("{}/oauth2/token", token_server.url());
    let registry = FaultServer::start(move |request| match request.header("Authorization") {
        Some("Bearer tok-abc") => Reply::json(200, TAGS),
        _ => Reply::json(401, "{}").with_header(
            "WWW-Authenticate",
            &format!(r#"Bearer realm="{realm}",service="svc",scope="repository:team/app:pull""#),
        ),
    });
    let client = client(
        &registry.host(),
        Some(Credential::new("robot", "robot-secret-pw")),
    );
    for _ in 0..3 {
        assert_eq!(
            client.list_tags(&app(&registry.host())).unwrap(),
            ["1.0", "1.1"]
        );
    }
    // One challenge, one token, then the token is sent up front.
    assert_eq!(token_server.requests().len(), 1);
    assert_eq!(registry.count("/tags/list"), 4);
    let token_request = &token_server.requests()[0];
    assert_eq!(token_request.query("service"), Some("svc"));
    assert!(
        token_request
            .header("Authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    // The registry itself never received the password.
    assert!(registry.requests().iter().all(|r| {
        r.header("Authorization")
            .is_none_or(|a| a.starts_with("Bearer "))
    }));
}

#[test]
fn an_unknown_challenge_is_named() {
    let server =
        FaultServer::start(|_| Reply::json(401, "{}").with_header("WWW-Authenticate", "Negotiate"));
    let error = registry_error(
        client(&server.host(), None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(
        matches!(error, RegistryError::UnsupportedChallenge { .. }),
        "{error}"
    );
}

#[test]
fn a_cached_token_the_registry_refuses_is_replaced() {
    // The token service numbers its tokens; the registry accepts only the newest one,
    // as if the first had been revoked before its stated expiry.
    let issued = Arc::new(AtomicUsize::new(0));
    let token_server = {
        let issued = Arc::clone(&issued);
        FaultServer::start(move |_| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, format!(r#"{{"token":"tok-{n}","expires_in":300}}"#))
        })
    };
    let realm = format!("{}/token", token_server.url());
    let newest = Arc::clone(&issued);
    let registry = FaultServer::start(move |request| {
        let expected = format!("Bearer tok-{}", newest.load(Ordering::SeqCst));
        if request.header("Authorization") == Some(expected.as_str()) {
            Reply::json(200, TAGS)
        } else {
            Reply::json(401, "{}")
                .with_header("WWW-Authenticate", &format!(r#"Bearer realm="{realm}""#))
        }
    });
    let client = client(&registry.host(), None);
    assert_eq!(
        client.list_tags(&app(&registry.host())).unwrap(),
        ["1.0", "1.1"]
    );
    assert_eq!(
        client.list_tags(&app(&registry.host())).unwrap(),
        ["1.0", "1.1"]
    );
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "the valid token is reused"
    );
    issued.fetch_add(1, Ordering::SeqCst); // revoke tok-1: the registry now wants tok-2
    assert_eq!(
        client.list_tags(&app(&registry.host())).unwrap(),
        ["1.0", "1.1"]
    );
    assert_eq!(token_server.requests().len(), 2);
    // Anonymous token requests carry no Authorization at all.
    assert!(
        token_server
            .requests()
            .iter()
            .all(|r| r.header("Authorization").is_none())
    );
}
