//! Headless Chromium driven over the DevTools protocol: just enough of it to load a page,
//! click, press keys, evaluate script, collect console errors and take a screenshot.
//!
//! The protocol is JSON over a WebSocket; a small client here keeps the tests independent of
//! a driver crate's idea of which Chromium it talks to.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;
type Sink = futures::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// The Debian package's browser, which `scripts/install-deps.sh --test` installs.
const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium with one page open.
pub(crate) struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    sink: tokio::sync::Mutex<Sink>,
    pending: Pending,
    events: Arc<Mutex<Vec<Value>>>,
    next_id: AtomicU64,
    session: String,
}

impl Browser {
    /// Start Chromium with a fresh profile, and open a blank page.
    pub(crate) async fn launch() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox", // the tests run as root in CI, where the sandbox cannot start
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                // This machine has no network: keep Chromium from trying to phone home.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-features=MediaRouter,OptimizationHints,Translate",
                // Let the tests start playback without a user gesture, and stay silent.
                "--autoplay-policy=no-user-gesture-required",
                "--mute-audio",
                "--window-size=1200,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{CHROMIUM} does not start ({e}); scripts/install-deps.sh --test installs it"
                )
            });
        // Chromium prints its DevTools address on stderr; keep draining it after that, or a
        // full pipe would stall the browser.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium printed its DevTools address");
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
        let (sink, mut stream) = socket.split();
        let pending: Pending = Arc::default();
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        {
            let pending = Arc::clone(&pending);
            let events = Arc::clone(&events);
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    let Message::Text(text) = message else { continue };
                    let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                    match value.get("id").and_then(Value::as_u64) {
                        Some(id) => {
                            if let Some(reply) = pending.lock().unwrap().remove(&id) {
                                let _ = reply.send(value);
                            }
                        }
                        None => events.lock().unwrap().push(value),
                    }
                }
            });
        }
        let mut browser = Browser {
            child,
            _profile: profile,
            sink: tokio::sync::Mutex::new(sink),
            pending,
            events,
            next_id: AtomicU64::new(1),
            session: String::new(),
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" })).await;
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached = browser
            .call("Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }))
            .await;
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({})).await;
        }
        browser
    }

    /// Send a command (to the page once one is attached) and wait for its result.
    pub(crate) async fn call(&self, method: &str, params: Value) -> Value {
        let reply = self.send(method, params).await;
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    /// Send a command and return the whole reply, error or result.
    async fn send(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        self.sink.lock().await.send(Message::text(message.to_string())).await.unwrap();
        tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .unwrap_or_else(|_| panic!("Chromium did not answer {method}"))
            .unwrap()
    }

    /// Load `url` and wait until the document and its scripts have loaded.
    pub(crate) async fn goto(&self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
        self.wait_for("document.readyState === 'complete'", "the page to load").await;
    }

    /// The value of a JavaScript expression, awaited if it is a promise.
    pub(crate) async fn eval(&self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({
                    "expression": expression,
                    "awaitPromise": true,
                    "returnByValue": true,
                    "userGesture": true,
                }),
            )
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{expression} threw: {result}");
        result["result"]["value"].clone()
    }

    /// Wait until `condition` (a JavaScript expression) is true. A limit on attempts keeps a
    /// broken page from hanging the suite; a passing test never comes near it.
    pub(crate) async fn wait_for(&self, condition: &str, what: &str) {
        let params = json!({ "expression": format!("!!({condition})"), "returnByValue": true });
        for _ in 0..600 {
            // While a page reloads its context is gone and evaluating fails: not yet, then.
            let reply = self.send("Runtime.evaluate", params.clone()).await;
            if reply["result"]["result"]["value"] == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("gave up waiting for {what}: {condition}");
    }

    /// Click the middle of the element `selector` matches, with a real mouse event.
    pub(crate) async fn click(&self, selector: &str) {
        let selector_json = serde_json::to_string(selector).unwrap();
        let point = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({selector_json});
                    if (!e) return null;
                    e.scrollIntoView({{ block: 'center' }});
                    const r = e.getBoundingClientRect();
                    return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
            ))
            .await;
        let point = point.as_array().unwrap_or_else(|| panic!("nothing matches {selector}"));
        let (x, y) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    /// Turn the mouse wheel over the point (`x`, `y`) by `delta_y` pixels (negative: up), as
    /// a reader scrolling the page does.
    pub(crate) async fn wheel(&self, x: f64, y: f64, delta_y: f64) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": delta_y }),
        )
        .await;
    }

    /// Focus the element `selector` matches.
    pub(crate) async fn focus(&self, selector: &str) {
        let selector_json = serde_json::to_string(selector).unwrap();
        self.eval(&format!("document.querySelector({selector_json}).focus()")).await;
    }

    /// Press and release a key: `" "` (space), `"ArrowRight"`, `"Enter"`, `"Tab"`, ...
    pub(crate) async fn press(&self, key: &str) {
        self.press_with(key, 0).await;
    }

    /// The same with modifiers held: 1 Alt, 2 Control, 4 Meta, 8 Shift (added together).
    pub(crate) async fn press_with(&self, key: &str, modifiers: u32) {
        let (code, key_code, text) = match key {
            " " => ("Space", 32, Some(" ")),
            "Enter" => ("Enter", 13, Some("\r")),
            "Escape" => ("Escape", 27, None),
            "Home" => ("Home", 36, None),
            "End" => ("End", 35, None),
            "ArrowLeft" => ("ArrowLeft", 37, None),
            "ArrowUp" => ("ArrowUp", 38, None),
            "ArrowRight" => ("ArrowRight", 39, None),
            "ArrowDown" => ("ArrowDown", 40, None),
            "PageDown" => ("PageDown", 34, None),
            "Tab" => ("Tab", 9, None),
            other => panic!("no key code for {other}"),
        };
        let mut down = json!({
            "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code,
            "modifiers": modifiers,
        });
        if let Some(text) = text {
            // With text, a key press types (and presses a focused button), as a keyboard does.
            down["text"] = json!(text);
        } else {
            down["type"] = json!("rawKeyDown");
        }
        self.call("Input.dispatchKeyEvent", down).await;
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": key_code,
                    "modifiers": modifiers }),
        )
        .await;
    }

    /// Emulate a screen `width` × `height` CSS pixels at `scale` device pixels per CSS pixel;
    /// `mobile` for a phone (its viewport meta tag honoured). 200 % zoom in a 1200 px window
    /// is 600 CSS pixels at scale 2.
    pub(crate) async fn viewport(&self, width: u32, height: u32, scale: f64, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile }),
        )
        .await;
    }

    /// Emulate media features, e.g. `[("prefers-color-scheme", "dark")]`; empty to stop.
    pub(crate) async fn media(&self, features: &[(&str, &str)]) {
        let features: Vec<Value> =
            features.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect();
        self.call("Emulation.setEmulatedMedia", json!({ "features": features })).await;
    }

    /// Save a PNG of the element `selector` matches, with `margin` CSS pixels around it.
    pub(crate) async fn screenshot_of(&self, selector: &str, margin: f64, path: &Path) {
        let selector_json = serde_json::to_string(selector).unwrap();
        let rect = self
            .eval(&format!(
                "(() => {{ const r = document.querySelector({selector_json}).getBoundingClientRect();
                    return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()"
            ))
            .await;
        let r: Vec<f64> = rect.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let (x, y) = ((r[0] - margin).max(0.0), (r[1] - margin).max(0.0));
        let clip = json!({ "x": x, "y": y, "width": r[2] + 2.0 * margin,
                           "height": r[3] + 2.0 * margin, "scale": 1 });
        self.capture(clip, path).await;
    }

    /// Save a PNG of the whole page.
    pub(crate) async fn screenshot(&self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let clip = json!({
            "x": 0, "y": 0, "scale": 1,
            "width": size["width"].as_f64().unwrap(),
            "height": size["height"].as_f64().unwrap(),
        });
        self.capture(clip, path).await;
    }

    async fn capture(&self, clip: Value, path: &Path) {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true, "clip": clip }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Every console error, uncaught exception and failed load the page has reported.
    pub(crate) fn errors(&self) -> Vec<String> {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .filter_map(|event| {
                let params = &event["params"];
                match event["method"].as_str()? {
                    "Runtime.exceptionThrown" => Some(params["exceptionDetails"].to_string()),
                    "Runtime.consoleAPICalled"
                        if matches!(params["type"].as_str(), Some("error" | "assert")) =>
                    {
                        Some(params["args"].to_string())
                    }
                    "Log.entryAdded" if params["entry"]["level"] == "error" => {
                        Some(params["entry"].to_string())
                    }
                    _ => None,
                }
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
