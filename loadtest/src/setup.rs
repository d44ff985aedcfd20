//! The unmeasured set-up over HTTP: read the contest, register the participants.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::stats::{bump, Shared};

#[derive(Debug, Deserialize)]
struct ContestDoc {
    consent: Consent,
    rounds: Vec<RoundDoc>,
    units: Vec<Unit>,
}

#[derive(Debug, Deserialize)]
struct Consent {
    version: String,
}

#[derive(Debug, Deserialize)]
pub struct RoundDoc {
    pub id: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub closes_at_ms: i64,
    #[serde(default)]
    pub attempt_limit: Option<i64>,
    #[serde(default)]
    pub questions_per_attempt: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Unit {
    code: String,
}

#[derive(Debug)]
pub struct ContestInfo {
    pub consent_version: String,
    pub unit_code: String,
    pub round: RoundDoc,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
}

#[derive(Debug, Deserialize)]
struct Credential {
    token: String,
}

/// HTTP clients, one per source address (participant i uses client i mod count).
pub fn clients(source_ips: &[IpAddr], pool: usize) -> Result<Vec<reqwest::Client>, String> {
    let build = |ip: Option<IpAddr>| {
        reqwest::Client::builder()
            .local_address(ip)
            .pool_max_idle_per_host(pool)
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))
    };
    if source_ips.is_empty() {
        Ok(vec![build(None)?])
    } else {
        source_ips.iter().map(|ip| build(Some(*ip))).collect()
    }
}

pub async fn contest_info(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
    round_id: i64,
) -> Result<ContestInfo, String> {
    let url = format!("{base}/api/contests/{slug}");
    let resp = client.get(&url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let doc: ContestDoc = resp.json().await.map_err(|e| format!("GET {url}: unexpected body: {e}"))?;
    let unit_code = doc.units.first().map(|u| u.code.clone()).ok_or("the contest has no units")?;
    let round = doc
        .rounds
        .into_iter()
        .find(|r| r.id == round_id)
        .ok_or_else(|| format!("the contest has no round {round_id}"))?;
    Ok(ContestInfo { consent_version: doc.consent.version, unit_code, round })
}

/// A name the server accepts (letters only): the index spelt with the letters a–j.
pub fn full_name(i: u64) -> String {
    let digits: String = i.to_string().bytes().map(|d| char::from(b'a' + (d - b'0'))).collect();
    let mut chars = digits.chars();
    let word = match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::from("A"),
    };
    format!("Người Thử {word}")
}

pub fn phone(n: u64) -> String {
    format!("09{n:08}")
}

enum Attempt {
    Done(String),
    /// Try again after the delay (the server's Retry-After when it gave one).
    Retry(String, Option<Duration>),
    Fail(String),
}

async fn post(client: &reqwest::Client, url: &str, body: &serde_json::Value, created: u16) -> Attempt {
    let resp = match client.post(url).json(body).send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Attempt::Retry("http_timeout".into(), None),
        Err(_) => return Attempt::Retry("http_connect".into(), None),
    };
    let status = resp.status().as_u16();
    if status == created {
        return match resp.json::<Credential>().await {
            Ok(c) => Attempt::Done(c.token),
            Err(_) => Attempt::Fail("bad_credential_body".into()),
        };
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.clamp(1, 60)));
    let code = match resp.json::<ErrorEnvelope>().await {
        Ok(e) => e.error.code,
        Err(_) => format!("http_{status}"),
    };
    if status == 429 || status >= 500 {
        Attempt::Retry(code, retry_after)
    } else {
        Attempt::Fail(code)
    }
}

/// Registers participant `n` (phone index); logs in instead when the phone is already
/// registered. Returns the token, or records why not.
async fn register_one(
    client: reqwest::Client,
    base: Arc<str>,
    slug: Arc<str>,
    info: Arc<ContestInfo>,
    stats: Arc<Shared>,
    n: u64,
) -> Option<String> {
    let phone = phone(n);
    let body = json!({
        "full_name": full_name(n),
        "dob": "1990-01-01",
        "sex": "male",
        "phone": phone,
        "commune_code": info.unit_code,
        "unit_code": info.unit_code,
        "consent": {"given": true, "version": info.consent_version},
    });
    let register = format!("{base}/api/contests/{slug}/register");
    let login = format!("{base}/api/contests/{slug}/login");
    let mut use_login = false;
    let mut wait: Option<Duration> = None;
    // Rate limits (429 + Retry-After) are waited out: set-up is not measured, and --max-seconds
    // bounds the whole run. Other failures get a few quick retries.
    let mut quick_retries = 0u32;
    let mut attempt = 0u32;
    loop {
        if let Some(w) = wait.take() {
            tokio::time::sleep(w).await;
        }
        attempt += 1;
        let outcome = if use_login {
            post(&client, &login, &json!({"phone": phone, "dob": "1990-01-01"}), 200).await
        } else {
            post(&client, &register, &body, 201).await
        };
        match outcome {
            Attempt::Done(token) => {
                let mut s = stats.lock();
                if use_login {
                    s.logged_in += 1;
                } else {
                    s.registered += 1;
                }
                return Some(token);
            }
            Attempt::Fail(code) if code == "phone_taken" && !use_login => use_login = true,
            Attempt::Fail(code) => {
                bump(&mut stats.lock().register_failed, &code);
                return None;
            }
            Attempt::Retry(code, Some(after)) if code == "rate_limited" => {
                // Spread the retries so they do not all come back in the same instant.
                let jitter = Duration::from_millis(rand::random::<u64>() % 1000);
                wait = Some(after + jitter);
                if attempt > 10_000 {
                    bump(&mut stats.lock().register_failed, &code);
                    return None;
                }
            }
            Attempt::Retry(code, after) => {
                quick_retries += 1;
                if quick_retries > 5 {
                    bump(&mut stats.lock().register_failed, &code);
                    return None;
                }
                wait = Some(after.unwrap_or(Duration::from_millis(100 << quick_retries)));
            }
        }
    }
}

/// What `register_all` needs.
pub struct Registration<'a> {
    pub clients: &'a [reqwest::Client],
    pub base: &'a str,
    pub slug: &'a str,
    pub info: Arc<ContestInfo>,
    pub stats: Arc<Shared>,
    /// Participant i gets the phone index offset + i.
    pub offset: u64,
    /// Requests in flight.
    pub concurrency: usize,
}

/// Registers the participants `indices` with at most `concurrency` requests in flight.
/// Returns (participant index, token) of those that got a token.
pub async fn register_all(r: Registration<'_>, indices: std::ops::Range<usize>) -> Vec<(usize, String)> {
    let base: Arc<str> = r.base.into();
    let slug: Arc<str> = r.slug.into();
    let (clients, offset) = (r.clients, r.offset);
    let mut tokens: Vec<(usize, String)> = futures_util::stream::iter(indices)
        .map(|i| {
            let client = clients[i % clients.len()].clone();
            let (base, slug, info, stats) = (base.clone(), slug.clone(), r.info.clone(), r.stats.clone());
            async move { register_one(client, base, slug, info, stats, offset + i as u64).await.map(|t| (i, t)) }
        })
        .buffer_unordered(r.concurrency)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    tokens.sort_by_key(|(i, _)| *i);
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_letters_only() {
        assert_eq!(full_name(0), "Người Thử A");
        assert_eq!(full_name(1209), "Người Thử Bcaj");
        assert!(full_name(99_999_999).chars().all(|c| c.is_alphabetic() || c == ' '));
    }

    #[test]
    fn phones_are_ten_digits() {
        assert_eq!(phone(0), "0900000000");
        assert_eq!(phone(12_345_678), "0912345678");
        assert_eq!(phone(99_999_999).len(), 10);
    }
}
