//! Output: encode and write the audio, chapter files and manifest, atomically.

use serde::Deserialize;

/// `[output]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {}

impl OutputConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let _ = problems;
    }
}
