//! TLS between the hub and its seats (rustls on ring): the hub serves its certificate and key
//! from PEM files; a seat trusts the hub by the SHA-256 fingerprint of its certificate, pinned
//! (`pantau certs` prints it), which is how a closed network's self-signed hub is trusted
//! without a certificate authority. The signatures of the handshake are still checked against
//! the pinned certificate's key, so only the holder of the hub's key gets through.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, ensure, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The hub's TLS acceptor from its certificate (chain) and key, PEM files.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("--tls-cert {}: cannot read", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("--tls-cert {}: not a PEM certificate", cert.display()))?;
    ensure!(!chain.is_empty(), "--tls-cert {}: no certificate in the file", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("--tls-key {}: not a PEM private key", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("--tls-cert/--tls-key: the key does not fit the certificate")?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The SHA-256 fingerprint of a certificate, as lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The pin of the (first) certificate in a PEM file: how a process trusts its own hub.
pub fn pin_of(cert: &Path) -> Result<[u8; 32]> {
    let first = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("--tls-cert {}: cannot read", cert.display()))?
        .next()
        .with_context(|| format!("--tls-cert {}: no certificate in the file", cert.display()))?
        .with_context(|| format!("--tls-cert {}: not a PEM certificate", cert.display()))?;
    parse_pin(&fingerprint(&first))
}

/// A pin as people write it (hex, any case, colons or not, `sha256:` or not) as 32 bytes.
pub fn parse_pin(pin: &str) -> Result<[u8; 32]> {
    let hex: String = pin.trim().trim_start_matches("sha256:").chars().filter(|c| *c != ':').collect();
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    match bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()) {
        Some(pin) => Ok(pin),
        None => bail!("--pin {pin:?}: a SHA-256 fingerprint is 64 hex digits (as `pantau certs` prints it)"),
    }
}

/// A seat's TLS connector that trusts exactly the hub whose certificate has this fingerprint.
pub fn pinned_connector(pin: [u8; 32]) -> Result<tokio_rustls::TlsConnector> {
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned { pin, provider }))
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[derive(Debug)]
struct Pinned {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        if seen.as_ref() == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the hub's certificate has fingerprint {}, not the pinned one",
                fingerprint(end_entity.as_ref())
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A self-signed certificate for the hub's names (host names or addresses) and its key, as
/// PEM, with the certificate's fingerprint.
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
    pub fingerprint: String,
}

pub fn self_signed(names: &[String]) -> Result<SelfSigned> {
    ensure!(!names.is_empty(), "give the hub's names (--name HOST or address), as seats will dial it");
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names.to_vec()).context("cannot make the certificate")?;
    Ok(SelfSigned { fingerprint: fingerprint(cert.der()), cert_pem: cert.pem(), key_pem: signing_key.serialize_pem() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_read_as_people_write_them_and_bad_ones_refused() {
        let hex = "ab".repeat(32);
        let colons: Vec<String> = (0..32).map(|_| "AB".to_string()).collect();
        assert_eq!(parse_pin(&hex).expect("hex"), [0xab; 32]);
        assert_eq!(parse_pin(&format!("sha256:{}", colons.join(":"))).expect("colons"), [0xab; 32]);
        for bad in ["", "ab", &"zz".repeat(32), &"ab".repeat(33), "é".repeat(32).as_str()] {
            let e = parse_pin(bad).expect_err("refused");
            assert!(e.to_string().contains("64 hex digits"), "{e}");
        }
    }

    #[test]
    fn a_self_signed_pair_loads_and_its_fingerprint_is_its_certificates() {
        let pair = self_signed(&["hub.local".into(), "127.0.0.1".into()]).expect("pair");
        let dir = tempfile::tempdir().expect("tmp");
        let (cert, key) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
        std::fs::write(&cert, &pair.cert_pem).expect("cert");
        std::fs::write(&key, &pair.key_pem).expect("key");
        assert!(acceptor(&cert, &key).is_ok());
        let der = CertificateDer::from_pem_file(&cert).expect("der");
        assert_eq!(pair.fingerprint, fingerprint(der.as_ref()));
        assert_eq!(pair.fingerprint.len(), 64);
        let e = acceptor(&key, &key).err().expect("a key is not a certificate");
        assert!(e.to_string().contains("--tls-cert"), "{e:#}");
    }
}
