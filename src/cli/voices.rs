//! `articulate voices`: which profiles exist, whether their engines are ready, and (with
//! `--engines`) the voices each engine offers.

use std::collections::BTreeMap;

use crate::config::{Config, VoiceProfile};
use crate::tts::{SynthError, registry};

pub(super) fn run(config: &Config, engines: bool) -> anyhow::Result<()> {
    let dir = config.voices_dir();
    println!("Voice profiles ({}; default: {}):", dir.display(), config.narrate.voice);
    let mut ready = BTreeMap::new();
    let mut rows = Vec::new();
    for (name, _) in VoiceProfile::available(&dir) {
        let row = match VoiceProfile::resolve(&name, &dir) {
            Err(e) => Row::Invalid(format!("invalid: {e}")),
            Ok(profile) => {
                let status = match registry::build(&profile) {
                    Ok(backend) => {
                        ready.entry(profile.backend.clone()).or_insert(backend);
                        "ready".to_owned()
                    }
                    Err(SynthError::NotInstalled { program, hint, .. }) => {
                        format!("{program} not installed: {hint}")
                    }
                    Err(e) => format!("not usable: {e}"),
                };
                Row::Profile([
                    profile.backend,
                    profile.languages.join(","),
                    format!("{}  [{status}]", profile.description.unwrap_or_default()),
                ])
            }
        };
        rows.push((name, row));
    }
    for line in table(&rows) {
        println!("{line}");
    }
    if !engines {
        println!(
            "\n(`articulate voices --engines` lists the voices each installed engine offers.)"
        );
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    for (backend, synthesizer) in ready {
        match runtime.block_on(synthesizer.voices()) {
            Ok(voices) if voices.is_empty() => {}
            Ok(voices) => {
                println!("\n{backend} voices ({}):", voices.len());
                for voice in voices {
                    println!("  {voice}");
                }
            }
            // Cloud backends' errors already say they are about the list.
            Err(e) if about_the_list(&e) => println!("\n{e}"),
            Err(e) => println!("\n{backend}: cannot list voices: {e}"),
        }
    }
    Ok(())
}

/// A line of the profile table: its backend, languages and description, or why it is
/// unusable.
enum Row {
    Profile([String; 3]),
    Invalid(String),
}

/// The profiles as lines whose columns line up, however long a name, backend or language
/// list is.
fn table(rows: &[(String, Row)]) -> Vec<String> {
    let width = |column: &dyn Fn(&(String, Row)) -> usize| rows.iter().map(column).max();
    let name_width = width(&|(name, _)| name.chars().count()).unwrap_or(0);
    let cell = |i: usize| {
        width(&move |(_, row)| match row {
            Row::Profile(cells) => cells[i].chars().count(),
            Row::Invalid(_) => 0,
        })
        .unwrap_or(0)
    };
    let (backend_width, language_width) = (cell(0), cell(1));
    rows.iter()
        .map(|(name, row)| match row {
            Row::Profile([backend, languages, rest]) => format!(
                "  {name:<name_width$}  {backend:<backend_width$}  {languages:<language_width$}  \
                 {rest}"
            ),
            Row::Invalid(message) => format!("  {name:<name_width$}  {message}"),
        })
        .collect()
}

fn about_the_list(error: &SynthError) -> bool {
    match error {
        SynthError::Voices { .. } => true,
        SynthError::GaveUp { last, .. } => about_the_list(last),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlisted(retryable: bool) -> SynthError {
        SynthError::Voices {
            backend: "azure".into(),
            status: Some(503),
            message: "HTTP 503: busy".into(),
            retryable,
            retry_after: None,
        }
    }

    #[test]
    fn columns_line_up_whatever_the_length_of_names_backends_and_languages() {
        let profile = |backend: &str, languages: &str| {
            Row::Profile([backend.into(), languages.into(), "a voice  [ready]".into()])
        };
        let rows = vec![
            ("a-very-long-profile-name-indeed".to_owned(), profile("espeak-ng", "en-GB")),
            ("short".to_owned(), profile("elevenlabs-backend-x", "en,de,fr,es,pt,it")),
            ("broken".to_owned(), Row::Invalid("invalid: bad".into())),
        ];
        let lines = table(&rows);
        let column = |line: &str, text: &str| line.find(text).unwrap();
        assert_eq!(column(&lines[0], "espeak-ng"), column(&lines[1], "elevenlabs"), "{lines:#?}");
        assert_eq!(column(&lines[0], "en-GB"), column(&lines[1], "en,de"), "{lines:#?}");
        assert_eq!(column(&lines[0], "a voice"), column(&lines[1], "a voice"), "{lines:#?}");
        assert_eq!(column(&lines[0], "espeak-ng"), column(&lines[2], "invalid"), "{lines:#?}");
    }

    #[test]
    fn a_listing_error_is_known_as_one_even_after_retries_gave_up() {
        assert!(about_the_list(&unlisted(false)));
        let gave_up =
            SynthError::GaveUp { last: Box::new(unlisted(true)), attempts: 5, why: "limit".into() };
        assert!(about_the_list(&gave_up));
        let engine = SynthError::Engine {
            backend: "espeak-ng".into(),
            chunk: 0,
            message: "crashed".into(),
            retryable: false,
        };
        assert!(!about_the_list(&engine));
    }
}
