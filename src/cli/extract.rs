//! `articulate extract`: the extraction stage on its own, for editors and for tuning rules.

use std::io::Write;

use crate::config::Config;
use crate::model::Decision;
use crate::narrate::{Casting, prepare, read_article, sent_texts};

use super::ExtractArgs;

pub(super) fn run(args: &ExtractArgs, config: &Config) -> anyhow::Result<()> {
    let config = super::with_min_confidence(config, args.min_confidence);
    if args.spoken {
        let casting = Casting::new(&config, args.voice.clone(), None);
        casting.check()?;
        let prepared = prepare(&args.input, &config, &casting)?;
        super::warn_extraction(&args.input, prepared.article.meta.extraction.as_ref());
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            sent_texts(&prepared).join(
                "

"
            )
        )?;
        return Ok(());
    }
    let (_, article) = read_article(&args.input, &config)?;
    super::warn_extraction(&args.input, article.meta.extraction.as_ref());
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &article)?;
        writeln!(out)?;
    } else if args.explain {
        {
            if let Some(extraction) = &article.meta.extraction {
                for line in &extraction.decision {
                    writeln!(out, "     decide {line}")?;
                }
                if let Some(warning) = &extraction.warning {
                    writeln!(out, "     warn   {warning}")?;
                }
            }
            for (i, block) in article.blocks.iter().enumerate() {
                let (mark, why) = match &block.decision {
                    Decision::Speak { rule } => ("speak", rule),
                    Decision::Skip { reason } => ("skip ", reason),
                };
                let kind = serde_json::to_value(block.kind)?;
                let kind = kind.as_str().unwrap_or_default();
                writeln!(out, "{i:>4} {mark} {kind:<10} [{why}] {}", preview(&block.text))?;
            }
        }
    } else {
        let spoken: Vec<&str> = article.spoken().map(|(_, b)| b.text.as_str()).collect();
        writeln!(out, "{}", spoken.join("\n\n"))?;
    }
    Ok(())
}

/// The block's first line, shortened, so `--explain` stays one line per block.
fn preview(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(100).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
