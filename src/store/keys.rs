//! Every Redis key in one place. All keys of a round share the hash tag `{round:ID}` so the
//! scripts run on Redis Cluster too.

/// Keys of one round.
#[derive(Debug, Clone)]
pub struct RoundKeys {
    base: String,
}

impl RoundKeys {
    pub fn new(prefix: &str, round_id: i64) -> Self {
        Self { base: format!("{prefix}{{round:{round_id}}}") }
    }
    fn k(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.base)
    }
    /// Hash: opens_ms, closes_ms, grace_ms, time_limit_ms, attempt_limit, prediction.
    pub fn meta(&self) -> String {
        self.k("meta")
    }
    /// Hash: question id -> correct option ids, sorted, comma-separated.
    pub fn answer_key(&self) -> String {
        self.k("key")
    }
    /// Hash: question id -> ",id,id,id," (the options a question accepts).
    pub fn options(&self) -> String {
        self.k("opts")
    }
    /// Hash: participant id -> attempts started.
    pub fn attempts_used(&self) -> String {
        self.k("used")
    }
    /// Hash: "participant:request" -> attempt id (idempotent starts).
    pub fn start_requests(&self) -> String {
        self.k("req")
    }
    pub fn attempt(&self, attempt_id: &str) -> String {
        self.k(&format!("att:{attempt_id}"))
    }
    pub fn answers(&self, attempt_id: &str) -> String {
        self.k(&format!("ans:{attempt_id}"))
    }
    /// List of a participant's attempt ids, oldest first.
    pub fn participant_attempts(&self, participant_id: i64) -> String {
        self.k(&format!("pa:{participant_id}"))
    }
    /// Zset: open attempt id -> deadline (ms).
    pub fn deadlines(&self) -> String {
        self.k("deadlines")
    }
    /// Zset of lexicographic members, best first (see submit.lua).
    pub fn leaderboard(&self) -> String {
        self.k("lb")
    }
    /// Hash: participant id -> their member in the leaderboard.
    pub fn best(&self) -> String {
        self.k("best")
    }
    /// Stream of accepted events, read by the persister.
    pub fn events(&self) -> String {
        self.k("events")
    }
}

/// Keys that belong to no round.
pub fn armed_rounds(prefix: &str) -> String {
    format!("{prefix}rounds:armed")
}

/// A public answer computed from Postgres and kept a short while (see `RedisStore::cached`).
pub fn cache(prefix: &str, name: &str) -> String {
    format!("{prefix}cache:{name}")
}

pub const PERSISTER_GROUP: &str = "persister";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_key_carries_the_same_hash_tag() {
        let k = RoundKeys::new("t1:", 42);
        let all = [
            k.meta(),
            k.answer_key(),
            k.options(),
            k.attempts_used(),
            k.start_requests(),
            k.attempt("a"),
            k.answers("a"),
            k.participant_attempts(7),
            k.deadlines(),
            k.leaderboard(),
            k.best(),
            k.events(),
        ];
        for key in &all {
            let open = key.find('{').expect("has a tag");
            let close = key.find('}').expect("has a tag");
            assert_eq!(&key[open..=close], "{round:42}", "{key}");
            assert!(key.starts_with("t1:"));
        }
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
    }
}
