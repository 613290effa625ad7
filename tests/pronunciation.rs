//! What the backends are actually sent: recording backends (a plain-text command and an SSML
//! cloud API on loopback) narrate the example with a lexicon, and every request is kept.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::util::articulate;

const EXAMPLE: &str = "examples/heartstopper.txt";
const LEXICON: &str = "[lexicon]\nOseman = \"Ozeman\"\n";

/// A short 24 kHz mono WAV, the reply to every request.
fn reply_wav() -> Vec<u8> {
    crate::util::tone_wav(24_000, 4_800)
}

/// A `command` profile, one request at a time, that appends each text it is given to a log
/// followed by a separator line.
fn recording_command(dir: &Path) -> (PathBuf, PathBuf) {
    let wav = dir.join("reply.wav");
    std::fs::write(&wav, reply_wav()).unwrap();
    let log = dir.join("requests.log");
    std::fs::write(&log, "").unwrap();
    let script = format!(
        "cat >> '{log}'; printf '\\n----\\n' >> '{log}'; cat '{wav}'",
        log = log.display(),
        wav = wav.display()
    );
    let profile = dir.join("recording.toml");
    let toml = format!(
        "backend = \"command\"\nlanguage = \"en\"\nprogram = \"sh\"\nargs = [\"-c\", {}]\n\
         format = \"wav\"\nconcurrency = 1\n\n{LEXICON}",
        toml::Value::String(script)
    );
    std::fs::write(&profile, toml).unwrap();
    (profile, log)
}

/// A 24 kHz WAV as long as a voice takes to say the words in an SSML body (about 14 letters
/// a second): cloud answers are checked for it.
fn spoken_wav(ssml: &str) -> Vec<u8> {
    let letters = ssml
        .split('<')
        .map(|part| part.split_once('>').map_or(part, |(_, text)| text))
        .flat_map(str::chars)
        .filter(|c| c.is_alphanumeric())
        .count();
    crate::util::tone_wav(24_000, (letters as u32 * 24_000 / 14).max(4_800))
}

/// An Azure-compatible speech endpoint on loopback: records each SSML body and answers with
/// a WAV (`riff-24khz-16bit-mono-pcm`) as long as the text takes to say.
fn azure_on_loopback() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let ssml = String::from_utf8(body).unwrap();
            let wav = spoken_wav(&ssml);
            recorded.lock().unwrap().push(ssml);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                wav.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&wav));
        }
    });
    (base, bodies)
}

#[test]
fn a_plain_text_backend_receives_the_example_normalised_with_all_four_osemans_respelled() {
    let tmp = tempfile::tempdir().unwrap();
    let (profile, log) = recording_command(tmp.path());
    articulate()
        .args(["narrate", EXAMPLE, "--no-cache", "--voice"])
        .arg(&profile)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let sent = std::fs::read_to_string(&log).unwrap();
    let requests: Vec<&str> = sent.split("\n----\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(requests.len(), 41, "one request per chunk");
    assert_eq!(sent.matches("Ozeman").count(), 4, "{sent}");
    assert!(!sent.contains("Oseman"), "{sent}");
    assert!(sent.contains("Alice Ozeman's graphic novels"), "the possessive keeps its 's");
    insta::assert_snapshot!("plain_text_requests", sent);
}

#[test]
fn an_ssml_backend_receives_sub_aliases_and_escaped_text() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, bodies) = azure_on_loopback();
    let article = tmp.path().join("hostile.txt");
    std::fs::write(
        &article,
        "Oseman on <speak> & \"quotes\"\n\n\
         Alice Oseman wrote it; <break time=\"9s\"/> is text, not a pause & nor is &amp;.\n",
    )
    .unwrap();
    let profile = tmp.path().join("azure.toml");
    std::fs::write(
        &profile,
        format!(
            "backend = \"azure\"\nlanguage = \"en-GB\"\nbase_url = \"{base}\"\n\
             voice = \"en-GB-SoniaNeural\"\noutput_format = \"riff-24khz-16bit-mono-pcm\"\n\
             api_key_env = \"ARTICULATE_TEST_AZURE_KEY\"\nconcurrency = 1\n\n{LEXICON}"
        ),
    )
    .unwrap();
    articulate()
        .env("ARTICULATE_TEST_AZURE_KEY", "not-a-real-key")
        .args(["narrate", "--no-cache", "--voice"])
        .arg(&profile)
        .arg(&article)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:#?}");
    let all = bodies.concat();
    assert_eq!(all.matches("<sub alias=\"Ozeman\">Oseman</sub>").count(), 2, "{all}");
    assert!(!all.contains("<break time=\"9s\"/>"), "article text never becomes markup: {all}");
    for body in &bodies {
        let doc = roxmltree::Document::parse(body)
            .unwrap_or_else(|e| panic!("every request is well-formed SSML ({e}): {body}"));
        assert_eq!(doc.root_element().tag_name().name(), "speak");
        assert_eq!(doc.descendants().filter(|n| n.tag_name().name() == "break").count(), 0);
    }
    insta::assert_snapshot!("ssml_requests", bodies.join("\n----\n"));
}

#[test]
fn extract_spoken_and_the_dry_run_show_exactly_what_the_engine_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let (profile, log) = recording_command(tmp.path());
    articulate()
        .args(["narrate", EXAMPLE, "--no-cache", "--voice"])
        .arg(&profile)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let sent = std::fs::read_to_string(&log).unwrap();
    let requests: Vec<&str> = sent.split("\n----\n").filter(|r| !r.is_empty()).collect();

    let spoken = articulate()
        .args(["extract", EXAMPLE, "--spoken", "--voice"])
        .arg(&profile)
        .assert()
        .success();
    let spoken = String::from_utf8(spoken.get_output().stdout.clone()).unwrap();
    let chunks: Vec<&str> = spoken.trim_end().split("\n\n").collect();
    assert_eq!(chunks, requests);
    assert!(spoken.contains("Ozeman"), "the lexicon applies: {spoken}");
    assert!(spoken.contains("an eighteen-year-old trans woman"), "{spoken}");

    let dry = articulate()
        .args(["narrate", EXAMPLE, "--dry-run", "--voice"])
        .arg(&profile)
        .assert()
        .success();
    let manifest: serde_json::Value = serde_json::from_slice(&dry.get_output().stdout).unwrap();
    let speak: Vec<&str> = manifest["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speak"].as_str().unwrap())
        .collect();
    assert_eq!(speak, requests);
}

#[test]
fn extract_spoken_shows_an_ssml_engines_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let article = tmp.path().join("a.txt");
    std::fs::write(&article, "Headline here\n\nOseman & co paid £5.50 on 3 May.\n").unwrap();
    let profile = tmp.path().join("azure.toml");
    std::fs::write(
        &profile,
        format!(
            "backend = \"azure\"\nlanguage = \"en-GB\"\nbase_url = \"http://127.0.0.1:9\"\n\
             voice = \"en-GB-SoniaNeural\"\noutput_format = \"riff-24khz-16bit-mono-pcm\"\n\
             api_key_env = \"ARTICULATE_TEST_AZURE_KEY\"\nconcurrency = 1\n\n{LEXICON}"
        ),
    )
    .unwrap();
    let out = articulate()
        .env("ARTICULATE_TEST_AZURE_KEY", "not-a-real-key")
        .args(["extract", "--spoken", "--voice"])
        .arg(&profile)
        .arg(&article)
        .assert()
        .success();
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(out.contains("<speak"), "{out}");
    assert!(
        out.contains(
            "<sub alias=\"Ozeman\">Oseman</sub> and co paid five pounds fifty on the third of May."
        ),
        "{out}"
    );
}
