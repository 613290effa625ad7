//! `articulate names`: an article's names as the voice will say them, as an aligned table
//! (or JSON), with the dictionary lines that would fix the ones likely to be said wrong.

use std::io::Write;

use crate::config::{Config, VoiceProfile};
use crate::names::{Report, report};
use crate::narrate::read_article;

/// `articulate names`.
#[derive(Debug, clap::Args)]
pub struct NamesArgs {
    /// An article: a file, a URL, or `-` for stdin.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Voice profile whose phonemes to show. Default: `[narrate] voice`.
    #[arg(long, value_name = "NAME|PATH")]
    pub voice: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(args: &NamesArgs, config: &Config) -> anyhow::Result<()> {
    let name = args.voice.as_deref().unwrap_or(&config.narrate.voice);
    let profile = VoiceProfile::resolve(name, &config.voices_dir())?;
    let lexicon = config.lexicon_for(&profile)?;
    let (_, article) = read_article(&args.input, config)?;
    let report = report(&article, config, &profile, &lexicon);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", table(&report))?;
    }
    Ok(())
}

/// The report for a reader: a header, one aligned row per name, then the fixes.
fn table(report: &Report) -> String {
    let mut text = String::new();
    let how = match (&report.phonemizer, &report.phonemes_unknown) {
        (Some(p), None) => format!("phonemes from {p}"),
        (_, Some(why)) => format!("phonemes unknown: {why}"),
        (None, None) => String::new(),
    };
    let house = report.house_lexicon.as_deref().unwrap_or("none");
    text.push_str(&format!(
        "Voice {} ({}), {how}; house dictionary: {house}\n\n",
        report.voice, report.backend
    ));
    if report.names.is_empty() {
        text.push_str("No names found.\n");
        return text;
    }
    let rows: Vec<[String; 5]> = report
        .names
        .iter()
        .map(|n| {
            let lexicon = match n.covered_by.first() {
                Some(c) => format!("{}: {}", c.layer, c.key),
                None => "-".into(),
            };
            let check = n
                .words
                .iter()
                .filter(|w| w.likely_wrong)
                .map(|w| format!("{}: {}", w.word, w.signs.join("; ")))
                .collect::<Vec<_>>();
            let check = if check.is_empty() {
                String::new()
            } else {
                format!("LIKELY WRONG {}", check.join(" | "))
            };
            [
                n.name.clone(),
                n.count.to_string(),
                n.phonemes.clone().unwrap_or_else(|| "?".into()),
                lexicon,
                check,
            ]
        })
        .collect();
    let header = ["NAME", "×", "PHONEMES", "LEXICON", "CHECK"].map(str::to_owned);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i < 4 {
                line.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    let fixes: Vec<_> = report
        .names
        .iter()
        .flat_map(|n| &n.words)
        .filter_map(|w| w.suggestion.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if fixes.is_empty() {
        text.push_str("\nNo name looks likely to be said wrong.\n");
    } else {
        text.push_str(&format!(
            "\nTo fix one, add its line to the [lexicon] table in {house} with the respelling \
             changed to how it should sound:\n"
        ));
        for fix in fixes {
            text.push_str(&format!("  {fix}\n"));
        }
    }
    text
}

/// Columns on a terminal: combining marks (the nasal tilde of French IPA) take none.
fn width(cell: &str) -> usize {
    cell.chars().filter(|c| !('\u{300}'..='\u{36f}').contains(c)).count()
}
