//! Webhook signatures: `X-Codex-Manager-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` under the
//! routine's secret, with `X-Codex-Manager-Timestamp: <unix seconds>`. The timestamp is inside the signed text, so a
//! captured delivery cannot be re-dated; a delivery older or newer than [`WINDOW_SECS`] is refused, and within the
//! window each signature is accepted once (the store remembers it until it falls out of the window).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-codex-manager-signature";
pub const TIMESTAMP_HEADER: &str = "x-codex-manager-timestamp";
/// How far a delivery's timestamp may be from the host's clock, either way.
pub const WINDOW_SECS: i64 = 300;
/// Secrets start with this, so a leaked one is recognisable.
pub const SECRET_PREFIX: &str = "cmwh_";

/// Why a delivery was refused (before the replay check, which needs the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing or malformed.
    Malformed,
    /// The timestamp is outside the window.
    Stale,
    /// The signature does not match.
    BadSignature,
}

/// A new secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    format!("{SECRET_PREFIX}{}", hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The header value a sender computes (what the docs' openssl example prints, with `sha256=` in front).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Check a delivery; on success, the signature's digest (what the replay memory keys on).
pub fn verify(secret: &str, timestamp: Option<&str>, signature: Option<&str>, body: &[u8], now_secs: i64) -> Result<String, Refusal> {
    let ts: i64 = timestamp.and_then(|t| t.trim().parse().ok()).ok_or(Refusal::Malformed)?;
    let digest = signature.and_then(|s| s.trim().strip_prefix("sha256=")).and_then(unhex).ok_or(Refusal::Malformed)?;
    if (now_secs - ts).abs() > WINDOW_SECS {
        return Err(Refusal::Stale);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(ts.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&digest).map_err(|_| Refusal::BadSignature)?;
    Ok(hex(&digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "cmwh_test";

    #[test]
    fn a_signed_delivery_passes() {
        let body = br#"{"ref":"main"}"#;
        let sig = sign(SECRET, 1_800_000_000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        let digest = verify(SECRET, Some("1800000000"), Some(&sig), body, 1_800_000_100).unwrap();
        assert_eq!(format!("sha256={digest}"), sig);
    }

    #[test]
    fn known_vector() {
        // printf '%s' '1800000000.hello' | openssl dgst -sha256 -hmac cmwh_test -r (docs/automation.md's recipe)
        assert_eq!(sign(SECRET, 1_800_000_000, b"hello"), "sha256=143f6718c2a27a201be20d90b3d632487667a52d622dfb49f21953f0cfdc8b3a");
    }

    #[test]
    fn wrong_signatures_are_refused() {
        let body = b"{}";
        let sig = sign(SECRET, 1_800_000_000, body);
        assert_eq!(verify("cmwh_other", Some("1800000000"), Some(&sig), body, 1_800_000_000), Err(Refusal::BadSignature));
        assert_eq!(verify(SECRET, Some("1800000000"), Some(&sig), b"{ }", 1_800_000_000), Err(Refusal::BadSignature), "another body");
        assert_eq!(verify(SECRET, Some("1800000001"), Some(&sig), body, 1_800_000_000), Err(Refusal::BadSignature), "re-dated");
        assert_eq!(verify(SECRET, Some("1800000000"), Some(&sig[7..]), body, 1_800_000_000), Err(Refusal::Malformed), "no sha256=");
        assert_eq!(verify(SECRET, Some("1800000000"), Some("sha256=zz"), body, 1_800_000_000), Err(Refusal::Malformed));
        assert_eq!(verify(SECRET, None, Some(&sig), body, 1_800_000_000), Err(Refusal::Malformed));
        assert_eq!(verify(SECRET, Some("yesterday"), Some(&sig), body, 1_800_000_000), Err(Refusal::Malformed));
        assert_eq!(verify(SECRET, Some("1800000000"), None, body, 1_800_000_000), Err(Refusal::Malformed));
    }

    #[test]
    fn stale_timestamps_are_refused_either_way() {
        let body = b"{}";
        let sig = sign(SECRET, 1_800_000_000, body);
        assert!(verify(SECRET, Some("1800000000"), Some(&sig), body, 1_800_000_000 + WINDOW_SECS).is_ok());
        assert_eq!(verify(SECRET, Some("1800000000"), Some(&sig), body, 1_800_000_001 + WINDOW_SECS), Err(Refusal::Stale));
        assert_eq!(verify(SECRET, Some("1800000000"), Some(&sig), body, 1_799_999_999 - WINDOW_SECS), Err(Refusal::Stale));
    }

    #[test]
    fn secrets_are_fresh() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX) && a.len() == SECRET_PREFIX.len() + 64);
    }
}
