//! Paginated tag lists: thousands of tags from a real registry, served in pages by a
//! proxy (distribution 2.8 never paginates) with each `Link` form registries use —
//! the spec's `last=`, opaque cursors (Quay, ECR) and absolute URLs — and a `Link` that
//! loops back, which must fail instead of spinning.

mod support;

use imagescan::registry::{ClientOptions, HostSettings, RegistryClient, RegistryError};
use imagescan::source::{SourceError, TagSource};
use support::fault_server::{FaultServer, Reply};
use support::registry::{Pages, Pusher, Registry, paginating_proxy, plain_client, reference};

#[test]
fn follows_every_link_form_over_thousands_of_tags() {
    let registry = Registry::anonymous();
    let mut tags: Vec<String> = (0..2500)
        .map(|i| format!("1.{}.{}", i / 100, i % 100))
        .collect();
    Pusher::new(&registry).tags("team/app", &tags);
    tags.sort();

    for (pages, page_size) in [
        (Pages::Last, 100),
        (Pages::Opaque, 333),
        (Pages::Absolute, 1000),
    ] {
        let proxy = paginating_proxy(registry.url(), page_size, pages);
        let listed = plain_client(&proxy.host(), None)
            .list_tags(&reference(&proxy.host(), "team/app"))
            .unwrap();
        assert_eq!(listed.len(), tags.len(), "{pages:?}");
        assert_eq!(listed, tags, "{pages:?}: pages arrive in order");
        assert_eq!(
            proxy.count("/tags/list"),
            tags.len().div_ceil(page_size),
            "{pages:?}: one request per page"
        );
        if pages == Pages::Opaque {
            // The cursor went back verbatim: the client never invented `last=`.
            assert!(proxy.requests().iter().all(|r| r.query("last").is_none()));
        }
    }
}

#[test]
fn a_link_back_to_a_read_page_is_an_error() {
    let server = FaultServer::start(|request| {
        let next = if request.query("page") == Some("2") {
            "1"
        } else {
            "2"
        };
        Reply::json(200, r#"{"name":"a","tags":["x"]}"#).with_header(
            "Link",
            &format!("</v2/a/tags/list?page={next}>; rel=\"next\""),
        )
    });
    let error = plain_client(&server.host(), None)
        .list_tags(&reference(&server.host(), "a"))
        .unwrap_err();
    let SourceError::Registry(error) = error else {
        panic!("{error}")
    };
    assert!(
        matches!(error, RegistryError::InvalidLink { .. }),
        "{error}"
    );
    assert_eq!(server.count("/tags/list"), 3);
}

#[test]
fn a_malformed_link_is_an_error_and_null_tags_are_empty() {
    let server = FaultServer::start(|request| {
        if request.path() == "/v2/empty/tags/list" {
            return Reply::json(200, r#"{"name":"empty","tags":null}"#);
        }
        Reply::json(200, r#"{"name":"a","tags":["x"]}"#)
            .with_header("Link", "/v2/a/tags/list?page=2; rel=\"next\"")
    });
    let client = plain_client(&server.host(), None);
    assert!(
        client
            .list_tags(&reference(&server.host(), "empty"))
            .unwrap()
            .is_empty()
    );
    let error = client
        .list_tags(&reference(&server.host(), "a"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("Link"), "{error}");
}

/// A client with small listing limits, for the endless-pagination tests.
fn limited_client(host: &str, max_pages: usize, max_tags: usize) -> RegistryClient {
    RegistryClient::with_options(
        HostSettings {
            insecure: true,
            ..HostSettings::new(host)
        },
        None,
        ClientOptions {
            max_pages,
            max_tags,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn a_registry_paginating_without_end_is_cut_off_at_the_page_limit() {
    // A fresh cursor on every page: never a link back to a page already read.
    let server = FaultServer::start(|request| {
        let page: u64 = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Reply::json(200, format!(r#"{{"name":"a","tags":["t{page}"]}}"#)).with_header(
            "Link",
            &format!("</v2/a/tags/list?page={}>; rel=\"next\"", page + 1),
        )
    });
    let error = limited_client(&server.host(), 25, 1_000)
        .list_tags(&reference(&server.host(), "a"))
        .unwrap_err();
    let SourceError::Registry(error) = error else {
        panic!("{error}")
    };
    assert!(
        matches!(
            error,
            RegistryError::ListingTooLong {
                what: "pages",
                limit: 25,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("more than 25 pages") && message.contains(" a"),
        "{message}"
    );
    assert_eq!(server.count("/tags/list"), 25);
}

#[test]
fn a_listing_past_the_tag_limit_is_an_error() {
    let server = FaultServer::start(|request| {
        let page: u64 = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let tags: Vec<String> = (0..40).map(|i| format!("\"{page}.{i}\"")).collect();
        Reply::json(
            200,
            format!(r#"{{"name":"a","tags":[{}]}}"#, tags.join(",")),
        )
        .with_header(
            "Link",
            &format!("</v2/a/tags/list?page={}>; rel=\"next\"", page + 1),
        )
    });
    let error = limited_client(&server.host(), 1_000, 100)
        .list_tags(&reference(&server.host(), "a"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("more than 100 tags"), "{error}");
    assert_eq!(server.count("/tags/list"), 3);
    // The defaults are generous: thousands of tags over many pages pass.
    let defaults = ClientOptions::default();
    assert!(defaults.max_pages >= 1_000 && defaults.max_tags >= 100_000);
}
