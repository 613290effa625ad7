//! Fitting chunks to Whisper's 30-second windows: short chunks packed several to a window
//! with a little silence between them, long ones cut at their quietest moments.

/// Longest window we send, in seconds: Whisper's 30, less a margin for its padding.
pub(super) const WINDOW_SECS: f64 = 28.0;
/// Silence placed before, between and after packed chunks, in seconds.
pub(super) const GAP_SECS: f64 = 0.5;

/// A run of chunks that fits one window.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Window {
    /// The chunks (indexes into the caller's list) and where each starts in the window, in
    /// samples.
    pub items: Vec<(usize, usize)>,
    /// Its length in samples.
    pub length: usize,
}

/// Pack chunks of these lengths (in samples at `rate`) into windows in order; chunks too long
/// for a window are left out, for [`cut_points`].
pub(super) fn pack(lengths: &[(usize, usize)], rate: u32) -> Vec<Window> {
    let limit = seconds(WINDOW_SECS, rate);
    let gap = seconds(GAP_SECS, rate);
    let mut windows = Vec::new();
    let mut current = Window { items: Vec::new(), length: gap };
    for &(index, length) in lengths {
        if length + 2 * gap > limit {
            continue;
        }
        if !current.items.is_empty() && current.length + length + gap > limit {
            windows
                .push(std::mem::replace(&mut current, Window { items: Vec::new(), length: gap }));
        }
        current.items.push((index, current.length));
        current.length += length + gap;
    }
    if !current.items.is_empty() {
        windows.push(current);
    }
    windows
}

/// Where to cut audio longer than a window into pieces that each fit one: at the quietest
/// 20 ms in the second half of each stretch. Returns the piece boundaries, 0 and the length
/// included.
pub(super) fn cut_points(audio: &[f32], rate: u32) -> Vec<usize> {
    let limit = seconds(WINDOW_SECS, rate);
    let frame = (rate as usize / 50).max(1);
    let mut points = vec![0];
    let mut start = 0;
    while audio.len() - start > limit {
        let from = start + limit / 2;
        let to = start + limit - frame;
        let mut best = (f32::INFINITY, to);
        let mut at = from;
        while at + frame <= to {
            let energy: f32 = audio[at..at + frame].iter().map(|s| s * s).sum();
            if energy < best.0 {
                best = (energy, at + frame / 2);
            }
            at += frame / 2;
        }
        start = best.1;
        points.push(start);
    }
    points.push(audio.len());
    points
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(super) fn seconds(s: f64, rate: u32) -> usize {
    (s * f64::from(rate)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_chunks_share_windows_and_long_ones_are_left_out() {
        let rate = 100;
        let lengths = [(0, 1000), (1, 1000), (2, 900), (3, 5000), (4, 200)];
        let windows = pack(&lengths, rate);
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0].items, vec![(0, 50), (1, 1100)]);
        assert_eq!(windows[0].length, 2150);
        assert_eq!(windows[1].items, vec![(2, 50), (4, 1000)]);
        assert!(windows.iter().all(|w| w.length <= seconds(WINDOW_SECS, rate)));
    }

    #[test]
    fn long_audio_is_cut_in_its_quietest_places() {
        let rate = 1000;
        // 70 s of "speech" with one quiet moment at 20 s and another at 45 s.
        let mut audio = vec![0.5f32; 70 * 1000];
        for s in &mut audio[20_000..20_100] {
            *s = 0.0;
        }
        for s in &mut audio[45_000..45_100] {
            *s = 0.0;
        }
        let points = cut_points(&audio, rate);
        assert_eq!(points.len(), 4, "{points:?}");
        assert!((20_000..20_100).contains(&points[1]), "{points:?}");
        assert!((45_000..45_100).contains(&points[2]), "{points:?}");
        assert!(points.windows(2).all(|w| w[1] - w[0] <= 28_000));
    }
}
