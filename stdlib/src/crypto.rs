//! The `crypto` library: digests, HMAC, ChaCha20-Poly1305 and random bytes from the crypto
//! provider module (through the kernel's host services), plus hex and base64 codecs, which
//! are plain text transformations done here.
//!
//! - `crypto.digest(alg, data)`: raw digest bytes (`"sha1"`, `"sha256"`, `"sha512"`,
//!   `"blake2b"`, and whatever else the provider offers);
//! - `crypto.hmac(alg, key, data)`: raw MAC bytes;
//! - `crypto.seal(key, nonce, plaintext [, aad])`: ciphertext followed by the 16-byte tag
//!   (32-byte key, 12-byte nonce);
//! - `crypto.open(key, nonce, sealed [, aad])`: the plaintext, or `nil, "authentication
//!   failed"`;
//! - `crypto.random(n)`: `n` bytes from the operating system's random source;
//! - `crypto.hex`/`unhex`, `crypto.base64`/`unbase64` (standard alphabet, padded).
//!
//! A bad argument or a missing provider raises an error; decoding bad text returns `nil,
//! message`.

use luna_interp::host::HostResult;
use luna_interp::{LuaResult, State, Value};

use crate::util::{new_lib, Reg};

const FUNCS: &[Reg] = &[
    ("digest", digest),
    ("hmac", hmac),
    ("seal", seal),
    ("open", open_sealed),
    ("random", random),
    ("hex", hex),
    ("unhex", unhex),
    ("base64", base64),
    ("unbase64", unbase64),
];

/// The `crypto` table (the `package.preload` loader).
pub fn open(st: &mut State) -> LuaResult<usize> {
    let t = new_lib(st, FUNCS);
    st.push(Value::Table(t));
    Ok(1)
}

fn bytes(st: &mut State, i: usize) -> LuaResult<Vec<u8>> {
    Ok(st.check_str(i)?.as_bytes().to_vec())
}

/// Pushes the bytes, or raises the provider's error.
fn push_or_raise(st: &mut State, r: HostResult<Vec<u8>>) -> LuaResult<usize> {
    match r {
        Ok(b) => {
            st.push_str(b);
            Ok(1)
        }
        Err(e) => Err(st.error(&e.message)),
    }
}

fn digest(st: &mut State) -> LuaResult<usize> {
    let alg = st.check_str(1)?.to_string_lossy();
    let data = bytes(st, 2)?;
    let r = st.host_crypto(|c| c.digest(&alg, &data));
    push_or_raise(st, r)
}

fn hmac(st: &mut State) -> LuaResult<usize> {
    let alg = st.check_str(1)?.to_string_lossy();
    let key = bytes(st, 2)?;
    let data = bytes(st, 3)?;
    let r = st.host_crypto(|c| c.hmac(&alg, &key, &data));
    push_or_raise(st, r)
}

/// Key, nonce, data and associated data of a seal or open.
type AeadArgs = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// Checks the key and nonce sizes of ChaCha20-Poly1305.
fn aead_args(st: &mut State) -> LuaResult<AeadArgs> {
    let key = bytes(st, 1)?;
    if key.len() != 32 {
        return Err(st.arg_error(1, "key must be 32 bytes"));
    }
    let nonce = bytes(st, 2)?;
    if nonce.len() != 12 {
        return Err(st.arg_error(2, "nonce must be 12 bytes"));
    }
    let data = bytes(st, 3)?;
    let aad = match st.opt_str(4)? {
        Some(s) => s.as_bytes().to_vec(),
        None => Vec::new(),
    };
    Ok((key, nonce, data, aad))
}

fn seal(st: &mut State) -> LuaResult<usize> {
    let (key, nonce, plain, aad) = aead_args(st)?;
    let r = st.host_crypto(|c| c.seal(&key, &nonce, &plain, &aad));
    push_or_raise(st, r)
}

fn open_sealed(st: &mut State) -> LuaResult<usize> {
    let (key, nonce, sealed, aad) = aead_args(st)?;
    let r = st.host_crypto(|c| c.open(&key, &nonce, &sealed, &aad));
    match r {
        Ok(b) => {
            st.push_str(b);
            Ok(1)
        }
        Err(e) if e.denied => Err(st.error(&e.message)),
        Err(_) => {
            st.push_nil();
            st.push_str("authentication failed");
            Ok(2)
        }
    }
}

fn random(st: &mut State) -> LuaResult<usize> {
    let n = st.check_int(1)?;
    if !(0..=1 << 24).contains(&n) {
        return Err(st.arg_error(1, "out of range"));
    }
    let r = st.host_crypto(|c| c.random(n as usize));
    push_or_raise(st, r)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(st: &mut State) -> LuaResult<usize> {
    let data = bytes(st, 1)?;
    let mut out = Vec::with_capacity(data.len() * 2);
    for b in data {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
    st.push_str(out);
    Ok(1)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn unhex(st: &mut State) -> LuaResult<usize> {
    let text = bytes(st, 1)?;
    let decoded: Option<Vec<u8>> = if text.len() % 2 != 0 {
        None
    } else {
        text.chunks(2)
            .map(|p| Some(hex_digit(p[0])? << 4 | hex_digit(p[1])?))
            .collect()
    };
    match decoded {
        Some(d) => {
            st.push_str(d);
            Ok(1)
        }
        None => {
            st.push_nil();
            st.push_str("invalid hex string");
            Ok(2)
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648).
pub fn base64_encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63]);
        out.push(B64[(n >> 12) as usize & 63]);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63]
        } else {
            b'='
        });
    }
    out
}

/// Decodes standard base64; padding is optional, whitespace is skipped.
pub fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut vals = Vec::with_capacity(text.len());
    let mut padding = 0;
    for &c in text {
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            b'=' => padding += 1,
            _ if padding > 0 => return None,
            _ => vals.push(B64.iter().position(|&x| x == c)? as u32),
        }
    }
    if padding > 2 || vals.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        let mut n = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    Some(out)
}

fn base64(st: &mut State) -> LuaResult<usize> {
    let data = bytes(st, 1)?;
    st.push_str(base64_encode(&data));
    Ok(1)
}

fn unbase64(st: &mut State) -> LuaResult<usize> {
    let text = bytes(st, 1)?;
    match base64_decode(&text) {
        Some(d) => {
            st.push_str(d);
            Ok(1)
        }
        None => {
            st.push_nil();
            st.push_str("invalid base64 string");
            Ok(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        let vectors: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"f", b"Zg=="),
            (b"fo", b"Zm8="),
            (b"foo", b"Zm9v"),
            (b"foob", b"Zm9vYg=="),
            (b"fooba", b"Zm9vYmE="),
            (b"foobar", b"Zm9vYmFy"),
        ];
        for (plain, enc) in vectors {
            assert_eq!(base64_encode(plain), *enc);
            assert_eq!(base64_decode(enc).unwrap(), *plain);
        }
        assert_eq!(base64_decode(b"Zm9vYg").unwrap(), b"foob");
        assert!(base64_decode(b"Z").is_none());
        assert!(base64_decode(b"Zm=9").is_none());
    }
}
