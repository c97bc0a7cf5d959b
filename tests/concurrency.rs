//! Concurrency: 16 uploaders send 2,000 submissions at once; none is lost or stored
//! twice, and the same response sent by several uploaders at the same moment is
//! stored once (one 201, the rest 200).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tianye_tests::server::{
    Backend, Data, client, fixture_forms, get, household_response, new_instance_id, upload,
};

const UPLOADERS: usize = 16;
const PER_UPLOADER: usize = 125;
/// Responses every uploader sends (the same content, at the same time).
const SHARED: usize = 20;

fn sixteen_uploaders_two_thousand_submissions_none_lost_or_duplicated(backend: Backend) {
    let data = Data::new(backend, "tianye-concurrency");
    let forms = fixture_forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let tokens: Vec<String> = (0..4).map(|t| data.team_token(&format!("队{t}"))).collect();
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

tianye_tests::on_both_backends!(sixteen_uploaders_two_thousand_submissions_none_lost_or_duplicated);

/// Instances retried at once in the two-server test, and requests sent for each.
const RETRIED: usize = 40;
const SENDERS: usize = 8;

/// Two `tianye serve` processes on one PostgreSQL database: each response is sent by
/// eight uploaders at the same moment, half to each server, half of them with other
/// content (as when a phone's copy was edited after a first upload). Exactly one
/// request per instance is told 201; every other is 200 when it carries the stored
/// content and 409 when it does not, whichever server it reached.
#[test]
fn two_servers_on_one_postgres_agree_on_every_retried_upload() {
    let data = Data::new(Backend::Postgres, "tianye-two-servers");
    let forms = fixture_forms();
    let forms = forms.to_str().unwrap();
    let first = data.serve(&["--forms", forms]);
    let second = data.serve(&["--forms", forms]);
    let admin = first.admin_token.clone().expect("the first server creates the admin token");
    assert!(second.admin_token.is_none(), "one admin token for one database");
    let token = data.team_token("一队");
    // Two versions of each response: the same instance_id, another village.
    let bodies: Arc<Vec<[String; 2]>> = Arc::new(
        (0..RETRIED)
            .map(|i| {
                let id = new_instance_id();
                let a = household_response(&id, "2", 1 + i % 3);
                let mut b = a.clone();
                b["answers"]["village"] = serde_json::json!("另一个村");
                [a.to_string(), b.to_string()]
            })
            .collect(),
    );
    let urls = Arc::new([first.url.clone(), second.url.clone()]);
    let barrier = Arc::new(std::sync::Barrier::new(SENDERS));
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (bodies, urls, barrier, token) =
                (bodies.clone(), urls.clone(), barrier.clone(), token.clone());
            std::thread::spawn(move || {
                let http = client();
                // (instance, which content, status)
                let mut answers = Vec::new();
                for (i, pair) in bodies.iter().enumerate() {
                    let variant = (s / 2 + i) % 2;
                    barrier.wait();
                    let (status, reply) = upload(&http, &urls[s % 2], Some(&token), &pair[variant]);
                    assert!(matches!(status, 200 | 201 | 409), "{status}: {reply}");
                    answers.push((i, variant, status));
                }
                answers
            })
        })
        .collect();
    let mut by_instance = vec![Vec::new(); RETRIED];
    for s in senders {
        for (i, variant, status) in s.join().expect("sender") {
            by_instance[i].push((variant, status));
        }
    }
    let mut stored_variant = Vec::new();
    for (i, answers) in by_instance.iter().enumerate() {
        let created: Vec<usize> = answers.iter().filter(|a| a.1 == 201).map(|a| a.0).collect();
        assert_eq!(created.len(), 1, "instance {i}: exactly one 201, got {answers:?}");
        for &(variant, status) in answers.iter().filter(|a| a.1 != 201) {
            let expected = if variant == created[0] { 200 } else { 409 };
            assert_eq!(status, expected, "instance {i}: {answers:?}");
        }
        stored_variant.push(created[0]);
    }
    // What is stored is what the 201 answered, once per instance, seen from either server.
    for server in [&first, &second] {
        let (status, bytes) = get(
            &client(),
            &server.at("/api/v1/questionnaires/household/export.jsonl"),
            Some(&admin),
        );
        assert_eq!(status, 200);
        let rows: Vec<Value> = String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), RETRIED);
        for (i, pair) in bodies.iter().enumerate() {
            let sent: Value = serde_json::from_str(&pair[stored_variant[i]]).unwrap();
            let row = rows
                .iter()
                .find(|r| r["instance_id"] == sent["instance_id"])
                .unwrap_or_else(|| panic!("instance {i} not stored"));
            assert_eq!(row["answers"]["village"], sent["answers"]["village"], "instance {i}");
        }
    }
}
