//! The simulator's own certificate authority and serving certificate, made at start-up.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::SimError;

/// A CA and a certificate for `127.0.0.1` and `localhost` signed by it.
pub struct Certificates {
    /// The CA certificate, PEM: what clients must trust.
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn tls_error(e: impl std::fmt::Display) -> SimError {
    SimError::Tls(e.to_string())
}

/// Makes a fresh CA and serving certificate.
pub fn generate() -> Result<Certificates, SimError> {
    let _ = rustls::crypto::ring::default_provider().install_default();

    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "apimcap simulator CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(tls_error)?;

    let server_key = KeyPair::generate().map_err(tls_error)?;
    let mut server_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(tls_error)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "apimcap simulator");
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .map_err(tls_error)?;

    let chain = vec![
        CertificateDer::from(server_cert.der().to_vec()),
        CertificateDer::from(ca.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(tls_error)?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(tls_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(Certificates {
        ca_pem: ca.pem(),
        server_config: Arc::new(config),
    })
}
