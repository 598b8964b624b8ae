//! The HTML report, opened in a real headless Chromium through chromedriver
//! (WebDriver), and its structure on the demo set.
//!
//! In the browser: the overview has a row per dimension and its charts drew
//! as many bars as the run has values; clicking a conversation shows its
//! timeline and the evidence of its checks; the filters narrow the list;
//! the hostile transcript of `tests/fixtures/html/hostile.jsonl` created no
//! element and ran no script (and a control page that does insert it raw
//! shows that the probe catches a script that ran); the gate view puts the
//! decision on top; and the console logged no error. Screenshots of the
//! overview, a conversation and the gate view are written to
//! `target/tmp/html-report/` (or `$HANDOFF_EVAL_SCREENSHOTS`).
//!
//! Chromium and chromedriver are Debian's `chromium` and `chromium-driver`
//! (`.ci/run` installs them). Where they are missing the browser test
//! skips with a message; with `CI=true` it fails instead.

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, LoggingPrefsLogLevel};

// Colours of the chart elements, as `src/report/html/charts.rs` fixes them.
const PASS: &str = "#2E7D32";
const UNSCORED: &str = "#909090";
const FAIL: &str = "#C62828";
const MEAN: &str = "#1565C0";
const BASELINE: &str = "#78909C";
const CHANGE: &str = "#EF6C00";
const BIN: &str = "#5C6BC0";
const NA: &str = "#D7D7D7";

/// Scores `input` with the shipped rubric into `out` (the judge left
/// unconfigured, as on a machine without a key) and writes `out/report.html`.
fn scored_report(input: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let html = out.join("report.html");
    let mut args = vec![
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = common::run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(
        common::stderr(&output).contains("conversations shown in full"),
        "{}",
        common::stderr(&output)
    );
    html
}

fn summary(run: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap()
}

fn url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

// ---------------------------------------------------------------------------
// the browser

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium and chromedriver, or why the test cannot run here.
fn browser_paths() -> Result<(PathBuf, PathBuf), String> {
    let path = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromium = path("HANDOFF_EVAL_CHROMIUM", "/usr/bin/chromium");
    let driver = path("HANDOFF_EVAL_CHROMEDRIVER", "/usr/bin/chromedriver");
    for needed in [&chromium, &driver] {
        if !needed.is_file() {
            return Err(format!(
                "{} is missing (Debian: apt-get install chromium chromium-driver; .ci/run does)",
                needed.display()
            ));
        }
    }
    Ok((chromium, driver))
}

/// The browser, or `None` (with a message) where it is missing outside CI.
fn browser() -> Option<(PathBuf, PathBuf)> {
    match browser_paths() {
        Ok(paths) => Some(paths),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and the browser test cannot run: {why}")
        }
        Err(why) => {
            eprintln!("skipping the browser test: {why}");
            None
        }
    }
}

fn start_driver(driver: &Path) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        port,
        _profile: tempfile::tempdir().unwrap(),
    }
}

async fn session(driver: &Driver, chromium: &Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(chromium.to_str().unwrap()).unwrap();
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!(
        "--user-data-dir={}",
        driver._profile.path().display()
    ))
    .unwrap();
    caps.set_browser_log_level(LoggingPrefsLogLevel::All)
        .unwrap();
    // thirtyfour's reqwest client needs the TLS provider the judge installs.
    handoff_eval::judge::client::install_tls_provider();
    WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps)
        .await
        .expect("a chromedriver session")
}

fn screenshots() -> PathBuf {
    let dir = std::env::var_os("HANDOFF_EVAL_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn count(driver: &WebDriver, css: &str) -> usize {
    driver.find_all(By::Css(css)).await.unwrap().len()
}

async fn js(driver: &WebDriver, script: &str) -> Value {
    driver.execute(script, vec![]).await.unwrap().json().clone()
}

async fn click(driver: &WebDriver, css: &str) {
    driver
        .find(By::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The data the page embeds for its script.
async fn report_data(driver: &WebDriver) -> Value {
    js(
        driver,
        "return JSON.parse(document.getElementById('report-data').textContent);",
    )
    .await
}

/// Clicks the conversation's row and returns its article, displayed.
async fn open_conversation(driver: &WebDriver, index: usize) -> WebElement {
    click(
        driver,
        &format!("tr.conversation-row[data-index='{index}'] a.open"),
    )
    .await;
    let article = driver
        .find(By::Id(format!("conversation-{index}")))
        .await
        .unwrap();
    assert!(article.is_displayed().await.unwrap());
    article
}

/// The text of the first element matching `css` in an element.
async fn text_in(element: &WebElement, css: &str) -> String {
    element
        .find(By::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The text of the first element matching `css` on the page.
async fn page_text(driver: &WebDriver, css: &str) -> String {
    driver
        .find(By::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

const OPEN_ARTICLES: &str = "return Array.from(document.querySelectorAll('article.conversation')).filter(a => !a.hidden).length;";

/// Console entries at level SEVERE: script errors, CSP violations, failed loads.
async fn console_errors(driver: &WebDriver) -> Vec<String> {
    driver
        .browser_log()
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.level == "SEVERE")
        .map(|entry| entry.message)
        .collect()
}

/// What a script from a transcript would have left behind.
async fn hostile_traces(driver: &WebDriver) -> Value {
    js(
        driver,
        r#"return {
            ran: typeof window.__hostile === "undefined" ? null : String(window.__hostile),
            scripts: document.scripts.length,
            foreign: document.querySelectorAll("img, iframe, object, embed, marquee, frame, video, audio, link, meta[http-equiv=refresh], base").length,
            styles: document.querySelectorAll("style").length,
            handlers: Array.from(document.querySelectorAll("*")).filter(e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith("on"))).length,
            javascript_links: Array.from(document.querySelectorAll("[href], [src], [data], [action]")).filter(e => /^\s*javascript:/i.test(e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("data") || e.getAttribute("action") || "")).length
        };"#,
    )
    .await
}

fn expected_bars(summary: &Value) -> (usize, usize) {
    let dims = summary["dimensions"].as_array().unwrap();
    let with_rate = dims.iter().filter(|d| !d["pass_rate"].is_null()).count();
    let applicable = dims
        .iter()
        .filter(|d| d["applicable"].as_u64().unwrap() > 0)
        .count();
    (with_rate, applicable)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_renders_in_a_real_browser() {
    let Some((chromium, driver_path)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let shots = screenshots();

    // The runs: the demo set, the hostile fixture, and a gate pair.
    let demo_run = dir.path().join("demo");
    let demo_html = scored_report(&common::root().join("datasets/demo.jsonl"), &demo_run, &[]);
    let hostile_run = dir.path().join("hostile");
    let hostile_html = scored_report(&common::fixture("html/hostile.jsonl"), &hostile_run, &[]);
    let gate_html = gate_report(dir.path());

    let driver = start_driver(&driver_path);
    let browser = session(&driver, &chromium).await;

    overview(&browser, &demo_run, &demo_html, &shots).await;
    conversation(&browser, &shots).await;
    filters(&browser).await;
    let errors = console_errors(&browser).await;
    assert!(
        errors.is_empty(),
        "console errors on the demo report: {errors:#?}"
    );

    hostile(&browser, &hostile_html).await;
    let errors = console_errors(&browser).await;
    assert!(
        errors.is_empty(),
        "console errors on the hostile report: {errors:#?}"
    );
    control(&browser, dir.path()).await;

    gate(&browser, &gate_html, &shots).await;
    let errors = console_errors(&browser).await;
    assert!(
        errors.is_empty(),
        "console errors on the gate view: {errors:#?}"
    );

    browser.quit().await.unwrap();
    eprintln!("screenshots in {}", shots.display());
}

async fn overview(browser: &WebDriver, run: &Path, html: &Path, shots: &Path) {
    let summary = summary(run);
    browser.goto(url(html)).await.unwrap();
    let title = browser.title().await.unwrap();
    assert_eq!(title, "handoff-eval: handoff-quality v1");

    let dimensions = summary["rubric"]["dimensions"].as_array().unwrap().len();
    assert_eq!(count(browser, "tr.dimension-row").await, dimensions);
    let (with_rate, applicable) = expected_bars(&summary);
    let pass_bars = count(browser, &format!("#chart-dimensions rect[fill='{PASS}']")).await;
    assert_eq!(
        pass_bars, with_rate,
        "one pass-rate bar per dimension with a pass rate"
    );
    let unscored_bars = count(
        browser,
        &format!("#chart-dimensions rect[fill='{UNSCORED}']"),
    )
    .await;
    assert_eq!(
        unscored_bars, applicable,
        "one unscored-share bar per applicable dimension"
    );

    let calls = &summary["calls"];
    let verdicts = ["passed", "failed", "unscored", "not_applicable"]
        .iter()
        .filter(|k| calls[**k].as_u64().unwrap() > 0)
        .count();
    let segments = count(
        browser,
        &format!(
            "#chart-verdicts rect[fill='{PASS}'], #chart-verdicts rect[fill='{FAIL}'], #chart-verdicts rect[fill='{UNSCORED}'], #chart-verdicts rect[fill='{NA}']"
        ),
    )
    .await;
    assert_eq!(segments, verdicts, "one segment per verdict that occurred");

    let slices = summary["slices"].as_object().unwrap().len();
    assert_eq!(count(browser, "div.slice").await, slices);
    assert_eq!(
        count(browser, "figure[data-chart='slice'] svg").await,
        slices * (dimensions + 1),
        "a small multiple per dimension and one of the call pass rate, per slice"
    );

    let recontact = &summary["handoff"]["recontact_24h"];
    let rates = ["rate", "rate_handoff_passed", "rate_handoff_failed"]
        .iter()
        .filter(|k| !recontact[**k].is_null())
        .count();
    assert_eq!(
        count(browser, &format!("#chart-recontact rect[fill='{FAIL}']")).await,
        rates
    );
    let csat = summary["handoff"]["csat"].as_object().unwrap();
    let means = csat.values().filter(|g| !g["mean"].is_null()).count();
    assert_eq!(
        count(browser, &format!("#chart-csat rect[fill='{MEAN}']")).await,
        means
    );
    assert!(count(browser, &format!("#chart-response rect[fill='{BIN}']")).await > 3);
    let marks = js(
        browser,
        "return Array.from(document.querySelectorAll('#chart-response text')).map(t => t.textContent.trim()).filter(t => t.startsWith('median') || t.startsWith('p90'));",
    )
    .await;
    assert_eq!(
        marks.as_array().unwrap().len(),
        2,
        "median and p90 marked: {marks}"
    );

    let shown = page_text(browser, "#shown-count").await;
    let total = calls["conversations"].as_u64().unwrap();
    assert!(
        shown.contains(&format!("shows 200 of {total} conversations")),
        "{shown}"
    );
    assert_eq!(count(browser, "tr.conversation-row").await, 200);
    assert!(
        count(browser, "tr.reason-row").await > 0,
        "failure reasons listed"
    );
    browser
        .screenshot(&shots.join("report-overview.png"))
        .await
        .unwrap();
}

async fn conversation(browser: &WebDriver, shots: &Path) {
    // A conversation whose human asked again for what the AI collected:
    // its evidence matched text in the transcript.
    let data = report_data(browser).await;
    let conversations = data["conversations"].as_array().unwrap();
    let index = conversations
        .iter()
        .position(|c| c["statuses"]["no_repeat_yourself"] == "fail")
        .expect("a shown conversation fails no_repeat_yourself");
    let id = conversations[index]["id"].as_str().unwrap().to_string();
    assert_eq!(
        js(browser, OPEN_ARTICLES).await,
        0,
        "no conversation is open before a click"
    );
    let article = open_conversation(browser, index).await;
    assert_eq!(
        js(browser, OPEN_ARTICLES).await,
        1,
        "exactly one conversation open"
    );
    let current = browser.current_url().await.unwrap();
    assert_eq!(
        current.fragment(),
        Some(format!("conversation={id}").as_str())
    );
    let heading = text_in(&article, "h3 .conversation-id").await;
    assert_eq!(heading, id);

    let timeline = article
        .find(By::Css("figure.timeline-chart svg"))
        .await
        .unwrap();
    assert!(timeline.is_displayed().await.unwrap());
    let note = text_in(&article, ".timeline-note").await;
    assert!(
        note.contains("before the call connected") || note.contains("after the human connected"),
        "{note}"
    );
    assert!(
        !article
            .find_all(By::Css("li.event"))
            .await
            .unwrap()
            .is_empty()
    );
    let marked = article
        .find_all(By::Css("li.event.evidence mark"))
        .await
        .unwrap();
    assert!(
        !marked.is_empty(),
        "matched evidence is marked in the transcript"
    );
    assert!(
        !article
            .find_all(By::Css(".package-fields dt"))
            .await
            .unwrap()
            .is_empty(),
        "the handoff package beside the transcript"
    );
    assert_eq!(
        article
            .find_all(By::Css(".dimension-card"))
            .await
            .unwrap()
            .len(),
        data["dimensions"].as_array().unwrap().len()
    );

    // Clicking a failed check lights up the events its evidence points at.
    let button = article
        .find(By::Css("li.check.status-fail .check-button"))
        .await
        .unwrap();
    let key = button.attr("data-check").await.unwrap().unwrap();
    button.click().await.unwrap();
    let active = article.find_all(By::Css("li.event.active")).await.unwrap();
    assert!(!active.is_empty(), "the evidence of {key} is highlighted");
    for event in &active {
        let checks = event.attr("data-checks").await.unwrap().unwrap_or_default();
        assert!(
            checks.split(' ').any(|k| k == key),
            "{checks} points at {key}"
        );
    }
    // Back to the top of the article for the picture.
    browser
        .execute(
            "arguments[0].scrollIntoView({block: 'start'});",
            vec![article.to_json().unwrap()],
        )
        .await
        .unwrap();
    browser
        .screenshot(&shots.join("report-conversation.png"))
        .await
        .unwrap();

    // A permalink opens the conversation on load.
    let permalink = browser.current_url().await.unwrap();
    browser.goto("about:blank").await.unwrap();
    browser.goto(permalink.as_str()).await.unwrap();
    let reopened = browser
        .find(By::Id(format!("conversation-{index}")))
        .await
        .unwrap();
    assert!(
        reopened.is_displayed().await.unwrap(),
        "the permalink opens {id}"
    );
}

async fn filters(browser: &WebDriver) {
    let data = report_data(browser).await;
    let conversations = data["conversations"].as_array().unwrap();
    let visible = "return Array.from(document.querySelectorAll('tr.conversation-row')).filter(r => !r.hidden).length;";
    let expected = conversations
        .iter()
        .filter(|c| c["statuses"]["context_before_connect"] == "fail")
        .count();
    assert!(expected > 0);
    browser
        .find(By::Css(
            "#filter-dimension option[value='context_before_connect']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(browser, "#filter-status option[value='fail']").await;
    assert_eq!(js(browser, visible).await, expected);

    let chat_and_failed = conversations
        .iter()
        .filter(|c| c["statuses"]["context_before_connect"] == "fail" && c["channel"] == "chat")
        .count();
    click(browser, "#filter-channel option[value='chat']").await;
    assert_eq!(js(browser, visible).await, chat_and_failed);
    let output = page_text(browser, "#filter-count").await;
    assert_eq!(
        output,
        format!("{chat_and_failed} of {} shown", conversations.len())
    );

    // Text search reaches into the transcripts.
    for (select, value) in [
        ("filter-dimension", ""),
        ("filter-status", ""),
        ("filter-channel", ""),
    ] {
        click(browser, &format!("#{select} option[value='{value}']")).await;
    }
    let id = conversations[0]["id"].as_str().unwrap();
    let search = browser.find(By::Id("filter-text")).await.unwrap();
    search.send_keys(id).await.unwrap();
    assert_eq!(js(browser, visible).await, 1);
    search.clear().await.unwrap();
    search.send_keys("family emergency").await.unwrap();
    let found = js(browser, visible).await.as_u64().unwrap();
    assert!(
        found >= 1 && (found as usize) < conversations.len(),
        "{found}"
    );
}

async fn hostile(browser: &WebDriver, html: &Path) {
    browser.goto(url(html)).await.unwrap();
    let data = report_data(browser).await;
    let conversations = data["conversations"].as_array().unwrap();
    let index = conversations
        .iter()
        .position(|c| c["id"].as_str().unwrap().starts_with("hostile-"))
        .expect("the hostile conversation is shown");
    let id = conversations[index]["id"].as_str().unwrap();
    assert!(
        id.contains("</script><script>"),
        "the id survived the JSON: {id}"
    );
    let article = open_conversation(browser, index).await;

    let traces = hostile_traces(browser).await;
    assert_eq!(
        traces["ran"],
        Value::Null,
        "a script from the transcript ran: {traces}"
    );
    assert_eq!(
        traces["scripts"], 2,
        "only the page's data and its own script: {traces}"
    );
    assert_eq!(traces["foreign"], 0, "{traces}");
    assert_eq!(traces["styles"], 1, "only the page's own style: {traces}");
    assert_eq!(traces["handlers"], 0, "{traces}");
    assert_eq!(traces["javascript_links"], 0, "{traces}");
    assert_eq!(
        browser.title().await.unwrap(),
        "handoff-eval: handoff-quality v1"
    );

    // As text, in full.
    let text = article.text().await.unwrap();
    for shown in [
        "</script><script>window.__hostile='turn'</script>",
        "<img src=x onerror=\"window.__hostile='img'\">",
        "<a href=\"javascript:window.__hostile='link'\">here</a>",
        "Eve <script>window.__hostile='name'</script>",
        "[U+202E]",
        "[U+200B]",
        "[U+2066]",
    ] {
        assert!(text.contains(shown), "`{shown}` is shown as text");
    }
    for hidden in ['\u{202E}', '\u{200B}', '\u{2066}'] {
        assert!(
            !text.contains(hidden),
            "U+{:04X} reaches the page",
            hidden as u32
        );
    }
    let heading = text_in(&article, "h3 .conversation-id").await;
    assert_eq!(heading, id);
    let package = text_in(&article, ".package-fields").await;
    assert!(
        package.contains("<style>body{display:none}</style>"),
        "{package}"
    );
    assert!(
        browser
            .find(By::Css("main"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
}

/// A page that inserts the hostile text raw: the probe must see its script run.
async fn control(browser: &WebDriver, dir: &Path) {
    let page = dir.join("unsafe-control.html");
    std::fs::write(
        &page,
        "<!doctype html><title>control</title><p><img src=x onerror=\"window.__hostile='img'\"> please help</p>",
    )
    .unwrap();
    browser.goto(url(&page)).await.unwrap();
    let started = Instant::now();
    loop {
        let traces = hostile_traces(browser).await;
        if traces["ran"] == "img" {
            assert_eq!(traces["foreign"], 1);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the probe missed a script that ran: {traces}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The broken image of the control page is expected in the console.
    let _ = console_errors(browser).await;
}

/// A baseline and a candidate with three times the AI-side mistakes, gated
/// with `--html` (and `--json`, to know what the page should show).
fn gate_report(dir: &Path) -> (PathBuf, Value) {
    let mut runs = BTreeMap::new();
    for (name, version, flaw) in [
        ("baseline", "bot@1.0", "0.08"),
        ("candidate", "bot@1.1", "0.25"),
    ] {
        let input = dir.join(format!("{name}.jsonl"));
        let generated = common::run(&[
            "generate",
            "--count",
            "300",
            "--seed",
            "11",
            "--agent-version",
            version,
            "--ai-flaw",
            flaw,
            "-o",
            input.to_str().unwrap(),
        ]);
        assert_eq!(
            generated.status.code(),
            Some(0),
            "{}",
            common::stderr(&generated)
        );
        let out = dir.join(name);
        let scored = common::run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--judge",
            "off",
        ]);
        assert_eq!(scored.status.code(), Some(0), "{}", common::stderr(&scored));
        runs.insert(name, out);
    }
    let html = dir.join("gate.html");
    let json = dir.join("gate.json");
    let gated = common::run(&[
        "gate",
        "--baseline",
        runs["baseline"].to_str().unwrap(),
        "--candidate",
        runs["candidate"].to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(
        gated.status.code(),
        Some(1),
        "the planted regression fails the gate: {}",
        common::stderr(&gated)
    );
    let report = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (html, report)
}

async fn gate(browser: &WebDriver, (html, report): &(PathBuf, Value), shots: &Path) {
    browser.goto(url(html)).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "handoff-eval gate: FAIL");
    let first = js(
        browser,
        "return document.querySelector('main > section').id;",
    )
    .await;
    assert_eq!(first, "gate", "the decision comes first");
    let decision = page_text(browser, "#gate .decision").await;
    assert!(decision.starts_with("FAILED"), "{decision}");
    assert!(count(browser, "tr.gate-row.status-fail").await > 0);
    let dimensions = report["dimensions"].as_array().unwrap();
    assert_eq!(
        count(browser, "tr.comparison-row").await,
        dimensions.len(),
        "a row per dimension"
    );
    assert_eq!(
        count(browser, "tr.gate-row").await,
        report["gates"].as_array().unwrap().len()
    );
    assert_eq!(count(browser, "tr.coverage-row").await, 2);
    let coverage = &report["coverage"];
    let said = page_text(browser, "#gate .scenario-coverage").await;
    assert!(
        said.contains(&format!(
            "covers {} of the baseline's {} scenarios",
            coverage["covered"], coverage["baseline_scenarios"]
        )),
        "scenario coverage as the gate computed it: {said}"
    );
    assert_eq!(
        count(browser, ".missing-scenarios li").await,
        coverage["missing"].as_array().unwrap().len().min(50)
    );
    let scored = |side: &str| dimensions.iter().filter(|d| !d[side].is_null()).count();
    let both = dimensions
        .iter()
        .filter(|d| !d["baseline"].is_null() && !d["candidate"].is_null())
        .count();
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{BASELINE}']")).await,
        scored("baseline")
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{MEAN}']")).await,
        scored("candidate")
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{CHANGE}']")).await,
        both,
        "a change where both sides scored"
    );
    assert!(
        count(browser, "li.flipped-call").await > 0,
        "the flipped verdicts are listed"
    );
    assert!(count(browser, "tr.flip-count").await > 0);
    // The candidate run follows.
    assert_eq!(count(browser, "section#overview").await, 1);
    browser
        .screenshot(&shots.join("report-gate.png"))
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------
// structure, without a browser

/// Text of an HTML fragment: tags dropped, the template's escapes undone,
/// whitespace collapsed.
fn text_of(fragment: &str) -> String {
    let tags = regex::Regex::new(r"<[^>]+>").unwrap();
    let text = tags
        .replace_all(fragment, "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The report's structure: the outline outside the conversations, its
/// sections, how many elements of each kind it holds, what each chart is
/// made of, and the embedded data; the policy with its hashes left out.
fn structure(html: &str) -> Value {
    let articles = regex::Regex::new(r"(?s)<article\b.*?</article>").unwrap();
    let outside = articles.replace_all(html, "");
    let headings = regex::Regex::new(r"(?s)<h([1-4])\b[^>]*>(.*?)</h[1-4]>").unwrap();
    let outline: Vec<String> = headings
        .captures_iter(&outside)
        .map(|c| format!("h{} {}", &c[1], text_of(&c[2])))
        .collect();
    let sections: Vec<String> = regex::Regex::new(r#"<section id="([^"]+)""#)
        .unwrap()
        .captures_iter(html)
        .map(|c| c[1].to_string())
        .collect();
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for c in regex::Regex::new(r#"class="([^"]*)""#)
        .unwrap()
        .captures_iter(html)
    {
        for token in c[1].split_whitespace() {
            *classes.entry(token.to_string()).or_default() += 1;
        }
    }
    let wanted = [
        "dimension-row",
        "slice",
        "slice-row",
        "small-multiple",
        "failure",
        "reason-row",
        "conversation-row",
        "conversation",
        "event",
        "evidence",
        "dimension-card",
        "check",
        "timeline-chart",
        "sentiment-chart",
        "package-fields",
        "transcript-missing",
    ];
    let counts: BTreeMap<&str, usize> = wanted
        .iter()
        .map(|w| (*w, classes.get(*w).copied().unwrap_or(0)))
        .collect();
    let figures = regex::Regex::new(
        r#"(?s)<figure class="chart"[^>]* id="(chart-[a-z]+)"[^>]*>(.*?)</figure>"#,
    )
    .unwrap();
    let mut charts = BTreeMap::new();
    for c in figures.captures_iter(html) {
        let svg = &c[2];
        let elements: BTreeMap<&str, usize> =
            ["rect", "text", "circle", "line", "polyline", "path"]
                .iter()
                .map(|e| (*e, svg.matches(&format!("<{e} ")).count()))
                .collect();
        charts.insert(c[1].to_string(), elements);
    }
    let data =
        regex::Regex::new(r#"(?s)<script type="application/json" id="report-data">(.*?)</script>"#)
            .unwrap()
            .captures(html)
            .map(|c| serde_json::from_str::<Value>(&c[1]).unwrap())
            .unwrap();
    let policy =
        regex::Regex::new(r#"<meta http-equiv="Content-Security-Policy" content="([^"]+)""#)
            .unwrap()
            .captures(html)
            .map(|c| {
                regex::Regex::new(r"sha256-[A-Za-z0-9+/=]+")
                    .unwrap()
                    .replace_all(
                        &c[1].replace("&#x27;", "'").replace("&#x2f;", "/"),
                        "sha256-[hash]",
                    )
                    .into_owned()
            })
            .unwrap();
    let shown = regex::Regex::new(r#"(?s)<p class="shown" id="shown-count">(.*?)</p>"#)
        .unwrap()
        .captures(html)
        .map(|c| text_of(&c[1]))
        .unwrap();
    serde_json::json!({
        "policy": policy,
        "outline": outline,
        "sections": sections,
        "elements": counts,
        "marks": html.matches("<mark>").count(),
        "charts": charts,
        "shown": shown,
        "data": {
            "dimensions": data["dimensions"],
            "conversations": data["conversations"].as_array().unwrap().len(),
        },
        "scripts": html.matches("<script").count(),
    })
}

#[test]
fn the_demo_report_keeps_its_structure() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("demo");
    let html = scored_report(&common::root().join("datasets/demo.jsonl"), &run, &[]);
    let html = std::fs::read_to_string(html).unwrap();
    common::settings().bind(|| {
        insta::assert_yaml_snapshot!("html_report_demo_structure", structure(&html));
    });
}

#[test]
fn a_smaller_budget_shows_fewer_conversations_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("demo");
    let html = scored_report(
        &common::root().join("datasets/demo.jsonl"),
        &run,
        &["--html-conversations", "12"],
    );
    let html = std::fs::read_to_string(html).unwrap();
    let shape = structure(&html);
    assert_eq!(shape["data"]["conversations"], 12);
    assert_eq!(shape["elements"]["conversation"], 12);
    assert!(
        shape["shown"]
            .as_str()
            .unwrap()
            .contains("shows 12 of 300 conversations")
    );
    // The same run gives the same report.
    let again = dir.path().join("again.html");
    let output = common::run(&[
        "report",
        run.to_str().unwrap(),
        "--html",
        again.to_str().unwrap(),
        "--html-conversations",
        "12",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let again = std::fs::read_to_string(again).unwrap();
    let first_difference = html.lines().zip(again.lines()).find(|(a, b)| a != b);
    assert!(
        again == html,
        "the report is deterministic; first difference: {first_difference:?}"
    );
}

#[test]
fn conversations_whose_input_is_gone_are_shown_without_a_transcript_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("moved.jsonl");
    std::fs::copy(common::fixture("html/hostile.jsonl"), &input).unwrap();
    let run = dir.path().join("run");
    scored_report(&input, &run, &[]);
    std::fs::remove_file(&input).unwrap();
    let html = dir.path().join("again.html");
    let output = common::run(&[
        "report",
        run.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let html = std::fs::read_to_string(html).unwrap();
    let shape = structure(&html);
    assert_eq!(shape["elements"]["conversation"], 2);
    assert_eq!(shape["elements"]["transcript-missing"], 2);
    assert_eq!(shape["elements"]["timeline-chart"], 0);
    assert!(
        html.contains("the run&#x27;s inputs cannot be read"),
        "the reason is given"
    );
    // The verdicts are still there, from calls.jsonl.
    assert!(shape["elements"]["dimension-card"].as_u64().unwrap() > 0);
}
