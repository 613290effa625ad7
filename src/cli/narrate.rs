//! `articulate narrate`: one or more inputs through the whole pipeline.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Config;
use crate::narrate::{Casting, Job, dry_run, narrate, narrate_prepared, prepare};

use super::NarrateArgs;

/// The configuration with `--verify`, `--strict` and `--words` applied. `--strict` needs
/// verification, from `--verify` or `[narrate] verify`.
pub(super) fn with_verify_flags(
    config: &Config,
    verify: bool,
    strict: bool,
    words: bool,
) -> anyhow::Result<Config> {
    let mut config = config.clone();
    if verify {
        config.narrate.verify = crate::verify::VerifyMode::On;
    }
    if strict {
        anyhow::ensure!(
            config.narrate.verify != crate::verify::VerifyMode::Off,
            "--strict needs verification: add --verify, or set verify = true in [narrate]"
        );
        config.verify.strict = true;
    }
    if words {
        config.narrate.word_timings = crate::verify::WordTimings::Always;
    }
    Ok(config)
}

pub(super) fn run(args: &NarrateArgs, config: &Config) -> anyhow::Result<()> {
    let config = &with_verify_flags(config, args.verify, args.strict, args.words)?;
    let config = &*super::with_min_confidence(config, args.min_confidence);
    // Everything that can be checked is checked before the first input is touched.
    if args.dry_run {
        // An estimate sends nothing, so a cloud voice needs no key for it.
        let casting =
            Casting::for_estimates(config, args.voice.clone()).with_knobs(args.knobs.knobs());
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
    let casting =
        Casting::with_cache(config, args.voice.clone(), cache).with_knobs(args.knobs.knobs());
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
        crate::publish::write_player(&output_dir, &manifests)?;
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} failed", super::count(args.inputs.len(), "input", "inputs"));
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
    let bar = if std::io::stderr().is_terminal() {
        progress_bar(&job.input, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let on_chunk = |done: usize, total: usize| show_chunks(&bar, done, total);
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
            "{}: {}, {}:{:02} of audio → {main_file}",
            job.input,
            super::count(narration.manifest.chapters.len(), "chapter", "chapters"),
            seconds / 60,
            seconds % 60,
        );
    }
    Ok(crate::publish::manifest_file(&narration.files))
}

/// A bar drawn to `target` (a terminal; nothing at all is drawn when stderr is piped, so
/// logs stay clean).
fn progress_bar(input: &str, target: ProgressDrawTarget) -> ProgressBar {
    // Until the script is cut, the number of chunks is unknown: a spinner, not a bar that
    // would look full at 0/0.
    let bar = ProgressBar::with_draw_target(None, target);
    let preparing = ProgressStyle::with_template("{msg} {spinner} reading")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(preparing);
    bar.set_message(input.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `done` of `total` chunks synthesized: the bar, from the first call on.
fn show_chunks(bar: &ProgressBar, done: usize, total: usize) {
    if bar.length() != Some(total as u64) {
        bar.set_style(chunks_style());
        bar.set_length(total as u64);
    }
    bar.set_position(done as u64);
}

/// The bar once the chunks are counted: "story.txt [=====>    ] 12/41 chunks (3s)".
fn chunks_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} chunks ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what is drawn on it.
    #[derive(Clone, Debug, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn take(&self) -> String {
            std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
        }
        fn write(&self, s: &str) {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push_str(s);
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write(s);
            self.write("\n");
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.write(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_starts_empty_at_zero_of_the_chunks_never_full_at_zero_of_zero() {
        let screen = Screen::default();
        let bar =
            progress_bar("story.txt", ProgressDrawTarget::term_like(Box::new(screen.clone())));
        bar.force_draw();
        let reading = screen.take();
        assert!(reading.contains("story.txt") && !reading.contains("0/0"), "{reading:?}");
        assert!(!reading.contains('='), "no bar before the chunks are counted: {reading:?}");

        show_chunks(&bar, 0, 41);
        bar.force_draw();
        let started = screen.take();
        assert!(started.contains("0/41 chunks"), "{started:?}");
        assert!(started.contains(&format!("[{}]", " ".repeat(30))), "empty: {started:?}");

        show_chunks(&bar, 41, 41);
        bar.force_draw();
        assert!(screen.take().contains(&format!("[{}] 41/41", "=".repeat(30))));
    }
}
