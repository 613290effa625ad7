//! `articulate preview`: one article narrated and served in the player, narrated again on
//! every save.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;
use crate::narrate::Casting;
use crate::preview::{PreviewEvent, PreviewOptions};

/// `articulate preview`.
#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// The article: a file (.txt, .html, .md). Saving it narrates it again.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, value_name = "N", default_value_t = 4747)]
    pub port: u16,
    /// Address to listen on. Anything but loopback lets others on the network hear the
    /// unpublished article.
    #[arg(long, value_name = "H", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// With --host on a network address: a host name the page may be reached under
    /// (besides IP addresses and this machine's name); repeatable. Requests naming any other
    /// host are refused.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Voice profile: a name in voices/ or a path to a .toml file.
    #[arg(long, value_name = "NAME|PATH")]
    pub voice: Option<String>,
    /// Keep the narration's files in DIR. Default: a temporary directory, removed on exit.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Chunk cache directory. Default: `[narrate] cache_dir`.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Serve the narration as it is, without narrating again when the file is saved.
    #[arg(long)]
    pub no_watch: bool,
}

pub(super) fn run(args: &PreviewArgs, config: &Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.input.is_file(),
        "{}: not a file; preview narrates an article saved as .txt, .html or .md",
        args.input.display()
    );
    // The cache is what makes a save quick: only the changed chunks are synthesized again.
    let cache_dir =
        config.narrate.cache.then(|| args.cache_dir.clone().unwrap_or_else(|| config.cache_dir()));
    let casting = Casting::new(config, args.voice.clone(), cache_dir);
    casting.check()?;
    let temp;
    let output_dir = match &args.output {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("articulate-preview-")
                .tempdir()
                .context("cannot create a temporary directory for the narration")?;
            temp.path().to_path_buf()
        }
    };
    let options = PreviewOptions {
        input: args.input.clone(),
        addr: SocketAddr::new(args.host, args.port),
        output_dir,
        watch: !args.no_watch,
        allowed_hosts: args.allow_host.clone(),
    };
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach it can hear this article",
            args.host
        );
    }
    let input = args.input.display().to_string();
    let on_event = |event: PreviewEvent<'_>| match event {
        PreviewEvent::Playable { url } => {
            eprintln!("{input}: playing at {url} while it is narrated");
            if args.open {
                open_browser(url);
            }
        }
        PreviewEvent::Listening { url } => {
            println!("Previewing {input} at {url} (Ctrl-C to stop)");
        }
        PreviewEvent::Renarrated { new_chunks, chunks } => {
            let chunks = super::count(chunks, "chunk", "chunks");
            eprintln!("{input}: saved; {new_chunks} of {chunks} new; the page reloads");
        }
        PreviewEvent::Failed { error } => {
            eprintln!("error: {error} (the page shows the last good narration)");
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    eprintln!("Narrating {input} ...");
    runtime.block_on(crate::preview::run(&options, config, &casting, &on_event, stop()))?;
    Ok(())
}

/// Ctrl-C, or a polite request to stop from the system; either way the temporary directory is
/// removed on the way out.
async fn stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Best effort: the URL is printed anyway.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let opened = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = opened {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}
