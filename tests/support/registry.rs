//! Real registries for the tests: Debian's `docker-registry` (distribution 2.8) started
//! on 127.0.0.1 from config files written here, with temporary storage; images pushed
//! with plain HTTP (blob upload + manifest PUT); a test CA made with openssl; and a
//! token server issuing RS256 JWTs (the Docker Hub flow). Every process is killed by
//! PID when its handle drops. A missing binary fails the test: scripts/install-test-deps
//! installs them.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use super::fault_server::{FaultServer, Reply, Request};

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Fails the test with the fix when a system command is missing.
pub fn require(command: &str) -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/sbin", "/usr/bin"])
    {
        let candidate = Path::new(dir).join(command);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "`{command}` is missing: run scripts/install-test-deps (Debian packages docker-registry, apache2-utils, openssl)"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How a registry instance authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    /// `auth: htpasswd` with one user.
    Htpasswd {
        username: String,
        password: String,
    },
    /// `auth: token` trusting the token server's certificate.
    Token {
        realm: String,
        service: String,
        issuer: String,
        root_cert: PathBuf,
    },
}

/// A running `docker-registry serve` process.
pub struct Registry {
    child: Child,
    pub port: u16,
    pub scheme: &'static str,
    pub storage: PathBuf,
    dir: tempfile::TempDir,
}

impl Registry {
    /// An anonymous plain-HTTP registry with fresh storage.
    pub fn anonymous() -> Registry {
        let storage = tempfile::tempdir().unwrap().keep();
        Registry::start(&storage, Auth::Anonymous, None)
    }

    /// A registry on `storage` (which several instances may share) with `auth`, and TLS
    /// with `(certificate, key)` when given.
    pub fn start(storage: &Path, auth: Auth, tls: Option<(&Path, &Path)>) -> Registry {
        let binary = require("docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: imagescan-tests\n",
            storage.display()
        );
        if let Some((cert, key)) = tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        match &auth {
            Auth::Anonymous => {}
            Auth::Htpasswd { username, password } => {
                let file = dir.path().join("htpasswd");
                let out = Command::new(require("htpasswd"))
                    .args(["-Bbn", username, password])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "htpasswd failed");
                std::fs::write(&file, out.stdout).unwrap();
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: imagescan-tests\n    path: {}\n",
                    file.display()
                ));
            }
            Auth::Token {
                realm,
                service,
                issuer,
                root_cert,
            } => {
                config.push_str(&format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
                    root_cert.display()
                ));
            }
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut registry = Registry {
            child,
            port,
            scheme: if tls.is_some() { "https" } else { "http" },
            storage: storage.to_owned(),
            dir,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("docker-registry exited ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "docker-registry did not listen on {}: {}",
            self.port,
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Child::kill sends SIGKILL to this PID only.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes blobs and manifests to a registry over plain HTTP.
pub struct Pusher {
    base: String,
    agent: ureq::Agent,
}

/// A pushed manifest: its digest, bytes and media type.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub media_type: &'static str,
    pub size: usize,
}

pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

impl Pusher {
    pub fn new(registry: &Registry) -> Pusher {
        assert_eq!(
            registry.scheme, "http",
            "push through a plain-HTTP instance"
        );
        Pusher {
            base: registry.url(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent(),
        }
    }

    pub fn blob(&self, repository: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let response = self
            .agent
            .post(&format!("{}/v2/{repository}/blobs/uploads/", self.base))
            .send_empty()
            .unwrap();
        assert_eq!(response.status().as_u16(), 202, "start upload");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let response = self
            .agent
            .put(&format!("{location}{separator}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "finish upload of {digest}");
        digest
    }

    pub fn manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &'static str,
        body: &[u8],
    ) -> Pushed {
        let mut response = self
            .agent
            .put(&format!(
                "{}/v2/{repository}/manifests/{reference}",
                self.base
            ))
            .header("Content-Type", media_type)
            .send(body)
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(
            status,
            201,
            "PUT manifest {repository}:{reference}: {}",
            response.body_mut().read_to_string().unwrap_or_default()
        );
        let digest = sha256(body);
        assert_eq!(
            response.headers()["docker-content-digest"]
                .to_str()
                .unwrap(),
            digest
        );
        Pushed {
            digest,
            media_type,
            size: body.len(),
        }
    }

    /// A single-platform image manifest (OCI or Docker v2) for `os/arch[/variant]`,
    /// pushed by digest (no tag).
    pub fn image(
        &self,
        repository: &str,
        oci: bool,
        platform: (&str, &str, Option<&str>),
    ) -> Pushed {
        let (os, arch, variant) = platform;
        let variant_field = variant
            .map(|v| format!(",\"variant\":\"{v}\""))
            .unwrap_or_default();
        let layer = format!("layer of {repository} {os}/{arch}{variant_field}").into_bytes();
        let layer_digest = self.blob(repository, &layer);
        let config = format!(
            "{{\"architecture\":\"{arch}\",\"os\":\"{os}\"{variant_field},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layer_digest}\"]}}}}"
        )
        .into_bytes();
        let config_digest = self.blob(repository, &config);
        let (media_type, config_type, layer_type) = if oci {
            (
                OCI_MANIFEST,
                "application/vnd.oci.image.config.v1+json",
                "application/vnd.oci.image.layer.v1.tar+gzip",
            )
        } else {
            (
                DOCKER_MANIFEST,
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            )
        };
        let manifest = format!(
            "{{\"schemaVersion\":2,\"mediaType\":\"{media_type}\",\"config\":{{\"mediaType\":\"{config_type}\",\"digest\":\"{config_digest}\",\"size\":{}}},\"layers\":[{{\"mediaType\":\"{layer_type}\",\"digest\":\"{layer_digest}\",\"size\":{}}}]}}",
            config.len(),
            layer.len()
        );
        let digest = sha256(manifest.as_bytes());
        self.manifest(repository, &digest, media_type, manifest.as_bytes())
    }

    /// A multi-arch index (OCI index of OCI manifests, or Docker manifest list of
    /// Docker v2 manifests) tagged `tag`, for `platforms`. Returns the index and the
    /// children in the order of `platforms`.
    pub fn index(
        &self,
        repository: &str,
        tag: &str,
        oci: bool,
        platforms: &[(&str, &str, Option<&str>)],
    ) -> (Pushed, Vec<Pushed>) {
        let children: Vec<Pushed> = platforms
            .iter()
            .map(|p| self.image(repository, oci, *p))
            .collect();
        let entries: Vec<String> = children
            .iter()
            .zip(platforms)
            .map(|(child, (os, arch, variant))| {
                let variant = variant.map(|v| format!(",\"variant\":\"{v}\"")).unwrap_or_default();
                format!(
                    "{{\"mediaType\":\"{}\",\"digest\":\"{}\",\"size\":{},\"platform\":{{\"architecture\":\"{arch}\",\"os\":\"{os}\"{variant}}}}}",
                    child.media_type, child.digest, child.size
                )
            })
            .collect();
        let media_type = if oci { OCI_INDEX } else { DOCKER_LIST };
        let index = format!(
            "{{\"schemaVersion\":2,\"mediaType\":\"{media_type}\",\"manifests\":[{}]}}",
            entries.join(",")
        );
        let pushed = self.manifest(repository, tag, media_type, index.as_bytes());
        (pushed, children)
    }

    /// One image tagged with every name in `tags` (PUTs spread over a few threads).
    pub fn tags(&self, repository: &str, tags: &[String]) -> Pushed {
        let image = self.image(repository, false, ("linux", "amd64", None));
        let body = self.manifest_bytes(repository, &image.digest);
        imagescan::registry::run_bounded(tags.to_vec(), 4, |tag| {
            self.manifest(repository, &tag, DOCKER_MANIFEST, &body);
        });
        image
    }

    fn manifest_bytes(&self, repository: &str, digest: &str) -> Vec<u8> {
        let mut response = self
            .agent
            .get(&format!("{}/v2/{repository}/manifests/{digest}", self.base))
            .header("Accept", DOCKER_MANIFEST)
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.body_mut().read_to_vec().unwrap()
    }
}

/// A test CA and a leaf for 127.0.0.1/localhost, made with openssl.
pub struct TestCa {
    pub ca_cert: PathBuf,
    pub leaf_cert: PathBuf,
    pub leaf_key: PathBuf,
    _dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new(require("openssl"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestCa {
    pub fn generate() -> TestCa {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=imagescan test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            d.join("leaf.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
            ],
        );
        TestCa {
            ca_cert: d.join("ca.pem"),
            leaf_cert: d.join("leaf.pem"),
            leaf_key: d.join("leaf.key"),
            _dir: dir,
        }
    }
}

/// A token service for `auth: token` registries: checks Basic credentials on a GET (or
/// lets anonymous callers in when `anonymous`), or, on a POST, an OAuth2 `refresh_token`
/// grant whose refresh token is the password (an identity token), and issues RS256 JWTs
/// signed with openssl, the signing certificate in the `x5c` header, `aud` a single
/// string — as `token` for a GET, `access_token` for a POST, as real services answer.
pub struct TokenServer {
    pub server: FaultServer,
    pub cert: PathBuf,
    pub service: String,
    pub issuer: String,
    pub issued: Arc<AtomicUsize>,
    _dir: Arc<tempfile::TempDir>,
}

impl TokenServer {
    pub fn start(username: &str, password: &str, anonymous: bool, expires_in: u64) -> TokenServer {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let d = dir.path().to_owned();
        openssl(
            &d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "token.key",
                "-out",
                "token.pem",
                "-days",
                "2",
                "-subj",
                "/CN=imagescan test token signer",
            ],
        );
        openssl(
            &d,
            &[
                "x509",
                "-in",
                "token.pem",
                "-outform",
                "DER",
                "-out",
                "token.der",
            ],
        );
        let der = std::fs::read(d.join("token.der")).unwrap();
        let service = "imagescan-test-registry".to_owned();
        let issuer = "imagescan-test-issuer".to_owned();
        let expected = format!(
            "Basic {}",
            base64(format!("{username}:{password}").as_bytes(), false)
        );
        let issued = Arc::new(AtomicUsize::new(0));
        let server = {
            let issued = Arc::clone(&issued);
            let service = service.clone();
            let issuer = issuer.clone();
            let key = d.join("token.key");
            let refresh_token = password.to_owned();
            FaultServer::start(move |request: &Request| {
                if !request.path().ends_with("/token") {
                    return Reply::status(404);
                }
                let post = request.method == "POST";
                let (given_service, scope) = if post {
                    if request.header("Authorization").is_some()
                        || request.form("grant_type").as_deref() != Some("refresh_token")
                        || request.form("client_id").is_none_or(|id| id.is_empty())
                    {
                        return Reply::json(400, r#"{"error":"invalid_request"}"#);
                    }
                    if request.form("refresh_token") != Some(refresh_token.clone()) {
                        return Reply::json(401, r#"{"error":"invalid_grant"}"#);
                    }
                    (
                        request.form("service"),
                        request.form("scope").unwrap_or_default(),
                    )
                } else {
                    match request.header("Authorization") {
                        Some(given) if given == expected => {}
                        None if anonymous => {}
                        _ => return Reply::json(401, r#"{"details":"bad credentials"}"#),
                    }
                    let scope = request
                        .query("scope")
                        .unwrap_or("")
                        .replace("%3A", ":")
                        .replace("%2F", "/");
                    (request.query("service").map(str::to_owned), scope)
                };
                if given_service.as_deref() != Some(service.as_str()) {
                    return Reply::json(400, r#"{"details":"wrong service"}"#);
                }
                let repository = scope
                    .strip_prefix("repository:")
                    .and_then(|s| s.strip_suffix(":pull"))
                    .unwrap_or("");
                let token = sign_jwt(&key, &der, &issuer, &service, repository);
                issued.fetch_add(1, Ordering::SeqCst);
                let field = if post { "access_token" } else { "token" };
                Reply::json(
                    200,
                    format!(r#"{{"{field}":"{token}","expires_in":{expires_in}}}"#),
                )
            })
        };
        TokenServer {
            server,
            cert: d.join("token.pem"),
            service,
            issuer,
            issued,
            _dir: dir,
        }
    }

    pub fn realm(&self) -> String {
        format!("{}/token", self.server.url())
    }

    pub fn auth(&self) -> Auth {
        Auth::Token {
            realm: self.realm(),
            service: self.service.clone(),
            issuer: self.issuer.clone(),
            root_cert: self.cert.clone(),
        }
    }

    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }
}

fn sign_jwt(key: &Path, der: &[u8], issuer: &str, service: &str, repository: &str) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = format!(
        r#"{{"typ":"JWT","alg":"RS256","x5c":["{}"]}}"#,
        base64(der, false)
    );
    let claims = format!(
        r#"{{"iss":"{issuer}","sub":"tester","aud":"{service}","exp":{},"nbf":{},"iat":{now},"jti":"{now}-{repository}","access":[{{"type":"repository","name":"{repository}","actions":["pull"]}}]}}"#,
        now + 600,
        now - 10
    );
    let input = format!(
        "{}.{}",
        base64(header.as_bytes(), true),
        base64(claims.as_bytes(), true)
    );
    let mut child = Command::new(require("openssl"))
        .args(["dgst", "-sha256", "-binary", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl dgst -sign");
    format!("{input}.{}", base64(&out.stdout, true))
}

/// Base64, standard with padding or URL-safe without (JWT).
pub fn base64(input: &[u8], url: bool) -> String {
    let alphabet: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
            } else if !url {
                out.push('=');
            }
        }
    }
    out
}

/// How a paginating proxy spells its next-page links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// `</v2/NAME/tags/list?last=X&n=N>` (the distribution spec's own form).
    Last,
    /// `</v2/NAME/tags/list?cursor=OPAQUE>`; a request with `last=` gets 400.
    Opaque,
    /// `<http://127.0.0.1:PORT/v2/NAME/tags/list?last=X&n=N>`.
    Absolute,
}

/// A proxy in front of a real registry that serves its tag lists sorted, `page_size`
/// tags a page, with `Link` headers (2.8 never paginates); everything else is forwarded.
pub fn paginating_proxy(upstream: String, page_size: usize, pages: Pages) -> FaultServer {
    let own_url = Arc::new(std::sync::OnceLock::<String>::new());
    let own = Arc::clone(&own_url);
    let server = FaultServer::start(move |request: &Request| {
        if !request.path().ends_with("/tags/list") {
            return super::fault_server::forward(&upstream, request);
        }
        let full = super::fault_server::forward(
            &upstream,
            &Request {
                target: request.path().to_owned(),
                ..request.clone()
            },
        );
        let Reply::Full {
            status: 200, body, ..
        } = full
        else {
            return full;
        };
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let mut tags: Vec<String> = value["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        tags.sort();
        let start = match pages {
            Pages::Opaque => {
                if request.query("last").is_some() {
                    return Reply::json(
                        400,
                        r#"{"errors":[{"code":"UNSUPPORTED","message":"use the cursor"}]}"#,
                    );
                }
                request.query("cursor").map_or(0, decode_cursor)
            }
            Pages::Last | Pages::Absolute => match request.query("last") {
                Some(last) => tags.partition_point(|t| t.as_str() <= last),
                None => 0,
            },
        };
        let end = (start + page_size).min(tags.len());
        let page = &tags[start..end];
        let name = value["name"].as_str().unwrap();
        let body = serde_json::json!({"name": name, "tags": page}).to_string();
        let mut reply = Reply::json(200, body);
        if end < tags.len() {
            let path = request.path();
            let link = match pages {
                Pages::Last => format!(
                    "<{path}?last={}&n={page_size}>; rel=\"next\"",
                    page[page.len() - 1]
                ),
                Pages::Absolute => format!(
                    "<{}{path}?last={}&n={page_size}>; rel=\"next\"",
                    own.get().unwrap(),
                    page[page.len() - 1]
                ),
                Pages::Opaque => format!("<{path}?cursor={}>; rel=\"next\"", encode_cursor(end)),
            };
            reply = reply.with_header("Link", &link);
        }
        reply
    });
    own_url.set(server.url()).unwrap();
    server
}

/// An opaque cursor: the page offset, scrambled so no client could guess it.
fn encode_cursor(offset: usize) -> String {
    format!("Zq{:x}x{}", offset * 7919 + 13, offset % 7)
}

fn decode_cursor(cursor: &str) -> usize {
    let hex = cursor
        .strip_prefix("Zq")
        .unwrap()
        .split('x')
        .next()
        .unwrap();
    (usize::from_str_radix(hex, 16).unwrap() - 13) / 7919
}

/// A client for a plain-HTTP registry at `host` (`insecure`: `http://HOST`).
pub fn plain_client(
    host: &str,
    credential: Option<imagescan::registry::Credential>,
) -> imagescan::registry::RegistryClient {
    imagescan::registry::RegistryClient::new(
        imagescan::registry::HostSettings {
            insecure: true,
            ..imagescan::registry::HostSettings::new(host)
        },
        credential,
    )
    .expect("a plain-HTTP client builds")
}

/// The reference `HOST/REPOSITORY`, parsed as imagescan parses image names.
pub fn reference(host: &str, repository: &str) -> imagescan::reference::Reference {
    imagescan::reference::Reference::parse(&format!("{host}/{repository}"))
        .expect("a valid reference")
}
