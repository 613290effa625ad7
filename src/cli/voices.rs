//! `articulate voices`: which profiles exist and whether their engines are ready.

use crate::config::{Config, VoiceProfile};
use crate::tts::{SynthError, registry};

pub(super) fn run(config: &Config) -> anyhow::Result<()> {
    let dir = config.voices_dir();
    println!("Voice profiles ({}; default: {}):", dir.display(), config.narrate.voice);
    for (name, _) in VoiceProfile::available(&dir) {
        let line = match VoiceProfile::resolve(&name, &dir) {
            Err(e) => format!("invalid: {e}"),
            Ok(profile) => {
                let status = match registry::build(&profile) {
                    Ok(_) => "ready".to_owned(),
                    Err(SynthError::NotInstalled { program, hint, .. }) => {
                        format!("{program} not installed: {hint}")
                    }
                    Err(e) => format!("invalid: {e}"),
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
    Ok(())
}
