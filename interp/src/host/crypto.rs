//! Crypto backends: digests, MACs, authenticated encryption and the system's random source,
//! served by the `crypto` provider module. No permission guards them (they reach no
//! resource but the random source); the kernel only routes the calls and reports a missing
//! provider. Algorithm names are the script's (`"sha256"`); an unknown one is an error.

use super::HostResult;

/// A crypto provider as the kernel sees it.
pub trait CryptoBackend: Send {
    fn name(&self) -> &str;
    /// The digest of `data` with `alg` (`sha1`, `sha256`, `sha512`, `blake2b`), raw bytes.
    fn digest(&mut self, alg: &str, data: &[u8]) -> HostResult<Vec<u8>>;
    /// HMAC of `data` under `key` with digest `alg`.
    fn hmac(&mut self, alg: &str, key: &[u8], data: &[u8]) -> HostResult<Vec<u8>>;
    /// ChaCha20-Poly1305: ciphertext followed by the 16-byte tag.
    fn seal(
        &mut self,
        key: &[u8],
        nonce: &[u8],
        plaintext: &[u8],
        aad: &[u8],
    ) -> HostResult<Vec<u8>>;
    /// Opens what `seal` made; fails when the tag does not verify.
    fn open(&mut self, key: &[u8], nonce: &[u8], sealed: &[u8], aad: &[u8]) -> HostResult<Vec<u8>>;
    /// `n` bytes from the operating system's random source.
    fn random(&mut self, n: usize) -> HostResult<Vec<u8>>;
}

use crate::state::State;

impl State {
    /// Runs `f` with the crypto provider (loaded on demand when the host allows it).
    pub fn host_crypto<R>(
        &mut self,
        f: impl FnOnce(&mut dyn CryptoBackend) -> HostResult<R>,
    ) -> HostResult<R> {
        self.with_host(|h| {
            f(h.crypto_provider()?)
        })
    }
}
