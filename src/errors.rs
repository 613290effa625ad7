//! Errors as the one line a user or a report reads, and the configuration error every
//! settings file reports through (voice profiles in `tts`, `config.toml` in `config`).

/// `first`, then each cause under `source` that it does not already say, joined with ": ".
pub(crate) fn chain(mut text: String, mut source: Option<&dyn std::error::Error>) -> String {
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// An error and its sources on one line.
pub(crate) fn one_line(e: &dyn std::error::Error) -> String {
    chain(e.to_string(), e.source())
}

/// A command's error as the CLI prints it: the context anyhow added and every cause, each
/// said once (`{:#}` would repeat a cause whose message already includes it).
#[must_use]
pub fn report(e: &anyhow::Error) -> String {
    let top: &dyn std::error::Error = e.as_ref();
    one_line(top)
}

/// A configuration problem. Messages name the file and every offending key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file was read but is wrong; every problem is listed.
    #[error("invalid {file}: {}", problems.join("; "))]
    Invalid {
        /// The file.
        file: String,
        /// Each problem, one line each.
        problems: Vec<String>,
    },
    /// Pronunciation lexicon entries (house dictionary or profile) are wrong, or the house
    /// dictionary cannot be read; each problem names its file, line (when known) and key.
    #[error("invalid pronunciation lexicon: {}", problems.join("; "))]
    Lexicon {
        /// Each problem, one line each.
        problems: Vec<String>,
    },
    /// Problems in several files at once.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Several(Vec<ConfigError>),
    /// `--voice` named a profile that does not exist.
    #[error(
        "unknown voice {name:?}; available voices: {known} (or give a path to a .toml profile)"
    )]
    UnknownVoice {
        /// The name given.
        name: String,
        /// The names available, comma-separated.
        known: String,
    },
}

/// A TOML error's message without its multi-line source excerpt.
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_owned();
    match e.span() {
        Some(_) if msg.is_empty() => e.to_string().lines().next().unwrap_or_default().to_owned(),
        _ => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot narrate story.txt")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_cli_error_says_its_context_and_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("story.txt: {source}")]
        struct Named {
            source: std::io::Error,
        }
        let e = anyhow::Error::new(Named { source: std::io::Error::other("disk full") })
            .context("cannot narrate");
        assert_eq!(report(&e), "cannot narrate: story.txt: disk full");
        assert_eq!(format!("{e:#}"), "cannot narrate: story.txt: disk full: disk full");
    }

    #[test]
    fn causes_follow_the_error_once_each() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(one_line(&e), "cannot narrate story.txt: disk full");
        let said = chain("disk full, so: cannot narrate".into(), Some(&e));
        assert_eq!(said, "disk full, so: cannot narrate: cannot narrate story.txt");
    }
}
