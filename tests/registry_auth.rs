//! Authentication against real registries: htpasswd Basic, and `auth: token` with a
//! token server issuing signed JWTs (the Docker Hub flow) — right, wrong and missing
//! credentials, anonymous tokens, token reuse until expiry. Passwords never appear in
//! errors.

mod support;

use imagescan::platform::Platform;
use imagescan::registry::{Credential, RegistryError};
use imagescan::source::{SourceError, TagSource};
use support::registry::{Auth, Pusher, Registry, TokenServer, plain_client, reference};

const USER: &str = "scanner";
const PASSWORD: &str = "pw-Xq7-never-printed";

fn unauthorized(error: SourceError, anonymous_expected: bool) {
    let text = format!("{error} {error:?}");
    assert!(
        !text.contains(PASSWORD) && !text.contains("wrong-password"),
        "{text}"
    );
    match error {
        SourceError::Registry(RegistryError::Unauthorized { anonymous, .. }) => {
            assert_eq!(anonymous, anonymous_expected, "{text}")
        }
        other => panic!("expected Unauthorized, got {other}"),
    }
}

#[test]
fn htpasswd_basic_auth() {
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(
        storage.path(),
        Auth::Htpasswd {
            username: USER.into(),
            password: PASSWORD.into(),
        },
        None,
    );
    // Pushes go through an anonymous instance on the same storage.
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let image = Pusher::new(&open).tags("team/app", &["1.0".to_owned(), "1.1".to_owned()]);

    let app = reference(&secured.host(), "team/app");
    let good = plain_client(&secured.host(), Some(Credential::new(USER, PASSWORD)));
    let listed = good.list_tags(&app).unwrap();
    let mut tags: Vec<&str> = listed.iter().collect();
    tags.sort();
    assert_eq!(tags, ["1.0", "1.1"]);
    assert_eq!(good.digest(&app, "1.1", None).unwrap(), image.digest);

    let wrong = plain_client(
        &secured.host(),
        Some(Credential::new(USER, "wrong-password")),
    );
    unauthorized(wrong.list_tags(&app).unwrap_err(), false);
    unauthorized(
        plain_client(&secured.host(), None)
            .list_tags(&app)
            .unwrap_err(),
        true,
    );
    assert!(!format!("{good:?}").contains(PASSWORD));
}

#[test]
fn token_auth_with_reuse_until_expiry() {
    let tokens = TokenServer::start(USER, PASSWORD, false, 300);
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(storage.path(), tokens.auth(), None);
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let pusher = Pusher::new(&open);
    let image = pusher.tags("team/app", &["2.0".to_owned()]);
    let (index, children) = pusher.index(
        "team/multi",
        "3.0",
        true,
        &[("linux", "amd64", None), ("linux", "arm64", None)],
    );

    let good = plain_client(&secured.host(), Some(Credential::new(USER, PASSWORD)));
    let app = reference(&secured.host(), "team/app");
    assert_eq!(good.list_tags(&app).unwrap(), ["2.0"]);
    assert_eq!(good.digest(&app, "2.0", None).unwrap(), image.digest);
    assert_eq!(good.list_tags(&app).unwrap(), ["2.0"]);
    assert_eq!(
        tokens.issued(),
        1,
        "one token for three requests on one scope"
    );

    // Another repository is another scope: one more token, reused for its lookups.
    let multi = reference(&secured.host(), "team/multi");
    assert_eq!(good.digest(&multi, "3.0", None).unwrap(), index.digest);
    let arm: Platform = "linux/arm64".parse().unwrap();
    assert_eq!(
        good.digest(&multi, "3.0", Some(&arm)).unwrap(),
        children[1].digest
    );
    assert_eq!(tokens.issued(), 2);
    // The token service saw the credential with Basic; the registry never did.
    for request in tokens.server.requests() {
        assert!(
            request
                .header("Authorization")
                .unwrap()
                .starts_with("Basic ")
        );
        assert_eq!(
            request.query("scope").map(|s| s.replace("%3A", ":")),
            Some(if request.target.contains("multi") {
                "repository:team/multi:pull".to_owned()
            } else {
                "repository:team/app:pull".to_owned()
            })
        );
    }

    let wrong = plain_client(
        &secured.host(),
        Some(Credential::new(USER, "wrong-password")),
    );
    unauthorized(wrong.list_tags(&app).unwrap_err(), false);
    unauthorized(
        plain_client(&secured.host(), None)
            .list_tags(&app)
            .unwrap_err(),
        true,
    );
}

#[test]
fn anonymous_tokens_and_expiry() {
    // Docker Hub hands anonymous pull tokens out; this one lives one second.
    let tokens = TokenServer::start(USER, PASSWORD, true, 1);
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(storage.path(), tokens.auth(), None);
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    Pusher::new(&open).tags("library/nginx", &["1.27".to_owned()]);

    let anonymous = plain_client(&secured.host(), None);
    let nginx = reference(&secured.host(), "library/nginx");
    assert_eq!(anonymous.list_tags(&nginx).unwrap(), ["1.27"]);
    assert_eq!(tokens.issued(), 1);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(anonymous.list_tags(&nginx).unwrap(), ["1.27"]);
    assert_eq!(tokens.issued(), 2, "an expired token is not reused");
    assert!(
        tokens
            .server
            .requests()
            .iter()
            .all(|r| r.header("Authorization").is_none())
    );
}

/// An identity token (Docker's `identitytoken`, e.g. from `az acr login`) is an OAuth2
/// refresh token: it goes to the token service in the body of a `refresh_token` grant —
/// never in a URL, never with Basic — and the access token that comes back is reused
/// like any other. A wrong one is refused without being echoed.
#[test]
fn identity_token_is_exchanged_with_a_refresh_token_grant() {
    let tokens = TokenServer::start(USER, PASSWORD, false, 300);
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(storage.path(), tokens.auth(), None);
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let image = Pusher::new(&open).tags("team/app", &["4.0".to_owned()]);

    let client = plain_client(
        &secured.host(),
        Some(Credential::identity_token("<token>", PASSWORD)),
    );
    let app = reference(&secured.host(), "team/app");
    assert_eq!(client.list_tags(&app).unwrap(), ["4.0"]);
    assert_eq!(client.digest(&app, "4.0", None).unwrap(), image.digest);
    assert_eq!(tokens.issued(), 1, "one access token, reused");
    let requests = tokens.server.requests();
    assert_eq!(requests.len(), 1);
    let grant = &requests[0];
    assert_eq!(grant.method, "POST");
    assert!(grant.header("Authorization").is_none());
    assert!(!grant.target.contains(PASSWORD), "{}", grant.target);
    assert_eq!(grant.form("grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(grant.form("refresh_token").as_deref(), Some(PASSWORD));
    assert_eq!(
        grant.form("scope").as_deref(),
        Some("repository:team/app:pull")
    );
    assert_eq!(grant.form("service"), Some(tokens.service.clone()));

    let wrong = plain_client(
        &secured.host(),
        Some(Credential::identity_token("<token>", "wrong-password")),
    );
    unauthorized(wrong.list_tags(&app).unwrap_err(), false);
}
