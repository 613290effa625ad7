//! The Amazon Polly WordPress plugin's text markers, for inputs that are not HTML (the HTML
//! reader honours them as it walks the page): text between `-AMAZONPOLLY-ONLYWORDS-START-`
//! and `-AMAZONPOLLY-ONLYWORDS-END-` is shown but never read; the `ONLYAUDIO` markers
//! around text that is read but not shown are dropped and the text kept.

pub(super) const WORDS_START: &str = "-AMAZONPOLLY-ONLYWORDS-START-";
pub(super) const WORDS_END: &str = "-AMAZONPOLLY-ONLYWORDS-END-";
pub(super) const AUDIO_START: &str = "-AMAZONPOLLY-ONLYAUDIO-START-";
pub(super) const AUDIO_END: &str = "-AMAZONPOLLY-ONLYAUDIO-END-";

/// Why text between the "only words" markers is not read.
pub(super) const WORDS_REASON: &str =
    "publisher marked it not to be read (-AMAZONPOLLY-ONLYWORDS-)";

/// The text without the markers and the "only words" regions, and those regions' text. An
/// unclosed region runs to the end, as the plugin reads it.
pub(super) fn strip(text: &str) -> (String, Vec<String>) {
    if !text.contains("-AMAZONPOLLY-") {
        return (text.to_owned(), Vec::new());
    }
    let mut kept = String::with_capacity(text.len());
    let mut regions = Vec::new();
    // A stray end marker (its start cut off with the page's top) is dropped like the others.
    let mut rest = text.replace(AUDIO_START, "").replace(AUDIO_END, "");
    while let Some(start) = rest.find(WORDS_START) {
        kept.push_str(&rest[..start].replace(WORDS_END, ""));
        let after = &rest[start + WORDS_START.len()..];
        let (region, tail) = match after.find(WORDS_END) {
            Some(end) => (&after[..end], &after[end + WORDS_END.len()..]),
            None => (after, ""),
        };
        let region = super::rules::collapse_whitespace(region);
        if !region.is_empty() {
            regions.push(region);
        }
        rest = tail.to_owned();
    }
    kept.push_str(&rest.replace(WORDS_END, ""));
    // Removing one marker can join the halves of another around it; none may survive.
    while let Some(marker) =
        [WORDS_START, WORDS_END, AUDIO_START, AUDIO_END].into_iter().find(|m| kept.contains(m))
    {
        kept = kept.replace(marker, "");
    }
    (kept, regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_regions_are_cut_out_and_only_audio_markers_dropped() {
        let text = "Headline\n\nShown -AMAZONPOLLY-ONLYWORDS-START-Photo: AP-AMAZONPOLLY-ONLYWORDS-END- \
                    and -AMAZONPOLLY-ONLYAUDIO-START-spoken-AMAZONPOLLY-ONLYAUDIO-END- text.";
        let (kept, regions) = strip(text);
        assert_eq!(kept, "Headline\n\nShown  and spoken text.");
        assert_eq!(regions, ["Photo: AP"]);
    }

    #[test]
    fn an_unclosed_region_runs_to_the_end() {
        let (kept, regions) = strip("Body.\n-AMAZONPOLLY-ONLYWORDS-START- credits");
        assert_eq!((kept.as_str(), regions), ("Body.\n", vec!["credits".to_owned()]));
    }
}
