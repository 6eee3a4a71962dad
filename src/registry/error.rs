//! Errors of the registry client: every variant names the registry host (the one the
//! user configured, not the mirror endpoint) and, where there is one, the repository.
//!
//! No variant carries a credential, a token or an `Authorization` header: the values
//! kept here are host names, repository paths, HTTP statuses and text the registry sent
//! — which a hostile registry can fill with anything, our own `Authorization` header
//! included — so every such text is cut to a bounded prefix and scrubbed of secrets
//! ([`registry_text`]) before it is stored here.

use crate::text::ShowPath as _;
use std::path::PathBuf;

/// Registry-supplied text as an error keeps it: at most a bounded prefix, with every
/// registered secret replaced ([`crate::redact`]).
pub(crate) fn registry_text(text: &str) -> String {
    crate::redact::scrub(&crate::text::bounded(text)).into_owned()
}

/// A JSON parse error of a registry body, bounded and scrubbed (serde quotes the text
/// it choked on).
pub(crate) fn json_detail(error: &serde_json::Error) -> String {
    registry_text(&error.to_string())
}

/// A failure talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached (DNS, refused connection, reset, TLS) after
    /// every retry.
    #[error("registry {host} is not reachable ({attempts} attempts)")]
    Unreachable {
        /// The registry host.
        host: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last transport error.
        #[source]
        source: Box<ureq::Error>,
    },
    /// A request did not complete within its timeout.
    #[error("registry {host} did not answer in time for {repository} ({timeout_ms} ms timeout)")]
    Timeout {
        /// The registry host.
        host: String,
        /// The repository being read.
        repository: String,
        /// The per-request timeout that elapsed, in milliseconds.
        timeout_ms: u128,
    },
    /// The server's certificate was refused (unknown CA, wrong name, expired).
    #[error(
        "TLS verification failed for registry {host} \
         (set registries[].caFile or SSL_CERT_FILE to trust a private CA)"
    )]
    Tls {
        /// The registry host.
        host: String,
        /// The TLS error.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The registry refused our credentials or anonymous access (401/403).
    #[error(
        "registry {host} refused access to {repository} (HTTP {status}){}",
        if *.anonymous { ": no credentials were configured for this host" } else { ": check the credentials" }
    )]
    Unauthorized {
        /// The registry host.
        host: String,
        /// The repository being read.
        repository: String,
        /// 401 or 403.
        status: u16,
        /// Whether the request was made without credentials.
        anonymous: bool,
    },
    /// The command's deadline for registry work ran out before this request could be
    /// made or finished.
    #[error(
        "the {}s deadline for registry work ran out while reading {repository} from registry {host} \
         (--deadline or IMAGESCAN_DEADLINE sets it)",
        budget.as_secs_f64()
    )]
    Deadline {
        /// The registry host.
        host: String,
        /// The repository being read.
        repository: String,
        /// The deadline's budget.
        budget: std::time::Duration,
    },
    /// The registry asked to wait (`Retry-After`) longer than the deadline leaves.
    #[error(
        "registry {host} answered HTTP {status} for {repository} and asked to wait {}s, \
         past the deadline for registry work ({:.1}s left)",
        retry_after.as_secs(),
        left.as_secs_f64()
    )]
    RetryAfterPastDeadline {
        /// The registry host.
        host: String,
        /// The repository being read.
        repository: String,
        /// 429 or 503.
        status: u16,
        /// The wait asked for.
        retry_after: std::time::Duration,
        /// Time that was left.
        left: std::time::Duration,
    },
    /// The token service named by the registry's Bearer challenge failed.
    #[error("token service {realm} of registry {host} failed for {repository}: {reason}")]
    Token {
        /// The registry host.
        host: String,
        /// The repository the token was for.
        repository: String,
        /// The token service URL (from the challenge).
        realm: String,
        /// What went wrong (status, missing token field).
        reason: String,
    },
    /// A `WWW-Authenticate` challenge we cannot answer.
    #[error("registry {host} sent an unsupported authentication challenge: {challenge_q}", challenge_q = crate::text::quoted(.challenge))]
    UnsupportedChallenge {
        /// The registry host.
        host: String,
        /// The challenge header value (never holds a credential).
        challenge: String,
    },
    /// The repository or tag does not exist (404).
    #[error("registry {host} has no {repository}{}", tag.as_ref().map(|t| format!(":{t}")).unwrap_or_default())]
    NotFound {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The tag, when a manifest was asked for.
        tag: Option<String>,
    },
    /// The registry kept answering 429 Too Many Requests.
    #[error("registry {host} rate-limited {repository} ({attempts} attempts, HTTP 429)")]
    RateLimited {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The host said it is out of quota, and its window ends later than this command
    /// may wait: no request was sent.
    #[error(
        "registry {host} is out of quota for another {}s (it said so); {repository} not requested",
        wait.as_secs()
    )]
    OutOfQuota {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// Until the window ends.
        wait: std::time::Duration,
    },
    /// Any other unexpected HTTP status (5xx after retries, 400, 405…).
    #[error("registry {host} answered HTTP {status} for {repository} ({attempts} attempts)")]
    Status {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The HTTP status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A response body could not be read (connection cut, over the size limit).
    #[error("reading the response of registry {host} for {repository} failed")]
    Body {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The underlying error.
        #[source]
        source: Box<ureq::Error>,
    },
    /// A JSON body (tag list, index, token) did not parse — e.g. truncated.
    #[error("registry {host} sent an invalid {what} for {repository}: {detail}")]
    InvalidJson {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// What was being parsed (`tag list`, `image index`, `token response`).
        what: &'static str,
        /// The parse error, bounded and scrubbed: serde quotes the registry's text.
        detail: String,
    },
    /// A `Link` header that is not `<URL>; rel="next"` or points back to a page already
    /// read.
    #[error("registry {host} sent an unusable Link header for {repository}: {reason}: {link_q}", link_q = crate::text::quoted(.link))]
    InvalidLink {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The header value.
        link: String,
        /// Why it is unusable.
        reason: &'static str,
    },
    /// A tag listing went past the page or tag limit (a registry sending `Link` cursors
    /// without end, or an absurd number of tags).
    #[error(
        "registry {host} listed more than {limit} {what} for {repository}; imagescan stops \
         there (a registry paginating without end?)"
    )]
    ListingTooLong {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// `pages` or `tags`.
        what: &'static str,
        /// The limit that was reached.
        limit: usize,
    },
    /// Neither a valid `Docker-Content-Digest` header nor a manifest body that can be
    /// hashed: no digest is made up.
    #[error("registry {host} gave no usable digest for {host}/{repository}:{tag}: {reason}")]
    NoDigest {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
        /// What was missing.
        reason: &'static str,
    },
    /// A digest that is not `algorithm:hex`.
    #[error("registry {host} sent an invalid digest {digest_q} for {repository}:{tag}", digest_q = crate::text::quoted(.digest))]
    InvalidDigest {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
        /// The value received.
        digest: String,
    },
    /// The image index has no manifest for the requested platform.
    #[error(
        "{host}/{repository}:{tag} has no manifest for platform {platform} (available: {})",
        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
    )]
    PlatformNotFound {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
        /// The platform asked for.
        platform: String,
        /// The platforms the index lists.
        available: Box<[String]>,
    },
    /// A configured endpoint is not an `http://` or `https://` URL.
    #[error("endpoint {endpoint_q} of registry {host} is not an http:// or https:// URL", endpoint_q = crate::text::quoted(.endpoint))]
    InvalidEndpoint {
        /// The registry host.
        host: String,
        /// The endpoint as configured.
        endpoint: String,
    },
    /// A CA file (`caFile` or `SSL_CERT_FILE`) could not be read.
    #[error("cannot read CA certificates {} for registry {host}", path.shown())]
    CaFile {
        /// The registry host.
        host: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CA file holds no PEM certificate, or a malformed one.
    #[error("{} holds no valid PEM certificate (trusted CAs for registry {host})", path.shown())]
    InvalidCaFile {
        /// The registry host.
        host: String,
        /// The file.
        path: PathBuf,
    },
}
