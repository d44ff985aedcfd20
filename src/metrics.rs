//! Prometheus metrics, one registry per application (two apps can share a process in tests).

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Answers by outcome: saved, duplicate, stale, or the refusal code.
    pub answers: IntCounterVec,
    /// Submits by outcome (submitted, already, auto, or the refusal code).
    pub submits: IntCounterVec,
    pub ack_latency: Histogram,
    pub open_connections: IntGauge,
    /// Websocket messages being handled right now on this node: the persister yields to
    /// them while there are many (a deadline spike), see `jobs::persister_loop`.
    pub in_flight: IntGauge,
    /// Stream entries not yet written to Postgres, per round.
    pub persister_lag: IntGaugeVec,
    pub persisted_events: IntCounterVec,
    /// Stream entries the persister set aside (jobs::dead_letter): any is worth an alert.
    pub persister_dead_letters: IntCounter,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("thiluat".into()), None).expect("valid prefix");
        let answers = IntCounterVec::new(Opts::new("answers_total", "Answers received, by outcome"), &["outcome"])
            .expect("valid metric");
        let submits =
            IntCounterVec::new(Opts::new("submits_total", "Submits, by outcome"), &["outcome"]).expect("valid metric");
        let ack_latency = Histogram::with_opts(
            HistogramOpts::new("ack_latency_seconds", "From receiving an answer to sending its ack")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
        )
        .expect("valid metric");
        let open_connections = IntGauge::new("open_connections", "Open websocket connections").expect("valid metric");
        let in_flight =
            IntGauge::new("ws_messages_in_flight", "Websocket messages being handled").expect("valid metric");
        let persister_lag =
            IntGaugeVec::new(Opts::new("persister_lag_events", "Stream entries not yet in Postgres"), &["round"])
                .expect("valid metric");
        let persisted_events =
            IntCounterVec::new(Opts::new("persisted_events_total", "Events written to Postgres"), &["type"])
                .expect("valid metric");
        let persister_dead_letters = IntCounter::new(
            "persister_dead_letters_total",
            "Stream entries the persister could not decode or apply, set aside in persister_dead_letters",
        )
        .expect("valid metric");
        for c in [
            Box::new(answers.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(submits.clone()),
            Box::new(ack_latency.clone()),
            Box::new(open_connections.clone()),
            Box::new(in_flight.clone()),
            Box::new(persister_lag.clone()),
            Box::new(persisted_events.clone()),
            Box::new(persister_dead_letters.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Self {
            registry,
            answers,
            submits,
            ack_latency,
            open_connections,
            in_flight,
            persister_lag,
            persisted_events,
            persister_dead_letters,
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf).expect("encoding to a Vec cannot fail");
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
