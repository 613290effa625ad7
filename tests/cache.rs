//! The chunk cache seen from outside: a counting backend proves that unchanged text is never
//! synthesized twice and that an edit costs exactly the chunks it touched; `cache stats` and
//! `cache prune` report and trim it.

use std::path::{Path, PathBuf};

use crate::util::articulate;

/// A `command` voice profile that appends every request's text as one line to a log and
/// answers with the same short WAV, `delay` seconds later; the log counts requests.
pub(crate) struct Counting {
    pub(crate) profile: PathBuf,
    pub(crate) log: PathBuf,
}

impl Counting {
    pub(crate) fn new(dir: &Path, delay: &str) -> Counting {
        std::fs::create_dir_all(dir).unwrap();
        let wav = dir.join("reply.wav");
        std::fs::write(&wav, crate::util::tone_wav(22_050, 6615)).unwrap();
        let log = dir.join("requests.log");
        std::fs::write(&log, "").unwrap();
        // One printf per request: a single small append, whole even when requests overlap.
        let script = format!(
            "sleep {delay}; printf '%s\\n' \"$(cat)\" >> '{}'; cat '{}'",
            log.display(),
            wav.display()
        );
        let profile = dir.join("counting.toml");
        let toml = format!(
            "backend = \"command\"\nlanguage = \"en\"\nprogram = \"sh\"\nargs = [\"-c\", {}]\n\
             format = \"wav\"\nconcurrency = 2\n",
            toml::Value::String(script)
        );
        std::fs::write(&profile, toml).unwrap();
        Counting { profile, log }
    }

    /// Every request so far, one text per line.
    pub(crate) fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap().lines().map(str::to_owned).collect()
    }

    pub(crate) fn voice(&self) -> &str {
        self.profile.to_str().unwrap()
    }
}

pub(crate) const STORY: &str = "Council approves the new bridge\n\n\
    The city council voted on Tuesday to build a bridge across the river.\n\n\
    Construction is expected to start in the spring and last two years.\n\n\
    Residents on both banks have campaigned for a crossing since the ferry closed.\n\n\
    The mayor said the bridge would open the east side to new businesses.\n";

/// Every file in `dir` (not hidden, not the report) with its bytes; none if `dir` was never
/// created.
pub(crate) fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if !dir.exists() {
        return files;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn narrate(input: &Path, counting: &Counting, cache: &Path, out: &Path) {
    articulate()
        .args(["narrate", "--format", "mp3,wav", "--voice", counting.voice(), "--cache-dir"])
        .arg(cache)
        .arg("-o")
        .arg(out)
        .arg(input)
        .assert()
        .success();
}

#[test]
fn an_unchanged_article_costs_no_request_and_one_edited_sentence_costs_one() {
    let tmp = tempfile::tempdir().unwrap();
    let counting = Counting::new(&tmp.path().join("engine"), "0");
    let cache = tmp.path().join("cache");
    let article = tmp.path().join("story.txt");
    std::fs::write(&article, STORY).unwrap();

    narrate(&article, &counting, &cache, &tmp.path().join("first"));
    let first = counting.requests();
    assert_eq!(first.len(), 5, "one request per chunk: {first:#?}");

    narrate(&article, &counting, &cache, &tmp.path().join("again"));
    assert_eq!(counting.requests().len(), 5, "an unchanged article makes no request");
    let (a, b) = (outputs(&tmp.path().join("first")), outputs(&tmp.path().join("again")));
    assert_eq!(a.len(), 5, "mp3, wav, two chapter files, manifest: {:?}", names(&a));
    for ((name, bytes), (_, again)) in a.iter().zip(&b) {
        assert!(bytes == again, "{name} differs between two narrations of the same text");
    }

    let edited = STORY.replace("last two years", "last three years");
    std::fs::write(&article, edited).unwrap();
    narrate(&article, &counting, &cache, &tmp.path().join("edited"));
    let all = counting.requests();
    assert_eq!(all.len(), 6, "one edited sentence is one request: {all:#?}");
    assert!(all[5].contains("three years"), "{}", all[5]);
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn a_corrupted_entry_is_synthesized_again_not_stitched() {
    let tmp = tempfile::tempdir().unwrap();
    let counting = Counting::new(&tmp.path().join("engine"), "0");
    let cache = tmp.path().join("cache");
    let article = tmp.path().join("story.txt");
    std::fs::write(&article, STORY).unwrap();
    narrate(&article, &counting, &cache, &tmp.path().join("first"));
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .flat_map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let mut bytes = std::fs::read(&entry).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&entry, bytes).unwrap();
    narrate(&article, &counting, &cache, &tmp.path().join("second"));
    assert_eq!(counting.requests().len(), 6, "only the corrupted chunk is asked for again");
    assert_eq!(outputs(&tmp.path().join("first")), outputs(&tmp.path().join("second")));
}

#[test]
fn cache_stats_count_entries_and_prune_trims_to_a_size() {
    let tmp = tempfile::tempdir().unwrap();
    let counting = Counting::new(&tmp.path().join("engine"), "0");
    let cache = tmp.path().join("cache");
    let article = tmp.path().join("story.txt");
    std::fs::write(&article, STORY).unwrap();
    narrate(&article, &counting, &cache, &tmp.path().join("out"));
    let stats = |cache: &Path| -> serde_json::Value {
        let out = articulate()
            .args(["cache", "stats", "--json", "--cache-dir"])
            .arg(cache)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let before = stats(&cache);
    assert_eq!(before["entries"], 5);
    assert!(before["bytes"].as_u64().unwrap() > 5 * 13_000);

    articulate()
        .args(["cache", "prune", "--older-than", "30d", "--cache-dir"])
        .arg(&cache)
        .assert()
        .success()
        .stdout(predicates::str::contains("removed 0 entries"));
    articulate()
        .args(["cache", "prune", "--max-size", "20KB", "--cache-dir"])
        .arg(&cache)
        .assert()
        .success()
        .stdout(predicates::str::contains("removed 4 entries"));
    assert_eq!(stats(&cache)["entries"], 1);

    let out = articulate()
        .args(["cache", "prune", "--max-size", "lots", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2GB"));
}
