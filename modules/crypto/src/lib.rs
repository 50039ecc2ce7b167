//! luna's cryptography provider, built only from RustCrypto crates and `getrandom`: no
//! cryptography is written here, only the dispatch from algorithm names to implementations.
//!
//! Algorithms: digests `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `sha512-256`,
//! `blake2b` (512-bit), `blake2s` (256-bit); HMAC over the same except BLAKE2; AEAD
//! `chacha20-poly1305` (RFC 8439: 32-byte key, 12-byte nonce, 16-byte tag) and
//! `xchacha20-poly1305` (24-byte nonce).

use blake2::{Blake2b512, Blake2s256};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, XChaCha20Poly1305};
use hmac::{Hmac, Mac};
use luna_spi::crypto::{AlgorithmFamily, CryptoProvider, HasherProvider};
use luna_spi::{ErrorKind, SpiError};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512, Sha512_256};

/// The provider (stateless).
#[derive(Debug, Default, Clone, Copy)]
pub struct RustCrypto;

fn new_provider() -> Result<RustCrypto, SpiError> {
    Ok(RustCrypto)
}

luna_spi::export_module! {
    name: "crypto",
    version: env!("CARGO_PKG_VERSION"),
    description: "digests, HMAC, AEAD and random bytes (RustCrypto)",
    permissions: [],
    crypto: new_provider,
}

const DIGESTS: &[&str] = &[
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha512-256",
    "blake2b",
    "blake2s",
];
const HMACS: &[&str] = &["sha1", "sha224", "sha256", "sha384", "sha512", "sha512-256"];
const AEADS: &[&str] = &["chacha20-poly1305", "xchacha20-poly1305"];

fn unknown(family: &str, name: &str) -> SpiError {
    SpiError::with_message(
        ErrorKind::NOT_FOUND,
        format!("unknown {family} algorithm '{name}'"),
    )
}

/// An incremental digest of any supported algorithm.
pub enum AnyHasher {
    /// SHA-1.
    Sha1(Sha1),
    /// SHA-224.
    Sha224(Sha224),
    /// SHA-256.
    Sha256(Sha256),
    /// SHA-384.
    Sha384(Sha384),
    /// SHA-512.
    Sha512(Sha512),
    /// SHA-512/256.
    Sha512_256(Sha512_256),
    /// BLAKE2b-512.
    Blake2b(Blake2b512),
    /// BLAKE2s-256.
    Blake2s(Blake2s256),
}

impl AnyHasher {
    /// A fresh hasher for `name`.
    pub fn new(name: &str) -> Result<AnyHasher, SpiError> {
        Ok(match name {
            "sha1" => AnyHasher::Sha1(Sha1::new()),
            "sha224" => AnyHasher::Sha224(Sha224::new()),
            "sha256" => AnyHasher::Sha256(Sha256::new()),
            "sha384" => AnyHasher::Sha384(Sha384::new()),
            "sha512" => AnyHasher::Sha512(Sha512::new()),
            "sha512-256" => AnyHasher::Sha512_256(Sha512_256::new()),
            "blake2b" => AnyHasher::Blake2b(Blake2b512::new()),
            "blake2s" => AnyHasher::Blake2s(Blake2s256::new()),
            _ => return Err(unknown("digest", name)),
        })
    }
}

impl HasherProvider for AnyHasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            AnyHasher::Sha1(h) => h.update(data),
            AnyHasher::Sha224(h) => h.update(data),
            AnyHasher::Sha256(h) => h.update(data),
            AnyHasher::Sha384(h) => h.update(data),
            AnyHasher::Sha512(h) => h.update(data),
            AnyHasher::Sha512_256(h) => h.update(data),
            AnyHasher::Blake2b(h) => h.update(data),
            AnyHasher::Blake2s(h) => h.update(data),
        }
    }

    fn finish(&mut self) -> Vec<u8> {
        match self {
            AnyHasher::Sha1(h) => h.finalize_reset().to_vec(),
            AnyHasher::Sha224(h) => h.finalize_reset().to_vec(),
            AnyHasher::Sha256(h) => h.finalize_reset().to_vec(),
            AnyHasher::Sha384(h) => h.finalize_reset().to_vec(),
            AnyHasher::Sha512(h) => h.finalize_reset().to_vec(),
            AnyHasher::Sha512_256(h) => h.finalize_reset().to_vec(),
            AnyHasher::Blake2b(h) => h.finalize_reset().to_vec(),
            AnyHasher::Blake2s(h) => h.finalize_reset().to_vec(),
        }
    }
}

fn hmac_with<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length (long keys are hashed), so this cannot fail.
    let mut mac = <M as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn aead_check(name: &str, key: &[u8], nonce: &[u8]) -> Result<(), SpiError> {
    let nonce_len = match name {
        "chacha20-poly1305" => 12,
        "xchacha20-poly1305" => 24,
        _ => return Err(unknown("AEAD", name)),
    };
    if key.len() != 32 {
        return Err(SpiError::invalid_input(format!(
            "{name} needs a 32-byte key (got {})",
            key.len()
        )));
    }
    if nonce.len() != nonce_len {
        return Err(SpiError::invalid_input(format!(
            "{name} needs a {nonce_len}-byte nonce (got {})",
            nonce.len()
        )));
    }
    Ok(())
}

fn auth_failed() -> SpiError {
    SpiError::new(ErrorKind::AUTHENTICATION_FAILED)
}

impl CryptoProvider for RustCrypto {
    type Hasher = AnyHasher;

    fn digest(&self, algorithm: &str, data: &[u8]) -> Result<Vec<u8>, SpiError> {
        let mut h = AnyHasher::new(algorithm)?;
        h.update(data);
        Ok(h.finish())
    }

    fn hasher(&self, algorithm: &str) -> Result<AnyHasher, SpiError> {
        AnyHasher::new(algorithm)
    }

    fn hmac(&self, algorithm: &str, key: &[u8], data: &[u8]) -> Result<Vec<u8>, SpiError> {
        Ok(match algorithm {
            "sha1" => hmac_with::<Hmac<Sha1>>(key, data),
            "sha224" => hmac_with::<Hmac<Sha224>>(key, data),
            "sha256" => hmac_with::<Hmac<Sha256>>(key, data),
            "sha384" => hmac_with::<Hmac<Sha384>>(key, data),
            "sha512" => hmac_with::<Hmac<Sha512>>(key, data),
            "sha512-256" => hmac_with::<Hmac<Sha512_256>>(key, data),
            _ => return Err(unknown("HMAC", algorithm)),
        })
    }

    fn aead_seal(
        &self,
        algorithm: &str,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, SpiError> {
        aead_check(algorithm, key, nonce)?;
        let payload = Payload {
            msg: plaintext,
            aad,
        };
        let sealed = match algorithm {
            "chacha20-poly1305" => ChaCha20Poly1305::new(key.into()).encrypt(nonce.into(), payload),
            _ => XChaCha20Poly1305::new(key.into()).encrypt(nonce.into(), payload),
        };
        sealed.map_err(|_| SpiError::invalid_input("message too long"))
    }

    fn aead_open(
        &self,
        algorithm: &str,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, SpiError> {
        aead_check(algorithm, key, nonce)?;
        if sealed.len() < 16 {
            return Err(auth_failed());
        }
        let payload = Payload { msg: sealed, aad };
        let opened = match algorithm {
            "chacha20-poly1305" => ChaCha20Poly1305::new(key.into()).decrypt(nonce.into(), payload),
            _ => XChaCha20Poly1305::new(key.into()).decrypt(nonce.into(), payload),
        };
        opened.map_err(|_| auth_failed())
    }

    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), SpiError> {
        getrandom::fill(buf).map_err(|e| {
            SpiError::with_message(ErrorKind::OTHER, format!("random source failed: {e}"))
        })
    }

    fn algorithms(&self, family: AlgorithmFamily) -> Vec<String> {
        let list = match family {
            AlgorithmFamily::DIGEST => DIGESTS,
            AlgorithmFamily::HMAC => HMACS,
            AlgorithmFamily::AEAD => AEADS,
            _ => &[],
        };
        list.iter().map(|s| s.to_string()).collect()
    }
}
