//! The HTTP client of one registry host: where its API is reached (the host, or a
//! mirror `endpoint`), how (TLS roots, `insecure`), with which credential, and the
//! request loop every call goes through — timeouts, retries, and answering `401`
//! challenges (Basic or a Bearer token, reused until it expires).
//!
//! Tag listing and digests build on [`RegistryClient::fetch`] in [`super::tags`] and
//! [`super::manifest`]. Nothing here prints, and no credential or token ever goes into
//! an error or a `Debug` output.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use ureq::Agent;
use ureq::http::HeaderMap;
use ureq::unversioned::transport::DefaultConnector;

use super::auth::{
    Challenge, TokenCache, TokenResponse, parse_challenges, pull_scope, refresh_token_form,
    token_url,
};
use super::credential::Credential;
use super::deadline::{Deadline, within};
use super::error::{RegistryError, json_detail, registry_text};
use super::event::{Observer, RegistryEvent};
use super::quota::HostQuota;
use super::resolve::HostResolver;
use super::retry::{RetryPolicy, parse_retry_after};

/// How one registry host is reached (SPEC §2 `registries:`), as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSettings {
    /// The registry host as images name it (`registry.example.com:5000`,
    /// `registry-1.docker.io`); credentials and errors are keyed by it.
    pub host: String,
    /// Where the API is reached instead (`https://mirror.internal:5000`), if set.
    pub endpoint: Option<String>,
    /// Plain HTTP, and no TLS verification should an endpoint say `https://`.
    pub insecure: bool,
    /// An extra trusted CA bundle (PEM) for this host.
    pub ca_file: Option<PathBuf>,
}

impl HostSettings {
    /// Settings for `host` with no endpoint, TLS verified, no extra CA.
    pub fn new(host: impl Into<String>) -> Self {
        HostSettings {
            host: host.into(),
            endpoint: None,
            insecure: false,
            ca_file: None,
        }
    }
}

/// Timeouts, retries and limits shared by every request of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Time to establish a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for a whole request, response body included.
    pub request_timeout: Duration,
    /// Retries on connection errors, 5xx and 429.
    pub retry: RetryPolicy,
    /// The CA bundle from `SSL_CERT_FILE`, trusted in place of the built-in roots.
    pub ssl_cert_file: Option<PathBuf>,
    /// The largest response body accepted (a tag list page, a manifest, a token).
    pub max_body_bytes: u64,
    /// The most pages one tag listing may take (a registry that keeps sending new
    /// `Link` cursors is cut off here).
    pub max_pages: usize,
    /// The most tags one listing may hold, over all its pages.
    pub max_tags: usize,
    /// When all registry work must be over: request timeouts are cut to it and no
    /// retry waits past it.
    pub deadline: Option<Deadline>,
    /// Told about waits before retries, as they happen.
    pub observer: Option<Observer>,
    /// The host's limits, shared by every client of the host in the process.
    pub quota: Option<SharedQuota>,
}

/// A [`HostQuota`] shared between clients (equal when it is the same one).
#[derive(Debug, Clone)]
pub struct SharedQuota(pub Arc<HostQuota>);

impl PartialEq for SharedQuota {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedQuota {}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            ssl_cert_file: None,
            max_body_bytes: 64 << 20,
            max_pages: 5_000,
            max_tags: 250_000,
            deadline: None,
            observer: None,
            quota: None,
        }
    }
}

impl ClientOptions {
    /// The defaults, with `SSL_CERT_FILE` read from the environment.
    pub fn from_env() -> Self {
        ClientOptions {
            ssl_cert_file: std::env::var_os("SSL_CERT_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            ..ClientOptions::default()
        }
    }
}

/// HTTP method of a registry request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    /// With a form body (the token service's OAuth2 grant).
    Post,
}

/// A finished exchange: status, headers and the whole body (empty for HEAD).
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Exchange {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The client of one registry host. Cheap to share between threads (`&self` methods);
/// connections are pooled and tokens cached inside.
pub struct RegistryClient {
    settings: HostSettings,
    credential: Option<Credential>,
    options: ClientOptions,
    base_url: String,
    plain: OnceLock<Agent>,
    tls: OnceLock<Agent>,
    tokens: TokenCache,
    /// The Bearer realm and service this host challenged with, once seen.
    bearer: Mutex<Option<(String, Option<String>)>>,
    /// Whether the host asked for Basic: later requests send it up front.
    basic: AtomicBool,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("settings", &self.settings)
            .field("credential", &self.credential)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RegistryClient {
    /// A client for `settings`, with default options and `SSL_CERT_FILE` from the
    /// environment. Nothing is read or connected until the first request.
    pub fn new(
        settings: HostSettings,
        credential: Option<Credential>,
    ) -> Result<Self, RegistryError> {
        Self::with_options(settings, credential, ClientOptions::from_env())
    }

    /// A client with explicit options.
    pub fn with_options(
        settings: HostSettings,
        credential: Option<Credential>,
        options: ClientOptions,
    ) -> Result<Self, RegistryError> {
        let base_url = match &settings.endpoint {
            Some(endpoint) => {
                let trimmed = endpoint.trim().trim_end_matches('/');
                let valid = ["http://", "https://"].iter().any(|scheme| {
                    trimmed
                        .get(..scheme.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
                        && trimmed.len() > scheme.len()
                });
                if !valid {
                    return Err(RegistryError::InvalidEndpoint {
                        host: settings.host.clone(),
                        endpoint: endpoint.clone(),
                    });
                }
                trimmed.to_owned()
            }
            None if settings.insecure => format!("http://{}", settings.host),
            None => format!("https://{}", settings.host),
        };
        // Whatever a registry reflects back, these never reach an output.
        match &credential {
            Some(c) if c.identity_token => crate::redact::secret(&c.password),
            Some(c) => crate::redact::basic(&c.username, &c.password),
            None => {}
        }
        Ok(RegistryClient {
            settings,
            credential,
            options,
            base_url,
            plain: OnceLock::new(),
            tls: OnceLock::new(),
            tokens: TokenCache::default(),
            bearer: Mutex::new(None),
            basic: AtomicBool::new(false),
        })
    }

    /// The options it was built with.
    pub(crate) fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The registry host this client is for.
    pub fn host(&self) -> &str {
        &self.settings.host
    }

    /// Where the API is reached: `https://HOST`, `http://HOST` (insecure) or the endpoint.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether `url` is on this registry's API origin (scheme, host and port), so that it
    /// may receive our `Authorization` header.
    pub(crate) fn is_own_url(&self, url: &str) -> bool {
        let origin_end = self
            .base_url
            .find("://")
            .and_then(|i| self.base_url[i + 3..].find('/').map(|j| i + 3 + j))
            .unwrap_or(self.base_url.len());
        let origin = &self.base_url[..origin_end];
        url.get(..origin.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(origin))
            && matches!(url.as_bytes().get(origin.len()), None | Some(b'/' | b'?'))
    }

    /// `BASE/v2/REPOSITORY/SUFFIX`.
    pub(crate) fn api_url(&self, repository: &str, suffix: &str) -> String {
        format!("{}/v2/{repository}/{suffix}", self.base_url)
    }

    /// One authenticated request: answers a `401` challenge once, then returns whatever
    /// status came back except `401`/`403`, which become [`RegistryError::Unauthorized`].
    pub(crate) fn fetch(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        repository: &str,
    ) -> Result<Exchange, RegistryError> {
        let scope = pull_scope(repository);
        let same_origin = self.is_own_url(url);
        // Authorization only goes to the registry itself, never to a foreign Link target.
        let mut authorization = if same_origin {
            self.known_authorization(&scope)
        } else {
            None
        };
        let mut challenged = false;
        loop {
            let exchange = self.send(
                method,
                url,
                accept,
                authorization.as_deref(),
                None,
                repository,
            )?;
            match exchange.status {
                401 if !challenged && same_origin => {
                    challenged = true;
                    let challenges: Vec<Challenge> = exchange
                        .headers
                        .get_all("www-authenticate")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(parse_challenges)
                        .collect();
                    authorization = Some(self.answer(&challenges, &scope, repository)?);
                }
                401 | 403 => return Err(self.unauthorized(repository, exchange.status)),
                _ => return Ok(exchange),
            }
        }
    }

    /// The registry (or its token service) refused access to `repository` with `status`.
    fn unauthorized(&self, repository: &str, status: u16) -> RegistryError {
        RegistryError::Unauthorized {
            host: self.settings.host.clone(),
            repository: repository.to_owned(),
            status,
            anonymous: self.credential.is_none(),
        }
    }

    /// The `Authorization` value to send before being challenged: a cached token, or
    /// Basic once the host asked for it.
    fn known_authorization(&self, scope: &str) -> Option<String> {
        if let Some((realm, service)) = self.bearer.lock().ok()?.as_ref()
            && let Some(token) = self.tokens.get(realm, service.as_deref(), scope)
        {
            return Some(format!("Bearer {token}"));
        }
        if self.basic.load(Ordering::Relaxed) {
            return self.credential.as_ref().map(Credential::basic_header);
        }
        None
    }

    /// The `Authorization` value answering `challenges`.
    fn answer(
        &self,
        challenges: &[Challenge],
        scope: &str,
        repository: &str,
    ) -> Result<String, RegistryError> {
        let unauthorized = || self.unauthorized(repository, 401);
        let bearer = challenges.iter().find_map(|c| match c {
            Challenge::Bearer { realm, service } => Some((realm, service)),
            _ => None,
        });
        if let Some((realm, service)) = bearer {
            if let Ok(mut known) = self.bearer.lock() {
                *known = Some((realm.clone(), service.clone()));
            }
            let token = self.fetch_token(realm, service.as_deref(), scope, repository)?;
            return Ok(format!("Bearer {token}"));
        }
        if challenges.contains(&Challenge::Basic) {
            self.basic.store(true, Ordering::Relaxed);
            return self
                .credential
                .as_ref()
                .map(Credential::basic_header)
                .ok_or_else(unauthorized);
        }
        match challenges.first() {
            Some(Challenge::Other(scheme)) => Err(RegistryError::UnsupportedChallenge {
                host: self.settings.host.clone(),
                challenge: registry_text(scheme),
            }),
            _ => Err(unauthorized()),
        }
    }

    /// A fresh token from the token service, and remembered until it expires: asked with
    /// a GET carrying the credential with Basic (or nothing, for an anonymous token), or,
    /// for an identity token, with a POST of an OAuth2 `refresh_token` grant.
    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        repository: &str,
    ) -> Result<String, RegistryError> {
        self.tokens.remove(realm, service, scope);
        let issued = Instant::now();
        let exchange = match &self.credential {
            // An identity token is exchanged in the body of a POST, never in the URL.
            Some(credential) if credential.identity_token => {
                let form = refresh_token_form(service, scope, &credential.password);
                let url = realm;
                let accept = "application/json";
                self.send(Method::Post, url, accept, None, Some(&form), repository)?
            }
            credential => {
                let url = token_url(realm, service, scope);
                let basic = credential.as_ref().map(Credential::basic_header);
                let accept = "application/json";
                self.send(
                    Method::Get,
                    &url,
                    accept,
                    basic.as_deref(),
                    None,
                    repository,
                )?
            }
        };
        let token_error = |reason: String| RegistryError::Token {
            host: self.settings.host.clone(),
            repository: repository.to_owned(),
            realm: registry_text(realm),
            reason,
        };
        match exchange.status {
            200 => {}
            401 | 403 => return Err(self.unauthorized(repository, exchange.status)),
            status => return Err(token_error(format!("HTTP {status}"))),
        }
        let response: TokenResponse = serde_json::from_slice(&exchange.body).map_err(|source| {
            RegistryError::InvalidJson {
                host: self.settings.host.clone(),
                repository: repository.to_owned(),
                what: "token response",
                detail: json_detail(&source),
            }
        })?;
        let (token, lifetime) = response
            .into_token()
            .ok_or_else(|| token_error("the response holds no token".to_owned()))?;
        crate::redact::secret(&token);
        self.tokens
            .put(realm, service, scope, token.clone(), issued, lifetime);
        Ok(token)
    }

    /// Sends one request, retrying connection errors, 5xx and 429 with backoff (and
    /// `Retry-After`), and reads the whole body within the request timeout — all within
    /// the deadline, if there is one.
    fn send(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        authorization: Option<&str>,
        form: Option<&str>,
        repository: &str,
    ) -> Result<Exchange, RegistryError> {
        let agent = self.agent_for(url)?;
        let policy = &self.options.retry;
        let max_attempts = policy.max_attempts.max(1);
        let deadline = self.options.deadline.as_ref();
        let mut failed = 0;
        loop {
            let timeouts = within(self.options.request_timeout, deadline)
                .map(|request| (request, self.options.connect_timeout.min(request)));
            let Some((request_timeout, connect_timeout)) = timeouts else {
                return Err(self.deadline_error(repository));
            };
            // The host's limits apply to requests to the host itself (not its token
            // service); a window it named is waited for only as long as a Retry-After
            // would be, and never past the deadline.
            let quota = self.options.quota.as_ref().filter(|_| self.is_own_url(url));
            let max_wait = deadline.map_or(policy.max_retry_after, |d| {
                d.remaining()
                    .unwrap_or_default()
                    .min(policy.max_retry_after)
            });
            let out_of_quota = |until: SystemTime| RegistryError::OutOfQuota {
                host: self.settings.host.clone(),
                repository: repository.to_owned(),
                wait: until.duration_since(SystemTime::now()).unwrap_or_default(),
            };
            let _permit = match quota {
                Some(quota) => Some(
                    quota
                        .0
                        .acquire(max_wait)
                        .map_err(|closed| out_of_quota(closed.until))?,
                ),
                None => None,
            };
            let outcome = self.send_once(
                agent,
                Request {
                    method,
                    url,
                    accept,
                    authorization,
                    form,
                    request_timeout,
                    connect_timeout,
                },
            );
            if let (Some(quota), Ok(exchange)) = (quota, &outcome) {
                // A window learnt here holds back every later request to the host (the
                // retry below included) until it ends.
                quota.0.observe(exchange.status, &exchange.headers);
            }
            drop(_permit);
            failed += 1;
            let (retry_after, reason) = match outcome {
                Ok(exchange) if exchange.status == 429 || (500..600).contains(&exchange.status) => {
                    if failed >= max_attempts {
                        return Err(if exchange.status == 429 {
                            RegistryError::RateLimited {
                                host: self.settings.host.clone(),
                                repository: repository.to_owned(),
                                attempts: failed,
                            }
                        } else {
                            RegistryError::Status {
                                host: self.settings.host.clone(),
                                repository: repository.to_owned(),
                                status: exchange.status,
                                attempts: failed,
                            }
                        });
                    }
                    let retry_after = exchange
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    if let (Some(wait), Some(deadline)) = (retry_after, deadline) {
                        let left = deadline.remaining().unwrap_or_default();
                        if wait >= left {
                            return Err(RegistryError::RetryAfterPastDeadline {
                                host: self.settings.host.clone(),
                                repository: repository.to_owned(),
                                status: exchange.status,
                                retry_after: wait,
                                left,
                            });
                        }
                    }
                    (retry_after, format!("HTTP {}", exchange.status))
                }
                Ok(exchange) => return Ok(exchange),
                Err(error) => {
                    let error = self.classify(error, url, repository, failed);
                    match error {
                        Failure::Retry(source) if failed >= max_attempts => {
                            return Err(RegistryError::Unreachable {
                                host: self.settings.host.clone(),
                                attempts: failed,
                                source: Box::new(source),
                            });
                        }
                        Failure::Retry(source) => (None, transport_reason(&source).to_owned()),
                        Failure::Fatal(error) => return Err(error),
                    }
                }
            };
            let wait = policy.delay(failed, retry_after);
            let left = deadline.map(|d| d.remaining().unwrap_or_default());
            if left.is_some_and(|left| wait >= left) {
                return Err(self.deadline_error(repository));
            }
            if let Some(observer) = &self.options.observer {
                observer.notify(&RegistryEvent::Retrying {
                    host: self.settings.host.clone(),
                    repository: repository.to_owned(),
                    reason,
                    attempt: failed + 1,
                    max_attempts,
                    wait,
                    left,
                });
            }
            std::thread::sleep(wait);
        }
    }

    /// The deadline ran out for a request about `repository`.
    fn deadline_error(&self, repository: &str) -> RegistryError {
        RegistryError::Deadline {
            host: self.settings.host.clone(),
            repository: repository.to_owned(),
            budget: self
                .options
                .deadline
                .map(|d| d.budget())
                .unwrap_or_default(),
        }
    }

    fn send_once(&self, agent: &Agent, request: Request<'_>) -> Result<Exchange, ureq::Error> {
        let Request {
            method,
            url,
            accept,
            authorization,
            form,
            request_timeout,
            connect_timeout,
        } = request;
        let mut response = if method == Method::Post {
            agent
                .post(url)
                .config()
                .timeout_global(Some(request_timeout))
                .timeout_connect(Some(connect_timeout))
                .build()
                .header("Accept", accept)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .send(form.unwrap_or_default())?
        } else {
            let mut request = match method {
                Method::Head => agent.head(url),
                _ => agent.get(url),
            }
            .config()
            .timeout_global(Some(request_timeout))
            .timeout_connect(Some(connect_timeout))
            .build()
            .header("Accept", accept);
            if let Some(value) = authorization {
                request = request.header("Authorization", value);
            }
            request.call()?
        };
        let status = response.status().as_u16();
        let body = if method == Method::Head {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(self.options.max_body_bytes)
                .read_to_vec()?
        };
        let headers = std::mem::take(response.headers_mut());
        Ok(Exchange {
            status,
            headers,
            body,
        })
    }

    /// Which transport errors are worth another attempt.
    fn classify(&self, error: ureq::Error, url: &str, repository: &str, attempts: u32) -> Failure {
        let host = self.settings.host.clone();
        let https = url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        match error {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_) => Failure::Retry(error),
            // rustls reports certificate problems as InvalidData I/O errors.
            ureq::Error::Io(ref io) if https && io.kind() == std::io::ErrorKind::InvalidData => {
                Failure::Fatal(RegistryError::Tls {
                    host,
                    source: Box::new(error),
                })
            }
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
                Failure::Fatal(RegistryError::Tls {
                    host,
                    source: Box::new(error),
                })
            }
            ureq::Error::Io(_) => Failure::Retry(error),
            ureq::Error::Timeout(_)
                if self
                    .options
                    .deadline
                    .is_some_and(|d| d.remaining().is_none_or(|left| left < TIMER_SLACK)) =>
            {
                Failure::Fatal(self.deadline_error(repository))
            }
            ureq::Error::Timeout(_) => Failure::Fatal(RegistryError::Timeout {
                host,
                repository: repository.to_owned(),
                timeout_ms: self.options.request_timeout.as_millis(),
            }),
            ureq::Error::BodyExceedsLimit(_) => Failure::Fatal(RegistryError::Body {
                host,
                repository: repository.to_owned(),
                source: Box::new(error),
            }),
            _ => Failure::Fatal(RegistryError::Unreachable {
                host,
                attempts,
                source: Box::new(error),
            }),
        }
    }

    /// The agent for `url`'s scheme, built on first use: the TLS one reads CA files,
    /// so plain-HTTP hosts never do.
    fn agent_for(&self, url: &str) -> Result<&Agent, RegistryError> {
        let https = url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let cell = if https { &self.tls } else { &self.plain };
        if let Some(agent) = cell.get() {
            return Ok(agent);
        }
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(self.options.connect_timeout))
            .timeout_global(Some(self.options.request_timeout))
            .user_agent(concat!("imagescan/", env!("CARGO_PKG_VERSION")));
        if https {
            config = config.tls_config(super::tls::tls_config(&self.settings, &self.options)?);
        }
        let config = config
            // Every connection the host's concurrency bound allows stays open for reuse.
            .max_idle_connections_per_host(super::quota::DEFAULT_MAX_CONCURRENT)
            // ureq zero-fills 128 KiB for each direction of each connection by default.
            // A response head must fit the input buffer (so it is the header limit);
            // a request head, with a token or a Link cursor, is a few KiB at most.
            .input_buffer_size(INPUT_BUFFER)
            .max_response_header_size(INPUT_BUFFER)
            .output_buffer_size(OUTPUT_BUFFER)
            .build();
        Ok(cell.get_or_init(|| {
            Agent::with_parts(config, DefaultConnector::default(), HostResolver::default())
        }))
    }
}

enum Failure {
    Retry(ureq::Error),
    Fatal(RegistryError),
}

/// Bytes buffered from a connection: the largest response head accepted (ureq's
/// default limit), bodies stream through it.
const INPUT_BUFFER: usize = 64 * 1024;
/// Bytes buffered towards a connection: a request head (URL, token), or a token form.
const OUTPUT_BUFFER: usize = 32 * 1024;

/// How close to the deadline a timeout counts as the deadline's.
const TIMER_SLACK: Duration = Duration::from_millis(50);

/// One request to send, with the timeouts left for it.
struct Request<'a> {
    method: Method,
    url: &'a str,
    accept: &'a str,
    authorization: Option<&'a str>,
    form: Option<&'a str>,
    request_timeout: Duration,
    connect_timeout: Duration,
}

/// A short name for a retried transport error, for progress messages.
fn transport_reason(error: &ureq::Error) -> &'static str {
    match error {
        ureq::Error::Timeout(_) => "connection timed out",
        ureq::Error::ConnectionFailed => "connection failed",
        ureq::Error::Protocol(_) => "protocol error",
        ureq::Error::Io(_) => "connection error",
        _ => "transport error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_api_origin_gets_credentials() {
        let client = |endpoint: Option<&str>| {
            RegistryClient::with_options(
                HostSettings {
                    endpoint: endpoint.map(str::to_owned),
                    ..HostSettings::new("r.example:5000")
                },
                None,
                ClientOptions::default(),
            )
            .unwrap()
        };
        let plain = client(None);
        let mirror = client(Some("http://mirror:8080/prefix/"));
        assert_eq!(mirror.base_url(), "http://mirror:8080/prefix");
        for (c, url, own) in [
            (&plain, "https://r.example:5000/v2/a/tags/list?n=1", true),
            (&plain, "https://R.EXAMPLE:5000/v2/a", true),
            (&plain, "https://r.example:50001/v2/a", false),
            (&plain, "https://r.example:5000.evil/v2/a", false),
            (&plain, "http://r.example:5000/v2/a", false),
            (&plain, "https://cdn.example/v2/a", false),
            (&mirror, "http://mirror:8080/v2/a", true),
            (&mirror, "http://mirror:8081/v2/a", false),
        ] {
            assert_eq!(c.is_own_url(url), own, "{url}");
        }
    }
}
