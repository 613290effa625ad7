//! `articulate narrate`: one or more inputs through the whole pipeline.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::narrate::{Casting, Job, dry_run, narrate, narrate_prepared, prepare};

use super::NarrateArgs;

pub(super) fn run(args: &NarrateArgs, config: &Config) -> anyhow::Result<()> {
    let config = &*super::with_min_confidence(config, args.min_confidence);
    // Everything that can be checked is checked before the first input is touched.
    if args.dry_run {
        // An estimate sends nothing, so a cloud voice needs no key for it.
        let casting = Casting::for_estimates(config, args.voice.clone());
        casting.check()?;
        super::output_formats(&args.format, config)?;
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
    let enabled = config.narrate.cache && !args.no_cache;
    let cache = super::cache::open(config, args.cache_dir.as_deref(), None, enabled)
        .unwrap_or_else(|e| {
            tracing::warn!("Chunk cache disabled: {}", crate::errors::report(&e));
            None
        });
    let casting = Casting::with_cache(config, args.voice.clone(), cache);
    casting.check()?;
    let formats = super::output_formats(&args.format, config)?;
    let output_dir =
        args.output.clone().unwrap_or_else(|| config.resolve(&config.narrate.output_dir));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stems = output_stems(&args.inputs);
    let mut failed = 0;
    let mut manifests = Vec::new();
    for (input, stem) in args.inputs.iter().zip(stems) {
        let job = Job {
            input: input.clone(),
            output_dir: output_dir.clone(),
            formats: formats.clone(),
            max_chars: args.max_chars,
        };
        match runtime.block_on(narrate_one(&job, stem, config, &casting)) {
            Ok(manifest) => manifests.extend(manifest),
            Err(e) if args.inputs.len() == 1 => return Err(e),
            Err(e) => {
                eprintln!("error: {}", crate::errors::report(&e));
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

/// The name each input's files get. Inputs that would share one (`a/story.html` and
/// `b/story.html`, or `story.txt` and `story.html`) would overwrite each other's narration,
/// so, as `batch` does, each of them gets a short hash of its path added, and a note says
/// which is which. `None` keeps the input's own name.
fn output_stems(inputs: &[String]) -> Vec<Option<String>> {
    let stems: Vec<String> = inputs.iter().map(|i| crate::ingest::output_stem(i)).collect();
    let mut named: Vec<(String, String)> =
        stems.iter().cloned().zip(inputs.iter().cloned()).collect();
    crate::batch::names::settle_collisions(&mut named);
    let mut settled = Vec::with_capacity(inputs.len());
    for ((input, stem), (name, _)) in inputs.iter().zip(&stems).zip(named) {
        if name == *stem {
            settled.push(None);
        } else {
            eprintln!(
                "note: more than one input would be written as {stem}.*; {input} is written \
                 as {name}.*"
            );
            settled.push(Some(name));
        }
    }
    settled
}

/// Narrate one input (named `stem` when given); the manifest's path, for the player.
async fn narrate_one(
    job: &Job,
    stem: Option<String>,
    config: &Config,
    casting: &Casting,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    let bar = progress_bar(&job.input);
    let on_chunk = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let result = match stem {
        None => narrate(job, config, casting, &on_chunk).await,
        Some(stem) => match prepare(&job.input, config, casting) {
            Ok(mut prepared) => {
                prepared.source.stem = stem;
                narrate_prepared(prepared, job, config, &on_chunk).await
            }
            Err(e) => Err(e),
        },
    };
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
