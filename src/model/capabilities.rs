//! What a backend accepts per request and returns, as data: `segment` sizes chunks by it
//! and `tts` backends declare it, so it sits below both.

use super::AudioFormat;
use super::ssml;

/// What a backend accepts per request and returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Most characters (Unicode scalar values) of request text, markup included.
    pub max_chars: Option<usize>,
    /// Most UTF-8 bytes of request text, markup included.
    pub max_bytes: Option<usize>,
    /// Most billed characters: the text without SSML markup.
    pub max_billed_chars: Option<usize>,
    /// Whether requests are sent as SSML (so text is escaped and wrapped in `<speak>`).
    pub ssml: bool,
    /// The encodings the backend can return; the first is what it is asked for.
    pub formats: Vec<AudioFormat>,
    /// How many requests may be in flight at once.
    pub concurrency: usize,
}

impl Capabilities {
    /// The exact request text: the SSML document when the backend takes SSML, else the plain
    /// text.
    #[must_use]
    pub fn request_text(&self, plain: &str, ssml_body: &str, language: Option<&str>) -> String {
        if self.ssml { ssml::wrap(ssml_body, language) } else { plain.to_owned() }
    }

    /// Whether the text (in its plain and SSML renderings) fits in one request.
    #[must_use]
    pub fn fits(&self, plain: &str, ssml_body: &str) -> bool {
        if let Some(max) = self.max_billed_chars
            && plain.chars().count() > max
        {
            return false;
        }
        if self.max_chars.is_none() && self.max_bytes.is_none() {
            return true;
        }
        // The longest language tag we send; the limit must hold for any article.
        let sent = self.request_text(plain, ssml_body, Some("en-GB-oxendict"));
        self.max_chars.is_none_or(|max| sent.chars().count() <= max)
            && self.max_bytes.is_none_or(|max| sent.len() <= max)
    }
}
