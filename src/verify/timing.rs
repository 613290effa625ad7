//! Word timings on the narration's clock: from the engine's marks for the words it spoke
//! (mapped back to the article's words), or from the recogniser's forced alignment.

use std::ops::Range;

use super::compare::TextWord;
use crate::model::{SampleRate, Samples, Span};

/// For each display word, the spoken words (of `speak(text)`, split on whitespace) that say
/// it: the words the text up to and including it becomes, less those the text before it
/// becomes. "£1.5m" is one display word spoken as five; a date may be spoken in another
/// order, and then its words share the span. `total` is the number of spoken words.
#[must_use]
pub fn spoken_ranges(
    text: &str,
    words: &[TextWord],
    speak: &dyn Fn(&str) -> String,
    total: usize,
) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |char_index: usize| chars.get(char_index).map_or(text.len(), |(b, _)| *b);
    let mut ranges = Vec::with_capacity(words.len());
    let mut before = 0;
    for (k, word) in words.iter().enumerate() {
        let upto = if k + 1 == words.len() {
            total
        } else {
            speak(&text[..byte_at(word.char_end)]).split_whitespace().count().min(total)
        };
        let upto = upto.max(before);
        ranges.push(before..upto);
        before = upto;
    }
    ranges
}

/// Times (seconds into the chunk's audio) of each display word from the spoken words'
/// marks. A display word with no spoken word of its own (dropped by normalisation) takes an
/// empty span where the previous word ended.
#[must_use]
pub fn from_marks(ranges: &[Range<usize>], marks: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut last_end = marks.first().map_or(0.0, |m| m.0);
    for range in ranges {
        let spoken = &marks[range.start.min(marks.len())..range.end.min(marks.len())];
        match (spoken.first(), spoken.last()) {
            (Some(first), Some(last)) => {
                out.push((first.0, last.1.max(first.0)));
                last_end = last.1;
            }
            _ => out.push((last_end, last_end)),
        }
    }
    out
}

/// Place word times (seconds into the chunk's audio as decoded) on the timeline: a time `t`
/// lands at `span.start + t × rate − trim`, kept inside the segment's span, each word
/// starting no earlier than the one before and ending no later than the next starts.
#[must_use]
pub fn place(times: &[(f64, f64)], span: Span, trim: Samples, rate: SampleRate) -> Vec<Span> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at = |t: f64| {
        let frames = (t.max(0.0) * f64::from(rate.0)).round() as u64;
        Samples((span.start.0 + frames).saturating_sub(trim.0).clamp(span.start.0, span.end.0))
    };
    let mut spans: Vec<Span> =
        times.iter().map(|&(s, e)| Span { start: at(s), end: at(e) }).collect();
    for k in 0..spans.len() {
        if k > 0 {
            spans[k].start = spans[k].start.max(spans[k - 1].start);
        }
        spans[k].end = spans[k].end.max(spans[k].start);
        if k > 0 && spans[k - 1].end > spans[k].start {
            spans[k - 1].end = spans[k].start;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::display_words;

    #[test]
    fn a_display_word_spoken_as_several_spans_them_all() {
        let text = "It cost £1.5m today.";
        let words = display_words(text, true);
        let speak = |t: &str| t.replace("£1.5m", "one point five million pounds");
        let total = speak(text).split_whitespace().count();
        let ranges = spoken_ranges(text, &words, &speak, total);
        assert_eq!(ranges, vec![0..1, 1..2, 2..7, 7..8]);
        let marks: Vec<(f64, f64)> = (0..8).map(|i| (f64::from(i), f64::from(i) + 0.5)).collect();
        let times = from_marks(&ranges, &marks);
        assert_eq!(times[2], (2.0, 6.5));
    }

    #[test]
    fn placed_words_stay_inside_their_segment_in_order() {
        let rate = SampleRate(1000);
        let span = Span { start: Samples(5000), end: Samples(6000) };
        let spans = place(&[(0.0, 0.3), (0.2, 0.5), (0.9, 2.0)], span, Samples(100), rate);
        assert_eq!(spans[0], Span { start: Samples(5000), end: Samples(5100) });
        assert_eq!(spans[1], Span { start: Samples(5100), end: Samples(5400) });
        assert_eq!(spans[2], Span { start: Samples(5800), end: Samples(6000) });
    }
}
