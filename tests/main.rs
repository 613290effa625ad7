//! End-to-end tests: the `articulate` binary run the way users run it.

// Helpers here are test code too: a fixture that cannot be made should fail the test loudly.
#![allow(clippy::unwrap_used)]

mod util;

mod architecture;
mod audio;
mod batch;
mod cache;
mod errors;
mod extract;
mod feed;
mod hostile;
mod lexicon;
mod names;
mod narrate;
mod preview;
mod pronunciation;
mod s3;
mod serve;
mod verify;
mod voice;
mod wordpress;
