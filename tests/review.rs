//! Review of submissions through `/api/v1/admin/submissions` on the real `tianye serve`,
//! on SQLite and on PostgreSQL: the listing's filters, search and pages; one submission
//! with its labels, problems and history; setting states with comments; the bounds and
//! errors; team tokens refused; review counts on the overview; the export's columns.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tianye_tests::server::{
    Backend, Data, client, fixture_forms, get, household_response, new_instance_id, read_csv,
    upload,
};

/// GETs `path` of `base` with `token`; (status, JSON).
fn get_json(http: &ureq::Agent, base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let (status, body) = get(http, &format!("{base}{path}"), token);
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, json)
}

/// POSTs `body` to `path` of `base` with `token`; (status, JSON).
fn post_json(
    http: &ureq::Agent,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut req = http.post(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut res = req.content_type("application/json").send(body).expect("POST");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().expect("read body");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")))
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|i| i["instance_id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_code(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    let (zh, en) = (body["message_zh"].as_str().unwrap(), body["message_en"].as_str().unwrap());
    assert!(zh.chars().any(|c| c > '\u{2e80}') && en.is_ascii() && !en.is_empty(), "{body}");
}

/// `YYYY-MM-DD` of the UTC time `at` in UTC+8, by GNU date (not by the code under test).
fn day_utc8(at: &str) -> String {
    let date = |args: &[&str]| {
        let out = std::process::Command::new("date").args(args).output().expect("date");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let seconds: i64 = date(&["-u", "-d", at, "+%s"]).parse().expect("seconds");
    date(&["-u", "-d", &format!("@{}", seconds + 8 * 3600), "+%F"])
}

/// `?a=b&c=d` with each name and value percent-encoded.
fn encoded(query: &str) -> String {
    let Some(query) = query.strip_prefix('?') else { return query.to_owned() };
    let enc = |t: &str| url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>();
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => format!("{}={}", enc(k), enc(v)),
            None => enc(pair),
        })
        .collect();
    format!("?{}", pairs.join("&"))
}

fn reviews_find_filter_page_and_record_who_said_what(backend: Backend) {
    let data = Data::new(backend, "tianye-review");
    let forms = fixture_forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().expect("admin token");
    let one = data.team_token("一队");
    let two = data.team_token("二队");
    let http = client();
    let url = server.url.as_str();

    // Five households: three of 一队 on version 1, two of 二队 on version 2; each has
    // its own village and first member's name.
    let people = [
        ("一队", "1", "石门村", "张伟"),
        ("一队", "1", "石门村", "王芳"),
        ("一队", "1", "上坪村", "刘洋_1"),
        ("二队", "2", "下坪村", "陈静"),
        ("二队", "2", "白沙村", "李小红"),
    ];
    let mut ids = Vec::new();
    let mut received = Vec::new();
    for (team, version, village, name) in people {
        let id = new_instance_id();
        let mut response = household_response(&id, version, 2);
        response["answers"]["village"] = json!(village);
        response["answers"]["member"][0]["m_name"] = json!(name);
        let token = if team == "一队" { &one } else { &two };
        let (status, reply) = upload(&http, url, Some(token), &response.to_string());
        assert_eq!(status, 201, "{reply}");
        received.push(reply["received_at"].as_str().unwrap().to_owned());
        ids.push(id);
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let list = |query: &str| {
        let (status, page) = get_json(
            &http,
            url,
            &format!("/api/v1/admin/submissions{}", encoded(query)),
            Some(&admin),
        );
        assert_eq!(status, 200, "{query}: {page}");
        page
    };

    // Everything, newest first, every one received and not yet reviewed.
    let all = list("");
    assert_eq!(all["total"], 5, "{all}");
    assert_eq!(ids_of(&all), newest_first);
    assert!(all["next"].is_null(), "{all}");
    for item in all["items"].as_array().unwrap() {
        assert_eq!(item["review_state"], "received", "{item}");
        assert!(item["review"].is_null(), "{item}");
        assert_eq!(item["form_id"], "household");
    }

    // Pages of two, by the cursor: every submission once, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = list(&query);
        assert_eq!(page["total"], 5, "{page}");
        let got = ids_of(&page);
        assert!(got.len() <= 2, "{page}");
        seen.extend(got);
        pages += 1;
        match page["next"].as_i64() {
            Some(before) => query = format!("?limit=2&before={before}"),
            None => break,
        }
    }
    assert_eq!((pages, &seen), (3, &newest_first));

    // Filters and searches, each with the submissions it must give (by index).
    let today = day_utc8(&received[0]);
    assert_eq!(today, day_utc8(&received[4]), "the uploads straddled midnight in UTC+8; run again");
    let pick = |query: &str| -> BTreeSet<usize> {
        let page = list(query);
        let got = ids_of(&page);
        assert_eq!(page["total"].as_u64().unwrap() as usize, got.len(), "{query}: {page}");
        got.iter().map(|id| ids.iter().position(|i| i == id).unwrap()).collect()
    };
    let cases: &[(String, &[usize])] = &[
        ("?team=一队".into(), &[0, 1, 2]),
        ("?team=二队&version=2".into(), &[3, 4]),
        ("?version=1".into(), &[0, 1, 2]),
        ("?form=household".into(), &[0, 1, 2, 3, 4]),
        ("?form=nosuch".into(), &[]),
        (format!("?day={today}"), &[0, 1, 2, 3, 4]),
        ("?day=2020-01-01".into(), &[]),
        ("?q=李小红&fields=member.m_name".into(), &[4]),
        ("?q=小红&fields=village,member.m_name".into(), &[4]),
        ("?q=石门&fields=village".into(), &[0, 1]),
        ("?q=坪村&fields=village&team=一队".into(), &[2]),
        ("?q=李小红&fields=village".into(), &[]),
        ("?q=白沙".into(), &[4]),
        ("?q=_&fields=member.m_name".into(), &[2]),
        ("?q=%&fields=member.m_name".into(), &[]),
        (format!("?q={}", ids[3]), &[3]),
    ];
    for (query, want) in cases {
        assert_eq!(pick(query), want.iter().copied().collect(), "{query}");
    }
    // The searched fields are shown with each submission.
    let found = list("?q=李小红&fields=village,member.m_name");
    assert_eq!(found["items"][0]["shown"]["village"], "白沙村", "{found}");
    assert_eq!(found["items"][0]["shown"]["member.m_name"], "李小红、成员2", "{found}");

    // Review: has issues, then approved, by the admin token; another rejected.
    let review = |id: &str, body: Value| {
        post_json(
            &http,
            url,
            &format!("/api/v1/admin/submissions/{id}/review"),
            Some(&admin),
            &body.to_string(),
        )
    };
    let (status, first) =
        review(&ids[1], json!({"state": "has_issues", "comment": "户主姓名与户口本不符"}));
    assert_eq!(status, 200, "{first}");
    assert_code(&first, "review.recorded");
    let event = &first["event"];
    assert_eq!(event["state"], "has_issues");
    assert_eq!(event["comment"], "户主姓名与户口本不符");
    assert_eq!(event["instance_id"], ids[1].as_str());
    assert!(event["token_id"].as_i64().is_some(), "{first}");
    assert!(event["at"].as_str().unwrap().ends_with('Z'), "{first}");
    assert_eq!(pick("?state=has_issues"), BTreeSet::from([1]));
    let (status, second) = review(&ids[1], json!({"state": "approved", "comment": "已核实"}));
    assert_eq!(status, 200, "{second}");
    let (status, third) = review(&ids[3], json!({"state": "rejected"}));
    assert_eq!(status, 200, "{third}");
    assert_eq!(third["event"]["comment"], "");
    for (query, want) in [
        ("?state=has_issues", vec![]),
        ("?state=approved", vec![1]),
        ("?state=rejected", vec![3]),
        ("?state=received", vec![0, 2, 4]),
        ("?state=received&team=一队", vec![0, 2]),
    ] {
        assert_eq!(pick(query), want.into_iter().collect(), "{query}");
    }
    let approved = list("?state=approved");
    assert_eq!(approved["items"][0]["review"]["comment"], "已核实", "{approved}");

    // One submission: answers, labels, problems, history oldest first.
    let (status, one_sub) =
        get_json(&http, url, &format!("/api/v1/admin/submissions/{}", ids[1]), Some(&admin));
    assert_eq!(status, 200, "{one_sub}");
    assert_eq!(one_sub["review_state"], "approved");
    assert_eq!(one_sub["team"], "一队");
    assert_eq!(one_sub["version"], "1");
    assert_eq!(one_sub["answers"]["village"], "石门村");
    assert_eq!(one_sub["meta"]["enumerator"], "李明");
    assert_eq!(one_sub["problems"], json!([]), "{one_sub}");
    assert_eq!(one_sub["problem_count"], 0);
    let history = one_sub["history"].as_array().unwrap();
    let states: Vec<&str> = history.iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["has_issues", "approved"]);
    assert_eq!(history[0], first["event"]);
    assert_eq!(one_sub["review"], second["event"]);
    let q = &one_sub["questionnaire"];
    assert_eq!(q["title"]["zh"].as_str().map(str::is_empty), Some(false), "{q}");
    let var =
        |name: &str| q["variables"].as_array().unwrap().iter().find(|v| v["name"] == name).cloned();
    assert_eq!(var("village").unwrap()["label"], json!({"zh": "村名", "en": "Village"}));
    let m_name = var("m_name").unwrap();
    assert_eq!(q["tables"][m_name["table"].as_u64().unwrap() as usize]["name"], "member");
    let sex = var("head_sex").unwrap();
    assert!(sex["choices"].as_array().unwrap().iter().all(|c| c["zh"].is_string()), "{sex}");

    // Errors: unknown submission, bad state, long comment, bad bodies, bad queries.
    let (status, body) =
        review("00000000-0000-4000-8000-000000000000", json!({"state": "approved"}));
    assert_eq!(status, 404, "{body}");
    assert_code(&body, "review.submission_not_found");
    let (status, body) = get_json(
        &http,
        url,
        "/api/v1/admin/submissions/00000000-0000-4000-8000-000000000000",
        Some(&admin),
    );
    assert_eq!(status, 404, "{body}");
    assert_code(&body, "review.submission_not_found");
    let (status, body) = review(&ids[0], json!({"state": "edited"}));
    assert_eq!(status, 400, "{body}");
    assert_code(&body, "review.bad_state");
    let (status, body) =
        review(&ids[0], json!({"state": "has_issues", "comment": "问".repeat(2001)}));
    assert_eq!(status, 400, "{body}");
    assert_code(&body, "review.comment_too_long");
    assert_eq!((body["chars"].as_u64(), body["max"].as_u64()), (Some(2001), Some(2000)));
    let (status, body) =
        review(&ids[0], json!({"state": "has_issues", "comment": "问".repeat(2000)}));
    assert_eq!(status, 200, "{body}");
    for bad in ["not json", "[]", r#"{"state": "approved", "by": "me"}"#, r#"{"comment": "x"}"#] {
        let (status, body) = post_json(
            &http,
            url,
            &format!("/api/v1/admin/submissions/{}/review", ids[0]),
            Some(&admin),
            bad,
        );
        assert_eq!(status, 400, "{bad}: {body}");
        assert_code(&body, "review.bad_body");
    }
    let huge = json!({"state": "approved", "comment": "x".repeat(40_000)}).to_string();
    let (status, body) = post_json(
        &http,
        url,
        &format!("/api/v1/admin/submissions/{}/review", ids[0]),
        Some(&admin),
        &huge,
    );
    assert_eq!(status, 413, "{body}");
    assert_code(&body, "request.too_large");
    for (query, name) in [
        ("?day=2026-13-01", "day"),
        ("?day=yesterday", "day"),
        ("?limit=101", "limit"),
        ("?limit=-1", "limit"),
        ("?before=abc", "before"),
        ("?fields=a.b.c", "fields"),
        ("?fields=x'--", "fields"),
        ("?state=edited", "state"),
        ("?order=asc", "order"),
    ] {
        let (status, body) = get_json(
            &http,
            url,
            &format!("/api/v1/admin/submissions{}", encoded(query)),
            Some(&admin),
        );
        assert_eq!(status, 400, "{query}: {body}");
        assert_code(&body, "request.bad_query");
        assert_eq!(body["name"], name, "{query}: {body}");
    }
    // The history has every event, the long comment whole; nothing was recorded by the
    // refused requests.
    let (_, zero) =
        get_json(&http, url, &format!("/api/v1/admin/submissions/{}", ids[0]), Some(&admin));
    assert_eq!(zero["history"].as_array().unwrap().len(), 1, "{zero}");
    assert_eq!(zero["review"]["comment"].as_str().unwrap().chars().count(), 2000);

    // Volunteers (team tokens) and the tokenless see nothing of it.
    let paths =
        ["/api/v1/admin/submissions".to_owned(), format!("/api/v1/admin/submissions/{}", ids[0])];
    for path in &paths {
        let (status, body) = get_json(&http, url, path, Some(&one));
        assert_eq!(status, 403, "{path}: {body}");
        assert_code(&body, "auth.admin_required");
        let (status, body) = get_json(&http, url, path, None);
        assert_eq!(status, 401, "{path}: {body}");
    }
    let review_path = format!("/api/v1/admin/submissions/{}/review", ids[0]);
    let body = json!({"state": "approved"}).to_string();
    let (status, reply) = post_json(&http, url, &review_path, Some(&one), &body);
    assert_eq!(status, 403, "{reply}");
    assert_code(&reply, "auth.admin_required");
    assert_eq!(post_json(&http, url, &review_path, None, &body).0, 401);
    let (_, zero) =
        get_json(&http, url, &format!("/api/v1/admin/submissions/{}", ids[0]), Some(&admin));
    assert_eq!(zero["review_state"], "has_issues", "a team token changed nothing: {zero}");

    // The overview counts each team's submissions by state.
    let (status, overview) = get_json(&http, url, "/api/v1/admin/overview", Some(&admin));
    assert_eq!(status, 200, "{overview}");
    let team = |name: &str| {
        overview["by_team"].as_array().unwrap().iter().find(|t| t["team"] == name).unwrap()["reviews"]
            .clone()
    };
    assert_eq!(team("一队"), json!({"received": 1, "has_issues": 1, "approved": 1, "rejected": 0}));
    assert_eq!(team("二队"), json!({"received": 1, "has_issues": 0, "approved": 0, "rejected": 1}));

    // The export: the state now and the newest comment, per submission.
    let (status, csv) =
        get(&http, &format!("{url}/api/v1/questionnaires/household/export.csv"), Some(&admin));
    assert_eq!(status, 200);
    let rows = read_csv(&csv);
    let col = |h: &str| rows[0].iter().position(|c| c == h).unwrap_or_else(|| panic!("no {h}"));
    assert_eq!(col("review_state"), col("received_at") + 1);
    assert_eq!(col("review_comment"), col("received_at") + 2);
    let by_id = |id: &str| rows.iter().find(|r| r[col("instance_id")] == id).unwrap().clone();
    assert_eq!(by_id(&ids[1])[col("review_state")], "approved");
    assert_eq!(by_id(&ids[1])[col("review_comment")], "已核实");
    assert_eq!(by_id(&ids[3])[col("review_state")], "rejected");
    assert_eq!(by_id(&ids[4])[col("review_state")], "received");
    assert_eq!(by_id(&ids[4])[col("review_comment")], "");
    let (status, codebook) =
        get(&http, &format!("{url}/api/v1/questionnaires/household/codebook.csv"), Some(&admin));
    assert_eq!(status, 200);
    let codebook = read_csv(&codebook);
    let state_row =
        codebook.iter().find(|r| r[1] == "review_state").expect("review_state in codebook");
    assert_eq!(state_row[2], "审核状态");
    assert!(state_row[5].contains("has_issues=有问题 / Has issues"), "{state_row:?}");
    assert!(codebook.iter().any(|r| r[1] == "review_comment"));
}

tianye_tests::on_both_backends!(reviews_find_filter_page_and_record_who_said_what);
