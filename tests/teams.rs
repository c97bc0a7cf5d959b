//! Teams at a glance (issue 26), against the real `tianye` binary on SQLite and on
//! PostgreSQL:
//! - T1 `tianye token create --target N` and `tianye token target`: a target is per team
//!   (every token of the team shows it), bounded 1 to 1,000,000 with a message naming
//!   the flag, changed and cleared, listed by `tianye token list` (teams without a token
//!   too); nothing is created when the target is refused.
//! - T2 the admin overview's `teams`: per team its total, complete and with problems
//!   (still waiting for files), last upload, target and progress, and the last 30 days
//!   (UTC+8) day by day, with submissions moved back in time in the database itself.

use serde_json::{Value, json};
use tianye_tests::server::{Backend, Data, client, get, new_instance_id, upload};

use crate::attachments::{forms, hex};

/// The data's database: the SQLite file or the PostgreSQL database. Runs `sql` on it
/// (statements that return nothing).
fn execute(data: &Data, sql: &str) {
    match data.database() {
        Some(url) => {
            let db = url.rsplit('/').next().expect("a database name");
            tianye_tests::postgres::cluster().psql(db, sql);
        }
        None => {
            let conn = rusqlite::Connection::open(data.path().join("tianye.sqlite3")).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            conn.execute_batch(sql).unwrap();
        }
    }
}

/// The lines of `tianye token list` naming `team`, split at tabs.
fn listed(out: &str, team: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
        .filter(|cells| cells.iter().any(|c| c == team))
        .collect()
}

fn targets_are_per_team_bounded_and_listed(backend: Backend) {
    let data = Data::new(backend, "tianye-teams-targets");
    // Refused targets, each with a message naming the flag and the bounds; no token is
    // made for any of them.
    for bad in ["0", "1000001", "-5", "abc", "1.5", "", "99999999999"] {
        let (code, out, err) = data.tianye(&["token", "create", "--team", "一队", "--target", bad]);
        assert_eq!(code, 2, "--target {bad:?}: {out}{err}");
        assert!(err.contains("--target"), "{bad:?}: {err}");
        assert!(err.contains("1 到 1000000") && err.contains("1 to 1,000,000"), "{err}");
    }
    let (code, out, err) = data.tianye(&["token", "create", "--admin", "--target", "5"]);
    assert_eq!(code, 2, "an admin token has no target: {out}{err}");
    let (code, out, _) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("没有令牌 / no tokens"), "a refused target made a token: {out}");

    // Per team: the second token of 一队 shows the target the first one set.
    for (args, shown) in [
        (&["token", "create", "--team", "一队", "--target", "200"][..], Some("200")),
        (&["token", "create", "--team", "一队"][..], None),
        (&["token", "create", "--team", "二队", "--target", "1000000"][..], Some("1000000")),
        (&["token", "create", "--team", "三队", "--target", "1"][..], Some("1")),
    ] {
        let (code, out, err) = data.tianye(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        match shown {
            Some(n) => assert!(out.contains(&format!("目标 / target: {n}")), "{out}"),
            None => assert!(!out.contains("目标 / target"), "{out}"),
        }
    }
    let (code, out, _) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0);
    assert!(out.lines().next().unwrap().ends_with("目标/target"), "{out}");
    for (team, rows, target) in [("一队", 2, "200"), ("二队", 1, "1000000"), ("三队", 1, "1")]
    {
        let lines = listed(&out, team);
        assert_eq!(lines.len(), rows, "{team}: {out}");
        for cells in lines {
            assert_eq!(cells.last().map(String::as_str), Some(target), "{team}: {out}");
        }
    }
    let admin = out.lines().find(|l| l.contains("\tadmin\t"));
    assert!(admin.is_none_or(|l| l.ends_with("\t-")), "{out}");

    // Changed, for every token of the team; set for a team with no token; cleared.
    let (code, out, err) = data.tianye(&["token", "target", "--team", "一队", "300"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("300") && out.contains("200"), "says the new and the old: {out}");
    let (code, _, err) = data.tianye(&["token", "target", "--team", "四队", "50"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("还没有令牌") && err.contains("has no token yet"), "{err}");
    let (_, _, err) = data.tianye(&["token", "target", "--team", "二队", "1000000"]);
    assert!(!err.contains("还没有令牌"), "a team with a token is not warned about: {err}");
    let (code, _, err) = data.tianye(&["token", "target", "--team", "三队", "--clear"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = data.tianye(&["token", "list"]);
    for cells in listed(&out, "一队") {
        assert_eq!(cells.last().map(String::as_str), Some("300"), "{out}");
    }
    assert_eq!(listed(&out, "三队")[0].last().map(String::as_str), Some("-"), "{out}");
    assert!(out.contains("没有令牌的调查队 / teams without a token"), "{out}");
    assert_eq!(listed(&out, "四队"), [vec!["四队".to_owned(), "50".to_owned()]], "{out}");

    // Clearing what is not set says so; a bad target or team changes nothing.
    let (code, _, err) = data.tianye(&["token", "target", "--team", "三队", "--clear"]);
    assert_eq!(code, 1);
    assert!(err.contains("没有目标") && err.contains("has no target"), "{err}");
    for (args, code) in [
        (&["token", "target", "--team", "一队", "0"][..], 2),
        (&["token", "target", "--team", "一队", "1000001"][..], 2),
        (&["token", "target", "--team", "一队", "-3"][..], 2),
        (&["token", "target", "--team", "一队"][..], 2),
        (&["token", "target", "--team", "一队", "5", "--clear"][..], 2),
        (&["token", "target", "--team", "  ", "5"][..], 2),
    ] {
        let (got, out, err) = data.tianye(args);
        assert_eq!(got, code, "{args:?}: {out}{err}");
        assert!(!err.is_empty(), "{args:?}: a refusal says why");
    }
    let (_, out, _) = data.tianye(&["token", "list"]);
    for cells in listed(&out, "一队") {
        assert_eq!(cells.last().map(String::as_str), Some("300"), "{out}");
    }
}

/// A file answer for `bytes`.
fn file(name: &str, bytes: &[u8], media_type: &str) -> Value {
    json!({"file": name, "sha256": hex(bytes), "size": bytes.len(), "media_type": media_type})
}

const SIG: &[u8] = b"\x89PNG signature of the test";
const PHOTO: &[u8] = b"\xff\xd8\xff a photo of the paper form";
const PDF: &[u8] = b"%PDF-1.4 a proof";

/// A complete response to the `visit` fixture naming three files.
fn visit(id: &str) -> Value {
    json!({
        "instance_id": id,
        "questionnaire": {"id": "visit", "version": "1"},
        "status": "complete",
        "answers": {
            "child_name": "王芳",
            "consent_sig": file("sig.png", SIG, "image/png"),
            "sheet_photo": file("sheet.jpg", PHOTO, "image/jpeg"),
            "doc": [{"doc_file": file("proof.pdf", PDF, "application/pdf")}]
        },
        "meta": {"started_at": "2026-07-01T09:30:00+08:00", "submitted_at": "2026-07-01T09:45:00+08:00"}
    })
}

/// Sends every file of `visit(id)`.
fn send_files(agent: &ureq::Agent, url: &str, token: &str, id: &str) {
    for (name, bytes) in [("sig.png", SIG), ("sheet.jpg", PHOTO), ("proof.pdf", PDF)] {
        let res = agent
            .post(format!("{url}/api/v1/submissions/{id}/attachments/{name}"))
            .header("Authorization", format!("Bearer {token}"))
            .content_type("application/octet-stream")
            .send(bytes)
            .expect("POST attachment");
        assert_eq!(res.status().as_u16(), 201, "{id} {name}");
    }
}

/// Times by SQLite's own calendar (not this test's arithmetic): `[received_at,
/// day in UTC+8]` now and `days` days before now.
fn moments(days: &[i64]) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    days.iter()
        .map(|d| {
            let shift = format!("-{d} days");
            conn.query_row(
                "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1),
                        date('now', ?1, '+8 hours')",
                [&shift],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        })
        .collect()
}

fn the_overview_shows_each_team_by_day_against_its_target(backend: Backend) {
    let data = Data::new(backend, "tianye-teams-overview");
    let forms = forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().expect("admin token");
    let token = |args: &[&str]| {
        let (code, out, err) = data.tianye(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out.lines().last().unwrap().trim().to_owned()
    };
    let one = token(&["token", "create", "--team", "一队", "--target", "8"]);
    let two = token(&["token", "create", "--team", "二队"]);
    token(&["token", "target", "--team", "三队", "10"]);

    // 一队: two today (one complete, one waiting for its files), one three days ago and
    // one forty days ago (both complete). 二队: one today, waiting.
    let http = client();
    let ids: Vec<String> = (0..5).map(|_| new_instance_id()).collect();
    for (id, tok, complete) in [
        (&ids[0], &one, true),
        (&ids[1], &one, false),
        (&ids[2], &one, true),
        (&ids[3], &one, true),
        (&ids[4], &two, false),
    ] {
        let (status, reply) = upload(&http, &server.url, Some(tok), &visit(id).to_string());
        assert_eq!(status, 201, "{reply}");
        if complete {
            send_files(&http, &server.url, tok, id);
        }
    }
    let when = moments(&[0, 3, 40]);
    let (today, three_ago, forty_ago) = (&when[0], &when[1], &when[2]);
    for (id, (at, _)) in [(&ids[2], three_ago), (&ids[3], forty_ago)] {
        execute(
            &data,
            &format!("UPDATE submissions SET received_at = '{at}' WHERE instance_id = '{id}'"),
        );
    }

    let (status, bytes) = get(&http, &server.at("/api/v1/admin/overview"), Some(&admin));
    assert_eq!(status, 200);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let teams = body["teams"].as_array().expect("teams");
    let names: Vec<&str> = teams.iter().map(|t| t["team"].as_str().unwrap()).collect();
    assert_eq!(names, ["一队", "三队", "二队"], "every team, by name (bytes): {body}");
    let team = |name: &str| teams.iter().find(|t| t["team"] == name).unwrap().clone();

    let first = team("一队");
    assert_eq!(
        (&first["total"], &first["complete"], &first["with_problems"]),
        (&json!(4), &json!(3), &json!(1)),
        "{first}"
    );
    assert_eq!((&first["target"], &first["progress"]), (&json!(8), &json!(0.5)), "{first}");
    let last = first["last_received_at"].as_str().unwrap();
    assert!(last > three_ago.0.as_str() && last.ends_with('Z'), "{first}");
    let days = first["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 30, "{first}");
    assert_eq!(days[29]["day"], today.1, "today (UTC+8) last: {first}");
    assert_eq!(days[29]["count"], 2, "{first}");
    assert_eq!(days[26]["day"], three_ago.1, "{first}");
    assert_eq!(days[26]["count"], 1, "{first}");
    let counted: u64 = days.iter().map(|d| d["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 3, "forty days ago is outside the 30: {first}");
    assert!(days.windows(2).all(|w| w[0]["day"].as_str() < w[1]["day"].as_str()), "{first}");

    let second = team("二队");
    assert_eq!(
        (&second["total"], &second["complete"], &second["with_problems"]),
        (&json!(1), &json!(0), &json!(1)),
        "{second}"
    );
    assert_eq!((&second["target"], &second["progress"]), (&Value::Null, &Value::Null));
    assert_eq!(second["by_day"][29]["count"], 1, "{second}");

    let third = team("三队");
    assert_eq!(
        (&third["total"], &third["target"], &third["progress"]),
        (&json!(0), &json!(10), &json!(0.0))
    );
    assert_eq!(third["last_received_at"], Value::Null);
    assert!(third["by_day"].as_array().unwrap().iter().all(|d| d["count"] == 0), "{third}");

    // The files of the waiting one arrive, and the target is met: complete, progress 1.
    send_files(&http, &server.url, &one, &ids[1]);
    let (code, _, err) = data.tianye(&["token", "target", "--team", "一队", "4"]);
    assert_eq!(code, 0, "{err}");
    let (_, bytes) = get(&http, &server.at("/api/v1/admin/overview"), Some(&admin));
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let first = body["teams"].as_array().unwrap().iter().find(|t| t["team"] == "一队").unwrap();
    assert_eq!((&first["complete"], &first["with_problems"]), (&json!(4), &json!(0)), "{first}");
    assert_eq!((&first["target"], &first["progress"]), (&json!(4), &json!(1.0)), "{first}");

    // Only the admin token reads it.
    assert_eq!(get(&http, &server.at("/api/v1/admin/overview"), Some(&one)).0, 403);
}

/// POSTs `body` to `/api/v1/admin/team-links` with `token`: (status, JSON).
fn new_link(server_url: &str, token: &str, body: &str) -> (u16, Value) {
    let mut res = client()
        .post(format!("{server_url}/api/v1/admin/team-links"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body)
        .expect("POST");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `/admin`'s new team link: made with an admin token, shown once with its QR code,
/// working at once for uploads, listed as the team's token; bad requests refused, and
/// a team token may not make one.
fn a_new_team_link_is_made_from_admin_with_its_qr_code(backend: Backend) {
    let data = Data::new(backend, "tianye-team-links");
    let forms = forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().expect("admin token");
    let body = json!({"team": " 四队（石门） ", "base": "https://survey.example.cn/tianye/"});
    let (status, made) = new_link(&server.url, &admin, &body.to_string());
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["code"], "team_link.created");
    assert_eq!(made["team"], "四队（石门）");
    let link = made["link"].as_str().unwrap();
    let token = link.strip_prefix("https://survey.example.cn/tianye/#team=").expect(link);
    let svg = made["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("#ffffff") && !svg.contains("<script"), "{svg}");
    // The token is a team's at once: the server knows it (404 for a response it does not
    // hold), where an unknown token gets 401.
    let summary = format!("{}/api/v1/submissions/{}/attachments", server.url, new_instance_id());
    let status_with = |t: &str| match client()
        .get(&summary)
        .header("Authorization", format!("Bearer {t}"))
        .call()
    {
        Ok(res) => res.status().as_u16(),
        Err(ureq::Error::StatusCode(code)) => code,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status_with(token), 404);
    assert_eq!(status_with("not-a-token"), 401);
    let (code, out, err) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("四队（石门）"), "listed: {out}");
    let (status, _) = get(&client(), &format!("{}/api/v1/admin/overview", server.url), Some(token));
    assert_eq!(status, 403, "a team link is no admin token");
    for (body, why) in [
        (json!({"team": "", "base": "https://x.cn"}).to_string(), "empty team"),
        (json!({"team": "队".repeat(65), "base": "https://x.cn"}).to_string(), "long team"),
        (json!({"team": "一队", "base": "javascript:alert(1)"}).to_string(), "scheme"),
        (json!({"team": "一队", "base": "https://x.cn/?a=\"<"}).to_string(), "query"),
        (json!({"team": "一队"}).to_string(), "no base"),
        ("not json".to_owned(), "not json"),
    ] {
        let (status, reply) = new_link(&server.url, &admin, &body);
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("team_link.bad_body")),
            "{why}: {reply}"
        );
    }
    let (status, _) = new_link(&server.url, token, &body.to_string());
    assert_eq!(status, 403, "a team token may not make links");
}

tianye_tests::on_both_backends!(
    targets_are_per_team_bounded_and_listed,
    the_overview_shows_each_team_by_day_against_its_target,
    a_new_team_link_is_made_from_admin_with_its_qr_code,
);
