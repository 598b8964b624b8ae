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
const RANGE: &str = "#7B1FA2";

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

/// Opens `target` as a new document and waits (10 s at most) until the
/// browser shows it, loaded: `goto` can return while the page it leaves is
/// still the one on screen (seen under load, when the next query read the
/// old document or none), so the check is that a mark left on the old
/// window is gone, the address is the one asked for and the new document's
/// `readyState` is `complete`. A target that differs from the page shown
/// only in its fragment is not a new document: open `about:blank` first.
async fn load(driver: &WebDriver, target: &str) {
    js(driver, "window.__previous_document = true; return null;").await;
    driver.goto(target).await.unwrap();
    let started = Instant::now();
    loop {
        let state = driver
            .execute(
                "return [window.__previous_document === undefined, location.href === new URL(arguments[0]).href, document.readyState];",
                vec![Value::String(target.to_string())],
            )
            .await
            .unwrap()
            .json()
            .clone();
        if state == serde_json::json!([true, true, "complete"]) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{target} is not the loaded page after 10 s: [new document, address, readyState] = {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the element, brought to the middle of the window first so that
/// the sticky header cannot be where the click lands.
async fn click(driver: &WebDriver, css: &str) {
    let element = driver.find(By::Css(css)).await.unwrap();
    driver
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![element.to_json().unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

/// The data the page embeds for its script.
async fn report_data(driver: &WebDriver) -> Value {
    js(
        driver,
        "return JSON.parse(document.getElementById('report-data').textContent);",
    )
    .await
}

/// Clicks the conversation's row and returns its article, displayed. The
/// page shows it on `hashchange`, a task the browser runs after the click
/// returns: on a busy machine that takes a moment, so the check waits (5 s
/// at most) instead of racing it.
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
    let started = Instant::now();
    while !article.is_displayed().await.unwrap() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "conversation {index} is not shown after the click"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

/// What the report must draw for a pass rate in `summary.json`: a rate
/// (with its interval) only where one is given, a range where the rate is
/// null and its bounds are given, nothing where neither is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Figure {
    Rate(f64),
    Range(f64, f64),
    Nothing,
}

fn figure(rate: &Value, bounds: &Value) -> Figure {
    match (
        rate["value"].as_f64(),
        bounds["low"].as_f64(),
        bounds["high"].as_f64(),
    ) {
        (Some(value), _, _) => Figure::Rate(value),
        (None, Some(low), Some(high)) => Figure::Range(low, high),
        _ => Figure::Nothing,
    }
}

fn dimension_figure(d: &Value) -> Figure {
    figure(&d["pass_rate"], &d["pass_rate_bounds"])
}

fn call_figure(calls: &Value) -> Figure {
    figure(&calls["pass_rate"], &calls["pass_rate_bounds"])
}

/// How many of `figures` are rates, and how many ranges.
fn rates_and_ranges(figures: &[Figure]) -> (usize, usize) {
    let rates = figures
        .iter()
        .filter(|f| matches!(f, Figure::Rate(_)))
        .count();
    let ranges = figures
        .iter()
        .filter(|f| matches!(f, Figure::Range(..)))
        .count();
    (rates, ranges)
}

/// A pass rate's range as the terminal (and the page's tables) write it.
fn range_text(low: f64, high: f64, unscored: u64, applicable: u64) -> String {
    if unscored == applicable {
        return "all unscored".to_string();
    }
    format!(
        "{:.1} to {:.1}%, {:.0}% unscored",
        low * 100.0,
        high * 100.0,
        100.0 * unscored as f64 / applicable as f64
    )
}

/// The `rect`s a selector finds: (x, width, y), top to bottom.
async fn rects(driver: &WebDriver, css: &str) -> Vec<(f64, f64, f64)> {
    let found = js(
        driver,
        &format!(
            "return Array.from(document.querySelectorAll(\"{css}\")).map(r => [r.getAttribute('x'), r.getAttribute('width'), r.getAttribute('y')].map(Number));"
        ),
    )
    .await;
    let mut rects: Vec<(f64, f64, f64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = |i: usize| r[i].as_f64().unwrap();
            (n(0), n(1), n(2))
        })
        .collect();
    rects.sort_by(|a, b| a.2.total_cmp(&b.2));
    rects
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
    load(browser, &url(html)).await;
    let title = browser.title().await.unwrap();
    assert_eq!(title, "handoff-eval: handoff-quality v1");

    let dimensions = summary["rubric"]["dimensions"].as_array().unwrap().len();
    assert_eq!(count(browser, "tr.dimension-row").await, dimensions);
    let dims = summary["dimensions"].as_array().unwrap();
    let figures: Vec<Figure> = dims.iter().map(dimension_figure).collect();
    let (with_rate, with_range) = rates_and_ranges(&figures);
    assert!(
        with_rate > 0 && with_range > 0,
        "the demo run without a judge has both kinds: {figures:?}"
    );
    let bars = rects(browser, &format!("#chart-dimensions rect[fill='{PASS}']")).await;
    let ranges = rects(
        browser,
        &format!("#chart-dimensions rect[stroke='{RANGE}']"),
    )
    .await;
    assert_eq!(
        bars.len(),
        with_rate,
        "one pass-rate bar per dimension with a pass rate"
    );
    assert_eq!(
        ranges.len(),
        with_range,
        "one range per dimension whose rate is null and bounded"
    );
    // Row by row, top to bottom: a bar where summary.json has a rate, a
    // range where it has bounds, never a bar for a dimension with bounds.
    let mut drawn: Vec<(f64, bool)> = bars
        .iter()
        .map(|b| (b.2, true))
        .chain(ranges.iter().map(|r| (r.2, false)))
        .collect();
    drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
    let expected: Vec<bool> = figures
        .iter()
        .filter(|f| **f != Figure::Nothing)
        .map(|f| matches!(f, Figure::Rate(_)))
        .collect();
    assert_eq!(
        drawn.iter().map(|d| d.1).collect::<Vec<_>>(),
        expected,
        "rates and ranges in the rows summary.json gives them"
    );
    // Where they are drawn: bars start at zero, ranges span low to high.
    let rated: Vec<f64> = figures
        .iter()
        .filter_map(|f| match f {
            Figure::Rate(v) => Some(*v),
            _ => None,
        })
        .collect();
    let (zero, _, _) = bars[0];
    let (widest, value) = bars
        .iter()
        .zip(&rated)
        .map(|(b, v)| (b.1, *v))
        .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let scale = widest / value;
    for (bar, value) in bars.iter().zip(&rated) {
        assert!((bar.0 - zero).abs() < 0.5, "every bar starts at zero");
        assert!((bar.1 - value * scale).abs() < 1.5, "{bar:?} for {value}");
    }
    let bounded = figures.iter().filter_map(|f| match f {
        Figure::Range(low, high) => Some((*low, *high)),
        _ => None,
    });
    for (range, (low, high)) in ranges.iter().zip(bounded) {
        assert!(
            (range.0 - (zero + low * scale)).abs() < 1.5,
            "{range:?} starts at {low}"
        );
        assert!(
            (range.1 - ((high - low) * scale).max(1.0)).abs() < 2.0,
            "{range:?} spans {low} to {high}"
        );
    }
    // The table says the same, the range without an interval.
    let cells = js(
        browser,
        "return Array.from(document.querySelectorAll('tr.dimension-row')).map(r => [r.dataset.figure, r.querySelector('td.pass-rate').textContent]);",
    )
    .await;
    for (d, cell) in dims.iter().zip(cells.as_array().unwrap()) {
        let (kind, text) = (cell[0].as_str().unwrap(), cell[1].as_str().unwrap());
        match dimension_figure(d) {
            Figure::Rate(_) => {
                assert_eq!(kind, "rate", "{d}");
                assert!(text.contains('['), "a rate with its interval: {text}");
            }
            Figure::Range(low, high) => {
                assert_eq!(kind, "range", "{d}");
                let unscored = d["unscored"].as_u64().unwrap();
                let applicable = d["applicable"].as_u64().unwrap();
                assert_eq!(text, range_text(low, high, unscored, applicable));
            }
            Figure::Nothing => assert_eq!((kind, text), ("none", "-")),
        }
    }
    let applicable = dims
        .iter()
        .filter(|d| d["applicable"].as_u64().unwrap() > 0)
        .count();
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
    let call_line = page_text(browser, "dd.call-line").await;
    match call_figure(calls) {
        Figure::Range(low, high) => {
            let unscored = calls["unscored"].as_u64().unwrap();
            let decided = calls["scored"].as_u64().unwrap() + unscored;
            let bounds = &calls["mean_score_bounds"];
            let mean = format!(
                "mean score {:.1} to {:.1} (n={decided})",
                bounds["low"].as_f64().unwrap(),
                bounds["high"].as_f64().unwrap()
            );
            let rate = format!("pass rate {};", range_text(low, high, unscored, decided));
            assert!(call_line.contains(&rate), "{call_line} says {rate}");
            assert!(call_line.contains(&mean), "{call_line} says {mean}");
            assert!(!call_line.contains('['), "no interval: {call_line}");
        }
        other => panic!("the demo run without a judge has unscored calls: {other:?}"),
    }
    let clock = summary["clock_contradictions"].as_u64().unwrap();
    assert!(
        clock > 0,
        "the demo set has conversations with contradicting clocks"
    );
    let said = page_text(browser, "dd.clock-contradictions").await;
    assert!(
        said.starts_with(&format!(
            "{clock} conversation(s) whose clock contradicts itself: {} whose timestamps contradict",
            summary["clock_order_contradictions"]
        )),
        "{said}"
    );

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

    let slices = summary["slices"].as_object().unwrap();
    assert_eq!(count(browser, "div.slice").await, slices.len());
    // Per small multiple, in page order: a bar per group with a rate, a
    // range per group with bounds (every demo group is drawn: at most 12).
    let mut expected = Vec::new();
    for groups in slices.values() {
        let groups = groups.as_object().unwrap();
        assert!(groups.len() <= 12, "{} groups", groups.len());
        let mut ordered: Vec<&Value> = groups.values().collect();
        ordered.sort_by_key(|g| std::cmp::Reverse(g["calls"]["conversations"].as_u64()));
        expected.push(rates_and_ranges(
            &ordered
                .iter()
                .map(|g| call_figure(&g["calls"]))
                .collect::<Vec<_>>(),
        ));
        for id in dims.iter().map(|d| d["id"].as_str().unwrap()) {
            expected.push(rates_and_ranges(
                &ordered
                    .iter()
                    .map(|g| dimension_figure(&g["dimensions"][id]))
                    .collect::<Vec<_>>(),
            ));
        }
    }
    assert_eq!(
        expected.len(),
        slices.len() * (dimensions + 1),
        "a small multiple per dimension and one of the call pass rate, per slice"
    );
    let panels = js(
        browser,
        &format!(
            "return Array.from(document.querySelectorAll(\"figure[data-chart='slice']\")).map(f => [f.querySelectorAll(\"rect[fill='{PASS}']\").length, f.querySelectorAll(\"rect[stroke='{RANGE}']\").length]);"
        ),
    )
    .await;
    let panels: Vec<(usize, usize)> = panels
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_u64().unwrap() as usize,
                p[1].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(panels, expected, "(rates, ranges) per small multiple");
    assert!(
        expected.iter().any(|p| p.0 > 0) && expected.iter().any(|p| p.1 > 0),
        "the slices show both kinds"
    );

    let recontact = &summary["handoff"]["recontact_24h"];
    let rates = [
        "rate",
        "rate_handoff_passed",
        "rate_handoff_failed",
        "rate_handoff_undecided",
    ]
    .iter()
    .filter(|k| !recontact[**k].is_null())
    .count();
    assert_eq!(
        count(browser, &format!("#chart-recontact rect[fill='{FAIL}']")).await,
        rates
    );
    let undecided = recontact["rate_handoff_undecided"]["n"].as_u64().unwrap();
    assert!(undecided > 0, "the demo run has undecided handoffs");
    let labels = |chart: &str| {
        format!(
            "return Array.from(document.querySelectorAll('#chart-{chart} text')).map(t => t.textContent.trim());"
        )
    };
    let texts = js(browser, &labels("recontact")).await;
    let wanted = format!("handoff undecided (n={undecided})");
    assert!(
        texts.as_array().unwrap().iter().any(|t| t == &wanted),
        "{wanted} in {texts}"
    );
    let csat = summary["handoff"]["csat"].as_object().unwrap();
    assert_eq!(csat.len(), 5, "{csat:?}");
    let means = csat.values().filter(|g| !g["mean"].is_null()).count();
    assert_eq!(
        count(browser, &format!("#chart-csat rect[fill='{MEAN}']")).await,
        means
    );
    let undecided = csat["escalated_handoff_undecided"]["mean"]["n"]
        .as_u64()
        .unwrap();
    let texts = js(browser, &labels("csat")).await;
    let wanted = format!("escalated, handoff undecided (n={undecided})");
    assert!(
        texts.as_array().unwrap().iter().any(|t| t == &wanted),
        "{wanted} in {texts}"
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
    // Every chart is an image with a name that carries its figures.
    let unnamed = js(
        browser,
        "return Array.from(document.querySelectorAll('svg')).filter(s => s.getAttribute('role') !== 'img' || !(s.getAttribute('aria-label') || '').trim() || !s.querySelector(':scope > title')).length;",
    )
    .await;
    assert_eq!(unnamed, 0, "charts without an accessible name");
    let verdicts = js(
        browser,
        "return document.querySelector('#chart-verdicts svg').getAttribute('aria-label');",
    )
    .await;
    let calls = &summary["calls"];
    assert!(
        verdicts.as_str().unwrap().contains(&format!(
            "pass {}, fail {}",
            calls["passed"], calls["failed"]
        )),
        "{verdicts}"
    );
    // The handoff metrics as text, as the terminal writes them.
    let handoff = &summary["handoff"];
    let pct = |r: &Value| {
        if r.is_null() {
            return ("-".to_string(), 0);
        }
        let f = |k: &str| r[k].as_f64().unwrap() * 100.0;
        (
            format!("{:.1}% [{:.1}, {:.1}]", f("value"), f("low"), f("high")),
            r["n"].as_u64().unwrap(),
        )
    };
    let mean = |m: &Value| {
        if m.is_null() {
            return ("-".to_string(), 0);
        }
        let f = |k: &str| m[k].as_f64().unwrap();
        (
            format!("{:.1} [{:.1}, {:.1}]", f("value"), f("low"), f("high")),
            m["n"].as_u64().unwrap(),
        )
    };
    let recontact = &handoff["recontact_24h"];
    let csat = &handoff["csat"];
    for (table, group, (value, n)) in [
        (
            "recontact",
            "handoff failed",
            pct(&recontact["rate_handoff_failed"]),
        ),
        (
            "recontact",
            "handoff passed",
            pct(&recontact["rate_handoff_passed"]),
        ),
        ("csat", "escalated", mean(&csat["escalated"]["mean"])),
        (
            "csat",
            "escalated, handoff failed",
            mean(&csat["escalated_handoff_failed"]["mean"]),
        ),
    ] {
        let rows = js(
            browser,
            &format!("return Array.from(document.querySelectorAll('#table-{table} tr.metric-row')).map(r => Array.from(r.cells).map(c => c.innerText));"),
        )
        .await;
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == group)
            .unwrap_or_else(|| panic!("{table}: no row {group}: {rows}"));
        assert_eq!(row[1], value.as_str(), "{table} {group}");
        assert_eq!(row[2], n.to_string().as_str(), "{table} {group}");
    }
    assert!(
        pct(&recontact["rate_handoff_failed"]).0 != "-",
        "the demo set measures re-contact"
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
        Some(format!("call={}", conversations[index]["line"]).as_str()),
        "the permalink names the call's line in calls.jsonl"
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
    load(browser, "about:blank").await;
    load(browser, permalink.as_str()).await;
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
    load(browser, &url(html)).await;
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
    load(browser, &url(&page)).await;
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
    load(browser, &url(html)).await;
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
    let said = page_text(browser, "#gate .paired-calls").await;
    assert!(
        said.contains(&format!(
            "pairs {} of the baseline's {} calls",
            coverage["paired"], coverage["baseline_calls"]
        )),
        "paired calls as the gate counted them: {said}"
    );
    assert_eq!(
        count(browser, ".unpaired-calls li").await,
        coverage["unpaired"].as_array().unwrap().len().min(50)
    );
    // A side with unscored verdicts is a range, never a rate over the
    // scored alone; so is the change where either side has any.
    let unscored = |d: &Value, side: &str| d["unscored"][side].as_u64().unwrap_or(0);
    let rated = |side: &str| {
        dimensions
            .iter()
            .filter(|d| !d[side].is_null() && unscored(d, side) == 0)
            .count()
    };
    let ranged = |side: &str| dimensions.iter().filter(|d| unscored(d, side) > 0).count();
    let both = dimensions
        .iter()
        .filter(|d| !d["baseline"].is_null() && !d["candidate"].is_null() && d["bounds"].is_null())
        .count();
    let with_bounds = dimensions.iter().filter(|d| !d["bounds"].is_null()).count();
    assert!(
        with_bounds > 0,
        "the planted runs leave judge verdicts unscored"
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{BASELINE}']")).await,
        rated("baseline")
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{MEAN}']")).await,
        rated("candidate")
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[fill='{CHANGE}']")).await,
        both,
        "a change where both sides scored in full"
    );
    assert_eq!(
        count(browser, &format!("#chart-gate rect[stroke='{RANGE}']")).await,
        ranged("baseline") + ranged("candidate") + with_bounds,
        "a range for every side with unscored verdicts and every change they touch"
    );
    let rows = js(
        browser,
        "return Array.from(document.querySelectorAll('tr.comparison-row')).map(r => Array.from(r.cells).map(c => c.textContent));",
    )
    .await;
    for (d, cells) in dimensions.iter().zip(rows.as_array().unwrap()) {
        let cell = |i: usize| cells[i].as_str().unwrap().to_string();
        if unscored(d, "candidate") > 0 {
            assert!(cell(2).contains("unscored"), "{}: {}", d["id"], cell(2));
            assert!(
                !cell(2).contains('['),
                "no interval over the scored alone: {}",
                cell(2)
            );
        }
        if !d["bounds"].is_null() {
            assert!(
                cell(3).contains("with the unscored"),
                "{}: {}",
                d["id"],
                cell(3)
            );
        }
    }
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
        "figure-rate",
        "figure-range",
        "figure-none",
        "clock-contradictions",
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

/// Generates `count` conversations with `seed` into `path`.
fn generate(path: &Path, count: u32, seed: u32) {
    let output = common::run(&[
        "generate",
        "--count",
        &count.to_string(),
        "--seed",
        &seed.to_string(),
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
}

/// `report RUN --html FILE`, which must succeed; the page.
fn report_html(run: &Path, html: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "report",
        run.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = common::run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    std::fs::read_to_string(html).unwrap()
}

#[test]
fn an_input_changed_since_the_run_shows_no_transcript_beside_its_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    generate(&input, 20, 5);
    let run = dir.path().join("run");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let html = dir.path().join("r.html");
    let fresh = structure(&report_html(&run, &html, &[]));
    assert_eq!(fresh["elements"]["transcript-missing"], 0);

    // The same ids, other conversations.
    generate(&input, 20, 6);
    let page = report_html(&run, &html, &[]);
    let shape = structure(&page);
    assert_eq!(shape["elements"]["conversation"], 20);
    assert_eq!(
        shape["elements"]["transcript-missing"], 20,
        "no transcript from the replaced input"
    );
    assert_eq!(shape["elements"]["timeline-chart"], 0);
    assert!(
        page.contains("changed since the run read it"),
        "the reason is given"
    );

    // A two-byte edit of a small file is seen too.
    generate(&input, 20, 5);
    let mut text = std::fs::read_to_string(&input).unwrap();
    let at = text.find("conv-0000003").unwrap();
    text.replace_range(at..at + 12, "conv-0000099");
    std::fs::write(&input, text).unwrap();
    let shape = structure(&report_html(&run, &html, &[]));
    assert_eq!(shape["elements"]["transcript-missing"], 20);
}

/// `score` of a few demo conversations into `out`, with `extra` arguments;
/// the process output.
fn score_small(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let input = dir.join("small.jsonl");
    if !input.exists() {
        generate(&input, 7, 3);
    }
    let mut args = vec![
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--judge",
        "off",
    ];
    args.extend_from_slice(extra);
    common::run(&args)
}

#[test]
fn html_paths_that_are_the_runs_own_files_or_inputs_are_refused_before_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let output = score_small(dir.path(), &run, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let calls = std::fs::read(run.join("calls.jsonl")).unwrap();
    let summary = std::fs::read(run.join("summary.json")).unwrap();

    for name in [
        "calls.jsonl",
        "summary.json",
        "manifest.json",
        "rejected.jsonl",
        "gate.json",
    ] {
        let target = run.join(name);
        let output = common::run(&[
            "report",
            run.to_str().unwrap(),
            "--html",
            target.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "report --html {name}");
        assert!(
            common::stderr(&output).contains(&format!("the run's own {name}")),
            "{}",
            common::stderr(&output)
        );
    }
    // Another spelling of the same file.
    let roundabout = dir.path().join("run/../run/./calls.jsonl");
    let output = common::run(&[
        "report",
        run.to_str().unwrap(),
        "--html",
        roundabout.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    // The input the run recorded.
    let input = dir.path().join("small.jsonl");
    let before = std::fs::read(&input).unwrap();
    let output = common::run(&[
        "report",
        run.to_str().unwrap(),
        "--html",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert!(common::stderr(&output).contains("is an input of the run"));
    assert_eq!(std::fs::read(&input).unwrap(), before);

    // score refuses before it starts: the old run stays as it was.
    for target in [run.join("calls.jsonl"), input.clone()] {
        let output = score_small(dir.path(), &run, &["--html", target.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    }
    assert_eq!(std::fs::read(run.join("calls.jsonl")).unwrap(), calls);
    assert_eq!(std::fs::read(run.join("summary.json")).unwrap(), summary);
    assert_eq!(std::fs::read(&input).unwrap(), before);

    // gate refuses its runs' files.
    let target = run.join("summary.json");
    let output = common::run(&[
        "gate",
        "--baseline",
        run.to_str().unwrap(),
        "--candidate",
        run.to_str().unwrap(),
        "--html",
        target.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert_eq!(std::fs::read(run.join("summary.json")).unwrap(), summary);
}

#[test]
fn a_new_run_into_a_directory_removes_the_old_runs_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let html = run.join("report.html");
    let other = run.join("notes.html");
    let output = score_small(dir.path(), &run, &["--html", html.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(html.is_file());
    std::fs::write(&other, "<!doctype html><title>mine</title>").unwrap();
    // A new run into the same directory, without --html.
    let output = score_small(dir.path(), &run, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(
        !html.exists(),
        "the old run's report is gone with its summary"
    );
    assert!(
        other.is_file(),
        "a page the tool did not write is left alone"
    );
}

#[test]
fn html_options_are_checked_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    // --html-conversations without --html is a usage error.
    let output = score_small(dir.path(), &run, &["--html-conversations", "5"]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert!(
        common::stderr(&output).contains("--html"),
        "{}",
        common::stderr(&output)
    );
    assert!(!run.join("manifest.json").exists(), "nothing was scored");
    // `-` is not a file name here.
    let output = score_small(dir.path(), &run, &["--html", "-"]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert!(common::stderr(&output).contains("not to standard output"));
    assert!(!run.join("manifest.json").exists());
    assert!(!Path::new("-").exists() && !common::root().join("-").exists());
    // A folder that does not exist fails before the run, not after it.
    let nowhere = dir.path().join("no/such/folder/r.html");
    let output = score_small(dir.path(), &run, &["--html", nowhere.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert!(common::stderr(&output).contains("cannot write there"));
    assert!(!run.join("manifest.json").exists(), "nothing was scored");
}

#[test]
fn a_slice_with_many_groups_lists_the_largest_and_says_how_many_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    generate(&input, 150, 3);
    let text = std::fs::read_to_string(&input).unwrap();
    let tagged: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut c: Value = serde_json::from_str(line).unwrap();
            c["metadata"]["ticket"] = Value::from(format!("T{i:06}"));
            format!("{c}\n")
        })
        .collect();
    std::fs::write(&input, tagged).unwrap();
    let run = dir.path().join("run");
    let html = dir.path().join("r.html");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--judge",
        "off",
        "--by",
        "ticket",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert_eq!(
        summary(&run)["slices"]["metadata.ticket"]
            .as_object()
            .unwrap()
            .len(),
        150
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let at = page.find(r#"data-slice="metadata.ticket""#).unwrap();
    let end = page[at..].find("</table>").unwrap();
    let rows = page[at..at + end].matches(r#"class="slice-row""#).count();
    assert_eq!(rows, 100, "the table is capped");
    assert!(
        page.contains("lists the 100 largest of 150 groups; 50 smaller ones are left out here (summary.json has them all)"),
        "the page says what it left out"
    );
}

#[test]
fn long_texts_and_long_conversations_are_cut_with_a_note_and_the_page_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let pad = "lorem ipsum dolor sit amet ".repeat(40_000); // about 1 MB
    let mut input = String::new();
    for (i, line) in demo.lines().enumerate() {
        let mut c: Value = serde_json::from_str(line).unwrap();
        let events = c["events"].as_array_mut().unwrap();
        if i % 25 == 4 {
            let turn = events
                .iter_mut()
                .find(|e| e["type"] == "turn" && e["speaker"] == "customer")
                .unwrap();
            let text = format!("{} {pad}", turn["text"].as_str().unwrap());
            turn["text"] = Value::from(text);
        }
        if i == 7 {
            let first = events[0].clone();
            for n in 0..20_000 {
                let mut turn = first.clone();
                turn["text"] = Value::from(format!("still there? {n}"));
                events.insert(1, turn);
            }
        }
        input.push_str(&format!("{c}\n"));
    }
    let path = dir.path().join("long.jsonl");
    std::fs::write(&path, input).unwrap();
    let run = dir.path().join("run");
    let html = dir.path().join("long.html");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        path.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--judge",
        "off",
        "--html",
        html.to_str().unwrap(),
        "--html-conversations",
        "300",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.len() < 10_000_000, "{} bytes", page.len());
    assert!(
        page.matches(r#"class="note text-cut""#).count() >= 1,
        "a cut text says so"
    );
    assert!(page.contains("more characters not shown"));
    assert!(
        page.contains(r#"class="note events-cut">19"#),
        "the long conversation says how many events it leaves out"
    );
    let shape = structure(&page);
    let shown = shape["elements"]["conversation"].as_u64().unwrap();
    assert!(
        shape["shown"]
            .as_str()
            .unwrap()
            .contains(&format!("shows {shown} of 300 conversations")),
        "{}",
        shape["shown"]
    );
    if shown < 300 {
        assert!(page.contains(&format!(
            "{} more chosen conversation(s) are left out",
            300 - shown
        )));
    }
}

/// Conversations made from the first demo conversation, each with the id,
/// agent version and first customer text prefix given; the scored run's
/// report (every conversation shown).
fn made_report(dir: &Path, made: &[(&str, &str, &str)]) -> PathBuf {
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let base: Value = serde_json::from_str(demo.lines().next().unwrap()).unwrap();
    let mut input = String::new();
    for (id, agent, prefix) in made {
        let mut c = base.clone();
        c["conversationId"] = Value::from(*id);
        c["agentVersion"] = Value::from(*agent);
        let turn = c["events"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|e| e["type"] == "turn")
            .unwrap();
        turn["text"] = Value::from(format!("{prefix}{}", turn["text"].as_str().unwrap()));
        input.push_str(&format!("{c}\n"));
    }
    let path = dir.join("made.jsonl");
    std::fs::write(&path, input).unwrap();
    let run = dir.join("made");
    let html = dir.join("made.html");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        path.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--judge",
        "off",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    html
}

/// Characters no page text may hold raw: each is shown as `[U+XXXX]`.
const INVISIBLE: [char; 9] = [
    '\u{AD}',
    '\u{202E}',
    '\u{2062}',
    '\u{3164}',
    '\u{E0041}',
    '\u{E007F}',
    '\u{FFF9}',
    '\u{E000}',
    '\u{200B}',
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_conversations_render_as_they_should_in_a_real_browser() {
    let Some((chromium, driver_path)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = made_report(
        dir.path(),
        &[
            ("inv-a", "bot@1", ""),
            ("inv-b", "bot\u{AD}@1", ""),
            ("twin", "bot@1", "first twin. "),
            ("twin", "bot@1", "second twin. "),
            (
                "inv-\u{E0041}\u{E007F}c",
                "bot\u{202E}@2",
                "\u{2062}\u{3164}\u{FFF9}\u{E000}\u{200B} ",
            ),
        ],
    );
    let driver = start_driver(&driver_path);
    let browser = session(&driver, &chromium).await;
    load(&browser, &url(&html)).await;

    // The filter options, built by the script: three versions, told apart.
    let options = js(
        &browser,
        "return Array.from(document.querySelectorAll('#filter-agent_version option')).map(o => o.textContent).filter(t => t.startsWith('bot'));",
    )
    .await;
    let mut options: Vec<String> = serde_json::from_value(options).unwrap();
    options.sort();
    assert_eq!(options, ["bot@1", "bot[U+00AD]@1", "bot[U+202E]@2"]);

    // The conversation list and the open conversation.
    let data = report_data(&browser).await;
    let index = data["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["id"] == "inv-\u{E0041}\u{E007F}c")
        .unwrap();
    let article = open_conversation(&browser, index).await;
    let text = article.text().await.unwrap();
    for shown in [
        "inv-[U+E0041][U+E007F]c",
        "[U+2062][U+3164][U+FFF9][U+E000][U+200B]",
    ] {
        assert!(text.contains(shown), "`{shown}` in {text}");
    }
    let everything = js(&browser, "return document.body.innerText;").await;
    let everything = everything.as_str().unwrap();
    for c in INVISIBLE {
        assert!(
            !everything.contains(c),
            "U+{:04X} reaches the page raw",
            c as u32
        );
    }

    // Two calls with one id: each row opens its own, and so does its link.
    let twins: Vec<usize> = data["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, c)| c["id"] == "twin")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(twins.len(), 2);
    for (index, words) in twins.iter().zip(["first twin.", "second twin."]) {
        let article = open_conversation(&browser, *index).await;
        let text = article.text().await.unwrap();
        assert!(text.contains(words), "row {index} opens its own call");
        let line = &data["conversations"][*index]["line"];
        let fragment = browser.current_url().await.unwrap();
        assert_eq!(fragment.fragment(), Some(format!("call={line}").as_str()));
    }
    // A permalink opened afresh, to the second twin.
    let second = &data["conversations"][twins[1]]["line"];
    load(&browser, "about:blank").await;
    load(&browser, &format!("{}#call={second}", url(&html))).await;
    let open = js(
        &browser,
        "return Array.from(document.querySelectorAll('article.conversation')).filter(a => !a.hidden).map(a => a.innerText);",
    )
    .await;
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].as_str().unwrap().contains("second twin."));

    // A link to a call the report does not show says so.
    load(&browser, "about:blank").await;
    load(&browser, &format!("{}#call=999", url(&html))).await;
    let said = page_text(&browser, "#no-conversation").await;
    assert!(
        said.contains("is not among the 5 conversations this report shows in full"),
        "{said}"
    );
    assert_eq!(js(&browser, OPEN_ARTICLES).await, 0);

    let errors = console_errors(&browser).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.quit().await.unwrap();
}

#[test]
fn a_conversation_without_a_clock_still_gets_its_sentiment_line_by_event() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let mut c: Value = serde_json::from_str(demo.lines().next().unwrap()).unwrap();
    c.as_object_mut().unwrap().remove("startedAt");
    for event in c["events"].as_array_mut().unwrap() {
        event.as_object_mut().unwrap().remove("at");
    }
    let scored_turns = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["speaker"] == "customer" && e["sentiment"].is_number())
        .count();
    assert!(scored_turns > 1);
    let input = dir.path().join("noclock.jsonl");
    std::fs::write(&input, format!("{c}\n")).unwrap();
    let run = dir.path().join("run");
    let html = scored_report(&input, &run, &[]);
    let page = std::fs::read_to_string(html).unwrap();
    let shape = structure(&page);
    assert_eq!(shape["elements"]["timeline-chart"], 0);
    assert_eq!(shape["elements"]["sentiment-chart"], 1);
    assert!(
        page.contains("customer sentiment: "),
        "named with its scores"
    );
    assert_eq!(
        page.matches(" at event #").count(),
        2 * scored_turns,
        "one point per scored customer turn, placed by event (in the chart's label and title)"
    );
}

/// Clocks that contradict themselves are counted by kind in the summary, on
/// the screen and on the page, each scorecard says why it was counted, and
/// re-contact is not decided from an end the clock puts in doubt: a
/// conversation whose `endedAt` is before its `startedAt` is not a
/// re-contact of itself (nor of anything), and the customer's other
/// conversation, which ended after it started, came back to nothing.
#[test]
fn clock_contradictions_are_counted_by_kind_and_each_scorecard_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("clocks");
    let input = common::fixture("html/clock_contradictions.jsonl");
    let html = scored_report(&input, &run, &[]);
    let summary = summary(&run);
    assert_eq!(summary["clock_contradictions"], 4, "{summary}");
    assert_eq!(summary["clock_order_contradictions"], 3, "{summary}");
    assert_eq!(summary["negative_durations"], 1, "{summary}");
    let recontact = &summary["handoff"]["recontact_24h"];
    assert_eq!(recontact["recontacted"], 0, "{recontact}");
    assert_eq!(recontact["escalated"], 3, "{recontact}");
    assert_eq!(recontact["clock_contradicted"], 2, "{recontact}");

    let calls = std::fs::read_to_string(run.join("calls.jsonl")).unwrap();
    let why: BTreeMap<String, (Value, Value)> = calls
        .lines()
        .map(|line| {
            let card: Value = serde_json::from_str(line).unwrap();
            let metrics = &card["metrics"];
            (
                card["conversation_id"].as_str().unwrap().to_string(),
                (
                    metrics["clock_contradiction"].clone(),
                    metrics["negative_duration"].clone(),
                ),
            )
        })
        .collect();
    let said = |id: &str| why[id].clone();
    assert!(
        said("k7b-ended-before-start")
            .0
            .as_str()
            .unwrap()
            .contains("`endedAt` (2026-03-02T08:00:00Z) is before `startedAt`"),
        "{why:?}"
    );
    assert!(
        said("k7b-ended-before-last-event")
            .0
            .as_str()
            .unwrap()
            .contains("is before event 9"),
        "{why:?}"
    );
    assert!(
        said("k7b-event-before-start")
            .0
            .as_str()
            .unwrap()
            .contains("event 0 (2026-03-02T09:00:00Z) is stamped before `startedAt`"),
        "{why:?}"
    );
    assert!(
        said("k7b-wait-quoted-neg-said")
            .1
            .as_str()
            .unwrap()
            .contains("-900s"),
        "{why:?}"
    );
    assert_eq!(said("k7b-wait-quoted-neg-said").0, Value::Null, "{why:?}");
    assert_eq!(
        said("k7b-next-contact"),
        (Value::Null, Value::Null),
        "{why:?}"
    );

    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        dir.path().join("again").to_str().unwrap(),
    ]);
    let stdout = common::stdout(&output);
    assert!(
        stdout.contains(
            "4 whose clock contradicts itself (3 timestamps against their order, 1 a negative duration)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("re-contact within 24h: 0 of 3 escalated")
            && stdout.contains("; 2 left out: a clock contradicts itself"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(html).unwrap();
    assert!(
        page.contains("4 conversation(s) whose clock contradicts itself: 3 whose timestamps"),
        "the page names the kinds apart"
    );

    // Alone, the conversation that ended before it started is no re-contact
    // of itself: re-contact is not decided for it.
    let alone = dir.path().join("alone.jsonl");
    let first = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&alone, first + "\n").unwrap();
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        alone.to_str().unwrap(),
        "--out",
        dir.path().join("alone").to_str().unwrap(),
    ]);
    let stdout = common::stdout(&output);
    assert!(
        !stdout.contains("re-contact within 24h: 1 of 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "re-contact within 24h: not decided for 1 escalated conversation(s) whose clock contradicts itself"
        ),
        "{stdout}"
    );
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("alone/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["handoff"]["recontact_24h"]["recontacted"], 0);
    assert_eq!(summary["handoff"]["recontact_24h"]["clock_contradicted"], 1);
}
