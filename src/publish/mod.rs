//! Publish: what goes where listeners reach it, beside the audio. The podcast [`feed`], the
//! "Listen to this article" [`player`] directory, and the object [`store`] a narration is
//! uploaded to.
//!
//! `narrate --player`, `preview` and `serve` all publish through here, so the webhook
//! service writes the same player a local narration does without depending on the
//! preview server.

pub mod feed;
pub mod player;
pub mod store;

pub use player::{
    PLAYER_CSS, PLAYER_DIR, PLAYER_JS, PlayerPage, encode_path_segment, manifest_file,
    write_player, write_player_page,
};
