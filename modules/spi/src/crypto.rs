//! The `Crypto` service provider interface.
//!
//! Invariants: algorithms are named by lower-case strings (`"sha256"`, `"blake2b"`,
//! `"chacha20-poly1305"`); an unknown name fails with `NOT_FOUND` and the list a provider
//! supports is in `algorithms`. Inputs and outputs are raw bytes: hex and base64 belong to
//! the script-facing library. AEAD output is ciphertext followed by the tag; `aead_open`
//! fails with `AUTHENTICATION_FAILED` on any mismatch and returns no plaintext then.

use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, RSlice, RSliceMut, RStr, RString, RVec};
use abi_stable::StableAbi;

use crate::error::{SpiError, SpiResult};

/// Which family `algorithms` lists.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AlgorithmFamily(pub u8);

impl AlgorithmFamily {
    /// Message digests (`digest`, `hasher`).
    pub const DIGEST: AlgorithmFamily = AlgorithmFamily(0);
    /// HMAC hash functions (`hmac`).
    pub const HMAC: AlgorithmFamily = AlgorithmFamily(1);
    /// AEAD ciphers (`aead_seal`, `aead_open`).
    pub const AEAD: AlgorithmFamily = AlgorithmFamily(2);
}

/// An incremental digest.
#[sabi_trait]
pub trait Hasher: Send {
    /// Feeds bytes.
    fn update(&mut self, data: RSlice<'_, u8>) -> SpiResult<()>;
    /// Returns the digest of everything fed so far and starts over.
    #[sabi(last_prefix_field)]
    fn finish(&mut self) -> SpiResult<RVec<u8>>;
}

/// An incremental digest in a box.
pub type HasherBox = Hasher_TO<'static, RBox<()>>;

/// A cryptography provider, as the kernel sees it.
#[sabi_trait]
pub trait Crypto: Send + Sync {
    /// The digest of `data`.
    fn digest(&self, algorithm: RStr<'_>, data: RSlice<'_, u8>) -> SpiResult<RVec<u8>>;
    /// A new incremental digest.
    fn hasher(&self, algorithm: RStr<'_>) -> SpiResult<HasherBox>;
    /// HMAC of `data` under `key` with the named hash.
    fn hmac(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        data: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>>;
    /// Encrypts and authenticates: ciphertext followed by the tag.
    fn aead_seal(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        nonce: RSlice<'_, u8>,
        aad: RSlice<'_, u8>,
        plaintext: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>>;
    /// Checks and decrypts what `aead_seal` produced.
    fn aead_open(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        nonce: RSlice<'_, u8>,
        aad: RSlice<'_, u8>,
        sealed: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>>;
    /// Fills `buf` from the operating system's secure random source.
    fn random_bytes(&self, buf: RSliceMut<'_, u8>) -> SpiResult<()>;
    /// The algorithm names of a family this provider supports.
    #[sabi(last_prefix_field)]
    fn algorithms(&self, family: AlgorithmFamily) -> SpiResult<RVec<RString>>;
}

/// A cryptography provider in a box.
pub type CryptoBox = Crypto_TO<'static, RBox<()>>;

/// Plain-Rust side of [`Hasher`].
pub trait HasherProvider: Send + 'static {
    /// See [`Hasher::update`].
    fn update(&mut self, data: &[u8]);
    /// See [`Hasher::finish`].
    fn finish(&mut self) -> Vec<u8>;
}

/// Plain-Rust side of [`Crypto`].
#[allow(missing_docs)]
pub trait CryptoProvider: Send + Sync + 'static {
    type Hasher: HasherProvider;
    fn digest(&self, algorithm: &str, data: &[u8]) -> Result<Vec<u8>, SpiError>;
    fn hasher(&self, algorithm: &str) -> Result<Self::Hasher, SpiError>;
    fn hmac(&self, algorithm: &str, key: &[u8], data: &[u8]) -> Result<Vec<u8>, SpiError>;
    fn aead_seal(
        &self,
        algorithm: &str,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, SpiError>;
    fn aead_open(
        &self,
        algorithm: &str,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, SpiError>;
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), SpiError>;
    fn algorithms(&self, family: AlgorithmFamily) -> Vec<String>;
}
