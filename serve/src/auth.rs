//! Who may call the API: bearer tokens read from a file (`--token-file`),
//! as OPA's server takes them, and TLS from a certificate and key
//! (`--tls-cert`, `--tls-key`, rustls).

use std::sync::Arc;

use subtle::ConstantTimeEq;

/// The tokens a request may present, one a line of the token file, kept
/// as their SHA-256 digests: digests are all of one length, so comparing
/// them says nothing of a token's length either.
pub struct Tokens {
    tokens: Vec<[u8; 32]>,
}

fn digest(token: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token);
    digest.as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// Never the tokens themselves, should a `Tokens` ever be printed.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} redacted)", self.tokens.len())
    }
}

impl Tokens {
    /// The file's tokens: one a line, blank lines and `#` comments
    /// skipped. An empty file, or a token with spaces, is refused: either
    /// would leave the API open or unusable without saying so.
    pub fn read(path: &str) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read the token file `{path}`: {error}"))?;
        let mut tokens = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let token = line.trim();
            if token.is_empty() || token.starts_with('#') {
                continue;
            }
            if token.contains(char::is_whitespace) || !token.is_ascii() {
                return Err(format!(
                    "{path}:{}: a token is one word of visible ASCII characters",
                    number + 1
                ));
            }
            tokens.push(digest(token.as_bytes()));
        }
        if tokens.is_empty() {
            return Err(format!(
                "{path}: no token in the file (one a line; `#` starts a comment)"
            ));
        }
        Ok(Tokens { tokens })
    }

    /// Whether `Authorization: Bearer <token>` names one of the tokens,
    /// compared in constant time (each token's digest is compared whole,
    /// whatever matched before).
    pub fn allows(&self, authorization: Option<&[u8]>) -> bool {
        // The scheme's name is case-insensitive (RFC 9110 §11.1).
        let presented = authorization
            .filter(|value| value.len() > 7 && value[..7].eq_ignore_ascii_case(b"bearer "))
            .map(|value| &value[7..]);
        let Some(presented) = presented else {
            return false;
        };
        let presented = digest(presented);
        let mut allowed = subtle::Choice::from(0);
        for token in &self.tokens {
            allowed |= token.ct_eq(&presented);
        }
        allowed.into()
    }
}

/// The TLS acceptor of a PEM certificate chain and private key.
pub fn tls(cert: &str, key: &str) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| format!("cannot read the certificate `{cert}`: {error}"))?;
    if certs.is_empty() {
        return Err(format!("`{cert}` holds no PEM certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| format!("cannot read the private key `{key}`: {error}"))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS: {error}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|error| format!("the certificate and key do not go together: {error}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
