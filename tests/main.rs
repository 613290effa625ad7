//! End-to-end tests: the `articulate` binary run the way users run it.

mod util;

mod audio;
mod errors;
mod extract;
mod narrate;
