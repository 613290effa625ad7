//! A first-party, cookie-less collector of listening events from the player.
//!
//! The player (with `data-articulate-events`, which `serve`'s published player pages set)
//! POSTs each event as a small JSON object: `{"article": ID, "event": "play" | "pause" |
//! "seek" | "progress" | "complete" | "rate", "percent": 10..90, "first": bool, ...}`. Only
//! counts are kept, per article: listens started (`play` with `first`), and how many listens
//! heard each tenth of the narration (`progress` at 10 %, ..., 90 %, and `complete`). Nothing
//! identifies a listener: no cookie is read or set, no address, user agent or identifier is
//! stored, and events are not kept, only added up.
//!
//! From those counts: plays, average completion (the share of the narration a listen heard,
//! to the tenth), and drop-off by decile (listens whose furthest tenth heard was that one).
//! They are in `/metrics` and, for a bearer of an API token, `GET /v1/stats` and
//! `GET /v1/articles/{id}/stats`. The counts live in the process: each API process counts
//! what it received, and Prometheus adds them up.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Service;
use super::api::{ApiError, valid_id};

/// The largest event body read; the player's are about 150 bytes.
pub const MAX_EVENT_BYTES: usize = 2048;
/// Articles counted at once: a bound on memory whatever is posted.
const MAX_ARTICLES: usize = 10_000;
/// The events the player sends.
const EVENTS: [&str; 6] = ["play", "pause", "seek", "progress", "complete", "rate"];

/// One article's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Listens started.
    pub plays: u64,
    /// Listens that heard the narration past 10 %, 20 %, ... 90 %, and to the end (100 %).
    pub reached: [u64; 10],
    /// Every event received, by name (in [`EVENTS`] order).
    pub events: [u64; EVENTS.len()],
}

impl Tally {
    /// The average share of the narration a listen heard, to the tenth: 0 without plays.
    #[must_use]
    pub fn average_completion(&self) -> f64 {
        if self.plays == 0 {
            return 0.0;
        }
        let tenths: u64 = self.reached.iter().sum();
        (tenths as f64 / (10.0 * self.plays as f64)).min(1.0)
    }

    /// For each tenth of the narration, the listens whose furthest point heard lies in it:
    /// the listens that reached its start and not its end.
    #[must_use]
    pub fn drop_off(&self) -> [u64; 10] {
        let mut out = [0; 10];
        for (decile, slot) in out.iter_mut().enumerate() {
            let reached_start = if decile == 0 { self.plays } else { self.reached[decile - 1] };
            *slot = reached_start.saturating_sub(self.reached[decile]);
        }
        out
    }

    fn json(&self, id: &str) -> Value {
        let percent = |i: usize| (i as u64 + 1) * 10;
        json!({
            "id": id,
            "plays": self.plays,
            "completes": self.reached[9],
            "average_completion": (self.average_completion() * 1000.0).round() / 1000.0,
            "reached": self.reached.iter().enumerate()
                .map(|(i, n)| json!({ "percent": percent(i), "listens": n }))
                .collect::<Vec<_>>(),
            "drop_off": self.drop_off().iter().enumerate()
                .map(|(i, n)| json!({ "from_percent": percent(i) - 10, "to_percent": percent(i), "listens": n }))
                .collect::<Vec<_>>(),
            "events": EVENTS.iter().zip(&self.events)
                .map(|(name, n)| (name.to_string(), json!(n)))
                .collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// Listening counts for every article, kept by the API process.
#[derive(Debug, Default)]
pub struct Listens {
    articles: Mutex<BTreeMap<String, Tally>>,
}

/// One event as the player sends it; every other field is ignored.
#[derive(Debug, Deserialize)]
struct Event {
    article: String,
    event: String,
    #[serde(default)]
    percent: Option<u32>,
    #[serde(default)]
    first: Option<bool>,
}

/// Why an event was refused.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    Malformed(String),
    Full,
}

impl Listens {
    /// Whether `id` is being counted already.
    fn knows(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// Count one event for `id` (already known to be an article).
    fn count(&self, id: &str, event: &Event) -> Result<(), Refused> {
        let Some(kind) = EVENTS.iter().position(|e| *e == event.event) else {
            return Err(Refused::Malformed(format!(
                "unknown event {:?}; one of {}",
                event.event,
                EVENTS.join(", ")
            )));
        };
        let decile = match (event.event.as_str(), event.percent) {
            ("progress", Some(p)) if p % 10 == 0 && (10..=90).contains(&p) => Some(p as usize / 10),
            ("progress", _) => {
                return Err(Refused::Malformed("progress needs percent 10, 20, ... 90".into()));
            }
            ("complete", _) => Some(10),
            _ => None,
        };
        let mut articles = self.lock();
        if !articles.contains_key(id) && articles.len() >= MAX_ARTICLES {
            return Err(Refused::Full);
        }
        let tally = articles.entry(id.to_owned()).or_default();
        tally.events[kind] += 1;
        if event.event == "play" && event.first.unwrap_or(true) {
            tally.plays += 1;
        }
        if let Some(decile) = decile {
            tally.reached[decile - 1] += 1;
        }
        Ok(())
    }

    /// One article's counts (zero when nothing was heard yet).
    #[must_use]
    pub fn tally(&self, id: &str) -> Tally {
        self.lock().get(id).cloned().unwrap_or_default()
    }

    /// The counts in the Prometheus text format.
    #[must_use]
    pub fn render(&self) -> String {
        let articles = self.lock();
        let mut out = String::new();
        let mut family =
            |name: &str, kind: &str, help: &str, lines: &mut dyn Iterator<Item = String>| {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
                for line in lines {
                    let _ = writeln!(out, "{name}{line}");
                }
            };
        family(
            "articulate_listens_total",
            "counter",
            "Listens started in the player, by article.",
            &mut articles.iter().map(|(id, t)| format!("{{article=\"{id}\"}} {}", t.plays)),
        );
        family(
            "articulate_listen_reached_total",
            "counter",
            "Listens that heard an article past each tenth (100 is the end).",
            &mut articles.iter().flat_map(|(id, t)| {
                t.reached.iter().enumerate().map(move |(i, n)| {
                    format!("{{article=\"{id}\",percent=\"{}\"}} {n}", (i + 1) * 10)
                })
            }),
        );
        family(
            "articulate_listen_completion_ratio",
            "gauge",
            "Average share of an article's narration a listen heard, to the tenth.",
            &mut articles
                .iter()
                .map(|(id, t)| format!("{{article=\"{id}\"}} {}", t.average_completion())),
        );
        let mut totals = [0u64; EVENTS.len()];
        for tally in articles.values() {
            for (total, n) in totals.iter_mut().zip(&tally.events) {
                *total += n;
            }
        }
        family(
            "articulate_listen_events_total",
            "counter",
            "Player events received, by kind.",
            &mut EVENTS.iter().zip(totals).map(|(e, n)| format!("{{event=\"{e}\"}} {n}")),
        );
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Tally>> {
        self.articles.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The article an event names: its id, or a manifest URL (`…/ID/ID.json`) a player without
/// `data-articulate-id` sends.
fn article_id(article: &str) -> Option<String> {
    let last = article.split(['?', '#']).next()?.rsplit('/').next()?;
    let id = last.strip_suffix(".json").unwrap_or(last);
    valid_id(id).then(|| id.to_owned())
}

/// `POST /v1/events`: no token (browsers send it), no cookie, 204 when counted.
pub async fn post_event(State(service): State<Arc<Service>>, body: Bytes) -> Response {
    match receive(&service, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn receive(service: &Arc<Service>, body: &[u8]) -> Result<(), ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, message);
    if body.len() > MAX_EVENT_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "event too large"));
    }
    // Sent as text/plain (a simple request from any page), so the body is read as JSON
    // whatever its content type.
    let event: Event =
        serde_json::from_slice(body).map_err(|e| bad(format!("not an event: {e}")))?;
    let Some(id) = article_id(&event.article) else {
        return Err(bad("article must be an article id or its manifest's URL".into()));
    };
    // Only published articles are counted, so posting made-up ids cannot grow the table.
    if !service.listens.knows(&id) {
        let asked = id.clone();
        let known = service.queue(move |q| q.get(&asked)).await?.is_some();
        if !known {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "no such article"));
        }
    }
    service.listens.count(&id, &event).map_err(|refused| match refused {
        Refused::Malformed(message) => bad(message),
        Refused::Full => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too many articles counted")
        }
    })
}

/// `GET /v1/articles/{id}/stats`.
pub async fn article_stats(
    State(service): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let missing = || ApiError::new(StatusCode::NOT_FOUND, "no such article");
    if !valid_id(&id) {
        return Err(missing());
    }
    if !service.listens.knows(&id) {
        let asked = id.clone();
        if service.queue(move |q| q.get(&asked)).await?.is_none() {
            return Err(missing());
        }
    }
    Ok(axum::Json(service.listens.tally(&id).json(&id)))
}

/// `GET /v1/stats`: every article heard.
pub async fn all_stats(State(service): State<Arc<Service>>) -> axum::Json<Value> {
    let articles = service.listens.lock().clone();
    let list: Vec<Value> = articles.iter().map(|(id, tally)| tally.json(id)).collect();
    axum::Json(json!({ "articles": list }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, percent: Option<u32>) -> Event {
        Event { article: "a".into(), event: name.into(), percent, first: Some(true) }
    }

    #[test]
    fn plays_completion_and_drop_off_come_from_counts_alone() {
        let listens = Listens::default();
        // Three listens: one stops in the first tenth, one after 35 %, one hears it all.
        for _ in 0..3 {
            listens.count("a", &event("play", None)).unwrap();
        }
        for percent in [10, 20, 30] {
            listens.count("a", &event("progress", Some(percent))).unwrap();
        }
        for percent in (10..=90).step_by(10) {
            listens.count("a", &event("progress", Some(percent))).unwrap();
        }
        listens.count("a", &event("complete", None)).unwrap();
        listens.count("a", &Event { first: Some(false), ..event("play", None) }).unwrap();
        listens.count("a", &event("pause", None)).unwrap();

        let tally = listens.tally("a");
        assert_eq!(tally.plays, 3, "a resumed play is the same listen");
        assert_eq!(tally.reached, [2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
        assert!((tally.average_completion() - 13.0 / 30.0).abs() < 1e-9);
        assert_eq!(tally.drop_off(), [1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        let json = tally.json("a");
        assert_eq!(json["completes"], 1);
        assert_eq!(json["events"]["play"], 4);
        assert_eq!(
            json["drop_off"][3],
            json!({"from_percent": 30, "to_percent": 40, "listens": 1})
        );

        let metrics = listens.render();
        for line in [
            "articulate_listens_total{article=\"a\"} 3",
            "articulate_listen_reached_total{article=\"a\",percent=\"40\"} 1",
            "articulate_listen_reached_total{article=\"a\",percent=\"100\"} 1",
            "articulate_listen_events_total{event=\"pause\"} 1",
        ] {
            assert!(metrics.lines().any(|l| l == line), "{line} missing from\n{metrics}");
        }
    }

    #[test]
    fn malformed_events_are_refused_and_not_counted() {
        let listens = Listens::default();
        assert!(matches!(listens.count("a", &event("hover", None)), Err(Refused::Malformed(_))));
        assert!(listens.count("a", &event("progress", Some(15))).is_err());
        assert!(listens.count("a", &event("progress", None)).is_err());
        assert!(listens.count("a", &event("progress", Some(100))).is_err());
        assert!(!listens.knows("a"));
    }

    #[test]
    fn an_event_names_its_article_by_id_or_by_manifest_url() {
        assert_eq!(article_id("story-1").as_deref(), Some("story-1"));
        assert_eq!(
            article_id("https://example.com/audio/story-1/story-1.json?v=2").as_deref(),
            Some("story-1")
        );
        assert_eq!(article_id("../x/"), None);
        assert_eq!(article_id(""), None);
    }
}
