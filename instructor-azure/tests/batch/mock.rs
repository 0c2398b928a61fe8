//! An in-process Azure OpenAI files + batches service, written to the 2024-10-21 authoring spec
//! (and the `/openai/v1/` form): multipart uploads stored, batches validated as the service
//! validates input files, statuses moving one step per poll, output and error files written in
//! the Batch API's line format by a scripted model.
//!
//! It is one wiremock responder over shared state: wiremock gives the server on 127.0.0.1 and
//! the request log; the state machine is what the tests are about.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

pub const KEY: &str = "test-key-s3cr3t-0123456789";
pub const DATED: &str = "2024-10-21";

/// What the scripted model answers for one line: given its custom_id, body and round.
pub enum Line {
    /// 200 with this chat completion.
    Reply(Value),
    /// Another status with this error body.
    Status(u16, Value),
    /// No response: `error: {code, message}`.
    NotRun(&'static str),
    /// This text instead of a line (malformed output).
    Raw(String),
    /// No line at all.
    Missing,
}

pub type Model = Arc<dyn Fn(&str, &Value, u32) -> Line + Send + Sync>;

/// How one batch (by creation order) goes.
#[derive(Clone, Debug)]
pub struct Script {
    /// Statuses shown on successive polls before the end (default: in_progress, finalizing).
    pub steps: Vec<&'static str>,
    pub end: End,
}

#[derive(Clone, Debug)]
pub enum End {
    Completed,
    /// The window passed after `ran` lines; `report` writes `batch_expired` lines for the rest.
    Expired {
        ran: usize,
        report: bool,
    },
    /// The service refused the input file.
    Failed,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            steps: vec!["in_progress", "finalizing"],
            end: End::Completed,
        }
    }
}

struct File {
    bytes: Vec<u8>,
    purpose: String,
    filename: String,
}

struct Batch {
    id: String,
    input_file_id: String,
    endpoint: String,
    status: String,
    polls: usize,
    script: Script,
    round: u32,
    output_file_id: Option<String>,
    error_file_id: Option<String>,
    counts: (usize, usize, usize),
    errors: Vec<Value>,
    metadata: Value,
    cancel_requested: bool,
}

pub struct State {
    files: BTreeMap<String, File>,
    batches: Vec<Batch>,
    next: u64,
    model: Model,
    scripts: Vec<Script>,
    /// An upload is `pending` this many times it is seen (its reply, then GET /files/{id}).
    pub pending_file_polls: usize,
    /// Lines a cancelled batch ran before it stopped.
    pub ran_before_cancel: usize,
    /// (method, path) of every request.
    pub log: Vec<(String, String)>,
    /// The parsed lines of every uploaded input file, in upload order.
    pub inputs: Vec<Vec<Value>>,
    file_polls: BTreeMap<String, usize>,
}

#[derive(Clone)]
pub struct Mock(pub Arc<Mutex<State>>);

impl Mock {
    pub fn new(model: Model, scripts: Vec<Script>) -> Self {
        Mock(Arc::new(Mutex::new(State {
            files: BTreeMap::new(),
            batches: Vec::new(),
            next: 0,
            model,
            scripts,
            pending_file_polls: 0,
            ran_before_cancel: 1,
            log: Vec::new(),
            inputs: Vec::new(),
            file_polls: BTreeMap::new(),
        })))
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// Batch ids in creation order with their rounds and statuses.
    pub fn batches(&self) -> Vec<(String, u32, String)> {
        self.state()
            .batches
            .iter()
            .map(|b| (b.id.clone(), b.round, b.status.clone()))
            .collect()
    }

    /// How many requests went to `method path-prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.state()
            .log
            .iter()
            .filter(|(m, p)| m == method && p.starts_with(prefix))
            .count()
    }
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "message": message}}))
}

impl Respond for Mock {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.state();
        state
            .log
            .push((req.method.to_string(), req.url.path().to_owned()));
        if req.headers.get("api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
            return error(401, "401", "Access denied due to invalid subscription key.");
        }
        let path = req.url.path();
        let (v1, rest) = match path.strip_prefix("/openai/v1/") {
            Some(rest) => (true, rest),
            None => match path.strip_prefix("/openai/") {
                Some(rest) => (false, rest),
                None => return error(404, "404", "Resource not found"),
            },
        };
        let version = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "api-version")
            .map(|(_, v)| v.into_owned());
        if !v1 && version.as_deref() != Some(DATED) {
            return error(404, "404", "Resource not found (api-version)");
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let method = req.method.as_str();
        match (method, parts.as_slice()) {
            ("POST", ["files"]) => state.upload(req, v1),
            ("GET", ["files", id]) => state.file(id),
            ("GET", ["files", id, "content"]) => match state.files.get(*id) {
                Some(f) => ResponseTemplate::new(200)
                    .insert_header("content-type", "application/octet-stream")
                    .set_body_bytes(f.bytes.clone()),
                None => error(404, "404", "File not found"),
            },
            ("POST", ["batches"]) => state.create(req, v1),
            ("GET", ["batches"]) => state.list(req),
            ("GET", ["batches", id]) => state.poll(id),
            ("POST", ["batches", id, "cancel"]) => state.cancel(id),
            _ => error(404, "404", "Resource not found"),
        }
    }
}

/// One part of a multipart/form-data body: name, filename, bytes.
type Part = (String, Option<String>, Vec<u8>);

/// The parts of a multipart/form-data body.
fn multipart(req: &Request) -> Option<Vec<Part>> {
    let ctype = req.headers.get("content-type")?.to_str().ok()?;
    let boundary = ctype.split("boundary=").nth(1)?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &req.body;
    let mut parts = Vec::new();
    let mut rest: &[u8] = body;
    loop {
        let start = find(rest, delimiter.as_bytes())? + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]).to_string();
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let attr = |key: &str| {
            head.split(';')
                .map(str::trim)
                .find_map(|a| a.strip_prefix(&format!("{key}=")))
                .map(|v| {
                    v.split("\r\n")
                        .next()
                        .unwrap_or(v)
                        .trim_matches('"')
                        .to_owned()
                })
        };
        parts.push((attr("name")?, attr("filename"), content[..end].to_vec()));
        rest = &content[end + 2..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:04}", self.next)
    }

    fn file_object(&self, id: &str, status: &str) -> Value {
        let f = &self.files[id];
        json!({"object": "file", "id": id, "status": status, "bytes": f.bytes.len(),
               "purpose": f.purpose, "filename": f.filename, "created_at": 1646126127})
    }

    fn upload(&mut self, req: &Request, v1: bool) -> ResponseTemplate {
        let Some(parts) = multipart(req) else {
            return error(
                400,
                "invalidPayload",
                "The file has no or an empty content type specified.",
            );
        };
        let purpose = parts
            .iter()
            .find(|p| p.0 == "purpose")
            .map(|p| String::from_utf8_lossy(&p.2).to_string());
        let Some((_, filename, bytes)) = parts.into_iter().find(|p| p.0 == "file") else {
            return error(400, "invalidPayload", "no file part");
        };
        if purpose.as_deref() != Some("batch") {
            return error(400, "invalidPayload", "purpose must be batch here");
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        self.inputs.push(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
                .collect(),
        );
        let id = self.id("file-");
        self.files.insert(
            id.clone(),
            File {
                bytes,
                purpose: "batch".into(),
                filename: filename.unwrap_or_default(),
            },
        );
        // The upload's own reply is the first time the file is seen.
        let pending = self.pending_file_polls > 0;
        self.file_polls
            .insert(id.clone(), self.pending_file_polls.saturating_sub(1));
        let status = if pending { "pending" } else { "processed" };
        let body = self.file_object(&id, status);
        // 2024-10-21 answers 201 with a Location; v1 answers 200.
        if v1 {
            ResponseTemplate::new(200).set_body_json(body)
        } else {
            ResponseTemplate::new(201)
                .insert_header("location", format!("/openai/files/{id}").as_str())
                .set_body_json(body)
        }
    }

    fn file(&mut self, id: &str) -> ResponseTemplate {
        if !self.files.contains_key(id) {
            return error(404, "404", "File not found");
        }
        let left = self.file_polls.entry(id.to_owned()).or_default();
        let status = if *left > 0 {
            *left -= 1;
            "pending"
        } else {
            "processed"
        };
        ResponseTemplate::new(200).set_body_json(self.file_object(id, status))
    }

    fn create(&mut self, req: &Request, v1: bool) -> ResponseTemplate {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return error(400, "invalid_request", "not JSON");
        };
        let input = body["input_file_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !self.files.contains_key(&input) {
            return error(404, "404", "input file not found");
        }
        let endpoint = body["endpoint"].as_str().unwrap_or_default().to_owned();
        let expected = if v1 {
            "/v1/chat/completions"
        } else {
            "/chat/completions"
        };
        if endpoint != expected {
            return error(400, "invalid_request", "unsupported endpoint");
        }
        if body["completion_window"] != "24h" {
            return error(400, "invalid_request", "completion_window must be 24h");
        }
        let round = body["metadata"]["instructor_round"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        let index = self.batches.len();
        let script = self.scripts.get(index).cloned().unwrap_or_default();
        let id = self.id("batch_");
        self.batches.push(Batch {
            id: id.clone(),
            input_file_id: input,
            endpoint,
            status: "validating".into(),
            polls: 0,
            script,
            round,
            output_file_id: None,
            error_file_id: None,
            counts: (0, 0, 0),
            errors: Vec::new(),
            metadata: body["metadata"].clone(),
            cancel_requested: false,
        });
        ResponseTemplate::new(200).set_body_json(self.batch_object(index))
    }

    fn batch_object(&self, i: usize) -> Value {
        let b = &self.batches[i];
        let errors = if b.errors.is_empty() {
            Value::Null
        } else {
            json!({"object": "list", "data": b.errors})
        };
        json!({"object": "batch", "id": b.id, "endpoint": b.endpoint, "errors": errors,
               "input_file_id": b.input_file_id, "completion_window": "24h", "status": b.status,
               "output_file_id": b.output_file_id, "error_file_id": b.error_file_id,
               "created_at": 1646126127, "in_progress_at": null, "expires_at": 1646212527,
               "finalizing_at": null, "completed_at": null, "failed_at": null, "expired_at": null,
               "cancelling_at": null, "cancelled_at": null,
               "request_counts": {"total": b.counts.0, "completed": b.counts.1, "failed": b.counts.2},
               "metadata": b.metadata})
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.batches.iter().position(|b| b.id == id)
    }

    fn list(&self, req: &Request) -> ResponseTemplate {
        let limit: usize = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "limit")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(20);
        let after = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map(|(_, v)| v.into_owned());
        let newest_first: Vec<usize> = (0..self.batches.len()).rev().collect();
        let start = match after {
            Some(a) => newest_first
                .iter()
                .position(|&i| self.batches[i].id == a)
                .map_or(0, |p| p + 1),
            None => 0,
        };
        let page: Vec<Value> = newest_first
            .iter()
            .skip(start)
            .take(limit)
            .map(|&i| self.batch_object(i))
            .collect();
        let has_more = start + page.len() < newest_first.len();
        ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "data": page, "has_more": has_more,
            "first_id": page.first().map(|b| b["id"].clone()), "last_id": page.last().map(|b| b["id"].clone()),
        }))
    }

    fn cancel(&mut self, id: &str) -> ResponseTemplate {
        let Some(i) = self.index(id) else {
            return error(404, "404", "batch not found");
        };
        let b = &mut self.batches[i];
        if matches!(
            b.status.as_str(),
            "completed" | "failed" | "expired" | "cancelled"
        ) {
            return error(409, "conflict", "the batch has already ended");
        }
        b.cancel_requested = true;
        b.status = "cancelling".into();
        ResponseTemplate::new(200).set_body_json(self.batch_object(i))
    }

    /// One poll moves the batch one step: validating, its script's steps, then its end.
    fn poll(&mut self, id: &str) -> ResponseTemplate {
        let Some(i) = self.index(id) else {
            return error(404, "404", "batch not found");
        };
        let terminal = |s: &str| matches!(s, "completed" | "failed" | "expired" | "cancelled");
        if !terminal(&self.batches[i].status) {
            self.step(i);
        }
        ResponseTemplate::new(200).set_body_json(self.batch_object(i))
    }

    fn step(&mut self, i: usize) {
        let b = &mut self.batches[i];
        b.polls += 1;
        if b.cancel_requested {
            let ran = self.ran_before_cancel;
            self.finish(i, "cancelled", Some(ran), true);
            return;
        }
        if b.status == "validating" {
            if let Some(errors) = self.validate(i) {
                let b = &mut self.batches[i];
                b.errors = errors;
                b.status = "failed".into();
                return;
            }
            if matches!(self.batches[i].script.end, End::Failed) {
                let b = &mut self.batches[i];
                b.errors = vec![
                    json!({"code": "model_not_found", "message": "The provided model deployment was not found.", "param": null, "line": "1"}),
                ];
                b.status = "failed".into();
                return;
            }
        }
        let b = &mut self.batches[i];
        if let Some(next) = b.script.steps.get(b.polls - 1) {
            b.status = (*next).to_owned();
            if b.status == "in_progress" {
                let total = self.lines(i).len();
                self.batches[i].counts.0 = total;
            }
            return;
        }
        match self.batches[i].script.end.clone() {
            End::Completed | End::Failed => self.finish(i, "completed", None, false),
            End::Expired { ran, report } => self.finish(i, "expired", Some(ran), report),
        }
    }

    fn lines(&self, i: usize) -> Vec<Value> {
        let f = &self.files[&self.batches[i].input_file_id];
        String::from_utf8_lossy(&f.bytes)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect()
    }

    /// The checks the service runs on an input file (BATCH.md §1, §4).
    fn validate(&self, i: usize) -> Option<Vec<Value>> {
        let b = &self.batches[i];
        let mut errors = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut model = None;
        for (n, line) in self.lines(i).iter().enumerate() {
            let err = |code: &str, message: &str| json!({"code": code, "message": message, "param": null, "line": (n + 1).to_string()});
            if !line.is_object() {
                errors.push(err("invalid_json_line", "not a JSON object"));
                continue;
            }
            let id = line["custom_id"].as_str().unwrap_or_default();
            if !ids.insert(id.to_owned()) {
                errors.push(err("duplicate_custom_id", "duplicate custom_id"));
            }
            if line["method"] != "POST" {
                errors.push(err("invalid_request", "method must be POST"));
            }
            if line["url"] != b.endpoint.as_str() {
                errors.push(err(
                    "url_mismatch",
                    "the url does not match the batch endpoint",
                ));
            }
            let m = line["body"]["model"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if m.is_empty() || model.get_or_insert(m.clone()) != &m {
                errors.push(err(
                    "model_mismatch",
                    "every line must name the same deployment",
                ));
            }
            if line["body"]["messages"]
                .as_array()
                .is_none_or(|m| m.is_empty())
            {
                errors.push(err("invalid_request", "no messages"));
            }
        }
        if ids.is_empty() {
            errors.push(
                json!({"code": "empty_batch", "message": "empty", "param": null, "line": null}),
            );
        }
        (!errors.is_empty()).then_some(errors)
    }

    /// Runs the lines (the first `ran` of them, if given) and writes the output and error files.
    fn finish(&mut self, i: usize, status: &str, ran: Option<usize>, report_rest: bool) {
        let lines = self.lines(i);
        let round = self.batches[i].round;
        let model = self.model.clone();
        let (mut out, mut err) = (String::new(), String::new());
        let (mut ok, mut failed) = (0, 0);
        for (n, line) in lines.iter().enumerate() {
            let id = line["custom_id"].as_str().unwrap_or_default();
            let request_id = format!("req-{i}-{n}");
            if ran.is_some_and(|r| n >= r) {
                if report_rest {
                    let code = if status == "cancelled" {
                        "batch_cancelled"
                    } else {
                        "batch_expired"
                    };
                    err += &json!({"id": format!("batch_req_{n}"), "custom_id": id, "response": null,
                        "error": {"code": code, "message": "This request could not be executed before the batch ended."}}).to_string();
                    err.push('\n');
                    failed += 1;
                }
                continue;
            }
            match model(id, &line["body"], round) {
                Line::Reply(completion) => {
                    out += &json!({"id": format!("batch_req_{n}"), "custom_id": id,
                        "response": {"status_code": 200, "request_id": request_id, "body": completion},
                        "error": null}).to_string();
                    out.push('\n');
                    ok += 1;
                }
                Line::Status(code, body) => {
                    err += &json!({"id": format!("batch_req_{n}"), "custom_id": id,
                        "response": {"status_code": code, "request_id": request_id, "body": body},
                        "error": null})
                    .to_string();
                    err.push('\n');
                    failed += 1;
                }
                Line::NotRun(code) => {
                    err +=
                        &json!({"id": format!("batch_req_{n}"), "custom_id": id, "response": null,
                        "error": {"code": code, "message": "not run"}})
                        .to_string();
                    err.push('\n');
                    failed += 1;
                }
                Line::Raw(text) => {
                    out += &text;
                    out.push('\n');
                }
                Line::Missing => {}
            }
        }
        let out_id = self.id("file-");
        let err_id = self.id("file-");
        for (id, text, name) in [
            (&out_id, out, "output.jsonl"),
            (&err_id, err, "errors.jsonl"),
        ] {
            self.files.insert(
                id.clone(),
                File {
                    bytes: text.into_bytes(),
                    purpose: "batch_output".into(),
                    filename: name.into(),
                },
            );
        }
        let b = &mut self.batches[i];
        b.status = status.to_owned();
        b.output_file_id = Some(out_id);
        // A successful job still gets an (empty) error file.
        b.error_file_id = Some(err_id);
        b.counts = (lines.len(), ok, failed);
    }
}
