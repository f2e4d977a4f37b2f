//! A small W3C WebDriver client over reqwest, enough to drive Chromium through chromedriver
//! the way a person would: open pages, read them, and use the keyboard (Tab, type, Space,
//! Enter). Each browser gets its own chromedriver process, stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The Unicode code points WebDriver uses for special keys.
pub const TAB: char = '\u{E004}';
pub const ENTER: char = '\u{E007}';
pub const CONTROL: char = '\u{E009}';

/// Where Debian puts them; `HEARD_TEST_CHROMIUM` / `HEARD_TEST_CHROMEDRIVER` override.
pub fn installed() -> Option<(String, String)> {
    let find = |variable: &str, program: &str| {
        std::env::var(variable)
            .ok()
            .or_else(|| crate::helpers::on_path(program).map(|p| p.to_string_lossy().into_owned()))
    };
    let browser = find("HEARD_TEST_CHROMIUM", "chromium")?;
    let driver = find("HEARD_TEST_CHROMEDRIVER", "chromedriver")?;
    (std::path::Path::new(&browser).exists() && std::path::Path::new(&driver).exists())
        .then_some((browser, driver))
}

/// Whether the page is a new document (without the stamp), loaded, and where it is.
const NEW_PAGE: &str = "return {new: window.__heardPage !== arguments[0] \
    && document.readyState !== 'loading', url: location.href};";

/// A document the browser showed, stamped (`Browser::this_page`) to tell it from the next.
pub struct Shown {
    stamp: String,
    url: String,
}

pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a `width` x `height` viewport.
    pub async fn start(width: u32, height: u32) -> Self {
        let (binary, driver) = installed().expect("Chromium and chromedriver are installed");
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{root}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-extensions"],
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}},
            },
        }}});
        let res: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_owned();
        Self {
            http,
            base: format!("{root}/session/{id}"),
            driver: child,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method, path, body).await {
            Ok(value) => value,
            Err(error) => panic!("WebDriver {path}: {error}"),
        }
    }

    /// A WebDriver command whose refusal is an answer, not a failure (say, an element
    /// looked for while the next page is still loading).
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res: Value = req
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("WebDriver JSON");
        if let Some(error) = res["value"]["error"].as_str() {
            return Err(format!("{error}: {}", res["value"]["message"]));
        }
        Ok(res["value"].clone())
    }

    /// The page's text, or nothing while there is no page to read.
    async fn try_text(&self) -> Option<String> {
        let found = self
            .try_call(
                reqwest::Method::POST,
                "/element",
                Some(serde_json::json!({"using": "css selector", "value": "body"})),
            )
            .await
            .ok()?;
        let body = found.as_object()?.values().next()?.as_str()?.to_owned();
        let text = self
            .try_call(reqwest::Method::GET, &format!("/element/{body}/text"), None)
            .await
            .ok()?;
        text.as_str().map(str::to_owned)
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        let body = self.find("body").await;
        self.call(reqwest::Method::GET, &format!("/element/{body}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of the first element matching `css`, if there is one.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        let script = "const e = document.querySelector(arguments[0]); return e && e.innerText;";
        self.execute(script, json!([css]))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        let script = "return document.querySelectorAll(arguments[0]).length;";
        let n = self.execute(script, json!([css])).await;
        n.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_default()
    }

    /// The element matching a CSS selector (panics when there is none).
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    async fn active(&self) -> String {
        let found = self
            .call(reqwest::Method::GET, "/element/active", None)
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// Presses keys, one after another, as a keyboard would.
    pub async fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Holds `modifier` (like Control) while pressing `key`.
    pub async fn chord(&self, modifier: char, key: char) {
        let actions = json!([
            {"type": "keyDown", "value": modifier.to_string()},
            {"type": "keyDown", "value": key.to_string()},
            {"type": "keyUp", "value": key.to_string()},
            {"type": "keyUp", "value": modifier.to_string()},
        ]);
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Presses Tab until the element matching `css` has the focus (as a keyboard user would
    /// reach it); panics if it cannot be reached.
    pub async fn tab_to(&self, css: &str) {
        let target = self.find(css).await;
        for _ in 0..80 {
            if self.active().await == target {
                return;
            }
            self.keys(&TAB.to_string()).await;
        }
        panic!("{css} cannot be reached with the Tab key");
    }

    /// Tabs to a field and types into it.
    pub async fn fill(&self, css: &str, text: &str) {
        self.tab_to(css).await;
        self.keys(text).await;
    }

    /// Stamps the document now shown, so that a wait can tell it from the one that follows.
    pub async fn this_page(&self) -> Shown {
        static STAMPS: AtomicU64 = AtomicU64::new(0);
        let stamp = format!("heard-page-{}", STAMPS.fetch_add(1, Ordering::Relaxed));
        let url = self
            .execute(
                "window.__heardPage = arguments[0]; return location.href;",
                json!([stamp]),
            )
            .await;
        Shown {
            stamp,
            url: url.as_str().unwrap_or_default().to_owned(),
        }
    }

    /// Waits until the browser has left the document `left` for a new one, loaded, whose
    /// URL contains `part`. The same URL counts when it is a new document (a form that
    /// answers where it was); the old document, still shown, never does.
    pub async fn wait_for_next_page(&self, left: &Shown, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut seen = left.url.clone();
        loop {
            let now = self
                .try_call(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(json!({"script": NEW_PAGE, "args": [left.stamp]})),
                )
                .await;
            if let Ok(now) = now {
                let url = now["url"].as_str().unwrap_or_default();
                if now["new"] == json!(true) && url.contains(part) {
                    return;
                }
                seen = format!(
                    "{url} ({})",
                    if now["new"] == json!(true) {
                        "a new page"
                    } else {
                        "still the page the form was on"
                    }
                );
            }
            assert!(
                Instant::now() < deadline,
                "never left {} for a new page at a URL with {part}: at {seen}",
                left.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Presses Enter where the focus is (sending a form, following a link) and waits for
    /// the new page whose URL contains `part`.
    pub async fn enter_then(&self, part: &str) {
        let page = self.this_page().await;
        self.keys(&ENTER.to_string()).await;
        self.wait_for_next_page(&page, part).await;
    }

    /// Tabs to the button or link matching `css`, presses Enter, and waits for the new page
    /// whose URL contains `part`.
    pub async fn press(&self, css: &str, part: &str) {
        self.tab_to(css).await;
        self.enter_then(part).await;
    }

    /// Waits until the page shows `part` (for a form that answers on the same URL).
    pub async fn wait_for_text(&self, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.try_text().await.is_some_and(|t| t.contains(part)) {
                return;
            }
            assert!(Instant::now() < deadline, "the page never showed {part:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` as the body of a function of `args` in the page and returns its value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Runs `script`, whose last argument is a callback, and returns what it passes back.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Gives scripts (`execute_async`) up to `limit` to answer.
    pub async fn script_timeout(&self, limit: Duration) {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.call(
            reqwest::Method::POST,
            "/timeouts",
            Some(json!({"script": ms})),
        )
        .await;
    }

    /// Changes the viewport to `width` x `height` CSS pixels (a phone below 600 px wide).
    pub async fn resize(&self, width: u32, height: u32) {
        let params = json!({"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": width < 600});
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": params})),
        )
        .await;
    }

    /// Makes the pages answer `prefers-color-scheme: dark` (or light again), as a phone or
    /// laptop set to dark mode does; stays until changed.
    #[allow(dead_code)] // until the dark-mode journeys use it
    pub async fn dark(&self, on: bool) {
        let scheme = if on { "dark" } else { "light" };
        let params = json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]});
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": params})),
        )
        .await;
    }

    /// Whether the page now reads `prefers-color-scheme: dark`.
    #[allow(dead_code)] // until the dark-mode journeys use it
    pub async fn is_dark(&self) -> bool {
        let script = "return matchMedia('(prefers-color-scheme: dark)').matches";
        self.execute(script, json!([])).await.as_bool() == Some(true)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .unwrap_or_default()
    }

    pub async fn quit(&self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
