//! Keys derived from the master secret: encryption of personal data at rest
//! (XChaCha20-Poly1305), keyed HMACs for uniqueness checks (a plain hash of a CCCD can be
//! brute-forced), and signed participant credentials.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::Rng as _;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Keys {
    encryption: [u8; 32],
    lookup: [u8; 32],
    token: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// A participant credential's content, once its signature checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    pub participant_id: i64,
    pub contest_id: i64,
    pub issued_at_s: i64,
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self {
            encryption: derive(master, "thiluat/pii-encryption/v1"),
            lookup: derive(master, "thiluat/pii-lookup-hmac/v1"),
            token: derive(master, "thiluat/participant-token/v1"),
        }
    }

    /// Keyed HMAC of a normalised identifier, scoped by kind ("phone", "cccd").
    pub fn lookup_hmac(&self, kind: &str, value: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.lookup).expect("any key length");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// nonce (24 bytes) || ciphertext.
    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.encryption).into());
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        let sealed =
            cipher.encrypt(&XNonce::from(nonce), plaintext.as_bytes()).expect("encrypting into a Vec cannot fail");
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, sealed: &[u8]) -> anyhow::Result<String> {
        anyhow::ensure!(sealed.len() > 24, "sealed value too short");
        self.open(sealed).context("personal data failed to decrypt (wrong key?) or is not UTF-8")
    }

    /// [`Keys::decrypt`] without the error: for exports that print an empty cell instead,
    /// row after row, where building an error (and its backtrace) would cost more than
    /// the decryption.
    pub fn open(&self, sealed: &[u8]) -> Option<String> {
        if sealed.len() <= 24 {
            return None;
        }
        let cipher = XChaCha20Poly1305::new((&self.encryption).into());
        let (nonce, body) = sealed.split_at(24);
        String::from_utf8(cipher.decrypt(&XNonce::try_from(nonce).ok()?, body).ok()?).ok()
    }

    /// `base64url(participant.contest.issued).base64url(hmac)`.
    pub fn sign_credential(&self, cred: Credential) -> String {
        let body = format!("{}.{}.{}", cred.participant_id, cred.contest_id, cred.issued_at_s);
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.token).expect("any key length");
        mac.update(body.as_bytes());
        let sig = mac.finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(body), URL_SAFE_NO_PAD.encode(sig))
    }

    /// Checks the signature and the age (`max_age_s`) of a credential.
    pub fn verify_credential(&self, token: &str, now_s: i64, max_age_s: i64) -> Option<Credential> {
        let (body_b64, sig_b64) = token.split_once('.')?;
        let body = URL_SAFE_NO_PAD.decode(body_b64).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.token).expect("any key length");
        mac.update(&body);
        mac.verify_slice(&sig).ok()?;
        let body = String::from_utf8(body).ok()?;
        let mut parts = body.split('.');
        let cred = Credential {
            participant_id: parts.next()?.parse().ok()?,
            contest_id: parts.next()?.parse().ok()?,
            issued_at_s: parts.next()?.parse().ok()?,
        };
        if parts.next().is_some() || now_s - cred.issued_at_s > max_age_s || cred.issued_at_s > now_s + 300 {
            return None;
        }
        Some(cred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn encryption_round_trips_and_is_randomised() {
        let k = keys();
        let a = k.encrypt("0912345678");
        let b = k.encrypt("0912345678");
        assert_ne!(a, b, "nonces must differ");
        assert_eq!(k.decrypt(&a).expect("decrypts"), "0912345678");
        let mut tampered = a.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(k.decrypt(&tampered).is_err());
        assert!(Keys::from_master(&[8u8; 32]).decrypt(&a).is_err());
    }

    #[test]
    fn lookup_hmac_is_keyed_and_scoped() {
        let k = keys();
        assert_eq!(k.lookup_hmac("phone", "0912345678"), k.lookup_hmac("phone", "0912345678"));
        assert_ne!(k.lookup_hmac("phone", "0912345678"), k.lookup_hmac("cccd", "0912345678"));
        assert_ne!(
            k.lookup_hmac("phone", "0912345678"),
            Keys::from_master(&[8u8; 32]).lookup_hmac("phone", "0912345678")
        );
    }

    #[test]
    fn credentials_verify_and_reject_forgery_and_age() {
        let k = keys();
        let cred = Credential { participant_id: 42, contest_id: 3, issued_at_s: 1_000 };
        let token = k.sign_credential(cred);
        assert_eq!(k.verify_credential(&token, 1_500, 3_600), Some(cred));
        assert_eq!(k.verify_credential(&token, 10_000, 3_600), None, "expired");
        assert_eq!(Keys::from_master(&[1u8; 32]).verify_credential(&token, 1_500, 3_600), None);
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode("43.3.1000"), token.split_once('.').expect("dot").1);
        assert_eq!(k.verify_credential(&forged, 1_500, 3_600), None);
        assert_eq!(k.verify_credential("garbage", 1_500, 3_600), None);
    }
}
