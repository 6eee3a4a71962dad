//! TLS settings of one registry host: which roots are trusted, or none checked.
//!
//! Built only when the client first talks HTTPS, so plain-HTTP hosts (and start-up)
//! never pay for reading a certificate bundle. Trust is, in order: the host's `caFile`
//! plus the bundle named by `SSL_CERT_FILE` when either is set, else the built-in
//! Mozilla roots (webpki-roots); `insecure` turns verification off for the host.

use std::path::Path;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use super::client::{ClientOptions, HostSettings};
use super::error::RegistryError;

/// The TLS configuration for `settings`, reading the CA files it names.
pub(crate) fn tls_config(
    settings: &HostSettings,
    options: &ClientOptions,
) -> Result<TlsConfig, RegistryError> {
    let builder = TlsConfig::builder();
    if settings.insecure {
        return Ok(builder.disable_verification(true).build());
    }
    let mut certs = Vec::new();
    for path in [
        options.ssl_cert_file.as_deref(),
        settings.ca_file.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        certs.extend(read_pem_certs(&settings.host, path)?);
    }
    let roots = if certs.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::from(certs)
    };
    Ok(builder.root_certs(roots).build())
}

fn read_pem_certs(host: &str, path: &Path) -> Result<Vec<Certificate<'static>>, RegistryError> {
    let pem = std::fs::read(path).map_err(|source| RegistryError::CaFile {
        host: host.to_owned(),
        path: path.to_owned(),
        source,
    })?;
    let invalid = || RegistryError::InvalidCaFile {
        host: host.to_owned(),
        path: path.to_owned(),
    };
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(cert) = item.map_err(|_| invalid())? {
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(invalid());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let settings = |ca: &Path| HostSettings {
            host: "r.example".into(),
            endpoint: None,
            insecure: false,
            ca_file: Some(ca.to_owned()),
        };
        let options = ClientOptions::default();
        let err = tls_config(&settings(&empty), &options).unwrap_err();
        assert!(matches!(err, RegistryError::InvalidCaFile { .. }), "{err}");
        assert!(err.to_string().contains("empty.pem"), "{err}");
        let missing = dir.path().join("missing.pem");
        let err = tls_config(&settings(&missing), &options).unwrap_err();
        assert!(matches!(err, RegistryError::CaFile { .. }), "{err}");
        // insecure never reads the file.
        let mut insecure = settings(&missing);
        insecure.insecure = true;
        assert!(tls_config(&insecure, &options).is_ok());
    }
}
