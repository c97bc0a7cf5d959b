//! Uploads that ask too much of `tianye serve`, `tianye validate` and `tianye
//! import-responses`, each made the way an attacker with one team link would make it:
//! a megabyte of empty roster rows, of one-key rows, of unknown answers, of nesting or
//! of zeros; thousands of problems; `meta` that is huge or not a time; the same key
//! twice. The server's memory is read from `/proc/PID/status` (VmHWM, the peak) while
//! it answers, and a watcher kills it past 512 MB so a regression fails fast instead of
//! taking the machine.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tianye_tests::repo;
use tianye_tests::server::{
    Server, client, fixture_forms, household_response, new_instance_id, team_token, temp_dir,
    tianye, try_upload, upload,
};

/// Peak resident memory the server may reach while answering any one upload.
const PEAK_MB: u64 = 64;
/// Largest reply to any one upload.
const REPLY_BYTES: usize = 64 * 1024;
/// How long any one answer may take (a debug build, on a busy machine).
const ANSWER_SECS: u64 = 10;

/// A field of `/proc/PID/status` in MB (`VmHWM`, `VmRSS`).
fn status_mb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

/// Kills the server (by its id: a process this test started) when its memory passes
/// 512 MB, until dropped.
struct Watcher {
    stop: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
}

impl Watcher {
    fn new(pid: u32) -> Watcher {
        let (stop, killed) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (s, k) = (stop.clone(), killed.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if status_mb(pid, "VmRSS:").is_some_and(|mb| mb > 512) {
                    let _ =
                        std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
                    k.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Watcher { stop, killed }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// An `lbc_household` response (complete, consent given) with `answers` added.
fn household(answers: &str) -> String {
    format!(
        r#"{{"instance_id": "{}", "questionnaire": {{"id": "lbc_household", "version": "2026.3"}}, "status": "complete", "answers": {{"consent": "yes", {answers}}}, "meta": {{}}}}"#,
        new_instance_id()
    )
}

/// Uploads `body`; the answer, the reply's size, how long it took and the server's
/// peak memory since it started. Panics naming `what` when the server did not answer.
fn measured(
    server: &Server,
    token: &str,
    watcher: &Watcher,
    what: &str,
    body: &str,
) -> (u16, Value, usize, Duration, u64) {
    assert!(body.len() <= 1024 * 1024, "{what}: the body must fit the 1 MiB limit");
    let started = Instant::now();
    let answer = try_upload(&client(), &server.url, Some(token), body);
    let took = started.elapsed();
    let peak = status_mb(server.pid(), "VmHWM:").unwrap_or(u64::MAX);
    let killed = watcher.killed.load(Ordering::Relaxed);
    let (status, reply) = answer.unwrap_or_else(|e| {
        panic!("{what}: no answer after {took:?} (killed past 512 MB: {killed}): {e}")
    });
    let size = reply.to_string().len();
    eprintln!(
        "{what}: {} bytes → {status}, {size} bytes in {took:.2?}, peak {peak} MB",
        body.len()
    );
    (status, reply, size, took, peak)
}

fn assert_bounded(what: &str, size: usize, took: Duration, peak: u64) {
    assert!(size < REPLY_BYTES, "{what}: a reply of {size} bytes");
    assert!(took < Duration::from_secs(ANSWER_SECS), "{what}: answered in {took:?}");
    assert!(peak < PEAK_MB, "{what}: the server's memory peaked at {peak} MB");
}

fn bundled_server(data: &Path) -> (Server, String) {
    let server = Server::start(data, &["--forms", "questionnaires/lbc_household"]);
    let token = team_token(data, "石门一队");
    (server, token)
}

/// Finding 1: a megabyte of empty roster rows is one `count` problem, in a small reply,
/// quickly, and the server's memory stays low.
#[test]
fn a_megabyte_of_roster_rows_is_one_problem_in_a_small_reply() {
    let dir = temp_dir("tianye-limits-rows");
    let (server, token) = bundled_server(dir.path());
    let watcher = Watcher::new(server.pid());
    let rows = vec!["{}"; 340_000].join(",");
    let body = household(&format!(r#""member": [{rows}]"#));
    let (status, reply, size, took, peak) =
        measured(&server, &token, &watcher, "340,000 rows", &body);
    assert_eq!(status, 422, "{reply}");
    assert_bounded("340,000 rows", size, took, peak);
    let problems = reply["problems"].as_array().expect("problems");
    let rows: Vec<&Value> = problems.iter().filter(|p| p["path"] == "member").collect();
    assert_eq!(rows.len(), 1, "{reply}");
    assert_eq!(rows[0]["code"], "count");
    assert_eq!(
        (&rows[0]["params"]["max"], &rows[0]["params"]["count"]),
        (&json!(1000), &json!(340_000))
    );
    // No row past the ceiling is looked at.
    assert!(
        problems
            .iter()
            .all(|p| !p["path"].as_str().unwrap_or_default().starts_with("member[1000]"))
    );
}

/// Finding 1: other shapes a megabyte can take (one-key rows, unknown answers, a text
/// answer of zeros, nesting) are refused or answered within the same bounds, each by a
/// fresh server; one server taking them all, twice, levels off (each worker thread's
/// allocator keeps what its largest upload took).
#[test]
fn no_megabyte_of_json_makes_the_server_hold_much_more() {
    let deep = format!("{}{}", "[".repeat(60), "]".repeat(60));
    let unknown: Vec<String> = (0..85_000).map(|i| format!(r#""k{i}": 0"#)).collect();
    let shapes = [
        (
            "one-key rows",
            household(&format!(r#""member": [{}]"#, vec![r#"{"a":0}"#; 130_000].join(","))),
            400,
            "json.too_large",
        ),
        ("85,000 unknown answers", household(&unknown.join(",")), 422, "submission.invalid"),
        (
            "a text answer of zeros",
            household(&format!(r#""hh_code": [{}]"#, vec!["0"; 500_000].join(","))),
            422,
            "submission.invalid",
        ),
        (
            "nesting",
            household(&format!(r#""hh_code": [{}]"#, vec![deep.as_str(); 8_500].join(","))),
            400,
            "json.too_large",
        ),
        (
            "nesting too deep",
            household(&format!(r#""hh_code": {}"#, "[".repeat(100) + &"]".repeat(100))),
            400,
            "json.too_deep",
        ),
    ];
    for (what, body, want, code) in &shapes {
        let dir = temp_dir("tianye-limits-shape");
        let (server, token) = bundled_server(dir.path());
        let watcher = Watcher::new(server.pid());
        let (status, reply, size, took, peak) = measured(&server, &token, &watcher, what, body);
        assert_eq!((status, reply["code"].as_str()), (*want, Some(*code)), "{what}: {reply}");
        assert_bounded(what, size, took, peak);
    }
    let dir = temp_dir("tianye-limits-shapes");
    let (server, token) = bundled_server(dir.path());
    let watcher = Watcher::new(server.pid());
    for (what, body, want, _) in shapes.iter().chain(&shapes) {
        let (status, _, _, _, peak) = measured(&server, &token, &watcher, what, body);
        assert_eq!(status, *want, "{what}");
        assert!(
            peak < 2 * PEAK_MB,
            "{what}, after others: the server's memory peaked at {peak} MB"
        );
    }
}

/// Finding 1: a refusal lists at most 100 problems and says how many there are.
#[test]
fn a_refusal_lists_at_most_100_problems_and_counts_them_all() {
    let dir = temp_dir("tianye-limits-count");
    let forms = fixture_forms();
    let server = Server::start(dir.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(dir.path(), "石门一队");
    let agent = client();
    let mut response = household_response(&new_instance_id(), "2", 2);
    for i in 0..250 {
        response["answers"][format!("extra_{i}")] = json!(i);
    }
    let (status, reply) = upload(&agent, &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["count"], json!(250), "{reply}");
    assert_eq!(reply["problems"].as_array().map(Vec::len), Some(100));
    assert_eq!(reply["truncated"], json!(true));
    assert!(reply["message"].as_str().unwrap_or_default().contains("250"), "{reply}");
    // A response with a few problems lists them all.
    let mut response = household_response(&new_instance_id(), "2", 2);
    response["answers"]["extra"] = json!(1);
    let (status, reply) = upload(&agent, &server.url, Some(&token), &response.to_string());
    assert_eq!(
        (status, &reply["count"], &reply["truncated"]),
        (422, &json!(1), &json!(false)),
        "{reply}"
    );
}

/// Finding 5: `meta` is typed and bounded; what is wrong is named.
#[test]
fn meta_that_is_huge_or_not_a_time_is_refused_naming_the_field() {
    let dir = temp_dir("tianye-limits-meta");
    let forms = fixture_forms();
    let server = Server::start(dir.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(dir.path(), "石门一队");
    let agent = client();
    let with_meta = |meta: Value| {
        let mut r = household_response(&new_instance_id(), "2", 2);
        r["meta"] = meta;
        r.to_string()
    };
    for (meta, path, code) in [
        (json!({"enumerator": "李".repeat(300_000)}), "meta.enumerator", "meta.too_long"),
        (json!({"started_at": "=1+1<script>"}), "meta.started_at", "meta.timestamp"),
        (json!({"submitted_at": "2026-07-01 09:45"}), "meta.submitted_at", "meta.timestamp"),
        (json!({"device_id": "tianye:1\n=cmd"}), "meta.device_id", "meta.control_char"),
    ] {
        let (status, reply) = upload(&agent, &server.url, Some(&token), &with_meta(meta.clone()));
        assert_eq!(status, 422, "{meta}: {reply}");
        let problems = reply["problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 1, "{reply}");
        assert_eq!(
            (problems[0]["path"].as_str(), problems[0]["code"].as_str()),
            (Some(path), Some(code))
        );
        assert!(
            problems[0]["message"].as_str().unwrap_or_default().contains(" / "),
            "bilingual: {reply}"
        );
        assert!(reply.to_string().len() < 4096, "{path}: a long reply");
    }
    // An unknown meta field is refused, named.
    let (status, reply) =
        upload(&agent, &server.url, Some(&token), &with_meta(json!({"phone": "1"})));
    assert_eq!(
        (status, reply["code"].as_str(), reply["path"].as_str()),
        (400, Some("json.format"), Some("meta.phone"))
    );
    // What the form app writes is stored.
    let app = json!({"started_at": "2026-07-01T09:30:00.000+08:00", "updated_at": "2026-07-01T01:45:00.000Z",
                     "submitted_at": "2026-07-01T09:45:00.000+08:00", "enumerator": "周晓雯",
                     "device_id": "tianye:5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60"});
    let (status, reply) = upload(&agent, &server.url, Some(&token), &with_meta(app));
    assert_eq!(status, 201, "{reply}");
}

/// Finding 8: the same key twice anywhere in an upload is a 400 naming the key, where
/// it is and its line; nothing is stored.
#[test]
fn duplicate_keys_anywhere_are_refused_naming_key_and_line() {
    let dir = temp_dir("tianye-limits-dups");
    let forms = fixture_forms();
    let server = Server::start(dir.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(dir.path(), "石门一队");
    let agent = client();
    let id = new_instance_id();
    let pretty = serde_json::to_string_pretty(&household_response(&id, "2", 2)).unwrap();
    // Each body with the line that holds the key a second time.
    let cases = [
        // Two instance_ids: the second was stored.
        (
            pretty.replacen(
                "\"instance_id\"",
                &format!("\"instance_id\": \"{}\",\n  \"instance_id\"", new_instance_id()),
                1,
            ),
            format!("\"instance_id\": \"{id}\""),
            "instance_id",
            "instance_id",
        ),
        // A second answer, "=SECOND", after the first.
        (
            pretty.replacen(
                "\"village\": \"石门村\"",
                "\"village\": \"石门村\",\n    \"village\": \"=SECOND\"",
                1,
            ),
            "=SECOND".to_owned(),
            "village",
            "answers.village",
        ),
        // Inside a roster row.
        (
            pretty.replacen(
                "\"m_name\": \"成员2\"",
                "\"m_name\": \"成员2\",\n      \"m_name\": \"x\"",
                1,
            ),
            "\"m_name\": \"x\"".to_owned(),
            "m_name",
            "answers.member[1].m_name",
        ),
    ];
    for (body, marker, key, path) in cases {
        let second = body.lines().position(|l| l.contains(&marker)).unwrap() + 1;
        let (status, reply) = upload(&agent, &server.url, Some(&token), &body);
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("json.duplicate_key")),
            "{path}: {reply}"
        );
        assert_eq!(
            (reply["key"].as_str(), reply["path"].as_str()),
            (Some(key), Some(path)),
            "{reply}"
        );
        assert_eq!(reply["line"], json!(second), "{reply}");
        assert!(
            reply["message"].as_str().unwrap_or_default().contains(&format!("第 {second} 行")),
            "{reply}"
        );
    }
    // Nothing was stored: the response itself goes in afterwards.
    let (status, reply) = upload(&agent, &server.url, Some(&token), &pretty);
    assert_eq!(status, 201, "{reply}");
}

/// Findings 1, 5 and 8 through the CLI: `tianye validate` and `tianye import-responses`
/// apply the same rules.
#[test]
fn the_cli_applies_the_same_limits() {
    let dir = temp_dir("tianye-limits-cli");
    let form = repo().join("questionnaires/lbc_household/form.json");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let form = form.to_str().unwrap();
    // A flood of rows: one count problem among a thousand listed, quickly.
    let rows = write(
        "rows.json",
        &household(&format!(r#""member": [{}]"#, vec!["{}"; 340_000].join(","))),
    );
    let started = Instant::now();
    let (code, out, err) = tianye(&["validate", form, &rows]);
    assert!(started.elapsed() < Duration::from_secs(ANSWER_SECS), "took {:?}", started.elapsed());
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.trim_start().starts_with("member [count]")).count(),
        1,
        "{out}"
    );
    assert!(out.contains("more not listed"), "{}", &out[out.len().saturating_sub(300)..]);
    // Duplicate keys: named with their line.
    let dup = write("dup.json", &household("\"hh_code\": \"a\",\n \"hh_code\": \"=B\""));
    let (code, out, err) = tianye(&["validate", form, &dup]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("2:2") && err.contains("hh_code") && err.contains("twice"), "{err}");
    // Meta.
    let meta = write(
        "meta.json",
        &household("")
            .replace(", }", "}")
            .replace("\"meta\": {}", "\"meta\": {\"started_at\": \"=1+1\"}"),
    );
    let (code, out, err) = tianye(&["validate", form, &meta]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("meta.started_at [meta.timestamp]"), "{out}");

    // import-responses: a backup with a duplicate key deep inside is refused, named.
    let data = dir.path().join("data");
    let backup = write(
        "backup.json",
        &format!(
            "{{\"exported_at\": \"2026-07-01T10:00:00+08:00\", \"responses\": [\n{}\n]}}",
            household("\"hh_code\": \"a\", \"hh_code\": \"b\"")
        ),
    );
    let (code, out, err) = tianye(&[
        "import-responses",
        &backup,
        "--data",
        data.to_str().unwrap(),
        "--team",
        "t",
        "--forms",
        form,
    ]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains(":2:") && err.contains("responses[0].answers.hh_code"), "{out}{err}");
    // …and a response with bad meta is not stored, named.
    let backup = write(
        "backup2.json",
        &format!(
            "[{}]",
            household("")
                .replace(", }", "}")
                .replace("\"meta\": {}", "\"meta\": {\"enumerator\": \"x\\ty\"}")
        ),
    );
    let (code, out, err) = tianye(&[
        "import-responses",
        &backup,
        "--data",
        data.to_str().unwrap(),
        "--team",
        "t",
        "--forms",
        form,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("meta.enumerator [meta.control_char]"), "{out}");
}
