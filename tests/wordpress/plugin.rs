//! A publisher's day with the plugin: publish a post in WordPress, see the status box say
//! done, play the narration in the post, edit a sentence (one chunk synthesized again),
//! trash the post (the audio goes); serve's callback refused when not signed by it, an
//! unchanged post saved twice not sent twice, and a token too short for serve refused.

use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::site::{SECRET, WordPress};
use crate::preview::cdp::Browser;
use crate::util;

/// The post, one sentence per paragraph, so an edited sentence is an edited chunk.
const PARAGRAPHS: [&str; 5] = [
    "The harbour wall at Porthcurno will be rebuilt next spring, the council said on Tuesday.",
    "Work is expected to take six months.",
    "Fishermen say the closure has already cost them most of a season.",
    "The county will pay for most of it, with the rest from a national fund.",
    "A public meeting will be held in the village hall next Thursday.",
];
const TITLE: &str = "Harbour wall to be rebuilt";

fn content(paragraphs: &[&str]) -> String {
    let mut html: Vec<String> = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    html.insert(3, "<h2>Who pays for it</h2>".to_owned());
    html.join("\n")
}

/// Run `test` with a tokio runtime and one headless Chromium (one browser at a time on a
/// two-core machine).
fn in_chromium(test: impl AsyncFnOnce(&Browser)) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let browser = Browser::launch().await;
        test(&browser).await;
    });
}

/// serve's job for an article.
fn job(site: &WordPress, id: &str) -> Value {
    site.serve.call("GET", &format!("/v1/articles/{id}"), None).json()
}

/// A Prometheus counter's value on serve's /metrics.
fn counter(site: &WordPress, name: &str) -> f64 {
    let text = String::from_utf8(site.serve.get("/metrics").body).unwrap();
    let value = text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
    value.unwrap_or_else(|| panic!("no {name} in {text}")).trim().parse().unwrap()
}

/// Log in to wp-admin through its form.
async fn log_in(browser: &Browser, site: &WordPress) {
    browser.goto(&format!("{}/wp-login.php", site.url)).await;
    browser
        .eval(&format!(
            "document.getElementById('user_login').value = 'admin';
             document.getElementById('user_pass').value = {};
             document.getElementById('loginform').submit();",
            json!(super::site::ADMIN_PASSWORD)
        ))
        .await;
    browser
        .wait_for(
            "location.pathname.startsWith('/wp-admin') && document.readyState === 'complete'",
            "the dashboard",
        )
        .await;
}

#[test]
fn a_post_published_in_wordpress_is_narrated_played_updated_by_the_sentence_and_removed_when_trashed()
 {
    let site = WordPress::start();
    in_chromium(async |browser| {
        // Published through WordPress's own REST API, as the block editor does.
        let (status, post) = site
            .rest(
                "POST",
                "wp/v2/posts",
                Some(
                    json!({ "title": TITLE, "content": content(&PARAGRAPHS), "status": "publish" }),
                ),
            )
            .await;
        assert_eq!(status, 201, "{post}");
        let post_id = post["id"].as_u64().unwrap();
        let link = post["link"].as_str().unwrap().to_owned();
        let article = format!("wp-{post_id}");

        // The editor's status box says done once serve has narrated it and called back.
        log_in(browser, &site).await;
        browser.goto(&format!("{}/wp-admin/post.php?post={post_id}&action=edit", site.url)).await;
        browser
            .wait_for(
                "document.querySelector('#articulate-status')?.dataset.status === 'done'",
                "the status box to say done",
            )
            .await;
        let label = browser.eval("document.querySelector('#articulate-status').textContent").await;
        assert!(label.as_str().unwrap().contains("Done"), "{label}");

        // serve got the article with its metadata; the manifest and the feed carry them.
        let narrated = job(&site, &article);
        assert_eq!(narrated["state"], "done", "{narrated}");
        assert_eq!(narrated["title"], TITLE);
        assert_eq!(narrated["url"], link.as_str());
        assert_eq!(narrated["byline"], "By admin");
        let manifest =
            util::manifest(&site.serve_out().join(&article).join(format!("{article}.json")));
        assert_eq!(manifest.title, TITLE);
        assert_eq!(manifest.source.url.as_deref(), Some(link.as_str()));
        assert_eq!(manifest.chapters.len(), 2, "{:?}", manifest.chapters);
        let serve_feed = std::fs::read_to_string(site.serve_out().join("feed.xml")).unwrap();
        assert!(serve_feed.contains(&format!("<link>{link}</link>")), "{serve_feed}");

        // The post's meta holds the audio and chapters from the callback.
        let status = site.status(post_id).await;
        let audio_url = narrated["audio_urls"][0].as_str().unwrap();
        assert_eq!(status["audio"], audio_url);
        assert_eq!(status["chapters"][1]["title"], "Who pays for it");

        // The post plays: one element, one script tag, as the published player is embedded.
        browser.goto(&link).await;
        let scripts =
            "[...document.scripts].filter(s => s.src.endsWith('/articulate-player.js')).length";
        assert_eq!(browser.eval(scripts).await, json!(1));
        let embeds = "document.querySelectorAll('[data-articulate-manifest]').length";
        assert_eq!(browser.eval(embeds).await, json!(1));
        let manifest_attr =
            "document.querySelector('[data-articulate-manifest]').dataset.articulateManifest";
        assert_eq!(browser.eval(manifest_attr).await, narrated["manifest_url"]);
        browser.wait_for("document.querySelector('[data-articulate-ready]')", "the player").await;
        let audio = "document.querySelector('.articulate-player audio')";
        browser.wait_for(&format!("{audio}.readyState >= 1"), "the audio's metadata").await;
        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{audio}.currentTime > 0.5"), "the narration to play").await;
        browser.eval(&format!("{audio}.pause()")).await;
        browser.screenshot(&util::root().join("target/wordpress-screenshot.png")).await;
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());

        // The site's own feed has the audio as an enclosure.
        let (status, feed) = site.anonymous("GET", &format!("{}/feed/", site.url), &[], b"").await;
        assert_eq!(status, 200);
        assert!(feed.contains(&format!("<enclosure url=\"{audio_url}\"")), "{feed}");
        assert!(!feed.contains("length=\"0\""), "the enclosure has the MP3's size: {feed}");

        // A callback not signed with the shared secret is refused and changes nothing.
        let forged =
            json!({ "id": article, "state": "failed", "error": "forged", "generation": 99 })
                .to_string();
        let done_url = format!("{}/wp-json/articulate/v1/done", site.url);
        let json_type = ("Content-Type", "application/json");
        let wrong = articulate::serve::callback::sign(b"not the secret", forged.as_bytes());
        for headers in
            [vec![json_type], vec![json_type, ("X-Articulate-Signature", wrong.as_str())]]
        {
            let (status, body) =
                site.anonymous("POST", &done_url, &headers, forged.as_bytes()).await;
            assert_eq!(status, 401, "{body}");
        }
        assert_eq!(site.status(post_id).await["status"], "done");
        // serve's own report, signed with the shared secret, is taken.
        let real = narrated.to_string();
        let signed = articulate::serve::callback::sign(SECRET.as_bytes(), real.as_bytes());
        let headers = [json_type, ("X-Articulate-Signature", signed.as_str())];
        let (status, body) = site.anonymous("POST", &done_url, &headers, real.as_bytes()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(site.status(post_id).await["status"], "done");

        // Saved twice in a row with nothing changed, as the block editor saves a post and
        // then its meta boxes: the same body within a second would carry a signature serve
        // refuses as a replay, so what serve has already is not sent again.
        let saved = site.setup(&["save-twice", &post_id.to_string()]);
        assert_eq!(saved.lines().collect::<Vec<_>>(), ["done", ""], "state, error: {saved}");
        assert_eq!(site.status(post_id).await["status"], "done");

        // One sentence edited: one chunk synthesized again, the rest from the cache.
        let requests_before = counter(&site, "articulate_backend_requests_total");
        let mut edited = PARAGRAPHS;
        edited[1] = "Work is expected to take eight months.";
        let (status, updated) = site
            .rest(
                "POST",
                &format!("wp/v2/posts/{post_id}"),
                Some(json!({ "content": content(&edited) })),
            )
            .await;
        assert_eq!(status, 200, "{updated}");
        let status = site
            .wait_status(post_id, |s| s["status"] == "done" && s["audio_generation"] == 2)
            .await;
        assert_eq!(status["audio"], audio_url);
        let renarrated = job(&site, &article);
        assert_eq!(renarrated["generation"], 2);
        assert_eq!(renarrated["requests"], 1, "only the edited sentence: {renarrated}");
        assert_eq!(renarrated["cache_hits"], json!(renarrated["chunks"].as_u64().unwrap() - 1));
        assert_eq!(counter(&site, "articulate_backend_requests_total"), requests_before + 1.0);
        let manifest =
            util::manifest(&site.serve_out().join(&article).join(format!("{article}.json")));
        assert!(manifest.segments.iter().any(|s| s.text == edited[1]), "{:?}", manifest.segments);

        // Trashed: serve forgets the job and removes the files; the post forgets the audio.
        let (status, trashed) = site.rest("DELETE", &format!("wp/v2/posts/{post_id}"), None).await;
        assert_eq!(status, 200, "{trashed}");
        assert_eq!(trashed["status"], "trash");
        assert_eq!(site.serve.call("GET", &format!("/v1/articles/{article}"), None).status, 404);
        assert!(!site.serve_out().join(&article).exists(), "the audio is gone");
        let manifest_path = site.serve.local(&narrated["manifest_url"]);
        assert_eq!(site.serve.get(&manifest_path).status, 404);
        let status = site.status(post_id).await;
        assert_eq!(status["status"], "none", "{status}");
        assert_eq!(status["audio"], "");
        let serve_feed = std::fs::read_to_string(site.serve_out().join("feed.xml")).unwrap();
        assert!(!serve_feed.contains(&link), "{serve_feed}");

        // The settings page says it is connected, and refuses a token serve would refuse
        // (half a paste), keeping the one that works.
        let settings = format!("{}/wp-admin/options-general.php?page=articulate", site.url);
        browser.goto(&settings).await;
        let connected = "document.getElementById('articulate-connection')?.dataset.connected";
        assert_eq!(browser.eval(connected).await, "1");
        browser
            .eval(
                "document.getElementById('articulate_token').value = 'test-token-4f9a';
                 document.querySelector('form[action=\"options.php\"]').requestSubmit();",
            )
            .await;
        let notice = "document.getElementById('setting-error-articulate_short_token')";
        let loaded = format!("{notice} && document.readyState === 'complete'");
        browser.wait_for(&loaded, "the settings page's notice after saving").await;
        let notice = browser.eval(&format!("{notice}.textContent")).await;
        assert!(notice.as_str().is_some_and(|n| n.contains("15 characters")), "{notice}");
        let kept = "document.getElementById('articulate_token').value";
        assert_eq!(browser.eval(kept).await, crate::serve::TOKEN);
        assert_eq!(browser.eval(connected).await, "1");

        assert!(site.plugin_warnings().is_empty(), "PHP said: {:#?}", site.plugin_warnings());
    });
}
