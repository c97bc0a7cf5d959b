//! Concurrency: 16 uploaders send 2,000 submissions at once; none is lost or stored
//! twice, and the same response sent by several uploaders at the same moment is
//! stored once (one 201, the rest 200).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tianye_tests::server::{
    Server, client, fixture_forms, get, household_response, new_instance_id, team_token, temp_dir,
    upload,
};

const UPLOADERS: usize = 16;
const PER_UPLOADER: usize = 125;
/// Responses every uploader sends (the same content, at the same time).
const SHARED: usize = 20;

#[test]
fn sixteen_uploaders_two_thousand_submissions_none_lost_or_duplicated() {
    let data = temp_dir("tianye-concurrency");
    let forms = fixture_forms();
    let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let tokens: Vec<String> = (0..4).map(|t| team_token(data.path(), &format!("队{t}"))).collect();
    let shared: Arc<Vec<String>> = Arc::new(
        (0..SHARED)
            .map(|i| household_response(&new_instance_id(), "2", 1 + i % 3).to_string())
            .collect(),
    );
    let url = Arc::new(server.url.clone());
    let start = Instant::now();
    let workers: Vec<_> = (0..UPLOADERS)
        .map(|w| {
            let (url, shared, token) = (url.clone(), shared.clone(), tokens[w % 4].clone());
            std::thread::spawn(move || {
                let http = client();
                let mut ids = Vec::new();
                let mut shared_created = 0;
                for i in 0..PER_UPLOADER {
                    let id = new_instance_id();
                    let body = household_response(
                        &id,
                        if i % 2 == 0 { "1" } else { "2" },
                        1 + (w + i) % 5,
                    )
                    .to_string();
                    let (status, reply) = upload(&http, &url, Some(&token), &body);
                    assert_eq!(status, 201, "{reply}");
                    ids.push(id);
                    if i % (PER_UPLOADER / SHARED) == 0 && i / (PER_UPLOADER / SHARED) < SHARED {
                        let s = &shared[i / (PER_UPLOADER / SHARED)];
                        let (status, reply) = upload(&http, &url, Some(&token), s);
                        assert!(status == 201 || status == 200, "{reply}");
                        shared_created += usize::from(status == 201);
                    }
                }
                (ids, shared_created)
            })
        })
        .collect();
    let mut all = HashSet::new();
    let mut shared_created = 0;
    for w in workers {
        let (ids, created) = w.join().expect("uploader");
        shared_created += created;
        for id in ids {
            assert!(all.insert(id), "ids must be unique");
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(all.len(), UPLOADERS * PER_UPLOADER);
    assert_eq!(shared_created, SHARED, "each shared response is created exactly once");
    assert!(elapsed < Duration::from_mins(2), "took {elapsed:?}");

    let http = client();
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/household/export.jsonl"), Some(&admin));
    assert_eq!(status, 200);
    let mut stored = HashSet::new();
    for line in String::from_utf8(bytes).unwrap().lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        assert!(stored.insert(row["instance_id"].as_str().unwrap().to_owned()), "stored twice");
    }
    assert_eq!(stored.len(), UPLOADERS * PER_UPLOADER + SHARED);
    assert!(all.is_subset(&stored));
    let (status, bytes) = get(&http, &server.at("/api/v1/admin/overview"), Some(&admin));
    assert_eq!(status, 200);
    let overview: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(overview["total"], UPLOADERS * PER_UPLOADER + SHARED);
    assert_eq!(overview["by_team"].as_array().unwrap().len(), 4);
    eprintln!(
        "concurrency test: {} submissions from {UPLOADERS} uploaders in {elapsed:?}",
        UPLOADERS * PER_UPLOADER + SHARED * UPLOADERS
    );
}
