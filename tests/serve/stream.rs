//! Streaming publish: a narration can be played while it is still being made (HLS), then is
//! replaced by the finished MP3; nothing of the stream is served once the job is done or has
//! failed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use articulate::audio::loudness::integrated;
use articulate::model::{AudioFormat, SampleRate, SpeechAudio};
use m3u8_rs::{MediaPlaylist, MediaPlaylistType};

use super::{Server, Site, article, heartstopper};
use crate::util;

/// A site whose voice takes its time over every chunk, as a neural voice does on two cores.
fn slow_site(voice: &str) -> Site {
    let mut site = Site::new("");
    site.voice = util::fixture(voice);
    site
}

/// What a listener could fetch while a job ran.
#[derive(Default)]
struct Watched {
    /// Every state the job was seen in, in order, without repeats.
    states: Vec<String>,
    /// Every distinct playlist served, in order.
    playlists: Vec<String>,
    /// Every segment listed, fetched as it was listed: its URI (relative to the playlist)
    /// and bytes.
    segments: BTreeMap<String, Vec<u8>>,
    /// The job when it was first playable, and as it ended.
    playable: Option<serde_json::Value>,
    last: serde_json::Value,
}

/// Watch article `id`'s job until it ends (bounded), fetching its playlist and every
/// segment it lists, as a player would, while it is playable.
fn watch(server: &Server, id: &str) -> Watched {
    let mut watched = Watched::default();
    for _ in 0..2400 {
        let job = server.call("GET", &format!("/v1/articles/{id}"), None).json();
        let state = job["state"].as_str().unwrap().to_owned();
        if watched.states.last() != Some(&state) {
            watched.states.push(state.clone());
        }
        if state == "playable" {
            watched.playable.get_or_insert_with(|| job.clone());
            let playlist = server.get(&server.local(&job["playlist_url"]));
            if playlist.status == 200 {
                let text = String::from_utf8(playlist.body).unwrap();
                for uri in uris(&text) {
                    if watched.segments.contains_key(&uri) {
                        continue;
                    }
                    let segment = server.get(&format!("/audio/{id}/{uri}"));
                    if segment.status != 200 {
                        // Only a stream just taken down may lose a listed segment.
                        let now = server.call("GET", &format!("/v1/articles/{id}"), None).json();
                        assert_ne!(now["state"], "playable", "listed {uri} is {}", segment.status);
                        break;
                    }
                    assert_eq!(segment.header("content-type"), Some("audio/mpeg"));
                    watched.segments.insert(uri, segment.body);
                }
                if watched.playlists.last() != Some(&text) {
                    watched.playlists.push(text);
                }
            }
        }
        if state == "done" || state == "failed" {
            watched.last = job;
            return watched;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("{id} never finished");
}

/// The segment URIs a playlist lists, in order.
fn uris(playlist: &str) -> Vec<String> {
    playlist
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// Parse a playlist as HLS, independently of the code that wrote it.
fn parse(text: &str) -> MediaPlaylist {
    m3u8_rs::parse_media_playlist_res(text.as_bytes())
        .unwrap_or_else(|e| panic!("not an HLS media playlist ({e:?}):\n{text}"))
}

fn decode(bytes: Vec<u8>) -> articulate::audio::Pcm {
    articulate::audio::decode(&SpeechAudio { bytes, format: AudioFormat::Mp3 }).unwrap()
}

/// A packed audio segment's audio: what follows its ID3 tag.
fn audio_of(segment: &[u8]) -> &[u8] {
    assert!(segment.starts_with(b"ID3"), "a packed audio segment starts with its ID3 timestamp");
    let size = segment[6..10].iter().fold(0usize, |n, b| (n << 7) | usize::from(b & 0x7f));
    &segment[10 + size..]
}

/// The normalised correlation of `a` and `b` over their common length.
fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (x, y) in a[..n].iter().zip(&b[..n]) {
        ab += f64::from(*x) * f64::from(*y);
        aa += f64::from(*x) * f64::from(*x);
        bb += f64::from(*y) * f64::from(*y);
    }
    ab / (aa * bb).sqrt().max(1e-12)
}

#[test]
fn a_narration_is_playable_while_it_is_made_then_replaced_by_its_finished_mp3() {
    let site = slow_site("voices/slow-espeak.toml");
    let server = site.start(&[]);
    let posted = server.post(&article("streamed", &heartstopper()));
    assert_eq!(posted.status, 202);
    assert_eq!(posted.json()["state"], "queued");
    let watched = watch(&server, "streamed");

    // queued → (running) → playable → done, and nothing else.
    let mut states = vec!["queued".to_owned()];
    states.extend(watched.states.iter().filter(|s| *s != "queued").cloned());
    states.retain(|s| s != "running");
    assert_eq!(states, ["queued", "playable", "done"], "seen: {:?}", watched.states);
    let playable = watched.playable.as_ref().unwrap();
    assert!(playable["playlist_url"].as_str().unwrap().ends_with("/audio/streamed/streamed.m3u8"));
    assert!(playable["player_url"].as_str().unwrap().ends_with("/streamed/player/index.html"));
    assert_eq!(watched.last["playlist_url"], serde_json::Value::Null);

    // Every playlist served is valid HLS, an EVENT playlist of short segments that only
    // grows; at least one was served while the narration was still being made.
    let mut before: Vec<String> = Vec::new();
    let mut in_progress = 0;
    for text in &watched.playlists {
        let playlist = parse(text);
        assert_eq!(playlist.playlist_type, Some(MediaPlaylistType::Event), "{text}");
        assert_eq!((playlist.target_duration, playlist.media_sequence), (2, 0), "{text}");
        assert!(playlist.version.unwrap_or(1) >= 3, "fractional EXTINF needs version 3");
        for segment in &playlist.segments {
            assert!(f64::from(segment.duration).round() <= 2.0, "{}", segment.duration);
        }
        let now = uris(text);
        assert!(now.starts_with(&before), "a playlist dropped or changed a segment");
        before = now;
        in_progress += usize::from(!playlist.end_list);
    }
    assert!(in_progress > 0, "no playlist was served before the narration was complete");
    let last = parse(watched.playlists.last().unwrap());

    // Each segment decodes alone to its listed length; together, in order, they are the
    // narration: the finished file's audio (after the stream's one encoder delay), at the
    // finished file's loudness.
    let mut stream = Vec::new();
    let mut listed = 0.0;
    for segment in &last.segments {
        let bytes = &watched.segments[&segment.uri];
        let alone = decode(bytes.clone());
        let expected = f64::from(segment.duration) * f64::from(alone.rate.0);
        assert!((alone.samples.len() as f64 - expected).abs() <= 576.0, "{}", segment.uri);
        listed += f64::from(segment.duration);
        stream.extend_from_slice(audio_of(bytes));
    }
    let stream = decode(stream);
    let seconds = stream.samples.len() as f64 / f64::from(stream.rate.0);
    assert!((seconds - listed).abs() < 0.05, "{seconds} s decoded, {listed} s listed");

    let mp3 = server.get(&server.local(&watched.last["audio_urls"][0]));
    assert_eq!(mp3.status, 200, "the finished MP3 is served");
    let manifest = super::check_published(&site.path("out"), "streamed");
    let finished = decode(mp3.body);
    let duration = manifest.duration_ms.unwrap() as f64 / 1000.0;
    if last.end_list {
        assert!(seconds >= duration, "the ended stream ({seconds} s) covers all {duration} s");
    }
    // LAME's delay: 576 + 529 samples, which the finished file's LAME tag trims.
    let delay = 1105;
    let span = (finished.samples.len()).min(stream.samples.len() - delay);
    let r = correlation(&stream.samples[delay..delay + span], &finished.samples[..span]);
    assert!(r > 0.9, "the stream is not the narration: correlation {r:.3}");
    let rate = SampleRate(finished.rate.0);
    let (live, done) = (integrated(&stream.samples, rate), integrated(&finished.samples, rate));
    let (live, done) = (live.unwrap(), done.unwrap());
    assert!((live - done).abs() < 1.0, "stream {live:.2} LUFS, finished file {done:.2} LUFS");

    // A real HLS client reads the stream too: ffmpeg, from a copy of what was served.
    if util::installed("ffmpeg") {
        let copy = tempfile::tempdir().unwrap();
        let mut text = watched.playlists.last().unwrap().clone();
        if !text.contains("#EXT-X-ENDLIST") {
            text.push_str("#EXT-X-ENDLIST\n");
        }
        std::fs::write(copy.path().join("streamed.m3u8"), &text).unwrap();
        for (uri, bytes) in &watched.segments {
            let path = copy.path().join(uri);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let out = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(copy.path().join("streamed.m3u8"))
            .args(["-f", "s16le", "-ac", "1", "-ar", "24000", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
        let heard = out.stdout.len() as f64 / 2.0 / 24_000.0;
        assert!((heard - listed).abs() < 0.1, "ffmpeg heard {heard} s of {listed} s");
    }

    // Done: the stream is neither served nor kept.
    assert_eq!(server.get(&server.local(&playable["playlist_url"])).status, 404);
    let first = watched.segments.keys().next().unwrap();
    assert_eq!(server.get(&format!("/audio/streamed/{first}")).status, 404);
    let dir = site.path("out").join("streamed");
    for _ in 0..200 {
        if !dir.join("live").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(!dir.join("streamed.m3u8").exists() && !dir.join("live").exists());
    assert_eq!(server.get(&server.local(&watched.last["player_url"])).status, 200);
}

#[test]
fn a_narration_that_fails_part_way_leaves_nothing_of_its_stream_served() {
    let site = slow_site("voices/breaking-espeak.toml");
    let server = site.start(&[]);
    let story = heartstopper().replace(
        "Heartstopper is based on the graphic novel by Alice Oseman.",
        "Heartstopper is based on the graphic novel by Alice Oseman. Kaboom.",
    );
    assert!(story.contains("Kaboom"));
    assert_eq!(server.post(&article("broken", &story)).status, 202);
    let watched = watch(&server, "broken");
    assert_eq!(watched.last["state"], "failed", "{}", watched.last);
    assert!(watched.last["error"].as_str().unwrap().contains("broke down"), "{}", watched.last);
    let playable = watched.playable.expect("it was playable before it failed");
    assert!(!watched.segments.is_empty());
    // Never published: nothing of it is served, nor left on disk.
    assert_eq!(server.get(&server.local(&playable["playlist_url"])).status, 404);
    assert_eq!(server.get(&server.local(&playable["player_url"])).status, 404);
    let first = watched.segments.keys().next().unwrap();
    assert_eq!(server.get(&format!("/audio/broken/{first}")).status, 404);
    assert_eq!(server.get("/audio/broken/broken.json").status, 404);
    // Nor kept: its files come down once the failure is recorded.
    let dir = site.path("out").join("broken");
    for _ in 0..200 {
        if !dir.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(!dir.exists(), "files left: {:?}", listing(&site.path("out")));

    // An edit that fails leaves the narration published before it as it was.
    assert_eq!(server.post(&article("broken", &heartstopper())).status, 202);
    let good = watch(&server, "broken");
    assert_eq!(good.last["state"], "done", "{}", good.last);
    let mp3 = server.local(&good.last["audio_urls"][0]);
    let before = server.get(&mp3).body;
    assert_eq!(server.post(&article("broken", &story)).status, 202);
    let failed = watch(&server, "broken");
    assert_eq!(failed.last["state"], "failed", "{}", failed.last);
    assert!(failed.playable.is_some(), "the edit was playable before it failed");
    assert_eq!(server.get(&mp3).body, before, "the published narration is untouched");
    assert_eq!(server.get("/audio/broken/broken.m3u8").status, 404);
    for _ in 0..200 {
        if !site.path("out").join("broken/live").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(!site.path("out").join("broken/live").exists());
    assert_eq!(server.get(&server.local(&failed.last["player_url"])).status, 200);
}

fn listing(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            }
            found.push(entry.path().display().to_string());
        }
    }
    found
}

#[test]
fn the_player_in_chromium_plays_the_stream_while_it_is_made_then_the_finished_file() {
    let site = slow_site("voices/slow-espeak.toml");
    let server = site.start(&[]);
    crate::preview::browser::in_chromium(async |browser| {
        assert_eq!(server.post(&article("listened", &heartstopper())).status, 202);
        let job = loop {
            let job = server.call("GET", "/v1/articles/listened", None).json();
            if job["state"] == "playable" {
                break job;
            }
            assert_ne!(job["state"], "done", "finished before it could be heard while made");
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        browser.goto(job["player_url"].as_str().unwrap()).await;
        let player = "document.querySelector('[data-articulate-manifest]')";
        let audio = "document.querySelector('.articulate-player audio')";
        browser
            .wait_for(&format!("{player}.dataset.articulateMode === 'live'"), "the live player")
            .await;
        let label = browser.eval("document.querySelector('.articulate-live')?.textContent").await;
        assert_eq!(label, "Being narrated");
        let axe = crate::preview::player::axe_script();
        let violations = crate::preview::player::axe(browser, &axe, "the live player").await;
        assert!(violations.is_empty(), "{violations:#?}");
        browser.eval("document.querySelector('.articulate-play').click()").await;
        browser.wait_for(&format!("{audio}.currentTime > 0.5"), "the stream to play").await;
        let state = server.call("GET", "/v1/articles/listened", None).json()["state"].clone();
        assert_eq!(state, "playable", "playing before the narration is finished");
        let src = browser.eval(&format!("{audio}.src")).await;
        assert!(src.as_str().unwrap().starts_with("blob:"), "fed through MSE: {src}");

        // Once the finished file is published, the player moves to it and plays on.
        browser
            .wait_for(&format!("{player}.dataset.articulateMode === 'final'"), "the switch")
            .await;
        assert_eq!(server.call("GET", "/v1/articles/listened", None).json()["state"], "done");
        let src = browser.eval(&format!("{audio}.src")).await;
        assert!(src.as_str().unwrap().ends_with("/listened/listened.mp3"), "{src}");
        let at = browser.eval(&format!("{audio}.currentTime")).await.as_f64().unwrap();
        assert!(at > 0.5, "the finished file took up where the stream was: {at} s");
        browser
            .wait_for(&format!("!{audio}.paused && {audio}.currentTime > {}", at + 0.5), "play on")
            .await;
        // The one failed request is the player's: the playlist gone is its sign to move on.
        let errors: Vec<String> = browser
            .errors()
            .into_iter()
            .filter(|e| !(e.contains("404") && e.contains("/listened/listened.m3u8")))
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        // The page as published now plays the file, and asks for no stream.
        // (A query string makes it a new document, not the one already open.)
        browser.goto(&format!("{}?again", job["player_url"].as_str().unwrap())).await;
        browser.wait_for(&format!("{player}.dataset.articulateMode === 'final'"), "it").await;
        let asks = browser.eval(&format!("{player}.hasAttribute('data-articulate-live')")).await;
        assert_eq!(asks, false);
    });
}
