//! `articulate voices`: which profiles exist, whether their engines are ready, and (with
//! `--engines`) the voices each engine offers.

use std::collections::BTreeMap;

use crate::config::{Config, VoiceProfile};
use crate::tts::{SynthError, registry};

pub(super) fn run(config: &Config, engines: bool) -> anyhow::Result<()> {
    let dir = config.voices_dir();
    println!("Voice profiles ({}; default: {}):", dir.display(), config.narrate.voice);
    let mut ready = BTreeMap::new();
    for (name, _) in VoiceProfile::available(&dir) {
        let line = match VoiceProfile::resolve(&name, &dir) {
            Err(e) => format!("invalid: {e}"),
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
                format!(
                    "{:<10} {:<8} {}  [{status}]",
                    profile.backend,
                    profile.languages.join(","),
                    profile.description.unwrap_or_default()
                )
            }
        };
        println!("  {name:<16} {line}");
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
