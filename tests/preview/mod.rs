//! `articulate preview` and the "Listen to this article" player: the server over plain HTTP,
//! its defences, `narrate --player`, and the player itself in headless Chromium.

// The helpers here are test code too: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod cdp;
mod support;

mod browser;
mod player;
mod publish;
mod security;
mod server;

/// The article most tests preview: four chapters, two skipped blocks, about 44 s in the tone
/// voice.
pub(crate) fn article() -> String {
    std::fs::read_to_string(crate::util::fixture("articles/preview.txt")).unwrap()
}
