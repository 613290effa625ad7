//! The module graph `ARCHITECTURE.md` draws, checked against the source: the compiler
//! accepts any cycle inside one crate, so nothing else would notice a stage reaching up.

use std::path::{Path, PathBuf};

use crate::util::root;

/// The layers, bottom first. A module may refer to its own layer or a lower one. Keep this
/// in step with `ARCHITECTURE.md`.
const LAYERS: &[&[&str]] = &[
    // Foundation: the data every stage hands on, and helpers with no opinion about stages.
    &["model", "errors", "store_url"],
    // The stages, one to a layer so none can form a cycle with another. `audio` sits below
    // `tts` although it runs after it: backends decode their replies to check them.
    &["ingest"],
    &["extract"],
    &["segment"],
    &["audio"],
    &["tts"],
    &["verify"],
    &["output"],
    &["cache"],
    // What applications share. `feed` is `publish::feed`, re-exported at the crate root.
    &["publish", "feed", "listener"],
    // The applications, and the configuration that aggregates their settings.
    &["config", "narrate", "batch", "preview", "serve", "names"],
    &["cli"],
];

/// Edges the layers allow but the design does not.
const FORBIDDEN: &[(&str, &str, &str)] = &[(
    "serve",
    "preview",
    "the webhook service publishes through `publish`, not the local preview server",
)];

/// Each `crate::NAME` a file refers to, with its line number; `crate::{a, b}` counts both.
fn references(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `$crate::` in a macro names this crate too.
            rest = &rest[at + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split([',', '}'])
                    .map(|item| item.trim().split("::").next().unwrap_or_default())
                    .collect(),
                None => vec![rest],
            };
            for name in names {
                let end = name
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                if end > 0 {
                    found.push((number + 1, name[..end].to_owned()));
                }
            }
        }
    }
    found
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to. The crate roots
/// (`lib.rs`, `main.rs`) only declare and wire modules, so they are left out.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(dir).unwrap();
                let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
                let module = first.trim_end_matches(".rs").to_owned();
                if module != "lib" && module != "main" {
                    files.push((path, module));
                }
            }
        }
    }
    files.sort();
    files
}

/// Every edge that breaks the design, as `FILE:LINE: FROM refers to crate::TO (why)`.
fn violations(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (path, module) in sources(dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        let Some(own) = layer_of(&module) else {
            found.push(format!("src/{shown}: module {module} has no layer in the graph"));
            continue;
        };
        for (line, target) in references(&text) {
            let why = match layer_of(&target) {
                // `crate::` followed by something that is not a module, e.g. in prose.
                None if !dir.join(&target).exists()
                    && !dir.join(format!("{target}.rs")).exists() =>
                {
                    continue;
                }
                None => Some("a module with no layer in the graph".to_owned()),
                Some(theirs) if theirs > own => Some("a layer above its own".to_owned()),
                Some(_) => FORBIDDEN
                    .iter()
                    .find(|(from, to, _)| *from == module && *to == target)
                    .map(|(_, _, reason)| (*reason).to_owned()),
            };
            if let Some(why) = why {
                found
                    .push(format!("src/{shown}:{line}: {module} refers to crate::{target}: {why}"));
            }
        }
    }
    found
}

#[test]
fn no_module_refers_to_a_layer_above_its_own() {
    let found = violations(&root().join("src"));
    assert!(found.is_empty(), "the module graph is broken:\n{}", found.join("\n"));
}

#[test]
fn a_stage_reaching_up_is_named_with_its_file_and_edge() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tts")).unwrap();
    std::fs::write(dir.path().join("config.rs"), "use crate::tts::VoiceProfile;\n").unwrap();
    std::fs::write(dir.path().join("serve.rs"), "use crate::{model, preview::PlayerPage};\n")
        .unwrap();
    std::fs::write(dir.path().join("preview.rs"), "").unwrap();
    std::fs::write(dir.path().join("tts/profile.rs"), "\nuse crate::config::Config;\n").unwrap();
    let found = violations(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("src/serve.rs:1: serve refers to crate::preview"), "{found:?}");
    assert_eq!(
        found[1],
        "src/tts/profile.rs:2: tts refers to crate::config: a layer above its own"
    );
}

#[test]
fn a_module_left_out_of_the_graph_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("podcast.rs"), "use crate::model::Manifest;\n").unwrap();
    let found = violations(dir.path());
    assert_eq!(found, ["src/podcast.rs: module podcast has no layer in the graph"]);
}
