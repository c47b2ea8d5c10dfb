//! Credentials: argon2id password hashes, random API tokens and session cookies kept only as
//! SHA-256 hashes, CSRF tokens for cookie-authenticated writes, the rate limit on failed
//! sign-ins, and the extractor that turns a request's credentials into a [`Principal`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use pulse_store::{Account, Role};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// The name of the session cookie.
pub(crate) const SESSION_COOKIE: &str = "pulse_session";
/// The header carrying the CSRF token of a cookie-authenticated write.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
/// How long a sign-in lasts.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Failed sign-ins allowed per account or per address within [`FAILURE_WINDOW`].
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// `n` random bytes from the operating system, as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system provides random bytes");
    hex(&buffer)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// SHA-256 of a token, hex: what the store keeps of API tokens and session cookies (they are
/// 256-bit random values, so a fast hash is enough; passwords get argon2id).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new API token: `pulse_` and 64 hex digits.
pub fn new_api_token() -> String {
    format!("pulse_{}", random_hex(32))
}

/// An argon2id hash (PHC string, random salt) of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < 8 {
        return Err("a password needs at least 8 characters".to_owned());
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|error| error.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|error| error.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Equal strings, compared in time independent of where they differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) account: Account,
}

impl Principal {
    /// Refuses the request unless the caller has one of `roles`.
    pub(crate) fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.account.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("the {} role cannot do this", self.account.role.name())))
        }
    }

    /// The owner whose records a rep is restricted to (none for the other roles).
    pub(crate) fn owner_scope(&self) -> Option<&str> {
        match self.account.role {
            Role::Rep => Some(self.account.owner.as_deref().unwrap_or(&self.account.name)),
            _ => None,
        }
    }
}

/// The value of a cookie in a request's headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Principal, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|text| text.strip_prefix("Bearer "))
                .ok_or_else(|| ApiError::unauthenticated("the Authorization header must be `Bearer <token>`"))?;
            let account = state.with_store(|store| store.token_account(&token_hash(token.trim())))?;
            return match account {
                Some(account) => Ok(Principal { account }),
                None => Err(ApiError::unauthenticated("the API token is not valid")),
            };
        }
        if let Some(value) = cookie(&parts.headers, SESSION_COOKIE) {
            let session = state.with_store(|store| store.session(&token_hash(value)))?;
            let Some((account, csrf)) = session else {
                return Err(ApiError::unauthenticated("the session has ended; sign in again"));
            };
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
                if !constant_time_eq(sent, &csrf) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "csrf",
                        "a write with a session cookie needs the X-CSRF-Token header from sign-in",
                    ));
                }
            }
            return Ok(Principal { account });
        }
        Err(ApiError::unauthenticated("sign in (POST /api/v1/session) or send Authorization: Bearer <token>"))
    }
}

/// Failed sign-ins per account name and per client address.
#[derive(Debug, Default)]
pub(crate) struct SignInLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl SignInLimiter {
    fn keys(account: &str, address: IpAddr) -> [String; 2] {
        [format!("account:{account}"), format!("address:{address}")]
    }

    /// Seconds until another attempt is allowed, when the account or address is locked out.
    pub(crate) fn locked(&self, account: &str, address: IpAddr) -> Option<u64> {
        let failures = self.failures.lock().expect("the limiter's lock is never poisoned");
        Self::keys(account, address)
            .iter()
            .filter_map(|key| failures.get(key))
            .filter(|(count, since)| *count >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
            .map(|(_, since)| (FAILURE_WINDOW - since.elapsed()).as_secs().max(1))
            .max()
    }

    pub(crate) fn failed(&self, account: &str, address: IpAddr) {
        let mut failures = self.failures.lock().expect("the limiter's lock is never poisoned");
        for key in Self::keys(account, address) {
            let entry = failures.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= FAILURE_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub(crate) fn succeeded(&self, account: &str) {
        self.failures.lock().expect("the limiter's lock is never poisoned").remove(&format!("account:{account}"));
    }
}
