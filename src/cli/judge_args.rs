//! The judge's command-line options, shared by `score` and `explain`.

use clap::Args;

use super::screen::to_stderr;

use crate::judge::cache::{Cache, CacheMode};
use crate::judge::client::{JudgeClient, JudgeSettings};
use crate::judge::runner::{JudgeRunner, LiveOptions};

/// Judge checks: an OpenAI-compatible endpoint.
#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// `auto`: call the judge when one is configured, else report judge
    /// checks as unscored; `off`: do not run judge checks (n/a).
    #[arg(long = "judge", value_enum, default_value_t = JudgeSwitch::Auto)]
    switch: JudgeSwitch,
    /// Base URL of the OpenAI-compatible API.
    #[arg(long, env = "OPENAI_BASE_URL", hide_env_values = true, default_value = DEFAULT_BASE_URL)]
    judge_base_url: String,
    /// API key (needed for the default endpoint; a local server may need none).
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    judge_api_key: Option<String>,
    /// Model name as the endpoint knows it.
    #[arg(
        long,
        env = "HANDOFF_EVAL_JUDGE_MODEL",
        hide_env_values = true,
        default_value = "gpt-4o-mini"
    )]
    judge_model: String,
    /// Time allowed for one judge call, e.g. `30s`.
    #[arg(long, default_value = "30s")]
    judge_timeout: crate::rubric::params::Seconds,
    /// Retries after a 429, a 5xx, a timeout or a broken connection.
    #[arg(long, default_value_t = 3)]
    judge_retries: u32,
    /// Judge calls in flight at most (fewer after rate limiting; at least 1).
    #[arg(long, default_value_t = 8, value_parser = at_least_one)]
    judge_concurrency: usize,
    /// Sampling temperature of judge calls (0: the most repeatable replies).
    #[arg(long, default_value_t = 0.0)]
    judge_temperature: f32,
    /// Longest judge reply, in tokens (`max_tokens`).
    #[arg(long, default_value_t = 400)]
    judge_max_tokens: u32,
    /// Calls per judge check (at least 1); the verdict is the majority, a
    /// tie is unscored.
    #[arg(long, default_value_t = 1, value_parser = at_least_one_u32)]
    judge_samples: u32,
    /// Directory of cached judge replies.
    #[arg(long, default_value = ".handoff-eval-cache")]
    judge_cache: std::path::PathBuf,
    /// Neither read nor write the judge cache.
    #[arg(long)]
    no_cache: bool,
    /// Answer judge checks from the cache only; a miss is unscored (for CI).
    #[arg(long, conflicts_with = "no_cache")]
    judge_replay: bool,
    /// Price in USD per million input and output tokens, `IN,OUT`, for the
    /// cost estimate in summary.json.
    #[arg(long, value_name = "IN,OUT", value_parser = parse_price)]
    judge_price: Option<(f64, f64)>,
    /// Follow HTTP redirects from the judge endpoint to the same origin
    /// (by default a redirect is an unscored reason naming its target).
    #[arg(long)]
    judge_follow_redirects: bool,
    /// A folder judge prompts may also be read from, besides the rubric's
    /// own (repeatable); prompts resolving anywhere else are rubric errors.
    #[arg(long, value_name = "DIR")]
    prompt_root: Vec<std::path::PathBuf>,
}

fn parse_price(text: &str) -> Result<(f64, f64), String> {
    let (input, output) = text
        .split_once(',')
        .ok_or_else(|| format!("expected IN,OUT (USD per million tokens), found `{text}`"))?;
    let parse = |part: &str| {
        part.trim()
            .parse::<f64>()
            .map_err(|_| format!("expected a number, found `{part}`"))
    };
    Ok((parse(input)?, parse(output)?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum JudgeSwitch {
    Auto,
    Off,
}

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

impl JudgeArgs {
    /// How `runner` answers judge checks, for a run's manifest: `off`,
    /// `unavailable`, or `live`, the model, and a SHA-256 of every setting
    /// that decides a reply (endpoint, model, temperature, token limit,
    /// samples, replay), so that a run is resumed only with the same judge
    /// and the manifest holds no endpoint address.
    pub fn describe(&self, runner: &JudgeRunner) -> String {
        match runner {
            JudgeRunner::Off => "off".to_string(),
            JudgeRunner::Unavailable(_) => "unavailable".to_string(),
            JudgeRunner::Live(_) => {
                let settings = format!(
                    "{}\n{}\n{}\n{}\n{}\n{}",
                    self.judge_base_url,
                    self.judge_model,
                    self.judge_temperature,
                    self.judge_max_tokens,
                    self.judge_samples,
                    self.judge_replay
                );
                let digest = crate::judge::cache::Cache::key(&[&settings]);
                format!("live {} ({})", self.judge_model, &digest[..16])
            }
        }
    }

    /// Whether `--judge off` was given.
    pub fn is_off(&self) -> bool {
        self.switch == JudgeSwitch::Off
    }

    /// Folders besides the rubric's that judge prompts may come from.
    pub fn prompt_roots(&self) -> &[std::path::PathBuf] {
        &self.prompt_root
    }

    pub fn runner(&self, rubric: &crate::rubric::Rubric) -> anyhow::Result<JudgeRunner> {
        let has_judge_checks = rubric
            .dimensions
            .iter()
            .flat_map(|d| &d.checks)
            .any(|c| matches!(c.kind, crate::checks::CheckKind::Judge(_)));
        if self.switch == JudgeSwitch::Off || !has_judge_checks {
            return Ok(JudgeRunner::Off);
        }
        let key = self.judge_api_key.clone().filter(|k| !k.trim().is_empty());
        if key.is_none() && self.judge_base_url == DEFAULT_BASE_URL {
            return Ok(JudgeRunner::Unavailable(
                "no judge configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for another endpoint), or run with --judge off".to_string(),
            ));
        }
        let client = JudgeClient::new(JudgeSettings {
            base_url: self.judge_base_url.clone(),
            api_key: key,
            model: self.judge_model.clone(),
            temperature: self.judge_temperature,
            max_tokens: self.judge_max_tokens,
            timeout: std::time::Duration::from_secs_f64(self.judge_timeout.0),
            max_retries: self.judge_retries,
            concurrency: self.judge_concurrency,
            follow_redirects: self.judge_follow_redirects,
        })?
        .with_notice(|notice| to_stderr!("{notice}"));
        let cache = (!self.no_cache).then(|| {
            let mode = if self.judge_replay {
                CacheMode::ReplayOnly
            } else {
                CacheMode::ReadWrite
            };
            Cache::new(&self.judge_cache, mode)
        });
        let options = LiveOptions {
            cache,
            samples: self.judge_samples,
            price: self.judge_price,
        };
        Ok(JudgeRunner::live(client, &self.judge_model, options)?)
    }
}

/// A count of at least 1 (`--judge-concurrency`).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("give at least 1".to_string()),
        Err(_) => Err(format!(
            "expected a whole number of at least 1, found `{text}`"
        )),
    }
}

/// A count of at least 1 (`--judge-samples`).
fn at_least_one_u32(text: &str) -> Result<u32, String> {
    let n = at_least_one(text)?;
    u32::try_from(n).map_err(|_| format!("{n} is too many"))
}
