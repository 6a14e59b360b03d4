//! Bearer tokens: verification into an [`Actor`], and issuing.
//!
//! Claims: `sub` (who), `role` (`supervisor`, `clerk`, `reviewer`, `integrator`), `department`
//! (a clerk's department; required for clerks), `departments` (an integrator's limit,
//! optional), `exp`, `iat`, `nbf` and `jti` (required, so that every token can be revoked).
//! Tokens are never logged.
//!
//! Every transport authenticates the same way: [`bearer`] takes the token out of an
//! `Authorization` value, [`verify_and_check_revoked`] verifies it and checks it against the
//! revocation list, and [`check_not_revoked`] (the one revocation check) is run again while a
//! WebSocket stays open. All of them fail closed: a token whose revocation cannot be checked
//! (the database does not answer) is refused.

use std::path::Path;

use chrono::Utc;
use dutyledger_domain::values::CreditCode;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{Actor, Role};

/// Shortest HS256 secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Longest token lifetime `token issue` grants, in seconds (one year).
pub const MAX_TTL_SECONDS: i64 = 366 * 24 * 3600;
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why a token was refused. The message never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` credentials.
    #[error("authentication required: send Authorization: Bearer <token>")]
    Missing,
    /// Not a well-formed JWT.
    #[error("invalid token: malformed")]
    Malformed,
    /// The signature does not verify.
    #[error("invalid token: bad signature")]
    BadSignature,
    /// Signed with an algorithm this server does not accept (including `none`).
    #[error("invalid token: algorithm not accepted")]
    WrongAlgorithm,
    /// Past its `exp`.
    #[error("invalid token: expired")]
    Expired,
    /// Before its `nbf`.
    #[error("invalid token: not yet valid")]
    NotYetValid,
    /// A required claim is absent or empty.
    #[error("invalid token: missing claim {0}")]
    MissingClaim(&'static str),
    /// A role this server does not know.
    #[error("invalid token: unknown role")]
    UnknownRole,
    /// A department claim that is not a valid credit code, or a clerk without one.
    #[error("invalid token: {0}")]
    BadDepartment(&'static str),
    /// Revoked with `dutyledger token revoke`.
    #[error("invalid token: revoked")]
    Revoked,
    /// The revocation list could not be read (a database error), so the token is refused: a
    /// token is never accepted without the check.
    #[error("invalid token: its revocation cannot be checked now, try again later")]
    RevocationUnchecked,
}

/// The claims of our tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A clerk's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// An integrator's departments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departments: Option<Vec<String>>,
    /// Expiry (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Verifies tokens (and issues them, when it holds a signing key).
#[derive(Clone)]
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A key configuration problem (at startup, never per request).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The HS256 secret is too short.
    #[error("DUTYLEDGER_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    ShortSecret,
    /// A key file could not be read.
    #[error("cannot read key file {0}: {1}")]
    Read(String, std::io::Error),
    /// A key file is neither an RSA nor an Ed25519 PEM key.
    #[error("key file {0} is neither an RSA nor an Ed25519 PEM key")]
    UnknownKey(String),
    /// Neither a secret nor a public key is configured.
    #[error("no token key configured: set DUTYLEDGER_JWT_SECRET (HS256) or DUTYLEDGER_JWT_PUBLIC_KEY (RS256/EdDSA PEM file)")]
    NoKey,
    /// Issuing needs a private key (or the HS256 secret).
    #[error("issuing tokens needs DUTYLEDGER_JWT_SECRET or DUTYLEDGER_JWT_PRIVATE_KEY")]
    NoSigningKey,
}

impl Authenticator {
    /// HS256 with a shared secret (which both verifies and issues).
    pub fn hs256(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::ShortSecret);
        }
        Ok(Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            algorithm: Algorithm::HS256,
        })
    }

    /// RS256 or EdDSA from a PEM public key file, and optionally a PEM private key for issuing.
    pub fn from_public_key(public: &Path, private: Option<&Path>) -> Result<Self, KeyError> {
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| KeyError::Read(p.display().to_string(), e));
        let pem = read(public)?;
        let (decoding, algorithm) = if let Ok(k) = DecodingKey::from_rsa_pem(&pem) {
            (k, Algorithm::RS256)
        } else if let Ok(k) = DecodingKey::from_ed_pem(&pem) {
            (k, Algorithm::EdDSA)
        } else {
            return Err(KeyError::UnknownKey(public.display().to_string()));
        };
        let encoding = match private {
            None => None,
            Some(p) => {
                let pem = read(p)?;
                let key = match algorithm {
                    Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
                    _ => EncodingKey::from_ed_pem(&pem),
                }
                .map_err(|_| KeyError::UnknownKey(p.display().to_string()))?;
                Some(key)
            }
        };
        Ok(Self {
            decoding,
            encoding,
            algorithm,
        })
    }

    /// The algorithm tokens must be signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Verifies a token's signature, algorithm, times and claims. Revocation is checked by the
    /// caller (it needs the database).
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                AuthError::WrongAlgorithm
            }
            // An unknown "alg" (such as "none") fails to deserialise the header.
            ErrorKind::Json(_) if token_alg_is_unsupported(token) => AuthError::WrongAlgorithm,
            _ => AuthError::Malformed,
        })?;
        if header.alg != self.algorithm {
            return Err(AuthError::WrongAlgorithm);
        }
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    AuthError::WrongAlgorithm
                }
                ErrorKind::MissingRequiredClaim(_) => AuthError::MissingClaim("exp"),
                _ => AuthError::Malformed,
            },
        )?;
        actor_from_claims(data.claims)
    }

    /// Issues a token for `role` (and departments), valid for `ttl_seconds` from now.
    pub fn issue(
        &self,
        subject: &str,
        role: Role,
        departments: &[CreditCode],
        ttl_seconds: i64,
    ) -> Result<(String, Claims), KeyError> {
        let key = self.encoding.as_ref().ok_or(KeyError::NoSigningKey)?;
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: Some(subject.to_owned()),
            role: Some(role.as_str().to_owned()),
            department: (role == Role::Clerk)
                .then(|| departments.first().map(ToString::to_string))
                .flatten(),
            departments: (role == Role::Integrator && !departments.is_empty())
                .then(|| departments.iter().map(ToString::to_string).collect()),
            exp: Some(now + ttl_seconds.clamp(1, MAX_TTL_SECONDS)),
            iat: Some(now),
            nbf: Some(now),
            jti: Some(uuid::Uuid::new_v4().to_string()),
        };
        let token = jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|_| KeyError::NoSigningKey)?;
        Ok((token, claims))
    }
}

/// Whether the token's header names an algorithm we never accept (e.g. `none`).
fn token_alg_is_unsupported(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    base64_url_decode(header)
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|h| h.get("alg").is_some())
}

/// Decodes unpadded base64url (enough for a JWT header).
fn base64_url_decode(input: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    };
    let bytes = input.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

fn non_empty(value: Option<String>, claim: &'static str) -> Result<String, AuthError> {
    match value {
        Some(v) if !v.trim().is_empty() && v.len() <= 200 => Ok(v),
        _ => Err(AuthError::MissingClaim(claim)),
    }
}

fn actor_from_claims(claims: Claims) -> Result<Actor, AuthError> {
    let exp = claims.exp;
    let subject = non_empty(claims.sub, "sub")?;
    let jti = non_empty(claims.jti, "jti")?;
    let role_name = non_empty(claims.role, "role")?;
    let role = Role::from_token(&role_name).ok_or(AuthError::UnknownRole)?;
    let parse = |code: &str| {
        CreditCode::parse(code)
            .map_err(|_| AuthError::BadDepartment("department is not a valid credit code"))
    };
    let departments = match role {
        Role::Clerk => {
            let code = claims.department.ok_or(AuthError::BadDepartment(
                "a clerk's token must name its department",
            ))?;
            vec![parse(&code)?]
        }
        Role::Integrator => claims
            .departments
            .unwrap_or_default()
            .iter()
            .map(|c| parse(c))
            .collect::<Result<_, _>>()?,
        Role::Supervisor | Role::Reviewer | Role::System => Vec::new(),
    };
    Ok(Actor {
        subject,
        role,
        departments,
        token_id: Some(jti),
        expires_at: exp,
    })
}

/// The token of a `Bearer <token>` credential (scheme matched case-insensitively).
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Verifies a token (signature, algorithm, times, claims) and checks that it has not been
/// revoked: how HTTP requests and WebSocket connections alike are authenticated.
pub async fn verify_and_check_revoked(
    auth: &Authenticator,
    pool: &PgPool,
    token: &str,
) -> Result<Actor, AuthError> {
    let actor = auth.verify(token)?;
    check_not_revoked(pool, &actor).await?;
    Ok(actor)
}

/// Checks that the token an actor came with has not been revoked (`dutyledger token revoke`):
/// the only revocation check, at authentication and whenever an open connection checks its
/// credentials again. Fails closed: [`AuthError::RevocationUnchecked`] when the revocation list
/// cannot be read.
pub async fn check_not_revoked(pool: &PgPool, actor: &Actor) -> Result<(), AuthError> {
    let Some(jti) = &actor.token_id else {
        return Ok(());
    };
    let revoked: Result<bool, _> =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $1)")
            .bind(jti)
            .fetch_one(pool)
            .await;
    match revoked {
        Ok(false) => Ok(()),
        Ok(true) => Err(AuthError::Revoked),
        Err(error) => {
            // Fail closed: without the revocation list we cannot accept the token.
            tracing::error!(%error, "cannot check token revocation");
            Err(AuthError::RevocationUnchecked)
        }
    }
}

/// Parses a lifetime such as `30m`, `8h`, `7d` or `3600` (seconds).
pub fn parse_ttl(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("invalid lifetime {text:?}: use e.g. 30m, 8h, 7d"))?;
    let seconds = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86_400,
        _ => {
            return Err(format!(
                "invalid lifetime unit in {text:?}: use s, m, h or d"
            ))
        }
    };
    if seconds <= 0 || seconds > MAX_TTL_SECONDS {
        return Err(format!(
            "lifetime must be between 1 second and 366 days, got {text:?}"
        ));
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify() {
        let auth = Authenticator::hs256(SECRET).expect("key");
        let code = CreditCode::from_parts('1', '1', "371300", "00435012").expect("code");
        let (token, _) = auth
            .issue("li.na", Role::Clerk, std::slice::from_ref(&code), 60)
            .expect("issue");
        let actor = auth.verify(&token).expect("verify");
        assert_eq!(actor.role, Role::Clerk);
        assert_eq!(actor.departments, vec![code]);
        assert_eq!(actor.id(), "clerk:li.na");
    }

    #[test]
    fn bearer_credentials_parse() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("  bearer   abc  "), Some("abc"));
        assert_eq!(bearer("BEARER abc"), Some("abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(Authenticator::hs256(b"short").is_err());
    }

    #[test]
    fn base64url_decodes() {
        assert_eq!(
            base64_url_decode("eyJhbGciOiJub25lIn0").as_deref(),
            Some(&br#"{"alg":"none"}"#[..])
        );
    }

    #[test]
    fn ttls_parse() {
        assert_eq!(parse_ttl("90"), Ok(90));
        assert_eq!(parse_ttl("30m"), Ok(1800));
        assert_eq!(parse_ttl("8h"), Ok(28_800));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("400d").is_err());
        assert!(parse_ttl("5w").is_err());
        assert!(parse_ttl("h").is_err());
    }
}
