//! Known-answer tests through the ABI trait object: FIPS 180-4 examples (SHA-1, SHA-2),
//! RFC 4231 (HMAC-SHA-256/512), RFC 8439 §2.8.2 (ChaCha20-Poly1305), RFC 7693 Appendix A
//! (BLAKE2b-512 of "abc") and the matching BLAKE2s-256 value.

use luna_spi::abi_stable::std_types::{RSlice, RSliceMut, RStr};
use luna_spi::crypto::{AlgorithmFamily, CryptoBox};
use luna_spi::{ErrorKind, ModuleInfo};

fn crypto() -> CryptoBox {
    let info = ModuleInfo::new(luna_crypto::luna_module_root());
    assert_eq!(info.manifest.name.as_str(), "crypto");
    info.crypto().expect("luna-crypto provides crypto")().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn digest(c: &CryptoBox, alg: &str, data: &[u8]) -> String {
    hex(&c
        .digest(RStr::from_str(alg), RSlice::from_slice(data))
        .unwrap())
}

fn hmac(c: &CryptoBox, alg: &str, key: &[u8], data: &[u8]) -> String {
    hex(&c
        .hmac(
            RStr::from_str(alg),
            RSlice::from_slice(key),
            RSlice::from_slice(data),
        )
        .unwrap())
}

const TWO_BLOCK_256: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const TWO_BLOCK_512: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

#[test]
fn sha1_fips_180_4() {
    let c = crypto();
    assert_eq!(
        digest(&c, "sha1", b"abc"),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(
        digest(&c, "sha1", TWO_BLOCK_256),
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
    assert_eq!(
        digest(&c, "sha1", &vec![b'a'; 1_000_000]),
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
    );
}

#[test]
fn sha2_fips_180_4() {
    let c = crypto();
    assert_eq!(
        digest(&c, "sha256", b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        digest(&c, "sha256", TWO_BLOCK_256),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        digest(&c, "sha256", b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        digest(&c, "sha224", b"abc"),
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
    );
    assert_eq!(
        digest(&c, "sha384", b"abc"),
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    );
    assert_eq!(
        digest(&c, "sha512", b"abc"),
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
    assert_eq!(
        digest(&c, "sha512", TWO_BLOCK_512),
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
    );
    assert_eq!(
        digest(&c, "sha512-256", b"abc"),
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
    );
}

#[test]
fn blake2_rfc_7693() {
    let c = crypto();
    assert_eq!(
        digest(&c, "blake2b", b"abc"),
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
    );
    assert_eq!(
        digest(&c, "blake2s", b"abc"),
        "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"
    );
}

#[test]
fn incremental_hasher_matches_one_shot_and_resets() {
    let c = crypto();
    let mut h = c.hasher(RStr::from_str("sha256")).unwrap();
    for chunk in TWO_BLOCK_256.chunks(5) {
        h.update(RSlice::from_slice(chunk)).unwrap();
    }
    assert_eq!(
        hex(&h.finish().unwrap()),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    h.update(RSlice::from_slice(b"abc")).unwrap();
    assert_eq!(
        hex(&h.finish().unwrap()),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn hmac_rfc_4231() {
    let c = crypto();
    // Test case 1.
    let key = [0x0b; 20];
    assert_eq!(
        hmac(&c, "sha256", &key, b"Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    assert_eq!(
        hmac(&c, "sha512", &key, b"Hi There"),
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
    );
    // Test case 2: a key shorter than the output.
    assert_eq!(
        hmac(&c, "sha256", b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hmac(&c, "sha512", b"Jefe", b"what do ya want for nothing?"),
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    );
    // Test case 6: a key longer than the block size is hashed first.
    let long_key = [0xaa; 131];
    let msg = b"Test Using Larger Than Block-Size Key - Hash Key First";
    assert_eq!(
        hmac(&c, "sha256", &long_key, msg),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    assert_eq!(
        hmac(&c, "sha512", &long_key, msg),
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
    );
}

#[test]
fn chacha20_poly1305_rfc_8439() {
    let c = crypto();
    let key: Vec<u8> = (0x80..=0x9f).collect();
    let nonce = unhex("07000000 40414243 44454647");
    let aad = unhex("50515253 c0c1c2c3 c4c5c6c7");
    let plaintext: &[u8] = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let expected = unhex(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b
         1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
         3ff4def08e4b7a9de576d26586cec64b6116
         1ae10b594f09e26a7e902ecbd0600691",
    );
    let alg = RStr::from_str("chacha20-poly1305");
    let sealed = c
        .aead_seal(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(&aad),
            RSlice::from_slice(plaintext),
        )
        .unwrap();
    assert_eq!(hex(&sealed), hex(&expected));
    let opened = c
        .aead_open(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(&aad),
            RSlice::from_slice(&sealed),
        )
        .unwrap();
    assert_eq!(opened.as_slice(), plaintext);

    // Any change is detected.
    let mut tampered = sealed.to_vec();
    tampered[3] ^= 1;
    let e = c
        .aead_open(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(&aad),
            RSlice::from_slice(&tampered),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AUTHENTICATION_FAILED);
    let e = c
        .aead_open(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(b"other"),
            RSlice::from_slice(&sealed),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AUTHENTICATION_FAILED);
    let e = c
        .aead_open(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(&aad),
            RSlice::from_slice(&sealed[..10]),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AUTHENTICATION_FAILED);
    // Wrong sizes are input errors, not panics.
    let e = c
        .aead_seal(
            alg,
            RSlice::from_slice(&key[..16]),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(&aad),
            RSlice::from_slice(b"x"),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::INVALID_INPUT);
    let e = c
        .aead_seal(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce[..8]),
            RSlice::from_slice(&aad),
            RSlice::from_slice(b"x"),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::INVALID_INPUT);
}

#[test]
fn xchacha20_round_trip() {
    let c = crypto();
    let alg = RStr::from_str("xchacha20-poly1305");
    let key = [7u8; 32];
    let nonce = [9u8; 24];
    let sealed = c
        .aead_seal(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(b""),
            RSlice::from_slice(b"secret"),
        )
        .unwrap();
    assert_eq!(sealed.len(), 6 + 16);
    let opened = c
        .aead_open(
            alg,
            RSlice::from_slice(&key),
            RSlice::from_slice(&nonce),
            RSlice::from_slice(b""),
            RSlice::from_slice(&sealed),
        )
        .unwrap();
    assert_eq!(opened.as_slice(), b"secret");
}

#[test]
fn random_bytes_and_algorithm_lists() {
    let c = crypto();
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    c.random_bytes(RSliceMut::from_mut_slice(&mut a)).unwrap();
    c.random_bytes(RSliceMut::from_mut_slice(&mut b)).unwrap();
    assert_ne!(a, b, "two 256-bit random draws differ");
    assert_ne!(a, [0u8; 32]);
    let digests = c.algorithms(AlgorithmFamily::DIGEST).unwrap();
    assert!(digests.iter().any(|s| s.as_str() == "sha256"));
    assert!(digests.iter().any(|s| s.as_str() == "blake2b"));
    let aeads = c.algorithms(AlgorithmFamily::AEAD).unwrap();
    assert!(aeads.iter().any(|s| s.as_str() == "chacha20-poly1305"));
    let e = c
        .digest(RStr::from_str("md5"), RSlice::from_slice(b""))
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NOT_FOUND);
    let e = c
        .hmac(
            RStr::from_str("blake2b"),
            RSlice::from_slice(b"k"),
            RSlice::from_slice(b""),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NOT_FOUND);
}
