//! Segment: cut the spoken blocks into chunks of whole sentences within a backend's limit.

use serde::Deserialize;

/// `[segment]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentConfig {}

impl SegmentConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let _ = problems;
    }
}
