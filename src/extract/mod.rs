//! Extract: keep what a listener should hear, and record everything skipped with its reason.

use serde::Deserialize;

use crate::model::{Article, Source};

/// `[extract]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {}

impl ExtractConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let _ = problems;
    }
}

/// A failure to extract an article.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// Nothing in the input would be spoken.
    #[error("{origin}: nothing to narrate: no headline or body text found")]
    NothingSpeakable {
        /// The input.
        origin: String,
    },
}

/// Extract the article from a source.
///
/// # Errors
///
/// When nothing speakable is found.
pub fn extract(source: &Source, config: &ExtractConfig) -> Result<Article, ExtractError> {
    let _ = config;
    Err(ExtractError::NothingSpeakable { origin: source.origin.clone() })
}
