//! Share codes for the "lan tỏa" prizes: every participant gets a code (derived from their id,
//! so it needs no lookup to show again); registering with `referral` set to someone's code
//! stores them as `referred_by`. Organisers see the counts (http::admin).

use sqlx::PgPool;

use crate::crypto::Keys;

/// Eight letters and digits without look-alikes (0/O, 1/I/L), easy to read aloud.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub fn code_of(keys: &Keys, participant_id: i64) -> String {
    let mac = keys.lookup_hmac("referral", &participant_id.to_string());
    mac.iter().take(8).map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// A code as typed or carried in a link: trimmed, upper case, only our letters.
pub fn normalise(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    (c.len() == 8 && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

/// Records the participant's code (idempotent) and, on registration, who referred them: a
/// participant of the same contest, never themselves. Unknown codes are ignored (a stale link
/// must not block a registration). Returns the participant's own code.
pub async fn record(
    pg: &PgPool,
    keys: &Keys,
    participant_id: i64,
    contest_id: i64,
    referred_by_code: Option<&str>,
) -> sqlx::Result<String> {
    let code = code_of(keys, participant_id);
    let by = referred_by_code.and_then(normalise);
    sqlx::query(
        "INSERT INTO referrals (participant_id, contest_id, code, referred_by) \
         VALUES ($1, $2, $3, (SELECT participant_id FROM referrals WHERE code = $4 AND contest_id = $2 AND participant_id <> $1)) \
         ON CONFLICT (participant_id) DO NOTHING",
    )
    .bind(participant_id)
    .bind(contest_id)
    .bind(&code)
    .bind(by)
    .execute(pg)
    .await?;
    Ok(code)
}
