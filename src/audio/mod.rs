//! Assemble: decode each chunk, resample, trim, add pauses and stitch into one timeline.

use serde::Deserialize;

/// `[audio]` settings.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AudioConfig {}

impl AudioConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let _ = problems;
    }
}
