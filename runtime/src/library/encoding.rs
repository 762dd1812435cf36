//! Hashing and encodings (builtins.md, JSON, hashing, encoding): `sha256`,
//! `base64_encode`/`decode`, `hex_encode`/`decode`, `url_encode`/`decode`.
//!
//! Everything works on the UTF-8 bytes of a string. Encoders return a
//! String; decoders a `result[String, String]` (of the descriptor compiled
//! code passes), `err` when the input is not in the encoding or the decoded
//! bytes are not UTF-8 (messages in `docs/language-decisions.md`).

use lumen_abi::TypeDesc;

use super::convert::{quote, string_result};
use crate::objects::EnumObj;
use crate::strings::{as_str, new_string, LmString};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// SHA-256 (FIPS 180-4) of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Lower-case hex of bytes.
pub fn hex_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(2 * data.len());
    for &b in data {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The bytes an even number of hex digits (either case) denote.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if t.len() % 2 != 0 {
        return None;
    }
    t.chunks_exact(2)
        .map(|p| Some(hex_digit(p[0])? << 4 | hex_digit(p[1])?))
        .collect()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648 §4) with `=` padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64; the `=` padding may be left out, but when present
/// it must be complete. White space and the URL-safe alphabet are rejected,
/// and so are unused bits that are not zero.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    let body = if t.len() % 4 == 0 && t.ends_with(b"==") {
        &t[..t.len() - 2]
    } else if t.len() % 4 == 0 && t.ends_with(b"=") {
        &t[..t.len() - 1]
    } else {
        t
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for &c in chunk {
            let v = BASE64.iter().position(|&x| x == c)? as u32;
            n = n << 6 | v;
        }
        let bits = 6 * chunk.len();
        let bytes = bits / 8;
        let spare = bits - 8 * bytes;
        if n & ((1 << spare) - 1) != 0 {
            return None;
        }
        let n = n >> spare;
        for i in (0..bytes).rev() {
            out.push((n >> (8 * i)) as u8);
        }
    }
    Some(out)
}

/// Percent-encoding (RFC 3986): every byte except the unreserved
/// `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex).
pub fn url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for &b in data {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)].to_ascii_uppercase() as char);
            out.push(HEX[usize::from(b & 15)].to_ascii_uppercase() as char);
        }
    }
    out
}

/// Decodes `%XX` escapes (either case); every other character stays as it
/// is (`+` included). A `%` not followed by two hex digits is an error.
pub fn url_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'%' {
            let hi = hex_digit(*t.get(i + 1)?)?;
            let lo = hex_digit(*t.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(t[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The message of a decoder given text not in its encoding (`encoding` is
/// `base64`, `hex` or `URL encoding`).
pub fn invalid_encoding_message(encoding: &str, text: &str) -> String {
    format!("invalid {encoding}: {}", quote(text))
}

/// The message of a decoder whose bytes are not UTF-8.
pub fn not_utf8_message(name: &str) -> String {
    format!("{name}: the decoded bytes are not valid UTF-8")
}

/// A decoder's result: the text or the error message.
pub fn decoded(
    name: &str,
    encoding: &str,
    text: &str,
    bytes: Option<Vec<u8>>,
) -> Result<String, String> {
    let bytes = bytes.ok_or_else(|| invalid_encoding_message(encoding, text))?;
    String::from_utf8(bytes).map_err(|_| not_utf8_message(name))
}

/// # Safety
/// `s` must be a live string.
unsafe fn encode_with(s: *const LmString, f: fn(&[u8]) -> String) -> *mut LmString {
    // SAFETY: caller's contract.
    // `bytes`, not `as_str`: a Bytes object (same layout) may be passed.
    new_string(&f(unsafe { crate::strings::bytes(s) }))
}

/// # Safety
/// `s` must be a live string, `result_desc` the descriptor of
/// `result[String, String]`.
unsafe fn decode_with(
    s: *const LmString,
    result_desc: *const TypeDesc,
    name: &str,
    encoding: &str,
    f: fn(&str) -> Option<Vec<u8>>,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe {
        let text = as_str(s);
        match decoded(name, encoding, text, f(text)) {
            Ok(t) => string_result(result_desc, true, &t),
            Err(m) => string_result(result_desc, false, &m),
        }
    }
}

/// `sha256(s)`: the SHA-256 of the UTF-8 bytes, as 64 lower-case hex digits.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_sha256(s: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    unsafe { encode_with(s, |b| hex_encode(&sha256(b))) }
}

/// `base64_encode(s)`.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_base64_encode(s: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    unsafe { encode_with(s, base64_encode) }
}

/// `hex_encode(s)`.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_hex_encode(s: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    unsafe { encode_with(s, hex_encode) }
}

/// `url_encode(s)`.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_url_encode(s: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    unsafe { encode_with(s, url_encode) }
}

/// `base64_decode(s)`: a `result[String, String]`.
///
/// # Safety
/// `s` must be a live string, `result_desc` the descriptor of
/// `result[String, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_base64_decode(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe { decode_with(s, result_desc, "base64_decode", "base64", base64_decode) }
}

/// `hex_decode(s)`: a `result[String, String]`.
///
/// # Safety
/// As for [`lm_base64_decode`].
#[no_mangle]
pub unsafe extern "C" fn lm_hex_decode(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe { decode_with(s, result_desc, "hex_decode", "hex", hex_decode) }
}

/// `url_decode(s)`: a `result[String, String]`.
///
/// # Safety
/// As for [`lm_base64_decode`].
#[no_mangle]
pub unsafe extern "C" fn lm_url_decode(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe { decode_with(s, result_desc, "url_decode", "URL encoding", url_decode) }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::objects::fields;
    use crate::typedesc::test_descs::{enumeration, string, variant};

    #[test]
    fn sha256_vectors() {
        let h = |s: &str| hex_encode(&sha256(s.as_bytes()));
        assert_eq!(
            h(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            h("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = "a".repeat(1_000_000);
        assert_eq!(
            h(&million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        // 55, 56 and 64 bytes: the padding boundaries.
        for n in [55, 56, 63, 64, 65] {
            assert_eq!(h(&"x".repeat(n)).len(), 64);
        }
    }

    #[test]
    fn base64_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).as_deref(), Some(plain.as_bytes()));
            let unpadded = enc.trim_end_matches('=');
            assert_eq!(base64_decode(unpadded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
        for bad in ["Z", "Zg=", "Zh==", "Zm9v!", "Zm 9v", "-_8=", "Zg==Zg=="] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_and_url() {
        assert_eq!(hex_encode("hi é".as_bytes()), "686920c3a9");
        assert_eq!(hex_decode("686920C3A9").as_deref(), Some("hi é".as_bytes()));
        for bad in ["6", "6g", "zz"] {
            assert_eq!(hex_decode(bad), None);
        }
        assert_eq!(
            url_encode("a b&c=d/é~".as_bytes()),
            "a%20b%26c%3Dd%2F%C3%A9~"
        );
        assert_eq!(
            url_decode("a%20b%26c+d%c3%a9").as_deref(),
            Some("a b&c+dé".as_bytes())
        );
        for bad in ["%", "%2", "%zz", "a%g1"] {
            assert_eq!(url_decode(bad), None);
        }
        assert_eq!(
            decoded("hex_decode", "hex", "ff", hex_decode("ff")),
            Err("hex_decode: the decoded bytes are not valid UTF-8".to_string())
        );
        assert_eq!(
            decoded("hex_decode", "hex", "f", hex_decode("f")),
            Err("invalid hex: \"f\"".to_string())
        );
    }

    #[test]
    fn exports() {
        let rty = enumeration(
            "Result",
            &[
                variant("ok", &[("", string())]),
                variant("err", &[("", string())]),
            ],
        );
        no_leaks(|| unsafe {
            let p = s("abc");
            for f in [lm_sha256, lm_base64_encode, lm_hex_encode, lm_url_encode] {
                release(f(p));
            }
            let e = lm_base64_encode(p);
            assert_eq!(text(e), "YWJj");
            let r = lm_base64_decode(e, rty.as_ptr());
            assert_eq!((*r).tag, 0);
            assert_eq!(
                text(fields(r.cast()).0.read() as usize as *const LmString),
                "abc"
            );
            release(r);
            let r = lm_url_decode(p, rty.as_ptr());
            assert_eq!((*r).tag, 0);
            release(r);
            let r = lm_hex_decode(p, rty.as_ptr());
            assert_eq!((*r).tag, 1);
            release(r);
            release(e);
            release(p);
        });
    }
}
