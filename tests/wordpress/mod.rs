//! The WordPress plugin (`integrations/wordpress/articulate/`) in a real WordPress: Debian's
//! `wordpress` package served by PHP's built-in server on loopback, a scratch MariaDB on a
//! socket of its own, a real `articulate serve` with the tone voice, and headless Chromium
//! for the editor and the post. Every server is stopped when its test ends. The plugin's
//! signing is checked against serve's own functions too.

// The helpers here are test code too: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod site;

mod plugin;
mod signature;
