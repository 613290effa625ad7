//! articulate turns news articles into narrated audio for a "Listen to this article" player.
//!
//! The pipeline is five stages, each a plain data hand-off through the types in [`model`]:
//!
//! ```text
//! ingest::read     → Source     bytes from a file, stdin or a URL, decoded to text
//! extract::extract → Article    what a listener should hear, and what was skipped and why
//! segment::segment → Script     chapters of sentence-aligned chunks within the backend's limit
//! tts::synthesize_all → [SpeechAudio]  one encoded reply per chunk, concurrently
//! verify::Recogniser → Heard, Verdict  what an offline recogniser hears; every word timed
//! audio + output   → Timeline, files   decoded, resampled, trimmed, paused, stitched, encoded
//! ```
//!
//! [`narrate`] runs them all for one article, [`batch`] many at once over the shared chunk
//! [`cache`], and [`serve`] is a webhook service over them; the `articulate` binary is a thin CLI over them.
//! What they publish (feed, player, object store) is in [`publish`].
//!
//! The stages never import the applications; `ARCHITECTURE.md` draws the layers and
//! `tests/architecture.rs` holds the source to them.

pub mod audio;
pub mod batch;
pub mod cache;
pub mod cli;
pub mod config;
pub mod errors;
pub mod extract;
pub mod ingest;
pub mod listener;
pub mod model;
pub mod names;
pub mod narrate;
pub mod output;
pub mod preview;
pub mod publish;
pub mod segment;
pub mod serve;
mod store_url;
pub mod tts;
pub mod verify;

// The feed moved into `publish`; the old path stays for publishers.
pub use publish::feed;
