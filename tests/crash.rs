//! Crash safety: `tianye serve` is SIGKILLed while concurrent uploaders are sending.
//! After a restart, every submission that was acknowledged (201/200) is there exactly
//! once, with the content sent, and nothing else is; retrying the ones left in doubt
//! gives 201 or 200, never a conflict.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tianye_tests::server::{
    Backend, Data, client, fixture_forms, get, household_response, new_instance_id, try_upload,
};

const UPLOADERS: usize = 8;
/// Most uploads per uploader (the kill normally comes well before).
const MAX_PER_UPLOADER: usize = 400;
/// Acknowledged uploads to wait for before the kill.
const KILL_AFTER: usize = 300;

fn sigkill_mid_load_keeps_exactly_the_acknowledged_submissions(backend: Backend) {
    let data = Data::new(backend, "tianye-crash");
    let forms = fixture_forms();
    let forms = forms.to_str().unwrap();
    let mut server = data.serve(&["--forms", forms]);
    let token = Arc::new(data.team_token("一队"));
    let sent: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let acked_count = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(server.url.clone());

    let workers: Vec<_> = (0..UPLOADERS)
        .map(|w| {
            let (sent, acked, stop, n, url, token) = (
                sent.clone(),
                acked.clone(),
                stop.clone(),
                acked_count.clone(),
                url.clone(),
                token.clone(),
            );
            std::thread::spawn(move || {
                let http = client();
                for i in 0..MAX_PER_UPLOADER {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = new_instance_id();
                    let body = household_response(
                        &id,
                        if (w + i) % 2 == 0 { "1" } else { "2" },
                        1 + i % 4,
                    )
                    .to_string();
                    sent.lock().unwrap().insert(id.clone(), body.clone());
                    match try_upload(&http, &url, Some(&token), &body) {
                        Ok((201 | 200, _)) => {
                            acked.lock().unwrap().insert(id);
                            n.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, reply)) => panic!("unexpected {status}: {reply}"),
                        // The server is gone: this one is in doubt.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    let start = Instant::now();
    while acked_count.load(Ordering::Relaxed) < KILL_AFTER
        && start.elapsed() < Duration::from_mins(1)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("uploader");
    }
    let sent = Arc::try_unwrap(sent).unwrap().into_inner().unwrap();
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();
    assert!(
        acked.len() >= KILL_AFTER.min(100),
        "too few acknowledged before the kill: {}",
        acked.len()
    );

    // Restart on the same database.
    let server = data.serve(&["--forms", forms]);
    let (code, out, err) = data.tianye(&["export", "household", "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let mut stored: HashMap<String, Value> = HashMap::new();
    for line in out.lines() {
        let row: Value = serde_json::from_str(line).expect("whole JSON line");
        let id = row["instance_id"].as_str().unwrap().to_owned();
        assert!(stored.insert(id.clone(), row).is_none(), "{id} stored twice");
    }
    for id in &acked {
        assert!(stored.contains_key(id), "acknowledged {id} lost");
    }
    for (id, row) in &stored {
        let body = sent.get(id).unwrap_or_else(|| panic!("{id} stored but never sent"));
        let sent: Value = serde_json::from_str(body).unwrap();
        assert_eq!(row["answers"]["village"], sent["answers"]["village"]);
        assert_eq!(
            row["answers"]["member"].as_array().unwrap().len(),
            sent["answers"]["member"].as_array().unwrap().len()
        );
        assert_eq!(row["questionnaire"]["version"], sent["questionnaire"]["version"]);
    }
    let in_doubt = stored.len() - acked.len();

    // Retrying every upload: stored ones are duplicates, the rest are created.
    let http = client();
    for (id, body) in &sent {
        let (status, reply) = try_upload(&http, &server.url, Some(&token), body).unwrap();
        let expected = if stored.contains_key(id) { 200 } else { 201 };
        assert_eq!(status, expected, "{id}: {reply}");
    }
    // The server still serves reads after the crash: the questionnaire list.
    let questionnaire_list = get(&http, &server.at("/api/v1/questionnaires"), None).0;
    assert_eq!(questionnaire_list, 200);
    eprintln!(
        "crash test: {} sent, {} acknowledged, {} stored ({in_doubt} stored but unacknowledged)",
        sent.len(),
        acked.len(),
        stored.len()
    );
}

tianye_tests::on_both_backends!(sigkill_mid_load_keeps_exactly_the_acknowledged_submissions);
