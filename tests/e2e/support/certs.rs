//! Certificates and keys for the test control plane, made fresh for each run.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// Paths of the PEM files written by [`write_all`].
pub struct CertFiles {
    pub ca_pem: String,
    pub serving_cert: std::path::PathBuf,
    pub serving_key: std::path::PathBuf,
    pub sa_key: std::path::PathBuf,
    pub sa_public_key: std::path::PathBuf,
}

/// Writes a CA, a serving certificate for 127.0.0.1/localhost signed by it, and a
/// service-account signing key into `dir`.
pub fn write_all(dir: &Path) -> Result<CertFiles, Box<dyn std::error::Error>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "apimcap-test-control-plane-ca");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut serving =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    serving
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    let serving_key = KeyPair::generate()?;
    let serving_cert = serving.signed_by(&serving_key, &ca)?;

    let sa_key = KeyPair::generate()?;

    let files = CertFiles {
        ca_pem: ca.pem(),
        serving_cert: dir.join("apiserver.crt"),
        serving_key: dir.join("apiserver.key"),
        sa_key: dir.join("service-account.key"),
        sa_public_key: dir.join("service-account.pub"),
    };
    std::fs::write(dir.join("ca.crt"), &files.ca_pem)?;
    std::fs::write(
        &files.serving_cert,
        format!("{}{}", serving_cert.pem(), files.ca_pem),
    )?;
    std::fs::write(&files.serving_key, serving_key.serialize_pem())?;
    std::fs::write(&files.sa_key, sa_key.serialize_pem())?;
    std::fs::write(&files.sa_public_key, sa_key.public_key_pem())?;
    Ok(files)
}
