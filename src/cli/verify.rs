//! `articulate verify NARRATION.json`: listen to a narration again and list its worst
//! segments, what was expected and what was heard.

use anyhow::Context;

use crate::audio::{Resampler, decode};
use crate::config::Config;
use crate::model::{AudioFormat, Manifest, SampleRate, SpeechAudio};
use crate::verify::{self, Listen, Recogniser, display_words};

use super::VerifyArgs;

pub(super) fn run(args: &VerifyArgs, config: &Config) -> anyhow::Result<()> {
    let path = &args.manifest;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an articulate manifest", path.display()))?;
    let mut settings = config.verify.clone();
    for p in [&mut settings.python, &mut settings.model] {
        if !p.as_os_str().is_empty() && p.components().count() > 1 {
            *p = config.resolve(p);
        }
    }
    let recogniser = Recogniser::new(&settings)?;
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    let entry = manifest
        .audio
        .iter()
        .find(|a| a.format == "wav")
        .or_else(|| manifest.audio.first())
        .with_context(|| format!("{} lists no audio file", path.display()))?;
    let audio_path = dir.join(&entry.file);
    let bytes = std::fs::read(&audio_path)
        .with_context(|| format!("cannot read {}", audio_path.display()))?;
    let format = if entry.format == "mp3" { AudioFormat::Mp3 } else { AudioFormat::Wav };
    let pcm = decode(&SpeechAudio { bytes, format })
        .map_err(|e| anyhow::anyhow!("{}: {e}", audio_path.display()))?;
    let samples = Resampler::new(SampleRate(verify::RATE))
        .process(&pcm.samples, pcm.rate)
        .map_err(|e| anyhow::anyhow!("{}: {e}", audio_path.display()))?;
    let english =
        manifest.language.as_deref().is_none_or(|l| l.to_ascii_lowercase().starts_with("en"));
    let at = |ms: u64| (ms as usize * verify::RATE as usize / 1000).min(samples.len());
    let segments: Vec<_> = manifest
        .segments
        .iter()
        .filter_map(|s| {
            let (start, end) = (s.start_ms?, s.end_ms?);
            let words = display_words(&s.text, english);
            (!words.is_empty() && end > start).then(|| (s, words, at(start), at(end)))
        })
        .collect();
    let items: Vec<Listen<'_>> =
        segments.iter().map(|(_, words, a, b)| Listen { audio: &samples[*a..*b], words }).collect();
    let heard = recogniser.listen(&items, manifest.language.as_deref())?;
    let mut rows = Vec::with_capacity(segments.len());
    for (((segment, words, _, _), heard), item) in segments.iter().zip(heard).zip(&items) {
        let verdict = verify::judge(words, &heard, &[&segment.text], english, &settings);
        if verdict.pass {
            rows.push((segment.id, verdict, segment.text.as_str(), heard.text, words));
            continue;
        }
        // As narrating does: a failed segment is heard again alone, then alone without hot
        // words; a word fails only when it failed every time.
        let (mut text, mut agreed, mut fewest) =
            (heard.text, verdict.clone(), verdict.failed.len());
        for hinted in [true, false] {
            if agreed.pass {
                break;
            }
            let again = recogniser.listen_again(*item, manifest.language.as_deref(), hinted)?;
            let second = verify::judge(words, &again, &[&segment.text], english, &settings);
            agreed = agreed.agreed(&second, &settings);
            if second.failed.len() < fewest {
                fewest = second.failed.len();
                text = again.text;
            }
        }
        rows.push((segment.id, agreed, segment.text.as_str(), text, words));
    }
    rows.sort_by(|a, b| {
        (b.1.failed.len(), b.1.wer)
            .partial_cmp(&(a.1.failed.len(), a.1.wer))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let flagged = rows.iter().filter(|r| !r.1.pass).count();
    println!("{:>4}  {:>5}  {:<7}  expected / heard", "seg", "wer", "status");
    for (id, verdict, expected, heard, words) in rows.iter().take(args.worst) {
        let status = if verdict.pass { "ok" } else { "flagged" };
        println!("{id:>4}  {:>5.2}  {status:<7}  {}", verdict.wer, clip(expected));
        println!("{:>20}{}", "", clip(heard));
        if !verdict.failed.is_empty() {
            let failed: Vec<&str> =
                verdict.failed.iter().map(|&i| words[i].text.as_str()).collect();
            println!("{:>20}failed: {}", "", failed.join(", "));
        }
    }
    println!("{} segments, {flagged} flagged", rows.len());
    anyhow::ensure!(
        flagged == 0,
        "{}: {flagged} of {} segments do not say their text",
        path.display(),
        rows.len()
    );
    Ok(())
}

fn clip(text: &str) -> String {
    if text.chars().count() > 100 {
        format!("{}…", text.chars().take(100).collect::<String>())
    } else {
        text.to_owned()
    }
}
