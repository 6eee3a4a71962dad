//! TLS with a private CA: a real htpasswd registry over HTTPS with a leaf certificate
//! signed by a CA the test generates. Trusted through `caFile` or `SSL_CERT_FILE`
//! (given as an option: tests do not mutate the process environment), refused without
//! them, and reachable with `insecure`.

mod support;

use std::path::PathBuf;

use imagescan::reference::Reference;
use imagescan::registry::{ClientOptions, Credential, HostSettings, RegistryClient, RegistryError};
use imagescan::source::{SourceError, TagSource};
use support::registry::{Auth, Pusher, Registry, TestCa};

const USER: &str = "tls-user";
const PASSWORD: &str = "tls-pw-never-printed";

fn reference(host: &str) -> Reference {
    Reference {
        name: format!("{host}/team/app"),
        domain: host.to_owned(),
        repository: "team/app".to_owned(),
        tag: None,
        digest: None,
    }
}

fn client(settings: HostSettings, ssl_cert_file: Option<PathBuf>) -> RegistryClient {
    RegistryClient::with_options(
        settings,
        Some(Credential::new(USER, PASSWORD)),
        ClientOptions {
            ssl_cert_file,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn private_ca_via_ca_file_or_ssl_cert_file_and_refusal_without() {
    let ca = TestCa::generate();
    let storage = tempfile::tempdir().unwrap();
    let secured = Registry::start(
        storage.path(),
        Auth::Htpasswd {
            username: USER.into(),
            password: PASSWORD.into(),
        },
        Some((&ca.leaf_cert, &ca.leaf_key)),
    );
    let open = Registry::start(storage.path(), Auth::Anonymous, None);
    let image = Pusher::new(&open).tags("team/app", &["1.0".to_owned()]);
    let host = secured.host();
    let app = reference(&host);

    // caFile, on top of the system bundle SSL_CERT_FILE names on this machine.
    let system_bundle = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let with_ca_file = client(
        HostSettings {
            ca_file: Some(ca.ca_cert.clone()),
            ..HostSettings::new(&host)
        },
        system_bundle.clone(),
    );
    assert_eq!(with_ca_file.base_url(), format!("https://{host}"));
    assert_eq!(with_ca_file.list_tags(&app).unwrap(), ["1.0"]);
    assert_eq!(
        with_ca_file.digest(&app, "1.0", None).unwrap(),
        image.digest
    );

    // SSL_CERT_FILE naming the private CA.
    let via_env = client(HostSettings::new(&host), Some(ca.ca_cert.clone()));
    assert_eq!(via_env.list_tags(&app).unwrap(), ["1.0"]);

    // Neither: the built-in roots, or the system bundle, refuse the certificate.
    for bundle in [None, system_bundle] {
        let error = client(HostSettings::new(&host), bundle.clone())
            .list_tags(&app)
            .unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(error, SourceError::Registry(RegistryError::Tls { .. })),
            "{bundle:?}: {text}"
        );
        assert!(text.contains(&host) && text.contains("caFile"), "{text}");
        assert!(!text.contains(PASSWORD), "{text}");
    }

    // insecure: no verification for this host.
    let insecure = client(
        HostSettings {
            endpoint: Some(format!("https://{host}")),
            insecure: true,
            ..HostSettings::new(&host)
        },
        None,
    );
    assert_eq!(insecure.list_tags(&app).unwrap(), ["1.0"]);
}
