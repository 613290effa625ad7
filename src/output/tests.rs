//! The writer as a whole: every file from one run, how they agree, and what a failure
//! leaves behind. Also the synthetic programme the format tests share.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::model::{
    Article, AudioFormat, Block, BlockKind, Chapter, Chunk, Metadata, Pause, Samples, Script,
    ScriptChapter, SourceRef, Span, SpeechAudio,
};

const RATE: SampleRate = SampleRate(24_000);
const TITLES: [&str; 3] = ["One", "Two: the sequel", "Three"];

/// Three chapters of tone, each followed by a silent gap, at `rate`, and their timeline:
/// one segment per chapter (the tone), chapters tiling the whole.
#[allow(clippy::cast_precision_loss)]
pub(super) fn programme(rate: SampleRate) -> (Vec<f32>, Timeline) {
    let mut audio = Vec::new();
    let mut chapters = Vec::new();
    let mut segments = Vec::new();
    for (i, title) in TITLES.iter().enumerate() {
        let start = Samples(audio.len() as u64);
        let step = 2.0 * std::f32::consts::PI * 220.0 * (i + 1) as f32 / rate.0 as f32;
        audio.extend((0..rate.0).map(|n| (n as f32 * step).sin() * 0.3));
        segments.push(Span { start, end: Samples(audio.len() as u64) });
        audio.extend(std::iter::repeat_n(0.0, rate.0 as usize / 2 + 345));
        chapters.push(Chapter { title: (*title).to_owned(), span: Span { start, end: start } });
    }
    let total = Samples(audio.len() as u64);
    for i in 0..chapters.len() {
        chapters[i].span.end = chapters.get(i + 1).map_or(total, |c| c.span.start);
    }
    (audio, Timeline { rate, total, chapters, segments })
}

/// The article and script behind [`programme`]: a chapter per tone, one chunk each.
fn programme_story() -> (Article, Script) {
    let blocks = TITLES
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let kind = if i == 0 { BlockKind::Headline } else { BlockKind::Heading };
            Block::speak(kind, *t, "test")
        })
        .chain([Block::skip(BlockKind::Other, "Picture: Netflix", "image credit")])
        .collect();
    let article = Article {
        meta: Metadata {
            title: "A title".into(),
            byline: Some("By Jo Bloggs".into()),
            language: Some("en".into()),
            ..Metadata::default()
        },
        source: SourceRef { path: "story.txt".into(), sha256: "0".repeat(64), url: None },
        blocks,
    };
    let chunks = TITLES
        .iter()
        .enumerate()
        .map(|(i, t)| Chunk {
            id: i,
            block: i,
            chapter: i,
            kind: article.blocks[i].kind,
            text: (*t).to_owned(),
            speak: (*t).to_owned(),
            ssml: (*t).to_owned(),
            pause_before: if i == 0 { Pause::None } else { Pause::Chapter },
            voice: 0,
            audio_file: None,
        })
        .collect();
    let chapters = TITLES
        .iter()
        .enumerate()
        .map(|(i, t)| ScriptChapter { title: (*t).to_owned(), first_chunk: i })
        .collect();
    (article, Script { chapters, chunks })
}

/// The manifest for [`programme`]'s `timeline`, as the pipeline builds it.
pub(super) fn programme_manifest(timeline: &Timeline) -> Manifest {
    let (article, mut script) = programme_story();
    script.chapters.truncate(timeline.chapters.len());
    build_manifest(&article, &script, Some(timeline), "tone", "tone", vec![])
}

/// Write the programme in `formats` to `dir` as `story.*`, in blocks of a few thousand
/// frames as the assembler does; returns the timeline, manifest and the files written.
fn narrate(
    dir: &Path,
    config: &OutputConfig,
    formats: &[OutputFormat],
) -> Result<(Timeline, Manifest, Vec<PathBuf>), OutputError> {
    let (audio, timeline) = programme(RATE);
    let mut writer = Writer::create(dir, "story", formats, config, RATE)?;
    for block in audio.chunks(4096) {
        writer.write(block)?;
    }
    let mut manifest = programme_manifest(&timeline);
    manifest.audio = writer.audio_entries();
    let files = writer.finish(&timeline, &manifest)?;
    Ok((timeline, manifest, files))
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// Whether `tool` runs; if not, says so, for a test that then skips.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: {tool} is not installed (scripts/install-deps.sh --test installs it)");
    }
    ok
}

#[test]
fn one_run_writes_every_file_named_after_the_stem_manifest_last() {
    let tmp = tempfile::tempdir().unwrap();
    let formats = [OutputFormat::Wav, OutputFormat::Mp3, OutputFormat::Wav];
    let (_, manifest, files) = narrate(tmp.path(), &OutputConfig::default(), &formats).unwrap();
    let written: Vec<_> =
        files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        written,
        ["story.wav", "story.mp3", "story.chapters.vtt", "story.chapters.json", "story.json"]
    );
    assert_eq!(names(tmp.path()).len(), 5, "no temp files left: {:?}", names(tmp.path()));
    let audio: Vec<(&str, &str)> =
        manifest.audio.iter().map(|a| (a.file.as_str(), a.format.as_str())).collect();
    assert_eq!(audio, [("story.wav", "wav"), ("story.mp3", "mp3")]);
    let json = String::from_utf8(read(tmp.path(), "story.json")).unwrap();
    assert!(json.ends_with("}\n"), "pretty-printed with a trailing newline");
    assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
}

#[test]
fn every_chapter_format_agrees_with_the_manifest_to_the_millisecond() {
    let tmp = tempfile::tempdir().unwrap();
    let formats = [OutputFormat::Mp3, OutputFormat::Wav];
    let (timeline, manifest, _) = narrate(tmp.path(), &OutputConfig::default(), &formats).unwrap();
    let expected: Vec<(String, u64, u64)> = manifest
        .chapters
        .iter()
        .map(|c| (c.title.clone(), c.start_ms.unwrap(), c.end_ms.unwrap()))
        .collect();
    assert_eq!(expected.len(), 3);
    assert_eq!(manifest.duration_ms, Some(timeline.total.to_ms(RATE)));

    // ID3 CHAP frames, read back with the id3 crate.
    let tag = ::id3::Tag::read_from_path(tmp.path().join("story.mp3")).unwrap();
    let id3: Vec<(String, u64, u64)> = tag
        .chapters()
        .map(|c| {
            let title = c.frames[0].content().text().unwrap().to_owned();
            (title, u64::from(c.start_time), u64::from(c.end_time))
        })
        .collect();
    assert_eq!(id3, expected);

    // WebVTT cues.
    let vtt = String::from_utf8(read(tmp.path(), "story.chapters.vtt")).unwrap();
    let ms = |t: &str| {
        let n: Vec<u64> = t.split([':', '.']).map(|p| p.parse().unwrap()).collect();
        ((n[0] * 60 + n[1]) * 60 + n[2]) * 1000 + n[3]
    };
    let cues: Vec<&str> = vtt.split("\n\n").skip(1).collect();
    let vtt: Vec<(String, u64, u64)> = cues
        .iter()
        .map(|cue| {
            let lines: Vec<&str> = cue.lines().collect();
            let (start, end) = lines[1].split_once(" --> ").unwrap();
            (lines[2].to_owned(), ms(start), ms(end))
        })
        .collect();
    assert_eq!(vtt, expected);

    // Podcasting 2.0 JSON chapters.
    let json: serde_json::Value =
        serde_json::from_slice(&read(tmp.path(), "story.chapters.json")).unwrap();
    assert_eq!(json["version"], "1.2.0");
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let podcast: Vec<(String, u64, u64)> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let ms = |k: &str| (c[k].as_f64().unwrap() * 1000.0).round() as u64;
            (c["title"].as_str().unwrap().to_owned(), ms("startTime"), ms("endTime"))
        })
        .collect();
    assert_eq!(podcast, expected);

    // WAV cue points (frame offsets) at the same chapter starts.
    let wav = read(tmp.path(), "story.wav");
    let cues: Vec<(String, u64)> = wav::tests::cues(&wav)
        .into_iter()
        .map(|(offset, title)| (title, Samples(u64::from(offset)).to_ms(RATE)))
        .collect();
    let starts: Vec<(String, u64)> = expected.iter().map(|(t, s, _)| (t.clone(), *s)).collect();
    assert_eq!(cues, starts);
}

#[test]
fn both_audio_files_decode_to_exactly_the_timelines_length() {
    let tmp = tempfile::tempdir().unwrap();
    let formats = [OutputFormat::Mp3, OutputFormat::Wav];
    let (timeline, _, _) = narrate(tmp.path(), &OutputConfig::default(), &formats).unwrap();
    for (name, format) in [("story.mp3", AudioFormat::Mp3), ("story.wav", AudioFormat::Wav)] {
        let decoded =
            crate::audio::decode(&SpeechAudio { bytes: read(tmp.path(), name), format }).unwrap();
        assert_eq!(decoded.rate, RATE, "{name}");
        assert_eq!(decoded.samples.len() as u64, timeline.total.0, "{name}");
    }
}

#[test]
fn ffprobe_reads_the_mp3_chapters_and_tags_as_the_manifest_has_them() {
    if !have("ffprobe") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, manifest, _) =
        narrate(tmp.path(), &OutputConfig::default(), &[OutputFormat::Mp3]).unwrap();
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-show_format", "-of", "json"])
        .arg(tmp.path().join("story.mp3"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let chapters = json["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), manifest.chapters.len());
    for (c, expected) in chapters.iter().zip(&manifest.chapters) {
        // ffprobe reports CHAP times in a 1/1000 time base: the milliseconds themselves.
        assert_eq!(c["time_base"], "1/1000");
        assert_eq!(c["tags"]["title"], expected.title.as_str());
        assert_eq!(c["start"].as_u64(), expected.start_ms);
        assert_eq!(c["end"].as_u64(), expected.end_ms);
    }
    let tags = &json["format"]["tags"];
    assert_eq!(
        (&tags["title"], &tags["artist"], &tags["album"]),
        (&"A title".into(), &"Jo Bloggs".into(), &"articulate".into())
    );
}

#[test]
fn ffmpeg_decodes_the_mp3_gaplessly_and_reads_the_wav_length() {
    if !have("ffmpeg") || !have("ffprobe") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for vbr in [false, true] {
        let config = OutputConfig { mp3_vbr: vbr, ..OutputConfig::default() };
        let formats = [OutputFormat::Mp3, OutputFormat::Wav];
        let (timeline, manifest, _) = narrate(tmp.path(), &config, &formats).unwrap();
        // Decoded to 16-bit mono PCM on stdout: two bytes a frame.
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(tmp.path().join("story.mp3"))
            .args(["-f", "s16le", "-ac", "1", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout.len() as u64 / 2, timeline.total.0, "mp3, vbr {vbr}");
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-show_streams", "-of", "json"])
            .arg(tmp.path().join("story.wav"))
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let stream = &json["streams"][0];
        assert_eq!(stream["sample_rate"], RATE.0.to_string());
        let frames: u64 = stream["duration_ts"].as_u64().unwrap();
        assert_eq!(frames, timeline.total.0, "wav");
        let seconds: f64 = stream["duration"].as_str().unwrap().parse().unwrap();
        #[allow(clippy::cast_precision_loss)]
        let ms = manifest.duration_ms.unwrap() as f64;
        assert!((seconds * 1000.0 - ms).abs() < 1.0, "{seconds} s vs {ms} ms");
    }
}

#[test]
fn a_failed_finish_leaves_the_earlier_files_intact_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    narrate(dir, &OutputConfig::default(), &[OutputFormat::Mp3]).unwrap();
    let before: Vec<(String, Vec<u8>)> = names(dir)
        .into_iter()
        .filter(|n| n != "story.chapters.json")
        .map(|n| (n.clone(), read(dir, &n)))
        .collect();
    // Something in the way of one of the last renames: everything before it was renamed
    // already, and must be put back.
    std::fs::remove_file(dir.join("story.chapters.json")).unwrap();
    std::fs::create_dir(dir.join("story.chapters.json")).unwrap();

    let louder = OutputConfig { mp3_bitrate: 128, ..OutputConfig::default() };
    let err = narrate(dir, &louder, &[OutputFormat::Mp3, OutputFormat::Wav]).unwrap_err();
    assert!(err.to_string().contains("story.chapters.json"), "{err}");
    for (name, bytes) in &before {
        assert!(read(dir, name) == *bytes, "{name} changed");
    }
    let mut expected: Vec<String> = before.into_iter().map(|(n, _)| n).collect();
    expected.push("story.chapters.json".into());
    expected.sort();
    assert_eq!(names(dir), expected, "no story.wav, no temp files");
}

#[test]
fn an_abandoned_writer_leaves_nothing_behind_and_the_old_files_intact() {
    let tmp = tempfile::tempdir().unwrap();
    narrate(tmp.path(), &OutputConfig::default(), &[OutputFormat::Mp3]).unwrap();
    let before = read(tmp.path(), "story.mp3");
    let formats = [OutputFormat::Mp3, OutputFormat::Wav];
    let mut writer =
        Writer::create(tmp.path(), "story", &formats, &OutputConfig::default(), RATE).unwrap();
    writer.write(&[0.5; 1000]).unwrap();
    drop(writer); // a failure elsewhere: finish is never called
    assert_eq!(read(tmp.path(), "story.mp3"), before);
    assert_eq!(names(tmp.path()).len(), 4, "no temp files, no WAV: {:?}", names(tmp.path()));
}

#[test]
fn a_timeline_that_misses_the_audio_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (audio, timeline) = programme(RATE);
    let manifest = programme_manifest(&timeline);
    let attempt = |frames: &[f32], timeline: &Timeline, manifest: &Manifest| {
        let config = OutputConfig::default();
        let mut writer =
            Writer::create(tmp.path(), "story", &config.formats, &config, RATE).unwrap();
        writer.write(frames).unwrap();
        writer.finish(timeline, manifest).unwrap_err().to_string()
    };
    let short = attempt(&audio[1..], &timeline, &manifest);
    assert!(short.contains("frames of audio were written but the timeline is"), "{short}");
    let mut late = manifest.clone();
    late.chapters[1].start_ms = late.chapters[1].start_ms.map(|ms| ms + 1);
    let late = attempt(&audio, &timeline, &late);
    assert!(late.contains("chapter 1"), "{late}");
    let dry = build_manifest(&programme_story().0, &programme_story().1, None, "t", "t", vec![]);
    let dry = attempt(&audio, &timeline, &dry);
    assert!(dry.contains("duration_ms is None"), "{dry}");
    assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
}

#[test]
fn mp3_at_a_rate_it_cannot_hold_is_refused_up_front_naming_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let config = OutputConfig::default();
    let err = Writer::create(tmp.path(), "s", &[OutputFormat::Mp3], &config, SampleRate(96_000))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("96000 Hz") && err.contains("[audio] sample_rate"), "{err}");
    // WAV holds any rate.
    Writer::create(tmp.path(), "s", &[OutputFormat::Wav], &config, SampleRate(96_000)).unwrap();
    let mut problems = Vec::new();
    config.validate_for(&[OutputFormat::Wav], SampleRate(96_000), &mut problems);
    assert!(problems.is_empty());
}

#[test]
fn formats_parse_from_the_command_line_and_the_config() {
    assert_eq!("MP3".parse::<OutputFormat>().unwrap(), OutputFormat::Mp3);
    assert_eq!(
        OutputFormat::parse_list("mp3, wav,mp3").unwrap(),
        [OutputFormat::Mp3, OutputFormat::Wav]
    );
    let err = OutputFormat::parse_list("mp3,ogg").unwrap_err().to_string();
    assert_eq!(err, "unknown format \"ogg\"; use mp3, wav or smil");
    #[derive(Deserialize)]
    struct Section {
        output: OutputConfig,
    }
    let parsed: Section = toml::from_str("[output]\nformats = [\"wav\", \"mp3\"]\n").unwrap();
    assert_eq!(parsed.output.formats, [OutputFormat::Wav, OutputFormat::Mp3]);
    assert!(toml::from_str::<Section>("[output]\nformat = [\"mp3\"]\n").is_err());
}

#[test]
fn every_bad_setting_is_reported_naming_its_key() {
    let mut problems = Vec::new();
    OutputConfig {
        formats: vec![],
        mp3_bitrate: 65,
        mp3_vbr: false,
        mp3_quality: 10,
        wav_bits: 20,
        channels: 3,
    }
    .validate(&mut problems);
    let keys = ["formats", "mp3_bitrate", "mp3_quality", "wav_bits", "channels"];
    assert_eq!(problems.len(), keys.len(), "{problems:?}");
    for (problem, key) in problems.iter().zip(keys) {
        assert!(problem.starts_with(&format!("[output] {key} ")), "{problem}");
    }
    let mut problems = Vec::new();
    OutputConfig::default().validate(&mut problems);
    assert!(problems.is_empty(), "{problems:?}");
}
