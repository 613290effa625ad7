//! `articulate narrate`: one or more inputs through the whole pipeline.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::narrate::{Casting, Job, dry_run, narrate};

use super::NarrateArgs;

pub(super) fn run(args: &NarrateArgs, config: &Config) -> anyhow::Result<()> {
    let config = &*super::with_min_confidence(config, args.min_confidence);
    // Everything that can be checked is checked before the first input is touched.
    let enabled = config.narrate.cache && !args.no_cache;
    let cache = super::cache::open(config, args.cache_dir.as_deref(), None, enabled)
        .unwrap_or_else(|e| {
            tracing::warn!("Chunk cache disabled: {e:#}");
            None
        });
    let casting = Casting::with_cache(config, args.voice.clone(), cache);
    casting.check()?;
    let formats = super::output_formats(&args.format, config)?;
    let output_dir =
        args.output.clone().unwrap_or_else(|| config.resolve(&config.narrate.output_dir));

    if args.dry_run {
        let mut out = std::io::stdout().lock();
        for input in &args.inputs {
            let manifest = dry_run(input, config, &casting)?;
            super::warn_extraction(input, manifest.extraction.as_ref());
            for cost in manifest.cost.iter().flatten() {
                let money = match (cost.estimated_cost, &cost.currency) {
                    (Some(amount), Some(currency)) => format!(", about {amount:.4} {currency}"),
                    _ => String::new(),
                };
                eprintln!(
                    "{input}: {} ({}): {} billed characters in {} requests{money}",
                    cost.voice, cost.backend, cost.billed_chars, cost.requests
                );
            }
            if let Some(max) = args.max_chars {
                let billed: usize = manifest.cost.iter().flatten().map(|c| c.billed_chars).sum();
                anyhow::ensure!(
                    billed <= max,
                    "{input}: this job would bill {billed} characters, more than --max-chars {max}"
                );
            }
            serde_json::to_writer_pretty(&mut out, &manifest)?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        return Ok(());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut failed = 0;
    let mut manifests = Vec::new();
    for input in &args.inputs {
        let job = Job {
            input: input.clone(),
            output_dir: output_dir.clone(),
            formats: formats.clone(),
            max_chars: args.max_chars,
        };
        match runtime.block_on(narrate_one(&job, config, &casting)) {
            Ok(manifest) => manifests.extend(manifest),
            Err(e) if args.inputs.len() == 1 => return Err(e),
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    if args.player && !manifests.is_empty() {
        crate::preview::write_player(&output_dir, &manifests)?;
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} inputs failed", args.inputs.len());
    }
    Ok(())
}

/// Narrate one input; the manifest's path, for the player.
async fn narrate_one(
    job: &Job,
    config: &Config,
    casting: &Casting,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    let bar = progress_bar(&job.input);
    let on_chunk = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let result = narrate(job, config, casting, &on_chunk).await;
    bar.finish_and_clear();
    let narration = result?;
    super::warn_extraction(&job.input, narration.manifest.extraction.as_ref());
    if std::io::stderr().is_terminal() {
        let seconds = narration.manifest.duration_ms.unwrap_or_default() / 1000;
        let main_file =
            narration.files.first().map_or_else(String::new, |f| f.display().to_string());
        eprintln!(
            "{}: {} chapters, {}:{:02} of audio → {main_file}",
            job.input,
            narration.manifest.chapters.len(),
            seconds / 60,
            seconds % 60,
        );
    }
    Ok(crate::preview::manifest_file(&narration.files))
}

/// A bar on a terminal; nothing at all when stderr is piped, so logs stay clean.
fn progress_bar(input: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} chunks ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(input.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
