//! `articulate lexicon`: the house dictionary to and from W3C PLS.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Config, VoiceProfile};
use crate::segment::lexicon::{Lexicon, LexiconTable, Pronunciation, edit, pls};

/// `articulate lexicon`.
#[derive(Debug, clap::Args)]
pub struct LexiconArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LexiconCommand,
}

/// The lexicon subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LexiconCommand {
    /// Write the house dictionary (with --voice, merged with that voice's own lexicon) to
    /// stdout, as W3C PLS or as TOML.
    Export {
        /// `pls` (W3C Pronunciation Lexicon 1.0 XML) or `toml`.
        #[arg(long, default_value = "pls", value_parser = ["pls", "toml"])]
        format: String,
        /// Also the entries of this voice profile's [lexicon], which win.
        #[arg(long, value_name = "NAME|PATH")]
        voice: Option<String>,
        /// The PLS xml:lang. Default: the voice's language (`[narrate] voice` without --voice).
        #[arg(long, value_name = "TAG")]
        lang: Option<String>,
    },
    /// Merge a W3C PLS file into the house dictionary, keeping its comments and order; new
    /// entries go at the end, and entries already there keep their value unless --replace.
    Import {
        /// The PLS file, or `-` for stdin.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Print the entries as a [lexicon] table instead of changing the dictionary.
        #[arg(long)]
        print: bool,
        /// Replace entries already in the dictionary with the imported ones.
        #[arg(long, conflicts_with = "print")]
        replace: bool,
    },
}

pub(super) fn run(args: &LexiconArgs, config: &Config) -> anyhow::Result<()> {
    match &args.command {
        LexiconCommand::Export { format, voice, lang } => {
            export(config, format, voice.as_deref(), lang.as_deref())
        }
        LexiconCommand::Import { file, print, replace } => import(config, file, *print, *replace),
    }
}

fn export(
    config: &Config,
    format: &str,
    voice: Option<&str>,
    lang: Option<&str>,
) -> anyhow::Result<()> {
    let profile =
        VoiceProfile::resolve(voice.unwrap_or(&config.narrate.voice), &config.voices_dir())?;
    let lexicon = match voice {
        Some(_) => config.lexicon_for(&profile)?,
        None => Lexicon::compile(
            std::slice::from_ref(&config.house_lexicon),
            config.narrate.lexicon_ignore_case,
        )
        .map_err(|problems| anyhow::anyhow!("{}", problems.join("; ")))?,
    };
    let entries: Vec<(&str, &Pronunciation)> = lexicon.entries().map(|(k, p, _)| (k, p)).collect();
    let mut out = std::io::stdout().lock();
    if format == "toml" {
        let owned: Vec<_> = entries.iter().map(|(k, p)| ((*k).to_owned(), (*p).clone())).collect();
        write!(out, "{}", edit::to_toml(&owned))?;
        return Ok(());
    }
    let language = lang.or_else(|| profile.languages.first().map(String::as_str)).unwrap_or("en");
    let (xml, skipped) = pls::export(entries, language);
    out.write_all(xml.as_bytes())?;
    if !skipped.is_empty() {
        eprintln!(
            "Left out {} regex entries, which PLS cannot express: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    Ok(())
}

fn import(config: &Config, file: &Path, print: bool, replace: bool) -> anyhow::Result<()> {
    let mut xml = String::new();
    if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut xml).context("cannot read stdin")?;
    } else {
        xml = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    let imported =
        pls::import(&xml).with_context(|| format!("{} is not a PLS lexicon", file.display()))?;
    for note in &imported.notes {
        eprintln!("{}: {note}", file.display());
    }
    if print {
        print!("{}", edit::to_toml(&imported.entries));
        return Ok(());
    }
    let Some(path) = config.house_lexicon_path() else {
        anyhow::bail!(
            "no house dictionary is configured ([narrate] lexicon is empty): set one, or use \
             --print to see the entries as TOML"
        );
    };
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let merged = edit::merge(&before, &imported.entries, replace)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // What is written must load: checked like any other house dictionary first.
    let origin = path.display().to_string();
    let table = LexiconTable::parse_file(&origin, &merged.text)
        .map_err(|e| anyhow::anyhow!("{origin} {e}"))?;
    Lexicon::compile(&[table], config.narrate.lexicon_ignore_case)
        .map_err(|problems| anyhow::anyhow!("{}", problems.join("; ")))?;
    if merged.text != before {
        write_atomically(&path, &merged.text)?;
    }
    for (key, kept) in &merged.kept {
        eprintln!("{origin}: kept {key} = {kept} (--replace takes the imported one)");
    }
    eprintln!(
        "{origin}: {} added, {} replaced, {} already there, {} kept as they were",
        merged.added.len(),
        merged.replaced.len(),
        merged.unchanged.len(),
        merged.kept.len()
    );
    Ok(())
}

/// Write through a temp file renamed into place, so the dictionary is never half-written.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".articulate-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_data()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(mode))?;
    }
    temp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
