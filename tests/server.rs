//! The collection server as a child process (`tianye serve`), with a real SQLite file
//! and real HTTP on 127.0.0.1: every status code of the upload API with its body,
//! idempotent retries, conflicts, revoked tokens, questionnaires, CORS, tokens and
//! `import-responses`.

use serde_json::{Value, json};
use tianye_tests::server::{
    Backend, Data, Server, client, fixture_forms, get, household_response, new_instance_id,
    team_token, temp_dir, tianye, upload,
};

fn assert_bilingual(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    let zh = body["message_zh"].as_str().unwrap_or_default();
    let en = body["message_en"].as_str().unwrap_or_default();
    assert!(zh.chars().any(|c| c > '\u{2e80}'), "no Chinese message: {body}");
    assert!(!en.is_empty() && en.is_ascii(), "no English message: {body}");
    assert_eq!(body["message"], format!("{zh} / {en}"));
}

/// Bound where phones reach it (not this machine alone), the server says that they
/// need https to use the app offline; bound to this machine, it does not.
#[test]
fn serving_beyond_this_machine_says_phones_need_https() {
    let data = temp_dir("tianye-server-lan-note");
    let server =
        Server::try_start_on(data.path(), "0.0.0.0:0", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(server.banner.contains("须用 https 打开"), "{}", server.banner);
    assert!(server.banner.contains("phones must open the app over https"), "{}", server.banner);
    drop(server);
    let server = Server::start(data.path(), &[]);
    assert!(!server.banner.contains("phones must open"), "{}", server.banner);
}

fn upload_status_codes_with_their_bodies(backend: Backend) {
    let data = Data::new(backend, "tianye-server-codes");
    let forms = fixture_forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().expect("admin token printed on first start");
    let token = data.team_token("石门一队");
    let http = client();
    let url = server.url.as_str();

    // 201 stored.
    let id = new_instance_id();
    let response = household_response(&id, "1", 3);
    let body = response.to_string();
    let (status, reply) = upload(&http, url, Some(&token), &body);
    assert_eq!(status, 201, "{reply}");
    assert_bilingual(&reply, "submission.created");
    assert_eq!(reply["instance_id"], id.as_str());
    assert_eq!(reply["questionnaire"], json!({"id": "household", "version": "1"}));
    let received_at = reply["received_at"].as_str().unwrap().to_owned();

    // 200 for the same content again, even re-serialised with other spacing.
    let (status, reply) = upload(&http, url, Some(&token), &body);
    assert_eq!(status, 200, "{reply}");
    assert_bilingual(&reply, "submission.duplicate");
    assert_eq!(reply["received_at"], received_at.as_str());
    let pretty = serde_json::to_string_pretty(&response).unwrap();
    assert_eq!(upload(&http, url, Some(&token), &pretty).0, 200);

    // 409 for the same instance_id with other content; nothing overwritten.
    let mut changed = response.clone();
    changed["answers"]["village"] = json!("别的村");
    let (status, reply) = upload(&http, url, Some(&token), &changed.to_string());
    assert_eq!(status, 409, "{reply}");
    assert_bilingual(&reply, "submission.conflict");
    assert_eq!(reply["instance_id"], id.as_str());

    // 422 with the core's problems: out of range, required missing.
    let mut invalid = household_response(&new_instance_id(), "1", 1);
    invalid["answers"]["hh_size"] = json!(99);
    invalid["answers"].as_object_mut().unwrap().remove("village");
    let (status, reply) = upload(&http, url, Some(&token), &invalid.to_string());
    assert_eq!(status, 422, "{reply}");
    assert_bilingual(&reply, "submission.invalid");
    let problems = reply["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["path"] == "hh_size" && p["code"] == "range"), "{reply}");
    assert!(problems.iter().any(|p| p["path"] == "village" && p["code"] == "required"), "{reply}");
    // The core's one problem shape: the location as data, the message in both languages.
    for p in problems {
        assert_eq!(p["field"], p["path"], "outside every repeat the path is the name: {p}");
        assert!(p.get("rows").is_none(), "{p}");
        let (zh, en) = (p["message_zh"].as_str().unwrap(), p["message_en"].as_str().unwrap());
        assert_eq!(p["message"], format!("{zh} / {en}"), "{p}");
    }

    // 422 for a draft, listing what it still lacks.
    let mut draft = household_response(&new_instance_id(), "1", 1);
    draft["status"] = json!("draft");
    draft["answers"].as_object_mut().unwrap().remove("head_sex");
    let (status, reply) = upload(&http, url, Some(&token), &draft.to_string());
    assert_eq!(status, 422, "{reply}");
    assert_bilingual(&reply, "submission.not_complete");
    assert!(reply["problems"].as_array().unwrap().iter().any(|p| p["path"] == "head_sex"));

    // 400 for malformed JSON (with line and column) and for a missing field.
    let (status, reply) =
        upload(&http, url, Some(&token), "{\n  \"instance_id\": \"x\",\n  \"answers\" {}\n}");
    assert_eq!(status, 400, "{reply}");
    assert_bilingual(&reply, "json.syntax");
    assert_eq!(reply["line"], 3);
    let mut missing = household_response(&new_instance_id(), "1", 1);
    missing.as_object_mut().unwrap().remove("instance_id");
    let (status, reply) = upload(&http, url, Some(&token), &missing.to_string());
    assert_eq!(status, 400, "{reply}");
    assert_bilingual(&reply, "json.format");
    assert!(reply["detail"].as_str().unwrap().contains("instance_id"), "{reply}");
    let (status, reply) = upload(&http, url, Some(&token), "");
    assert_eq!((status, reply["code"].as_str()), (400, Some("json.syntax")));

    // 401 for a missing or unknown token.
    let (status, reply) = upload(&http, url, None, &body);
    assert_eq!(status, 401);
    assert_bilingual(&reply, "auth.missing_token");
    let (status, reply) = upload(&http, url, Some("not-a-token"), &body);
    assert_eq!(status, 401);
    assert_bilingual(&reply, "auth.unknown_token");
    // The admin token does not upload; a team token does not export.
    let (status, reply) = upload(&http, url, Some(&admin), &body);
    assert_eq!(status, 403);
    assert_bilingual(&reply, "auth.team_required");
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/household/export.csv"), Some(&token));
    assert_eq!(status, 403);
    assert_bilingual(&serde_json::from_slice(&bytes).unwrap(), "auth.admin_required");

    // 404 for an unknown questionnaire or version.
    let mut unknown = household_response(&new_instance_id(), "1", 1);
    unknown["questionnaire"] = json!({"id": "nope", "version": "1"});
    let (status, reply) = upload(&http, url, Some(&token), &unknown.to_string());
    assert_eq!(status, 404);
    assert_bilingual(&reply, "questionnaire.not_found");
    unknown["questionnaire"] = json!({"id": "household", "version": "9"});
    let (status, reply) = upload(&http, url, Some(&token), &unknown.to_string());
    assert_eq!(status, 404);
    assert_bilingual(&reply, "questionnaire.version_not_found");

    // 413 for a body over 1 MiB, whatever it holds.
    let mut big = household_response(&new_instance_id(), "1", 1);
    big["answers"]["old_note"] = json!("田".repeat(400_000));
    let (status, reply) = upload(&http, url, Some(&token), &big.to_string());
    assert_eq!(status, 413, "{reply}");
    assert_bilingual(&reply, "request.too_large");
    let (status, reply) = upload(&http, url, Some(&token), &"x".repeat(3 << 20));
    assert_eq!(status, 413, "{reply}");

    // The old version still accepts uploads; the new one too.
    let v2 = household_response(&new_instance_id(), "2", 2);
    assert_eq!(upload(&http, url, Some(&token), &v2.to_string()).0, 201);

    // Exactly the first upload of `id` is stored, as received.
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/household/export.jsonl"), Some(&admin));
    assert_eq!(status, 200);
    let lines: Vec<Value> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let first = lines.iter().find(|l| l["instance_id"] == id.as_str()).unwrap();
    assert_eq!(first["answers"]["village"], "石门村");
    assert_eq!(first["team"], "石门一队");
    assert_eq!(first["received_at"], received_at.as_str());

    // Unknown endpoints and methods answer in JSON too.
    let (status, bytes) = get(&http, &server.at("/api/v1/nothing"), None);
    assert_eq!(status, 404);
    assert_bilingual(&serde_json::from_slice(&bytes).unwrap(), "api.not_found");
    let mut res = http.delete(server.at("/api/v1/submissions")).call().unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let reply: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    assert_bilingual(&reply, "api.method_not_allowed");
}

fn revoked_tokens_are_refused_and_tokens_are_listed(backend: Backend) {
    let data = Data::new(backend, "tianye-server-revoke");
    let forms = fixture_forms();
    let (code, out, err) =
        data.tianye(&["token", "create", "--team", "二队", "--url", "http://192.0.2.1:8080/"]);
    assert_eq!(code, 0, "{err}");
    let token = out.lines().last().unwrap().trim().to_owned();
    assert_eq!(token.len(), 43, "{out}");
    assert!(out.contains(&format!("http://192.0.2.1:8080/#team={token}")), "{out}");

    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let http = client();
    let first = household_response(&new_instance_id(), "1", 1).to_string();
    assert_eq!(upload(&http, &server.url, Some(&token), &first).0, 201);

    let (code, out, _) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("二队") && out.contains("有效 / active"), "{out}");
    assert!(!out.contains(&token), "token list must never show a token");

    // Revoked while the server runs: the very next upload is refused.
    let (code, out, err) = data.tianye(&["token", "revoke", "--team", "二队"]);
    assert_eq!(code, 0, "{out}{err}");
    let second = household_response(&new_instance_id(), "1", 1).to_string();
    let (status, reply) = upload(&http, &server.url, Some(&token), &second);
    assert_eq!(status, 401, "{reply}");
    assert_bilingual(&reply, "auth.revoked_token");
    // Retrying an upload that was stored is refused as well: the token is gone.
    assert_eq!(upload(&http, &server.url, Some(&token), &first).0, 401);
    let (code, out, _) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("已撤销 / revoked"), "{out}");
    // Nothing left to revoke.
    assert_eq!(data.tianye(&["token", "revoke", "--team", "二队"]).0, 1);
}

#[test]
fn questionnaires_cors_and_restart_rules() {
    let data = temp_dir("tianye-server-forms");
    let forms_dir = temp_dir("tianye-server-forms-src");
    for v in ["household_v1", "household_v2"] {
        let target = forms_dir.path().join(v);
        std::fs::create_dir_all(&target).unwrap();
        std::fs::copy(fixture_forms().join(v).join("form.json"), target.join("form.json")).unwrap();
    }
    let forms = forms_dir.path().to_str().unwrap().to_owned();
    let http = client();
    {
        let server = Server::start(data.path(), &["--forms", &forms]);
        let (status, bytes) = get(&http, &server.at("/api/v1/questionnaires"), None);
        assert_eq!(status, 200);
        let list: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(list["questionnaires"][0]["id"], "household");
        assert_eq!(list["questionnaires"][0]["version"], "2");
        assert_eq!(list["questionnaires"][0]["versions"], json!(["1", "2"]));
        let (status, bytes) = get(&http, &server.at("/api/v1/questionnaires/household"), None);
        assert_eq!(status, 200);
        let q: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!((q["id"].as_str(), q["version"].as_str()), (Some("household"), Some("2")));
        let (status, bytes) =
            get(&http, &server.at("/api/v1/questionnaires/household?version=1"), None);
        assert_eq!(status, 200);
        assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["version"], "1");
        let (status, bytes) = get(&http, &server.at("/api/v1/questionnaires/nope"), None);
        assert_eq!(status, 404);
        assert_bilingual(&serde_json::from_slice(&bytes).unwrap(), "questionnaire.not_found");

        // CORS: any origin may upload (bearer tokens, no cookies); admin allows none.
        let res = http
            .options(server.at("/api/v1/submissions"))
            .header("Origin", "https://portal.example.org")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .call()
            .unwrap();
        assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), "*");
        let res = http
            .get(server.at("/api/v1/admin/overview"))
            .header("Origin", "https://portal.example.org")
            .call()
            .unwrap();
        assert!(res.headers().get("access-control-allow-origin").is_none());

        let token = team_token(data.path(), "一队");
        let r = household_response(&new_instance_id(), "1", 2).to_string();
        assert_eq!(upload(&http, &server.url, Some(&token), &r).0, 201);
    }

    // Version 1 leaves the disk: its stored copy still takes uploads and still exports.
    std::fs::remove_dir_all(forms_dir.path().join("household_v1")).unwrap();
    {
        let server = Server::start(data.path(), &["--forms", &forms]);
        assert!(server.admin_token.is_none(), "the admin token is printed only once");
        let token = team_token(data.path(), "一队");
        let r = household_response(&new_instance_id(), "1", 1).to_string();
        assert_eq!(upload(&http, &server.url, Some(&token), &r).0, 201);
    }

    // A changed version that already has submissions stops the start, naming it.
    let v2 = forms_dir.path().join("household_v2/form.json");
    let token = team_token(data.path(), "一队");
    {
        let server = Server::start(data.path(), &["--forms", &forms]);
        let r = household_response(&new_instance_id(), "2", 1).to_string();
        assert_eq!(upload(&http, &server.url, Some(&token), &r).0, 201);
    }
    let text = std::fs::read_to_string(&v2).unwrap().replace("乡镇", "乡/镇");
    std::fs::write(&v2, text).unwrap();
    let err = Server::try_start(data.path(), &["--forms", &forms]).err().expect("must refuse");
    assert!(err.contains("household") && err.contains("version 2"), "{err}");

    // A broken questionnaire stops the start with the checker's report.
    std::fs::write(
        &v2,
        r#"{"id": "household", "version": "3", "title": "t", "items": [
            {"type": "integer", "name": "age", "label": "年龄"},
            {"type": "text", "name": "school", "label": "学校", "relevant": "${agee} < 16"}]}"#,
    )
    .unwrap();
    let err = Server::try_start(data.path(), &["--forms", &forms]).err().expect("must refuse");
    assert!(err.contains("error[expr.unknown_ref]"), "{err}");
    assert!(err.contains("${agee} < 16"), "{err}");
}

/// A data directory (`prefix`) with a token of team 三队, for `import-responses`.
fn import_data(backend: Backend, prefix: &str) -> (Data, String) {
    let data = Data::new(backend, prefix);
    let token = data.team_token("三队");
    (data, token)
}

/// `tianye import-responses` of `backup` (written to `backup.json` in `data`) with the
/// fixture questionnaires: the exit code, standard output and error.
fn import_backup(data: &Data, backup: &Value) -> (i32, String, String) {
    let file = data.path().join("backup.json");
    std::fs::write(&file, backup.to_string()).unwrap();
    let forms = fixture_forms();
    data.tianye(&["import-responses", file.to_str().unwrap(), "--forms", forms.to_str().unwrap()])
}

fn import_responses_validates_each_like_an_upload(backend: Backend) {
    let (data, token) = import_data(backend, "tianye-server-import");
    let a = household_response(&new_instance_id(), "1", 2);
    let b = household_response(&new_instance_id(), "2", 1);
    let mut bad = household_response(&new_instance_id(), "1", 1);
    bad["answers"]["hh_size"] = json!(0);
    let mut conflict = a.clone();
    conflict["answers"]["village"] = json!("另一个村");
    let backup = json!({
        "exported_at": "2026-07-02T20:00:00+08:00",
        "team_token": token,
        "responses": [a, b, a, bad, conflict, {"instance_id": 5}],
    });
    let (code, out, err) = import_backup(&data, &backup);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("✓ [1]"), "{out}");
    assert!(lines[1].starts_with("✓ [2]"), "{out}");
    assert!(lines[2].starts_with("= [3]"), "{out}");
    assert!(out.contains("[submission.invalid]") && out.contains("hh_size [range]"), "{out}");
    assert!(out.contains("[submission.conflict]"), "{out}");
    assert!(out.contains("[6]: [json.format]"), "{out}");
    assert!(
        out.trim_end().ends_with("6 response(s): 2 created, 1 duplicate, 1 conflict, 2 rejected"),
        "{out}"
    );

    // A bare array with --team: everything already there is a duplicate.
    let file = data.path().join("array.json");
    std::fs::write(&file, json!([a, b]).to_string()).unwrap();
    let (code, out, err) =
        data.tianye(&["import-responses", file.to_str().unwrap(), "--team", "三队"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 duplicate"), "{out}");

    // The imported rows export with their team.
    let (code, out, err) = data.tianye(&["export", "household", "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["team"] == "三队"));

    // No team anywhere: refused before anything is stored.
    std::fs::write(&file, json!({"responses": []}).to_string()).unwrap();
    let (code, _, err) = data.tianye(&["import-responses", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--team"), "{err}");
}

/// A backup carries the records the phone could not read, with their text: one whose
/// text is a record of a response (written by a newer app) is imported as that response;
/// one that is not (damaged) is reported with the phone's reason, and nothing is lost
/// from the rest.
fn import_responses_takes_what_the_phone_could_not_read(backend: Backend) {
    let (data, token) = import_data(backend, "tianye-server-import-unreadable");
    let read = household_response(&new_instance_id(), "1", 1);
    let newer = household_response(&new_instance_id(), "2", 2);
    let record =
        json!({"response": newer, "title": "入户调查", "upload": {"queued": {}}, "format": 2});
    let backup = json!({
        "exported_at": "2026-07-02T20:00:00+08:00",
        "team_token": token,
        "responses": [read],
        "unreadable": [
            {"key": "tianye.v1.r.household.x", "error": "unknown variant `queued`", "text": record.to_string()},
            {"key": "tianye.v1.r.household.y", "error": "EOF while parsing a string at line 1 column 40", "text": "{\"response\": {\"instance_id\": \"y"},
        ],
    });
    let (code, out, err) = import_backup(&data, &backup);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("✓ [1]"), "{out}");
    assert!(lines[1].starts_with("✓ [unreadable 1] tianye.v1.r.household.x"), "{out}");
    assert!(
        lines[2].starts_with("✗ [unreadable 2] tianye.v1.r.household.y: [backup.unreadable]")
            && lines[2].ends_with("EOF while parsing a string at line 1 column 40"),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with("3 response(s): 2 created, 0 duplicate, 0 conflict, 1 rejected"),
        "{out}"
    );
    let (code, out, err) = data.tianye(&["export", "household", "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains(newer["instance_id"].as_str().unwrap()), "{out}");
}

/// `tianye serve --forms` takes XLSForms too: a household survey written as an XLSForm
/// (`form.md`, pyxform's markdown tables) is served and receives uploads; a broken one
/// stops the start with its sheet, row and column.
#[test]
fn serves_xlsforms_and_refuses_a_broken_one_at_its_cell() {
    let forms = temp_dir("tianye-server-xlsform-forms");
    let dir = forms.path().join("hh_md");
    std::fs::create_dir_all(&dir).unwrap();
    let source = tianye_tests::repo().join("core/tests/fixtures/xlsform/20_household.md");
    std::fs::copy(&source, dir.join("form.md")).unwrap();
    let data = temp_dir("tianye-server-xlsform");
    let server = Server::start(data.path(), &["--forms", forms.path().to_str().unwrap()]);
    let http = client();
    let (status, body) = get(&http, &server.at("/api/v1/questionnaires"), None);
    assert_eq!(status, 200);
    let list: Value = serde_json::from_slice(&body).unwrap();
    let ids: Vec<&str> = list["questionnaires"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{list}");
    let (status, body) =
        get(&http, &server.at(&format!("/api/v1/questionnaires/{}", ids[0])), None);
    assert_eq!(status, 200);
    let q: Value = serde_json::from_slice(&body).unwrap();
    assert!(q["items"].as_array().is_some_and(|items| !items.is_empty()), "{q}");
    drop(server);

    // The same survey with a typo in a relevance cell refuses to start.
    let text = std::fs::read_to_string(&source).unwrap();
    let broken = text.replacen("${", "${zz_", 1);
    assert_ne!(broken, text, "the fixture has a reference to break");
    std::fs::write(dir.join("form.md"), broken).unwrap();
    let data = temp_dir("tianye-server-xlsform-broken");
    let err = Server::try_start(data.path(), &["--forms", forms.path().to_str().unwrap()])
        .err()
        .expect("refused");
    assert!(err.contains("expr.unknown_ref"), "{err}");
    assert!(err.contains("survey!"), "the error names the cell: {err}");
}

/// Asked to stop (Ctrl-C, or SIGTERM from systemd) while one phone is halfway through an
/// upload and another's has stalled (its signal gone): the first is finished and
/// stored, and the server exits when its grace (10 s) is over, not held open for as long
/// as the stalled connection lasts.
#[test]
fn a_stopping_server_finishes_uploads_in_flight_and_is_not_held_by_a_stalled_one() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    let data = temp_dir("tianye-server-stop");
    let forms = fixture_forms();
    let mut server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(data.path(), "石门一队");
    let id = new_instance_id();
    let body = household_response(&id, "1", 2).to_string();
    let head = |length: usize| {
        format!(
            "POST /api/v1/submissions HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
            server.addr()
        )
    };
    // The stalled one: its head and one byte, then nothing.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled.write_all(format!("{}{{", head(1000)).as_bytes()).unwrap();
    // The one halfway through.
    let mut sending = TcpStream::connect(server.addr()).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let rest = rest.to_owned();
    sending.write_all(format!("{}{first}", head(body.len())).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(500));

    let finish = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        sending.write_all(rest.as_bytes()).unwrap();
        let mut answer = String::new();
        sending.read_to_string(&mut answer).unwrap();
        answer
    });
    let took = server.stop(Duration::from_secs(40));
    let answer = finish.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let took = took.expect("the server exits");
    assert!(took > Duration::from_secs(5), "it gave the stalled upload its grace: {took:?}");
    assert!(took < Duration::from_secs(20), "held by the stalled upload: {took:?}");
    drop(stalled);

    // Stored: the export of the same data has it.
    let dir = data.path().to_str().unwrap();
    let (code, out, err) =
        tianye(&["export", "--data", dir, "household", "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id), "{out}");
}

tianye_tests::on_both_backends!(
    upload_status_codes_with_their_bodies,
    revoked_tokens_are_refused_and_tokens_are_listed,
    import_responses_validates_each_like_an_upload,
    import_responses_takes_what_the_phone_could_not_read,
);

/// PostgreSQL: four processes starting at once on an empty database migrate it once
/// (under the advisory lock) and all go on; a database whose schema is newer than this
/// Tianye is refused, naming both versions; an unreachable server or a bad URL is named
/// by its host, never with the password, whether the URL came as `--database` or in
/// `TIANYE_DATABASE`.
#[test]
fn postgres_migrates_once_refuses_a_newer_schema_and_names_an_unreachable_host() {
    let data = Data::new(Backend::Postgres, "tianye-pg-migrate");
    let db = data.database().unwrap().rsplit('/').next().unwrap().to_owned();
    let starts: Vec<_> = (0..4)
        .map(|i| {
            let args = data.args();
            std::thread::spawn(move || {
                let team = format!("队{i}");
                let mut all = vec!["token", "create", "--team", team.as_str()];
                all.extend(args.iter().map(String::as_str));
                tianye(&all)
            })
        })
        .collect();
    for s in starts {
        let (code, out, err) = s.join().unwrap();
        assert_eq!(code, 0, "{out}{err}");
    }
    let cluster = tianye_tests::postgres::cluster();
    let versions = cluster.psql(&db, "SELECT version FROM schema_version ORDER BY version");
    assert_eq!(versions.lines().collect::<Vec<_>>(), ["1", "2", "3", "4"]);
    let (code, out, err) = data.tianye(&["token", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("有效 / active").count(), 4, "{out}");

    cluster.psql(&db, "INSERT INTO schema_version VALUES (999, 'later')");
    let err = data.try_serve(&[]).err().expect("a newer schema must be refused");
    assert!(err.contains("数据库结构版本 999") && err.contains("version 999 is newer"), "{err}");
    let (code, _, err) = data.tianye(&["token", "list"]);
    assert_ne!(code, 0);
    assert!(err.contains("upgrade Tianye"), "{err}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = data.path().to_str().unwrap();
    for (url, said) in [
        (format!("postgres://tianye:s3cret@127.0.0.1:{port}/x"), format!("127.0.0.1:{port}")),
        ("postgres://tianye:s3cret@127.0.0.1:port/x".to_owned(), "invalid database URL".into()),
        ("mysql://tianye:s3cret@127.0.0.1/x".to_owned(), "must start with postgres://".into()),
    ] {
        let (code, _, err) = tianye(&["token", "list", "--data", dir, "--database", &url]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&said) && !err.contains("s3cret"), "{url}: {err}");
        let out = std::process::Command::new(tianye_tests::tianye_bin())
            .args(["token", "list", "--data", dir])
            .env("TIANYE_DATABASE", &url)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&said) && !err.contains("s3cret"), "{url}: {err}");
    }
    let (_, out, _) = tianye(&["token", "--help"]);
    let (_, help, _) = tianye(&["token", "list", "--help"]);
    assert!(help.contains("--database") && help.contains("TIANYE_DATABASE"), "{out}{help}");
}
