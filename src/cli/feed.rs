//! `articulate feed`: a podcast RSS feed for a directory of narrations.

use std::path::PathBuf;

use crate::config::Config;
use crate::publish::feed::{FeedOptions, write_feed};

/// `articulate feed`.
#[derive(Debug, clap::Args)]
pub struct FeedArgs {
    /// The directory narrations were written to (searched recursively for manifests).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where DIR is published, e.g. `https://example.com/audio/`; every URL in the feed is
    /// relative to it.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// The podcast's title. Default: the directory's name.
    #[arg(long)]
    pub title: Option<String>,
    /// The podcast's description. Default: the title.
    #[arg(long)]
    pub description: Option<String>,
    /// The podcast's website. Default: the base URL.
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
    /// The author or publisher.
    #[arg(long)]
    pub author: Option<String>,
    /// Artwork URL (square, 1400–3000 px for Apple Podcasts).
    #[arg(long, value_name = "URL")]
    pub image: Option<String>,
    /// Language tag. Default: the most common among the narrations.
    #[arg(long)]
    pub language: Option<String>,
    /// Apple Podcasts category.
    #[arg(long, default_value = "News")]
    pub category: String,
    /// The feed's file name in DIR.
    #[arg(long, default_value = "feed.xml", value_name = "NAME")]
    pub file_name: String,
    /// Do not make the low-bandwidth Opus renditions (NAME.opus, with ffmpeg) that the feed
    /// offers as podcast:alternateEnclosure; ones already there are still listed.
    #[arg(long)]
    pub no_opus: bool,
}

pub(super) fn run(args: &FeedArgs, _config: &Config) -> anyhow::Result<()> {
    let title = args.title.clone().unwrap_or_else(|| {
        std::fs::canonicalize(&args.dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "articulate".to_owned())
    });
    anyhow::ensure!(
        !args.file_name.contains(['/', '\\']) && !args.file_name.starts_with('.'),
        "--file-name {:?} must be a plain file name in DIR",
        args.file_name
    );
    let options = FeedOptions {
        description: args.description.clone(),
        link: args.link.clone(),
        author: args.author.clone(),
        image: args.image.clone(),
        language: args.language.clone(),
        category: args.category.clone(),
        file_name: args.file_name.clone(),
        opus: !args.no_opus,
        ..FeedOptions::new(&args.base_url, &title)
    };
    let written = write_feed(&args.dir, &options)?;
    if let Some(problem) = &written.opus_problem {
        eprintln!("warning: {problem}");
    }
    let episodes = super::count(written.episodes, "episode", "episodes");
    eprintln!("{}: {episodes}", written.path.display());
    Ok(())
}
