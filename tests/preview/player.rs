//! The player as a reader meets it, in headless Chromium: one row until asked for more, WCAG
//! 2.2 AA by axe-core in light and dark at desktop and phone widths, every control from the
//! keyboard, following the text only when asked, words highlighted and clickable, usable at
//! 200 % zoom, and what it tells the page (and `serve`'s collector) about listening.

use std::future::IntoFuture;
use std::path::Path;

use serde_json::{Value, json};

use super::browser::{AUDIO, READY, current_time, in_chromium, open, seek, seeked_after};
use super::cdp::Browser;
use super::support::{Preview, screenshot_path};
use crate::util;

/// Desktop: the browser's window. Phone: an iPhone-sized screen.
const DESKTOP: (u32, u32, f64, bool) = (1200, 900, 1.0, false);
const PHONE: (u32, u32, f64, bool) = (375, 667, 2.0, true);

/// Every control of the player, in tab order.
const CONTROLS: [&str; 8] = [
    "articulate-play",
    "articulate-back",
    "articulate-seekbar",
    "articulate-forward",
    "articulate-speed",
    "articulate-chapters-toggle",
    "articulate-transcript-toggle",
    "articulate-follow",
];

async fn viewport(browser: &Browser, (width, height, scale, mobile): (u32, u32, f64, bool)) {
    browser.viewport(width, height, scale, mobile).await;
}

/// `narrate --player` of the preview article into `dir`, with the tone voice.
fn publish(dir: &Path) {
    util::articulate()
        .args(["narrate", "tests/fixtures/articles/preview.txt", "--player", "--voice"])
        .arg(util::fixture("voices/tone.toml"))
        .arg("-o")
        .arg(dir)
        .assert()
        .success();
}

/// Serve `dir` over HTTP on loopback, as any static file server would; its URL.
async fn serve_dir(dir: &Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let files = tower_http::services::ServeDir::new(dir);
    tokio::spawn(axum::serve(listener, axum::Router::new().fallback_service(files)).into_future());
    format!("http://{addr}")
}

/// Open the published player page and wait for it.
async fn open_published(browser: &Browser, url: &str) {
    browser.goto(&format!("{url}/player/index.html")).await;
    browser.wait_for(READY, "the player to load its manifest").await;
    browser.wait_for(&format!("{AUDIO}.readyState >= 1"), "the audio's metadata").await;
}

/// A number from the page.
async fn number(browser: &Browser, expression: &str) -> f64 {
    let value = browser.eval(expression).await;
    value.as_f64().unwrap_or_else(|| panic!("{expression} is {value}"))
}

/// The player's height in CSS pixels.
async fn player_height(browser: &Browser) -> f64 {
    number(browser, "document.querySelector('.articulate-player').getBoundingClientRect().height")
        .await
}

/// Whether the speed label and its selector sit on one row.
async fn speed_on_one_row(browser: &Browser) -> bool {
    let rows = browser
        .eval(
            "(() => { const l = document.querySelector('.articulate-speed-label')\
             .getBoundingClientRect(); const s = document.querySelector('.articulate-speed')\
             .getBoundingClientRect(); return Math.abs((l.top + l.bottom) / 2 - (s.top + s.bottom) \
             / 2) < Math.min(l.height, s.height) / 2; })()",
        )
        .await;
    rows == json!(true)
}

#[test]
fn the_player_is_collapsed_to_one_row_at_desktop_and_phone_widths() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        let preview = Preview::start("preview.txt", &super::article());
        let mut report = Vec::new();
        for (page, scheme) in [("published", "light"), ("preview", "light"), ("published", "dark")]
        {
            browser.media(&[("prefers-color-scheme", scheme)]).await;
            for (width_name, size, limit) in [("desktop", DESKTOP, 120.0), ("phone", PHONE, 160.0)]
            {
                viewport(browser, size).await;
                if page == "published" {
                    open_published(browser, &url).await;
                } else {
                    open(browser, &preview).await;
                }
                let height = player_height(browser).await;
                report.push(format!("{page} {scheme} {width_name}: {height} px"));
                assert!(height <= limit, "{page} at {width_name}: {height} px > {limit} px");
                assert!(speed_on_one_row(browser).await, "{page} at {width_name}: speed split");
                let hidden = "document.querySelector('.articulate-chapters').hidden && \
                              (document.querySelector('.articulate-transcript')?.hidden ?? true)";
                assert_eq!(browser.eval(hidden).await, true, "chapters and transcript closed");
                let overflow = "document.documentElement.scrollWidth <= innerWidth";
                assert_eq!(browser.eval(overflow).await, true, "{page} at {width_name} overflows");
                let label = "document.querySelector('.articulate-synthetic').textContent";
                assert!(browser.eval(label).await.as_str().unwrap().starts_with("Synthetic voice"));
                let shot = screenshot_path(&format!("player-{page}-{scheme}-{width_name}.png"));
                browser.screenshot_of(".articulate-player", 8.0, &shot).await;
                assert!(std::fs::metadata(&shot).unwrap().len() > 2_000);
            }
        }
        println!("collapsed player heights (limits 120 px desktop, 160 px phone):");
        for line in report {
            println!("  {line}");
        }
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

/// A colour as the browser computes it, `rgb(r, g, b)` → [r, g, b].
fn rgb(css: &str) -> [f64; 3] {
    let inner = css.trim().trim_start_matches("rgba(").trim_start_matches("rgb(");
    let parts: Vec<f64> =
        inner.trim_end_matches(')').split(',').map(|p| p.trim().parse().unwrap()).collect();
    [parts[0], parts[1], parts[2]]
}

/// WCAG's contrast ratio of two colours.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let luminance = |c: [f64; 3]| {
        let linear = |v: f64| {
            let v = v / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2])
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn the_unplayed_part_of_the_seek_bar_has_at_least_3_to_1_contrast_in_light_and_dark() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &super::article());
        for scheme in ["light", "dark"] {
            browser.media(&[("prefers-color-scheme", scheme)]).await;
            open(browser, &preview).await;
            // The track's colour, resolved by the browser through the custom property.
            let colours = browser
                .eval(
                    "(() => { const p = document.querySelector('.articulate-player'); \
                     const probe = document.createElement('span'); \
                     probe.style.color = 'var(--articulate-track-color)'; p.append(probe); \
                     const track = getComputedStyle(probe).color; probe.remove(); \
                     return [track, getComputedStyle(p).backgroundColor, \
                     getComputedStyle(document.querySelector('.articulate-seekbar')).backgroundImage]; })()",
                )
                .await;
            let track = colours[0].as_str().unwrap();
            let ratio = contrast(rgb(track), rgb(colours[1].as_str().unwrap()));
            println!(
                "{scheme}: the seek bar's unplayed part {track} is {ratio:.2}:1 on the player"
            );
            assert!(ratio >= 3.0, "{scheme}: {ratio:.2}:1");
            let gradient = colours[2].as_str().unwrap();
            assert!(gradient.contains(track), "the bar is drawn in that colour: {gradient}");
        }
    });
}

/// The axe-core script that scripts/install-deps.sh --test installs from the npm registry.
fn axe_script() -> String {
    let path = util::root().join("tests/preview/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; scripts/install-deps.sh --test installs axe-core (npm ci in tests/preview/axe)",
            path.display()
        )
    })
}

/// Run axe-core over the whole page for WCAG 2.0, 2.1 and 2.2 A and AA; one report line per
/// violation, after printing a summary.
async fn axe(browser: &Browser, script: &str, what: &str) -> Vec<String> {
    if browser.eval("typeof window.axe").await != "object" {
        browser.eval(script).await;
    }
    let result = browser
        .eval(
            "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', \
             'wcag21a', 'wcag21aa', 'wcag22aa'] } }).then(r => ({ version: axe.version, \
             passes: r.passes.length, incomplete: r.incomplete.map(i => i.id), \
             violations: r.violations.map(v => `${v.id} (${v.impact}): ${v.help}: ` + \
             v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary).join('; ')) }))",
        )
        .await;
    let violations: Vec<String> = result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    println!(
        "axe-core {} WCAG 2.2 AA, {what}: {} rules pass, {} violations, needs review: {}",
        result["version"].as_str().unwrap_or("?"),
        result["passes"],
        violations.len(),
        result["incomplete"]
    );
    for violation in &violations {
        println!("    {violation}");
    }
    violations
}

#[test]
fn axe_core_finds_no_wcag_2_2_aa_violations_in_light_and_dark_at_desktop_and_phone_widths() {
    let script = axe_script();
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        let preview = Preview::start("preview.txt", &super::article());
        let mut failures = Vec::new();
        for scheme in ["light", "dark"] {
            browser.media(&[("prefers-color-scheme", scheme)]).await;
            for (width_name, size) in [("desktop", DESKTOP), ("phone", PHONE)] {
                viewport(browser, size).await;
                for page in ["published", "preview"] {
                    if page == "published" {
                        open_published(browser, &url).await;
                    } else {
                        open(browser, &preview).await;
                    }
                    let what = format!("{page} page, {scheme}, {width_name}, collapsed");
                    failures.extend(axe(browser, &script, &what).await);
                    // Opened up, mid-narration, following: every part of the player shown.
                    browser
                        .eval("document.querySelector('.articulate-chapters-toggle').click()")
                        .await;
                    if page == "published" {
                        browser
                            .eval("document.querySelector('.articulate-transcript-toggle').click()")
                            .await;
                    }
                    browser.eval("document.querySelector('.articulate-follow').click()").await;
                    seek(browser, 20.0).await;
                    let what = format!("{page} page, {scheme}, {width_name}, opened at 0:20");
                    failures.extend(axe(browser, &script, &what).await);
                }
            }
        }
        assert!(failures.is_empty(), "{} violations:\n{}", failures.len(), failures.join("\n"));
    });
}

/// The class of the focused element that names a control, or its tag.
async fn focused(browser: &Browser) -> String {
    let names = serde_json::to_string(&CONTROLS).unwrap();
    let expression = format!(
        "(() => {{ const e = document.activeElement; const c = [...e.classList]; \
         return {names}.find(n => c.includes(n)) || (c.includes('articulate-chapter') ? \
         'chapter ' + e.dataset.chapter : e.tagName); }})()"
    );
    browser.eval(&expression).await.as_str().unwrap().to_owned()
}

/// Whether the focused element shows a focus outline.
async fn focus_visible(browser: &Browser) -> bool {
    let style = "(() => { const s = getComputedStyle(document.activeElement); \
                 return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()";
    browser.eval(style).await == json!(true)
}

#[test]
fn every_control_works_from_the_keyboard_alone() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    let manifest = util::manifest(&dir.path().join("preview.json"));
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        open_published(browser, &url).await;
        let attribute = |selector: &str, name: &str| {
            format!("document.querySelector('{selector}').getAttribute('{name}')")
        };

        // Tab reaches every control in order, each showing where the focus is.
        let mut order = Vec::new();
        for _ in CONTROLS {
            browser.press("Tab").await;
            order.push(focused(browser).await);
            assert!(focus_visible(browser).await, "no focus outline on {}", order.last().unwrap());
        }
        assert_eq!(order, CONTROLS, "tab order");
        // Back up to play.
        for _ in 1..CONTROLS.len() {
            browser.press_with("Tab", 8).await;
        }
        assert_eq!(focused(browser).await, "articulate-play");

        // Play and pause: Enter and Space press the button.
        browser.press("Enter").await;
        browser.wait_for(&format!("!{AUDIO}.paused"), "Enter on play to start playback").await;
        browser.press(" ").await;
        browser.wait_for(&format!("{AUDIO}.paused"), "Space on pause to pause").await;
        // The button follows the media element's pause event, a moment later.
        let label = attribute(".articulate-play", "aria-label");
        browser.wait_for(&format!("{label} === 'Play'"), "the button to say Play").await;

        // The seek bar: arrows by 5 s, Shift+arrows by sentence, Home and End.
        browser.press("Tab").await;
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-seekbar");
        seeked_after(browser, async || browser.press("Home").await).await;
        for _ in 0..4 {
            seeked_after(browser, async || browser.press("ArrowRight").await).await;
        }
        assert!((current_time(browser).await - 20.0).abs() < 0.01);
        let next = manifest
            .segments
            .iter()
            .filter_map(|s| s.start_ms)
            .map(|ms| ms as f64 / 1000.0)
            .find(|&s| s > 20.05)
            .unwrap();
        seeked_after(browser, async || browser.press_with("ArrowRight", 8).await).await;
        let time = current_time(browser).await;
        assert!((time - next).abs() < 0.01, "Shift+Right: at {time} s, next sentence at {next} s");
        seeked_after(browser, async || browser.press_with("ArrowLeft", 8).await).await;
        assert!(current_time(browser).await < next - 0.01, "Shift+Left: back a sentence");
        seeked_after(browser, async || browser.press("End").await).await;
        assert!(current_time(browser).await > 43.0);
        seeked_after(browser, async || browser.press("Home").await).await;
        seeked_after(browser, async || browser.press("ArrowRight").await).await;

        // Back and forward 15 s with Enter.
        browser.press_with("Tab", 8).await;
        assert_eq!(focused(browser).await, "articulate-back");
        seeked_after(browser, async || browser.press("Enter").await).await;
        assert!(current_time(browser).await < 0.01, "back from 5 s stops at 0");
        browser.press("Tab").await;
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-forward");
        seeked_after(browser, async || browser.press("Enter").await).await;
        assert!((current_time(browser).await - 15.0).abs() < 0.01);

        // Speed: arrows choose on the focused selector.
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-speed");
        browser.press("ArrowDown").await;
        browser.wait_for(&format!("{AUDIO}.playbackRate === 1.25"), "the speed to change").await;

        // Chapters: Enter opens the list, arrows move, Enter plays one, Escape closes.
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-chapters-toggle");
        browser.press("Enter").await;
        let expanded = attribute(".articulate-chapters-toggle", "aria-expanded");
        assert_eq!(browser.eval(&expanded).await, "true");
        for _ in 0..3 {
            browser.press("Tab").await;
        }
        assert_eq!(focused(browser).await, "chapter 0");
        browser.press("ArrowDown").await;
        browser.press("ArrowDown").await;
        assert_eq!(focused(browser).await, "chapter 2");
        seeked_after(browser, async || browser.press("Enter").await).await;
        let start = manifest.chapters[2].start_ms.unwrap() as f64 / 1000.0;
        browser.wait_for(&format!("!{AUDIO}.paused"), "the chapter to play").await;
        assert!((current_time(browser).await - start).abs() < 0.5);
        browser.press("Escape").await;
        assert_eq!(focused(browser).await, "articulate-chapters-toggle");
        assert_eq!(browser.eval(&expanded).await, "false");
        assert_eq!(
            browser.eval("document.querySelector('.articulate-chapters').hidden").await,
            true
        );

        // Transcript and follow along: Enter opens one and turns the other on.
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-transcript-toggle");
        browser.press("Enter").await;
        let open = attribute(".articulate-transcript-toggle", "aria-expanded");
        assert_eq!(browser.eval(&open).await, "true");
        assert_eq!(
            browser.eval("document.querySelector('.articulate-transcript').hidden").await,
            false
        );
        browser.press("Tab").await;
        assert_eq!(focused(browser).await, "articulate-follow");
        browser.press(" ").await;
        assert_eq!(browser.eval(&attribute(".articulate-follow", "aria-pressed")).await, "true");
        browser.press("Enter").await;
        assert_eq!(browser.eval(&attribute(".articulate-follow", "aria-pressed")).await, "false");

        // Space anywhere else in the player pauses.
        browser.focus(".articulate-seekbar").await;
        browser.press(" ").await;
        browser.wait_for(&format!("{AUDIO}.paused"), "space to pause").await;
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

/// Where the page is scrolled to.
async fn scroll_y(browser: &Browser) -> f64 {
    number(browser, "scrollY").await
}

/// Whether the element `selector` matches is entirely inside the viewport.
async fn on_screen(browser: &Browser, selector: &str) -> bool {
    let expression = format!(
        "(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); \
         return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }})()"
    );
    browser.eval(&expression).await == json!(true)
}

#[test]
fn the_page_scrolls_to_the_text_only_when_the_reader_asks_and_stops_when_they_scroll_away() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &super::article());
        let manifest = util::manifest(&preview.out().join("preview.json"));
        let late = manifest.chapters[3].start_ms.unwrap() as f64 / 1000.0;
        browser.viewport(800, 420, 1.0, false).await;
        open(browser, &preview).await;
        browser.eval("window.scrollTo(0, 0)").await;

        // Playing far down the article without following: the page stays where it is.
        seek(browser, late).await;
        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{AUDIO}.currentTime > {late} + 1.5"), "playback").await;
        assert_eq!(scroll_y(browser).await, 0.0, "nothing scrolled without being asked");
        assert!(!on_screen(browser, ".articulate-current").await);

        // Asked to follow: the text being read comes into view, and the controls stay on screen.
        browser.click(".articulate-follow").await;
        browser.wait_for("scrollY > 0", "the page to scroll to the text").await;
        browser
            .wait_for(
                "(() => { const r = document.querySelector('.articulate-current')\
                 .getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()",
                "the text being read to be in view",
            )
            .await;
        browser
            .wait_for("document.querySelector('.articulate-docked')", "the player to dock")
            .await;
        assert!(on_screen(browser, ".articulate-play").await, "the controls stay on screen");
        assert!(on_screen(browser, ".articulate-follow").await);

        // The reader scrolls back up: following stops, and nothing pulls them back.
        tokio::time::sleep(std::time::Duration::from_millis(900)).await;
        browser.wheel(400.0, 200.0, -2000.0).await;
        browser
            .wait_for(
                "document.querySelector('.articulate-follow').getAttribute('aria-pressed') === 'false'",
                "following to stop when the reader scrolls away",
            )
            .await;
        let left = scroll_y(browser).await;
        let segment = browser
            .eval("document.querySelector('.articulate-current').dataset.articulateSegment")
            .await;
        browser
            .wait_for(
                &format!(
                    "document.querySelector('.articulate-current').dataset.articulateSegment !== {segment}"
                ),
                "the reading to move on",
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(scroll_y(browser).await, left, "the page stays where the reader left it");
        let docked = "document.querySelector('.articulate-docked') === null";
        assert_eq!(browser.eval(docked).await, true, "undocked once not following");
        browser.eval(&format!("{AUDIO}.pause()")).await;
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn with_reduced_motion_the_page_jumps_instead_of_gliding_and_nothing_animates() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &super::article());
        let manifest = util::manifest(&preview.out().join("preview.json"));
        let late = manifest.chapters[3].start_ms.unwrap() as f64 / 1000.0;
        browser.viewport(800, 420, 1.0, false).await;
        // Follow: how far the page has moved right after the click, and the transition.
        let follow = "(() => { document.querySelector('.articulate-follow').click(); \
                      return [scrollY, getComputedStyle(document.querySelector('.articulate-segment'))\
                      .transitionDuration]; })()";
        for reduce in [false, true] {
            let value = if reduce { "reduce" } else { "no-preference" };
            browser.media(&[("prefers-reduced-motion", value)]).await;
            open(browser, &preview).await;
            browser.eval("window.scrollTo(0, 0)").await;
            seek(browser, late).await;
            let [moved, transition] =
                <[Value; 2]>::try_from(browser.eval(follow).await.as_array().unwrap().clone())
                    .unwrap();
            if reduce {
                assert!(moved.as_f64().unwrap() > 0.0, "an instant jump");
                assert_eq!(transition, "0s");
            } else {
                assert_eq!(moved.as_f64().unwrap(), 0.0, "a smooth scroll has only begun");
                assert_ne!(transition, "0s");
                browser.wait_for("scrollY > 0", "the smooth scroll").await;
            }
        }
    });
}

#[test]
fn at_200_percent_zoom_every_control_fits_and_works() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        // A 1200 × 900 window at 200 %: 600 × 450 CSS pixels, two device pixels each.
        browser.viewport(600, 450, 2.0, false).await;
        open_published(browser, &url).await;
        browser.click(".articulate-chapters-toggle").await;
        let names = serde_json::to_string(&CONTROLS).unwrap();
        let layout = browser
            .eval(&format!(
                "(() => {{ const boxes = {names}.map(n => document.querySelector('.' + n)\
                 .getBoundingClientRect()); \
                 const inside = boxes.every(b => b.left >= 0 && b.right <= innerWidth && b.width > 0); \
                 let overlaps = 0; for (let i = 0; i < boxes.length; i++) for (let j = i + 1; \
                 j < boxes.length; j++) {{ const a = boxes[i], b = boxes[j]; if (a.left < b.right \
                 && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++; }} \
                 return {{ inside, overlaps, scroll: document.documentElement.scrollWidth <= innerWidth, \
                 height: document.querySelector('.articulate-player').getBoundingClientRect().height }}; }})()"
            ))
            .await;
        println!("at 200 % zoom: {layout}");
        assert_eq!(layout["inside"], true, "every control inside the viewport");
        assert_eq!(layout["overlaps"], 0, "no control over another");
        assert_eq!(layout["scroll"], true, "no horizontal scrolling");
        browser
            .screenshot_of(".articulate-player", 8.0, &screenshot_path("player-zoom-200.png"))
            .await;
        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{AUDIO}.currentTime > 0.5"), "playback at 200 %").await;
        seeked_after(browser, async || {
            browser.click(".articulate-chapter[data-chapter='1']").await
        })
        .await;
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn opened_from_disk_the_player_says_it_needs_http_and_how() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    in_chromium(async |browser| {
        let page = url::Url::from_file_path(dir.path().join("player/index.html")).unwrap();
        browser.goto(page.as_str()).await;
        browser.wait_for("document.querySelector('.articulate-failed')", "the message").await;
        let text = browser.eval("document.querySelector('.articulate-failed').textContent").await;
        let text = text.as_str().unwrap();
        for needed in ["served over HTTP", "python3 -m http.server", "articulate preview"] {
            assert!(text.contains(needed), "{needed:?} missing from {text:?}");
        }
        let role = "document.querySelector('.articulate-failed').getAttribute('role')";
        assert_eq!(browser.eval(role).await, "status");
    });
}

/// Give every timed segment of the manifest at `path` word timings, as a word-timing backend
/// would: each run of non-space characters a word, the segment's time shared by length.
fn add_words(path: &Path) -> Value {
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for segment in manifest["segments"].as_array_mut().unwrap() {
        let (Some(start), Some(end)) = (segment["start_ms"].as_u64(), segment["end_ms"].as_u64())
        else {
            continue;
        };
        let text: Vec<char> = segment["text"].as_str().unwrap().chars().collect();
        let mut spans = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if text[i].is_whitespace() {
                i += 1;
                continue;
            }
            let first = i;
            while i < text.len() && !text[i].is_whitespace() {
                i += 1;
            }
            spans.push((first, i));
        }
        let letters: u64 = spans.iter().map(|(a, b)| (b - a) as u64).sum();
        let mut done = 0;
        let words: Vec<Value> = spans
            .iter()
            .map(|&(a, b)| {
                let from = start + (end - start) * done / letters;
                done += (b - a) as u64;
                let to = start + (end - start) * done / letters;
                let word: String = text[a..b].iter().collect();
                json!({ "text": word, "start_ms": from, "end_ms": to, "char_start": a, "char_end": b })
            })
            .collect();
        segment["words"] = json!(words);
    }
    std::fs::write(path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    manifest
}

#[test]
fn the_word_being_read_is_highlighted_clickable_and_keeps_up_with_the_speed() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    let manifest = add_words(&dir.path().join("preview.json"));
    let segments = manifest["segments"].as_array().unwrap().clone();
    // Every word as (segment index, word index, start ms, text).
    let words: Vec<(usize, usize, u64, String)> = segments
        .iter()
        .enumerate()
        .flat_map(|(s, segment)| {
            segment["words"].as_array().unwrap().iter().enumerate().map(move |(w, word)| {
                (
                    s,
                    w,
                    word["start_ms"].as_u64().unwrap(),
                    word["text"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect();
    let headline = segments[0]["words"].as_array().unwrap().len();
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        open_published(browser, &url).await;
        browser.click(".articulate-transcript-toggle").await;
        let count = "document.querySelectorAll('.articulate-transcript .articulate-word').length";
        assert_eq!(browser.eval(count).await, json!(words.len() - headline), "every word marked");
        let layout = "[document.documentElement.scrollHeight, document.querySelector(\
                      '.articulate-transcript').getBoundingClientRect().height, scrollY]";
        let before = browser.eval(layout).await;

        // Paused on a word: that word is highlighted.
        let (s, w, start, text) = words[words.len() / 2].clone();
        seek(browser, start as f64 / 1000.0 + 0.01).await;
        let current = "(() => { const e = document.querySelector('.articulate-word-current'); \
                       return e ? [e.dataset.articulateWord, e.textContent] : null; })()";
        assert_eq!(browser.eval(current).await, json!([format!("{s}:{w}"), text]));

        // Clicking a word plays from it.
        let (s, w, start, _) = words[words.len() / 3].clone();
        browser.click(&format!("[data-articulate-word='{s}:{w}']")).await;
        browser.wait_for(&format!("!{AUDIO}.paused"), "playback from the word").await;
        browser.eval(&format!("{AUDIO}.pause()")).await;
        let time = current_time(browser).await;
        let from = start as f64 / 1000.0;
        assert!(time >= from - 0.01 && time < from + 1.0, "at {time} s, the word at {from} s");

        // At twice the speed the highlight keeps to the word being said.
        browser.eval("window.scrollTo(0, 0)").await;
        browser.eval(&format!("{AUDIO}.playbackRate = 2; {AUDIO}.play()")).await;
        let mut checked = 0;
        for _ in 0..12 {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            let sample = browser
                .eval(&format!(
                    "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => \
                     done([{AUDIO}.currentTime * 1000, document.querySelector(\
                     '.articulate-word-current')?.dataset.articulateWord ?? null]))))"
                ))
                .await;
            let ms = sample[0].as_f64().unwrap();
            let Some(shown) = sample[1].as_str() else { continue };
            let at = words.iter().rposition(|word| word.2 as f64 <= ms + 1.0).unwrap();
            let expected = format!("{}:{}", words[at].0, words[at].1);
            // A frame behind is at most one word behind, and only right at a word's start.
            let previous = at.checked_sub(1).map(|p| format!("{}:{}", words[p].0, words[p].1));
            let just_started = ms - words[at].2 as f64 <= 120.0;
            assert!(
                shown == expected || (just_started && previous.as_deref() == Some(shown)),
                "at {ms} ms showing {shown}, saying {expected}"
            );
            checked += 1;
        }
        assert!(checked >= 8, "{checked} samples");
        browser.eval(&format!("{AUDIO}.pause()")).await;
        assert_eq!(browser.eval(layout).await, before, "highlighting moved nothing on the page");
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn sentences_are_a_keyboard_step_when_words_are_timed() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    let manifest = add_words(&dir.path().join("preview.json"));
    // Sentence starts: the first word of each segment and every word after a full stop.
    let mut starts = Vec::new();
    for segment in manifest["segments"].as_array().unwrap() {
        let mut next = true;
        for word in segment["words"].as_array().unwrap() {
            if next {
                starts.push(word["start_ms"].as_u64().unwrap() as f64 / 1000.0);
            }
            // As the player reads a sentence's end: . ! ? or …, maybe inside closing quotes.
            let text =
                word["text"].as_str().unwrap().trim_end_matches(['"', '\'', '”', '’', ')', ']']);
            next = text.ends_with(['.', '!', '?', '…']);
        }
    }
    starts.dedup();
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        open_published(browser, &url).await;
        browser.focus(".articulate-seekbar").await;
        for expected in starts.iter().skip(1).take(6) {
            seeked_after(browser, async || browser.press_with("ArrowRight", 8).await).await;
            let time = current_time(browser).await;
            assert!(
                (time - expected).abs() < 0.01,
                "at {time} s, the next sentence is {expected} s"
            );
        }
        let here = current_time(browser).await;
        seeked_after(browser, async || browser.press_with("ArrowLeft", 8).await).await;
        let back = current_time(browser).await;
        let previous = starts.iter().rev().find(|&&s| s < here - 0.01).unwrap();
        assert!((back - previous).abs() < 0.01, "back from {here} s to {back} s, not {previous} s");
    });
}

#[test]
fn the_player_tells_the_page_about_plays_seeks_pauses_speed_progress_and_the_end() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path());
    in_chromium(async |browser| {
        let url = serve_dir(dir.path()).await;
        open_published(browser, &url).await;
        browser
            .eval(
                "window.heard = []; for (const name of ['play', 'pause', 'seek', 'progress', \
                 'complete', 'rate']) document.addEventListener('articulate:' + name, \
                 e => heard.push(e.detail))",
            )
            .await;
        // Seek 5 s in (11 %: the first tenth is skipped, not heard), play, pause, play on.
        browser.focus(".articulate-seekbar").await;
        seeked_after(browser, async || browser.press("ArrowRight").await).await;
        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{AUDIO}.currentTime > 5.5"), "playback").await;
        browser.click(".articulate-play").await;
        // The media element's events come a moment after the clicks that cause them.
        let told = |n: usize| format!("heard.length === {n}");
        browser.wait_for(&told(3), "the pause event").await;
        browser.click(".articulate-play").await;
        browser.wait_for(&told(4), "the second play event").await;
        // Speed from the selector, then 16 × to reach the end quickly.
        browser
            .eval(
                "(() => { const s = document.querySelector('.articulate-speed'); s.value = '2'; \
                 s.dispatchEvent(new Event('change', { bubbles: true })); })()",
            )
            .await;
        browser.eval(&format!("{AUDIO}.playbackRate = 16")).await;
        browser.wait_for(&format!("{AUDIO}.ended"), "the end").await;
        browser.wait_for("heard.some(e => e.event === 'complete')", "the complete event").await;
        let heard = browser.eval("heard").await;
        let heard = heard.as_array().unwrap();
        let names: Vec<String> = heard
            .iter()
            .map(|e| match e["event"].as_str().unwrap() {
                "progress" => format!("progress {}", e["percent"]),
                "play" => format!("play first={}", e["first"]),
                "rate" => format!("rate {}", e["rate"]),
                other => other.to_owned(),
            })
            .collect();
        println!("events: {names:?}");
        let mut expected: Vec<String> =
            ["seek", "play first=true", "pause", "play first=false"].map(str::to_owned).to_vec();
        expected.extend(["rate 2", "rate 16"].map(str::to_owned));
        expected.extend((20..=90).step_by(10).map(|p| format!("progress {p}")));
        expected.push("complete".into());
        assert_eq!(names, expected);
        for event in heard {
            assert_eq!(event["article"], format!("{url}/preview.json"), "{event}");
            assert!(event["duration_ms"].as_u64().unwrap() > 40_000, "{event}");
        }
        assert_eq!(heard[0]["from_ms"], 0);
        assert_eq!(heard[0]["position_ms"], 5000);
    });
}

#[test]
fn serves_collector_counts_plays_completion_and_drop_off_from_its_published_player() {
    use crate::serve::{Site, article};
    let site = Site::new("");
    let server = site.start(&[]);
    let posted = server.post(&article("ferry", &super::article()));
    assert_eq!(posted.status, 202);
    let job = server.wait_for("ferry");
    assert_eq!(job["state"], "done", "{job}");
    let page = job["player_url"].as_str().unwrap().to_owned();
    in_chromium(async |browser| {
        // Two listens: one to the end at 16 ×, one stopped early.
        for whole in [true, false] {
            browser.goto(&page).await;
            browser.wait_for(READY, "the published player").await;
            browser.wait_for(&format!("{AUDIO}.readyState >= 1"), "the audio").await;
            if whole {
                browser.click(".articulate-play").await;
                browser.eval(&format!("{AUDIO}.playbackRate = 16")).await;
                browser.wait_for(&format!("{AUDIO}.ended"), "the end").await;
            } else {
                // The listener stops after a quarter (at 4 ×, timeupdate is never a tenth late).
                browser
                    .eval(&format!(
                        "{AUDIO}.addEventListener('timeupdate', e => {{ const a = e.target; \
                         if (a.currentTime > a.duration * 0.25) a.pause(); }})"
                    ))
                    .await;
                browser.click(".articulate-play").await;
                browser.eval(&format!("{AUDIO}.playbackRate = 4")).await;
                browser
                    .wait_for(&format!("{AUDIO}.paused && {AUDIO}.currentTime > 1"), "the stop")
                    .await;
            }
        }
    });
    // Events are sent as the page goes; the last may still be on its way.
    let mut stats = Value::Null;
    for _ in 0..100 {
        stats = server.call("GET", "/v1/articles/ferry/stats", None).json();
        if stats["plays"] == 2 && stats["events"]["pause"].as_u64() >= Some(1) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    println!("stats: {stats}");
    assert_eq!(stats["plays"], 2, "{stats}");
    assert_eq!(stats["completes"], 1, "{stats}");
    assert_eq!(stats["reached"][1], json!({ "percent": 20, "listens": 2 }), "{stats}");
    assert_eq!(stats["reached"][4]["listens"], 1, "{stats}");
    let completion = stats["average_completion"].as_f64().unwrap();
    assert!((0.55..=0.7).contains(&completion), "{completion}");
    let drops: u64 =
        stats["drop_off"].as_array().unwrap().iter().map(|d| d["listens"].as_u64().unwrap()).sum();
    assert_eq!(drops, 1, "one listen dropped off: {stats}");
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    assert!(metrics.contains("articulate_listens_total{article=\"ferry\"} 2"), "{metrics}");
    // The totals need a token; the events need none, and set no cookie.
    assert_eq!(server.get("/v1/stats").status, 401);
    let answer = server.raw(
        "POST /v1/events HTTP/1.1\r\nContent-Type: text/plain\r\nCookie: id=someone",
        br#"{"article":"ferry","event":"pause","position_ms":1}"#,
    );
    assert_eq!(answer.status, 204);
    assert!(answer.header("set-cookie").is_none());
    let all = server.call("GET", "/v1/stats", None).json();
    assert_eq!(all["articles"][0]["id"], "ferry", "{all}");
}
