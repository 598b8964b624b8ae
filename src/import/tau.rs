//! tau-bench (v1 historical trajectories) and tau2-bench (results files).
//!
//! tau-bench: a JSON list of `{task_id, trial, reward, info, traj}`, `traj`
//! being OpenAI chat messages (tool calls with `function.arguments` as a JSON
//! string). No times. The file name (`gpt-4o-airline.json`) gives the agent
//! model and the domain.
//!
//! tau2: `{info, tasks, simulations}`, or a bare list of simulations (no
//! `info`: no model or domain); each simulation has `messages` with
//! `turn_idx` and a `timestamp` without offset (taken as UTC), tool calls
//! with `arguments` as an object and a `requestor` (the user's own device
//! tools in the telecom domain are `requestor: user`, not the agent's).

use std::path::Path;

use serde_json::{Map, Value};

use super::{
    Emit, Header, Message, Role, ToolCall, ai_side, arguments, build, content, read_json, time_at,
};

/// `gpt-4o-airline` -> (`gpt-4o`, `airline`); other names stay whole.
fn model_and_domain(stem: &str) -> (String, Option<String>) {
    for domain in ["airline", "retail", "telecom"] {
        if let Some(model) = stem.strip_suffix(&format!("-{domain}")) {
            return (model.to_string(), Some(domain.to_string()));
        }
    }
    (stem.to_string(), None)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// OpenAI chat messages (tau-bench's `traj`, tau2's `messages`).
fn messages(list: &[Value], timed: bool) -> Result<Vec<Message>, String> {
    list.iter()
        .enumerate()
        .map(|(index, raw)| {
            let role = raw
                .get("role")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("message {index}: no `role`"))?;
            let role = Role::parse(role)
                .ok_or_else(|| format!("message {index}: unknown role `{role}`"))?;
            let all_calls = raw.get("tool_calls").and_then(Value::as_array);
            // The user's own tools (tau2's telecom device tools) are not the
            // agent's: left out, and counted.
            let users_calls = all_calls
                .into_iter()
                .flatten()
                .filter(|call| call.get("requestor").and_then(Value::as_str) == Some("user"))
                .count();
            let tool_calls = all_calls
                .into_iter()
                .flatten()
                .filter(|call| call.get("requestor").and_then(Value::as_str) != Some("user"))
                .map(|call| {
                    // tau-bench: {function: {name, arguments: "json"}, id};
                    // tau2: {id, name, arguments: {...}}.
                    let function = call.get("function").unwrap_or(call);
                    let name = function
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("message {index}: a tool call without a name"))?;
                    Ok(ToolCall {
                        id: call.get("id").and_then(Value::as_str).map(str::to_string),
                        name: name.to_string(),
                        arguments: arguments(function.get("arguments").unwrap_or(&Value::Null)),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            // tau2 marks results of the user's own tools with `requestor: user`.
            let users_tool =
                role == Role::Tool && raw.get("requestor").and_then(Value::as_str) == Some("user");
            let mut body = content(raw.get("content").unwrap_or(&Value::Null));
            body.skipped.extend(std::iter::repeat_n(
                "the user's own tool call".to_string(),
                users_calls,
            ));
            if users_tool {
                body.skipped.push("the user's own tool result".to_string());
            }
            Ok(Message {
                role: if users_tool { Role::System } else { role },
                text: body.text,
                tool_calls,
                tool_call_id: raw
                    .get("tool_call_id")
                    .or_else(|| raw.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                at: if timed {
                    time_at(
                        raw.get("timestamp"),
                        &format!("messages[{index}].timestamp"),
                    )?
                } else {
                    None
                },
                skipped: body.skipped,
                ..Message::default()
            })
        })
        .collect()
}

pub fn import_v1(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<()> {
    let Some(value) = read_json(path, emit)? else {
        return Ok(());
    };
    let Value::Array(records) = value else {
        return emit.reject(
            "file",
            "expected a JSON list of trajectories ({task_id, trial, reward, info, traj})",
        );
    };
    let stem = Emit::file_stem(path);
    let (model, domain) = model_and_domain(&stem);
    for (index, record) in records.iter().enumerate() {
        let built = trajectory(record, &stem, &model, domain.as_deref())
            .and_then(|(header, messages)| build(header, messages, emit.options));
        emit.record(format!("[{index}]"), built)?;
    }
    Ok(())
}

fn trajectory(
    record: &Value,
    stem: &str,
    model: &str,
    domain: Option<&str>,
) -> Result<(Header, Vec<Message>), String> {
    let task = record.get("task_id").ok_or("no `task_id`")?;
    let traj = record
        .get("traj")
        .and_then(Value::as_array)
        .ok_or("no `traj` list of messages")?;
    let trial = record.get("trial").map(text_of).unwrap_or_default();
    let mut metadata = Map::new();
    metadata.insert("source".into(), Value::from("tau-bench"));
    if let Some(domain) = domain {
        metadata.insert("domain".into(), Value::from(domain));
    }
    metadata.insert("trial".into(), Value::from(trial.clone()));
    if let Some(reward) = record.get("reward") {
        metadata.insert("reward".into(), Value::from(text_of(reward)));
    }
    let task_id = text_of(task);
    let header = Header {
        conversation_id: format!("{stem}/task-{task_id}/trial-{trial}"),
        agent_version: Some(model.to_string()),
        scenario_id: Some(match domain {
            Some(domain) => format!("{domain}/{task_id}"),
            None => task_id,
        }),
        customer_id: record
            .pointer("/info/task/user_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        metadata,
        source: "tau-bench",
        can_record: Some(ai_side()),
        ..Header::default()
    };
    Ok((header, messages(traj, false)?))
}

pub fn import_v2(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<()> {
    let Some(value) = read_json(path, emit)? else {
        return Ok(());
    };
    // A results object, or the bare list of its simulations.
    let simulations = match &value {
        Value::Array(list) => list,
        _ => match value.get("simulations").and_then(Value::as_array) {
            Some(list) => list,
            None => {
                return emit.reject(
                    "file",
                    "expected a tau2 results object with `simulations`, or a list of simulations",
                );
            }
        },
    };
    let record = |index: usize| match &value {
        Value::Array(_) => format!("[{index}]"),
        _ => format!("simulations[{index}]"),
    };
    let model = value
        .pointer("/info/agent_info/llm")
        .and_then(Value::as_str)
        .map(str::to_string);
    let domain = value
        .pointer("/info/environment_info/domain_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    for (index, simulation) in simulations.iter().enumerate() {
        let built = simulation_record(simulation, model.as_deref(), domain.as_deref())
            .and_then(|(header, messages)| build(header, messages, emit.options));
        emit.record(record(index), built)?;
    }
    Ok(())
}

fn simulation_record(
    simulation: &Value,
    model: Option<&str>,
    domain: Option<&str>,
) -> Result<(Header, Vec<Message>), String> {
    let id = simulation
        .get("id")
        .and_then(Value::as_str)
        .ok_or("no `id`")?;
    let list = simulation
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("no `messages` list")?;
    // Without a task, no scenario: a run pairs with no other.
    let task_id = simulation
        .get("task_id")
        .filter(|v| !v.is_null())
        .map(text_of)
        .filter(|t| !t.is_empty());
    let mut metadata = Map::new();
    metadata.insert("source".into(), Value::from("tau2"));
    if let Some(domain) = domain {
        metadata.insert("domain".into(), Value::from(domain));
    }
    for (key, name) in [
        ("trial", "trial"),
        ("termination_reason", "termination_reason"),
    ] {
        if let Some(value) = simulation.get(key).filter(|v| !v.is_null()) {
            metadata.insert(name.into(), Value::from(text_of(value)));
        }
    }
    if let Some(reward) = simulation.pointer("/reward_info/reward") {
        metadata.insert("reward".into(), Value::from(text_of(reward)));
    }
    let messages = messages(list, true)?;
    // The customer's id where the agent looked it up by one.
    let customer_id = messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .find_map(|call| call.arguments.get("user_id").and_then(Value::as_str))
        .map(str::to_string);
    let header = Header {
        conversation_id: id.to_string(),
        agent_version: model.map(str::to_string),
        scenario_id: task_id.map(|task_id| match domain {
            Some(domain) => format!("{domain}/{task_id}"),
            None => task_id,
        }),
        customer_id,
        started_at: time_at(simulation.get("start_time"), "start_time")?,
        ended_at: time_at(simulation.get("end_time"), "end_time")?,
        metadata,
        source: "tau2",
        can_record: Some(ai_side()),
        ..Header::default()
    };
    Ok((header, messages))
}
