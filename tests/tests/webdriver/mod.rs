//! Just enough of the WebDriver protocol (W3C, JSON over HTTP) to open a page in headless
//! Chromium through ChromeDriver and read its DOM while it runs: `chromium --dump-dom`
//! takes one snapshot at a moment of its choosing, which cannot wait for a message that
//! arrives while the page is open.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long ChromeDriver and the browser get to start.
const START_LIMIT: Duration = Duration::from_secs(60);
/// Pacing of the polls for ChromeDriver's readiness and for a page's condition; the
/// deadlines are what bound them.
const POLL: Duration = Duration::from_millis(100);

/// A ChromeDriver process with one headless Chromium session; both end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port and a headless Chromium session.
    pub fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver does not start: {e}"));
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let deadline = Instant::now() + START_LIMIT;
        while !browser
            .call("GET", "/status", None)
            .is_ok_and(|v| v["value"]["ready"] == json!(true))
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready within {START_LIMIT:?}"
            );
            std::thread::sleep(POLL);
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=900,700"]
            }
        }}});
        let created = browser
            .call("POST", "/session", Some(&capabilities))
            .unwrap_or_else(|e| panic!("no browser session: {e}"));
        browser.session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {created}"))
            .to_owned();
        browser
    }

    /// Opens `url` (returns once the page has loaded).
    pub fn open(&mut self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        if let Err(e) = self.call("POST", &path, Some(&json!({ "url": url }))) {
            panic!("cannot open {url}: {e}");
        }
    }

    /// The text of the page's body, now.
    pub fn text(&mut self) -> String {
        let path = format!("/session/{}/execute/sync", self.session);
        let script = json!({ "script": "return document.body.innerText", "args": [] });
        match self.call("POST", &path, Some(&script)) {
            Ok(v) => v["value"].as_str().unwrap_or_default().to_owned(),
            Err(e) => panic!("cannot read the page: {e}"),
        }
    }

    /// Polls the page's text until `done` holds, returning that text; panics with the last
    /// text seen after `limit`.
    pub fn wait_for_text(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.text();
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not on the page after {limit:?}; it shows:\n{text}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// One WebDriver command: the JSON answer, or why there is none (including a
    /// WebDriver error answer).
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(START_LIMIT))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let (head, json) = read_answer(&mut stream)?;
        let value: Value = serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?;
        if head.starts_with("HTTP/1.1 2") {
            Ok(value)
        } else {
            Err(format!("{}: {value}", head.lines().next().unwrap_or(&head)))
        }
    }
}

/// Reads one HTTP answer: its head, and its body of `Content-Length` bytes (ChromeDriver
/// keeps the connection open whatever the request asks, so reading to the end would wait).
fn read_answer(stream: &mut TcpStream) -> Result<(String, String), String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the connection closed before the answer's head ended".to_owned());
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .ok_or_else(|| format!("no Content-Length in {head}"))?;
    let mut body = data.split_off(head_end + 4);
    while body.len() < length {
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the connection closed before the answer's body ended".to_owned());
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Ok((head, String::from_utf8_lossy(&body).into_owned()))
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
