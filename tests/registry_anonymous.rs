//! The registry client against a real anonymous registry (Debian docker-registry 2.8):
//! tag lists, digests of single images and multi-arch indexes (OCI and Docker media
//! types), platform selection, missing repositories, mirrors, and the number of
//! manifest requests a digest lookup costs.

mod support;

use imagescan::platform::Platform;
use imagescan::registry::{HostSettings, RegistryClient, RegistryError};
use imagescan::source::{SourceError, TagSource};
use support::fault_server::{FaultServer, forward};
use support::registry::{Pusher, Registry, plain_client, reference};

fn registry_error(error: SourceError) -> RegistryError {
    match error {
        SourceError::Registry(e) => e,
        other => panic!("expected a registry error, got {other}"),
    }
}

#[test]
fn lists_tags_and_resolves_a_single_image_digest() {
    let registry = Registry::anonymous();
    let pusher = Pusher::new(&registry);
    let tags: Vec<String> = ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest"]
        .map(String::from)
        .to_vec();
    let image = pusher.tags("team/app", &tags);

    let client = plain_client(&registry.host(), None);
    let app = reference(&registry.host(), "team/app");
    let listed = client.list_tags(&app).unwrap();
    let mut listed: Vec<&str> = listed.iter().collect();
    listed.sort();
    assert_eq!(listed, tags);
    assert_eq!(client.digest(&app, "1.1.0", None).unwrap(), image.digest);
    // A single-platform image has one manifest, whatever platform is asked for.
    let arm: Platform = "linux/arm64".parse().unwrap();
    assert_eq!(
        client.digest(&app, "1.1.0", Some(&arm)).unwrap(),
        image.digest
    );
}

#[test]
fn index_digest_by_default_platform_digest_on_request() {
    let registry = Registry::anonymous();
    let pusher = Pusher::new(&registry);
    let platforms = [
        ("linux", "amd64", None),
        ("linux", "arm64", Some("v8")),
        ("linux", "arm", Some("v7")),
    ];
    // Through a counting proxy: every manifest request the client makes is recorded.
    let upstream = registry.url();
    let proxy = FaultServer::start(move |request| forward(&upstream, request));
    let client = plain_client(&proxy.host(), None);

    for (repository, oci) in [("multi/oci", true), ("multi/docker", false)] {
        let (index, children) = pusher.index(repository, "1.0", oci, &platforms);
        let image = reference(&proxy.host(), repository);
        let before = proxy.count("/manifests/");
        assert_eq!(client.digest(&image, "1.0", None).unwrap(), index.digest);
        for (platform, child) in [
            ("linux/amd64", &children[0]),
            ("linux/arm64", &children[1]),
            ("linux/arm64/v8", &children[1]),
            ("linux/arm/v7", &children[2]),
            ("linux/arm", &children[2]),
        ] {
            let platform: Platform = platform.parse().unwrap();
            assert_eq!(
                client.digest(&image, "1.0", Some(&platform)).unwrap(),
                child.digest,
                "{repository} {platform}"
            );
        }
        // One HEAD for the index digest, one GET per platform lookup — never more.
        let requests = proxy.requests();
        let manifest_requests: Vec<_> = requests
            .iter()
            .filter(|r| r.target.contains("/manifests/"))
            .skip(before)
            .map(|r| r.method.as_str())
            .collect();
        assert_eq!(
            manifest_requests,
            ["HEAD", "GET", "GET", "GET", "GET", "GET"]
        );
        // Every manifest request accepted all four media types.
        for request in requests.iter().filter(|r| r.target.contains("/manifests/")) {
            let accept = request.header("Accept").unwrap();
            for media_type in imagescan::registry::MANIFEST_MEDIA_TYPES {
                assert!(accept.contains(media_type), "{accept}");
            }
        }

        let windows: Platform = "windows/amd64".parse().unwrap();
        let error = registry_error(client.digest(&image, "1.0", Some(&windows)).unwrap_err());
        assert!(
            matches!(error, RegistryError::PlatformNotFound { .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("windows/amd64") && message.contains("linux/arm64/v8"),
            "{message}"
        );
    }
    // Listing tags never fetched a manifest.
    let before = proxy.count("/manifests/");
    client
        .list_tags(&reference(&proxy.host(), "multi/oci"))
        .unwrap();
    assert_eq!(proxy.count("/manifests/"), before);
}

#[test]
fn missing_repository_and_tag_are_not_found() {
    let registry = Registry::anonymous();
    Pusher::new(&registry).tags("team/app", &["1.0".to_owned()]);
    let client = plain_client(&registry.host(), None);
    let error = registry_error(
        client
            .list_tags(&reference(&registry.host(), "team/nothing"))
            .unwrap_err(),
    );
    assert!(
        matches!(&error, RegistryError::NotFound { repository, tag: None, .. } if repository == "team/nothing"),
        "{error:?}"
    );
    let error = registry_error(
        client
            .digest(&reference(&registry.host(), "team/app"), "9.9", None)
            .unwrap_err(),
    );
    assert!(
        matches!(&error, RegistryError::NotFound { tag: Some(tag), .. } if tag == "9.9"),
        "{error:?}"
    );
    assert!(error.to_string().contains("team/app:9.9"), "{error}");
}

#[test]
fn endpoint_reaches_a_mirror_while_errors_name_the_host() {
    let registry = Registry::anonymous();
    let pushed = Pusher::new(&registry).tags("library/nginx", &["1.27.0".to_owned()]);
    let client = RegistryClient::new(
        HostSettings {
            endpoint: Some(format!("{}/", registry.url())),
            ..HostSettings::new("registry-1.docker.io")
        },
        None,
    )
    .unwrap();
    assert_eq!(client.base_url(), registry.url());
    let nginx = reference("docker.io", "library/nginx");
    assert_eq!(client.list_tags(&nginx).unwrap(), ["1.27.0"]);
    assert_eq!(
        client.digest(&nginx, "1.27.0", None).unwrap(),
        pushed.digest
    );
    let error = registry_error(
        client
            .list_tags(&reference("docker.io", "library/none"))
            .unwrap_err(),
    );
    assert!(
        error.to_string().contains("registry-1.docker.io"),
        "{error}"
    );

    let error = RegistryClient::new(
        HostSettings {
            endpoint: Some("mirror.internal:5000".into()),
            ..HostSettings::new("r.example")
        },
        None,
    )
    .unwrap_err();
    assert!(
        matches!(error, RegistryError::InvalidEndpoint { .. }),
        "{error}"
    );
}
