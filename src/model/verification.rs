//! How a segment's verification came out, as the manifest records it. `verify` decides
//! these, but the manifest names them and `model` imports no stage.

use serde::{Deserialize, Serialize};

/// What to try, once, when a segment fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Say the failing words as the respellings lexicon (or the built-in rules) say them.
    Respell,
    /// Another voice of the same language.
    Voice,
}

/// How a segment's verification came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It says its text.
    Ok,
    /// It failed, and its second synthesis passed.
    Retried,
    /// It failed, and no second synthesis passed.
    Flagged,
    /// Not verified: the recogniser could not be used (`verify = "best-effort"`).
    Unverified,
}
