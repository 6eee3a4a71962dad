//! The overall deadline of a command's registry work (issue 13, item 3), on the
//! library client against a loopback server the test owns: a stall is cut at the
//! deadline, a `Retry-After` past it fails at once with one request made, a deadline
//! already past makes no request, and each wait before a retry is reported to the
//! observer before it starts.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imagescan::reference::Reference;
use imagescan::registry::{
    ClientOptions, Deadline, HostSettings, Observer, RegistryClient, RegistryError, RegistryEvent,
    RetryPolicy,
};
use imagescan::source::{SourceError, TagSource};
use support::fault_server::{FaultServer, Reply};

const TAGS: &str = r#"{"name":"team/app","tags":["1.0","1.1"]}"#;

fn client(host: &str, deadline: Deadline, observer: Option<Observer>) -> RegistryClient {
    RegistryClient::with_options(
        HostSettings {
            insecure: true,
            ..HostSettings::new(host)
        },
        None,
        ClientOptions {
            // Per-request limits far beyond the deadline: only the deadline can stop it.
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(40),
                max_retry_after: Duration::from_secs(3600),
            },
            deadline: Some(deadline),
            observer,
            ..ClientOptions::default()
        },
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

fn registry_error(error: SourceError) -> RegistryError {
    match error {
        SourceError::Registry(e) => e,
        other => panic!("expected a registry error, got {other}"),
    }
}

#[test]
fn a_stalled_registry_is_cut_at_the_deadline() {
    let server = FaultServer::start(|_| Reply::Stall(Duration::from_secs(20)));
    let started = Instant::now();
    let deadline = Deadline::after(Duration::from_millis(700));
    let error = registry_error(
        client(&server.host(), deadline, None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    let took = started.elapsed();
    assert!(matches!(error, RegistryError::Deadline { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("deadline") && message.contains("team/app"),
        "{message}"
    );
    // Far below the 20 s stall and the 30 s request timeout.
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn retry_after_past_the_deadline_fails_at_once() {
    let server = FaultServer::start(|_| Reply::json(429, "{}").with_header("Retry-After", "3600"));
    let deadline = Deadline::after(Duration::from_secs(20));
    let started = Instant::now();
    let error = registry_error(
        client(&server.host(), deadline, None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(
        matches!(
            error,
            RegistryError::RetryAfterPastDeadline {
                status: 429,
                retry_after,
                ..
            } if retry_after == Duration::from_secs(3600)
        ),
        "{error:?}"
    );
    assert_eq!(server.count("/tags/list"), 1, "no second attempt");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn no_request_once_the_deadline_has_passed() {
    let server = FaultServer::start(|_| Reply::json(200, TAGS));
    let error = registry_error(
        client(&server.host(), Deadline::after(Duration::ZERO), None)
            .list_tags(&app(&server.host()))
            .unwrap_err(),
    );
    assert!(matches!(error, RegistryError::Deadline { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn waits_before_retries_are_reported_as_they_happen() {
    let counter = Arc::new(Mutex::new(0));
    let server = {
        let counter = Arc::clone(&counter);
        FaultServer::start(move |_| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            match *n {
                1 => Reply::status(503),
                2 => Reply::json(429, "{}").with_header("Retry-After", "0"),
                _ => Reply::json(200, TAGS),
            }
        })
    };
    let events = Arc::new(Mutex::new(Vec::new()));
    let observer = {
        let events = Arc::clone(&events);
        Observer::new(move |event: &RegistryEvent| events.lock().unwrap().push(event.clone()))
    };
    let deadline = Deadline::after(Duration::from_secs(30));
    let tags = client(&server.host(), deadline, Some(observer))
        .list_tags(&app(&server.host()))
        .unwrap();
    assert_eq!(tags, ["1.0", "1.1"]);
    let events = events.lock().unwrap();
    let reasons: Vec<(String, u32)> = events
        .iter()
        .map(
            |RegistryEvent::Retrying {
                 reason, attempt, ..
             }| (reason.clone(), *attempt),
        )
        .collect();
    assert_eq!(
        reasons,
        [("HTTP 503".to_owned(), 2), ("HTTP 429".to_owned(), 3)]
    );
    let shown = events[0].to_string();
    assert!(
        shown.contains(&server.host())
            && shown.contains("team/app")
            && shown.contains("attempt 2 of 4")
            && shown.contains("left before the deadline"),
        "{shown}"
    );
}
