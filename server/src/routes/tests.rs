//! Fast checks of the router without a socket (`app(state).oneshot(request)`), over a
//! real SQLite file in a temporary directory.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::store::{Store, TokenKind};
use crate::{AppConfig, AppState, Catalog, SqliteStore, app, auth};

const FORM: &str = r#"{"id": "t", "version": "1", "title": {"zh": "测试", "en": "Test"},
  "items": [
    {"type": "integer", "name": "age", "label": {"zh": "年龄", "en": "Age"}, "min": 0, "max": 120, "required": true},
    {"type": "select_multiple", "name": "pets", "label": "宠物", "choices": "pets"},
    {"type": "repeat", "name": "kid", "label": "孩子", "items": [
      {"type": "text", "name": "kid_name", "label": "姓名", "required": true}]}
  ],
  "choice_lists": {"pets": [{"name": "cat", "label": "猫"}, {"name": "dog", "label": "狗"}]}}"#;

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    team: String,
    admin: String,
}

fn fixture() -> Fixture {
    fixture_with_limit(None)
}

fn fixture_with_limit(max_bytes: Option<u64>) -> Fixture {
    fixture_with(max_bytes, AppConfig::default())
}

fn fixture_with(max_bytes: Option<u64>, config: AppConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir_all(forms.join("t")).unwrap();
    std::fs::write(forms.join("t/form.json"), FORM).unwrap();
    let store = SqliteStore::open_with_limit(&dir.path().join("data"), max_bytes).unwrap();
    let (catalog, notes) = Catalog::load(&store, Some(&forms)).unwrap();
    assert_eq!(notes.loaded.len(), 1);
    let team = auth::generate_token().unwrap();
    store.create_token(TokenKind::Team, "一队", &auth::hash_token(&team)).unwrap();
    let admin = auth::generate_token().unwrap();
    assert!(store.create_first_admin_token(&auth::hash_token(&admin)).unwrap());
    assert!(!store.create_first_admin_token(&auth::hash_token("other")).unwrap());
    let state = AppState::new(Arc::new(store), catalog, config);
    Fixture { _dir: dir, state, team, admin }
}

fn response(id: &str, age: i64) -> String {
    json!({
        "instance_id": id,
        "questionnaire": {"id": "t", "version": "1"},
        "status": "complete",
        "answers": {"age": age, "pets": ["cat"], "kid": [{"kid_name": "小明"}, {"kid_name": "小红"}]},
        "meta": {"enumerator": "李明", "submitted_at": "2026-07-01T10:00:00+08:00"}
    })
    .to_string()
}

async fn send(state: &AppState, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    (status, to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec())
}

async fn post(state: &AppState, token: Option<&str>, body: String) -> (StatusCode, Value) {
    let mut req = Request::post("/api/v1/submissions");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let (status, bytes) = send(state, req.body(Body::from(body)).unwrap()).await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

const ID: &str = "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60";

#[tokio::test]
async fn uploads_are_idempotent_and_never_overwritten() {
    let f = fixture();
    let (s, b) = post(&f.state, Some(&f.team), response(ID, 9)).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CREATED, Some("submission.created")));
    let (s, b) = post(&f.state, Some(&f.team), response(ID, 9)).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::OK, Some("submission.duplicate")));
    let (s, b) = post(&f.state, Some(&f.team), response(ID, 10)).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("submission.conflict")));
    let raw = f.state.store().raw_submission(ID).unwrap().unwrap();
    assert_eq!(raw, response(ID, 9));
    let (s, b) = post(&f.state, Some(&f.team), response("not-a-uuid", 9)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["problems"][0]["code"], "instance_id");
    let (s, b) = post(&f.state, None, response(ID, 9)).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.missing_token")));
    let (s, b) = post(&f.state, Some(&f.team), "\u{0}".into()).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("json.syntax")));
}

#[tokio::test]
async fn body_limit_and_utf8() {
    let f = fixture();
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(crate::MAX_BODY));
    let (s, b) = post(&f.state, Some(&f.team), big).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("request.too_large")));
    assert_eq!(b["limit"], crate::MAX_BODY);
    let req = Request::post("/api/v1/submissions")
        .header("authorization", format!("Bearer {}", f.team))
        .body(Body::from(vec![0xff, 0xfe]))
        .unwrap();
    let (s, bytes) = send(&f.state, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["code"], "request.not_utf8");
}

#[tokio::test]
async fn exports_and_overview_need_the_admin_token() {
    let f = fixture();
    assert_eq!(post(&f.state, Some(&f.team), response(ID, 9)).await.0, StatusCode::CREATED);
    let get = |path: &str, token: &str| {
        Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let (s, _) = send(&f.state, get("/api/v1/questionnaires/t/export.csv", &f.team)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, bytes) = send(&f.state, get("/api/v1/questionnaires/t/export.csv", &f.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}instance_id,version,team,enumerator,device_id,started_at,submitted_at,received_at,review_state,review_comment,age,pets,pets/cat,pets/dog,kid"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("{ID},1,一队,李明,,,2026-07-01T10:00:00+08:00,"))
    );
    let (s, bytes) =
        send(&f.state, get("/api/v1/questionnaires/t/export.csv?table=kid", &f.admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        format!("\u{feff}instance_id,row,kid_name\n{ID},1,小明\n{ID},2,小红\n")
    );
    let (s, bytes) = send(&f.state, get("/api/v1/admin/overview", &f.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let o: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(o["total"], 1);
    assert_eq!(o["by_team"][0]["team"], "一队");
    assert_eq!(o["by_version"][0]["count"], 1);
    assert_eq!(o["by_day"].as_array().unwrap().len(), 1);
    let (s, bytes) = send(&f.state, get("/admin", "")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(bytes).unwrap().contains("管理员令牌"));
    let (s, _) = send(&f.state, get("/api/v1/questionnaires/t/export.pdf", &f.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, bytes) =
        send(&f.state, get("/api/v1/questionnaires/t/export.csv?labels=maybe", &f.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["code"], "request.bad_query");
}

#[tokio::test]
async fn serves_the_web_app_with_an_index_fallback_and_keeps_the_api_json() {
    let f = fixture();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<html>田野</html>").unwrap();
    std::fs::write(web.path().join("app.js"), "console.log(1)").unwrap();
    let state = AppState::new(
        f.state.store().clone(),
        Catalog::default(),
        AppConfig { web_dir: Some(web.path().to_owned()), ..AppConfig::default() },
    );
    let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
    assert_eq!(send(&state, get("/")).await, (StatusCode::OK, "<html>田野</html>".into()));
    assert_eq!(send(&state, get("/app.js")).await, (StatusCode::OK, "console.log(1)".into()));
    assert_eq!(
        send(&state, get("/form/lbc_household")).await,
        (StatusCode::OK, "<html>田野</html>".into())
    );
    let (s, bytes) = send(&state, get("/api/v1/nope")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["code"], "api.not_found");
    // Without a web app: a bilingual placeholder at `/`.
    let (s, bytes) = send(&f.state, get("/")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(bytes).unwrap().contains("web app is not built"));
}

#[tokio::test]
async fn a_full_database_answers_503_and_keeps_everything_stored() {
    let f = fixture_with_limit(Some(256 * 1024));
    let mut stored = Vec::new();
    let mut refused = None;
    for i in 0..200u32 {
        let id = format!("5f0c2a4e-8d1b-4c3e-9f6a-{i:012x}");
        let kids: Vec<Value> =
            (0..20).map(|k| json!({"kid_name": format!("{k}{}", "田".repeat(300))})).collect();
        let body = json!({
            "instance_id": id, "questionnaire": {"id": "t", "version": "1"}, "status": "complete",
            "answers": {"age": 9, "kid": kids}
        })
        .to_string();
        let (s, b) = post(&f.state, Some(&f.team), body.clone()).await;
        match s {
            StatusCode::CREATED => stored.push((id, body)),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(b);
                break;
            }
            other => panic!("{other}: {b}"),
        }
    }
    let refused = refused.expect("the database must fill up");
    assert_eq!(refused["code"], "storage.unavailable");
    assert!(refused["detail"].as_str().unwrap().contains("full"), "{refused}");
    assert!(!stored.is_empty());
    for (id, body) in &stored {
        assert_eq!(f.state.store().raw_submission(id).unwrap().as_deref(), Some(body.as_str()));
    }
    // Reads still work, and the overview counts exactly what was stored.
    assert_eq!(f.state.store().overview().unwrap().total, stored.len() as u64);
}

/// The response to `req`: status, headers and the body as sent (not decoded).
async fn send_raw(state: &AppState, req: Request<Body>) -> axum::http::Response<Vec<u8>> {
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    axum::http::Response::from_parts(parts, to_bytes(body, usize::MAX).await.unwrap().to_vec())
}

fn header<'a>(res: &'a axum::http::Response<Vec<u8>>, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).unwrap();
    out
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &data[..], &mut out).unwrap();
    out
}

#[tokio::test]
async fn sends_the_web_app_compressed_to_browsers_that_take_it() {
    let web = tempfile::tempdir().unwrap();
    let js = "console.log('田野');\n".repeat(50);
    let html = "<html>田野</html>";
    std::fs::write(web.path().join("app.js"), &js).unwrap();
    std::fs::write(web.path().join("app.js.br"), brotli(js.as_bytes())).unwrap();
    std::fs::write(web.path().join("app.js.gz"), gzip(js.as_bytes())).unwrap();
    std::fs::write(web.path().join("index.html"), html).unwrap();
    std::fs::write(web.path().join("index.html.gz"), gzip(html.as_bytes())).unwrap();
    std::fs::write(web.path().join("plain.css"), "p { color: red }").unwrap();
    // One modification time for a file and its compressed copies, as a build leaves them
    // (written across a second's turn, the copies would be a second newer than the file,
    // and a conditional request for one with the other's date not a 304).
    let at = std::time::SystemTime::now() - std::time::Duration::from_mins(1);
    for file in ["app.js", "app.js.br", "app.js.gz", "index.html", "index.html.gz"] {
        let f = std::fs::File::options().write(true).open(web.path().join(file)).unwrap();
        f.set_modified(at).unwrap();
    }
    let config = AppConfig { web_dir: Some(web.path().to_owned()), ..AppConfig::default() };
    let state = fixture_with(None, config).state;
    let get = |p: &str, accept: &str| {
        let req = Request::get(p);
        let req = if accept.is_empty() { req } else { req.header("accept-encoding", accept) };
        req.body(Body::empty()).unwrap()
    };
    // A browser taking brotli gets the .br copy, with the file's own type.
    let res = send_raw(&state, get("/app.js", "gzip, deflate, br")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "br");
    assert!(header(&res, "content-type").contains("javascript"), "{:?}", res.headers());
    assert!(header(&res, "vary").contains("accept-encoding"), "{:?}", res.headers());
    assert!(res.body().len() < js.len() / 5);
    assert_eq!(unbrotli(res.body()), js.as_bytes());
    // gzip only: the .gz copy.
    let res = send_raw(&state, get("/app.js", "gzip")).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert_eq!(gunzip(res.body()), js.as_bytes());
    // No encoding asked for: the file as it is.
    let res = send_raw(&state, get("/app.js", "")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert!(header(&res, "vary").contains("accept-encoding"));
    assert_eq!(res.body(), js.as_bytes());
    // Browsers ask again rather than guess a file is fresh; unchanged, it is a 304.
    assert_eq!(header(&res, "cache-control"), "no-cache");
    let modified = header(&res, "last-modified").to_owned();
    assert!(!modified.is_empty(), "{:?}", res.headers());
    let again = Request::get("/app.js")
        .header("accept-encoding", "br")
        .header("if-modified-since", &modified)
        .body(Body::empty())
        .unwrap();
    let res = send_raw(&state, again).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.body().is_empty());
    // Another site (a portal embedding a form) may load the app's files.
    let cross = Request::get("/app.js")
        .header("origin", "https://portal.example")
        .body(Body::empty())
        .unwrap();
    let res = send_raw(&state, cross).await;
    assert_eq!(header(&res, "access-control-allow-origin"), "*");
    // A file without copies, asked for with brotli: as it is.
    let res = send_raw(&state, get("/plain.css", "br")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(res.body(), b"p { color: red }");
    // The file edited by hand after the copies were made: a copy that no longer holds
    // it is not sent, another that does is, and with none left, the file as it is.
    let edited = "console.log('edited by hand');\n".repeat(50);
    std::fs::write(web.path().join("app.js"), &edited).unwrap();
    std::fs::write(web.path().join("app.js.gz"), gzip(edited.as_bytes())).unwrap();
    let res = send_raw(&state, get("/app.js", "gzip, deflate, br")).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert_eq!(gunzip(res.body()), edited.as_bytes());
    let res = send_raw(&state, get("/app.js", "br;q=1.0, identity;q=0.5")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(res.body(), edited.as_bytes());
    std::fs::write(web.path().join("app.js.gz"), gzip(js.as_bytes())).unwrap();
    let res = send_raw(&state, get("/app.js", "gzip, deflate, br")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(res.body(), edited.as_bytes());
    // A copy that is not what it is named (not brotli at all) is not sent either.
    std::fs::write(web.path().join("app.js.br"), edited.as_bytes()).unwrap();
    let res = send_raw(&state, get("/app.js", "br")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(res.body(), edited.as_bytes());
    // The single-page fallback is the index, compressed too.
    let res = send_raw(&state, get("/r/t/some-id", "gzip, br")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert_eq!(gunzip(res.body()), html.as_bytes());
    // The API compresses JSON on the fly for a client taking gzip, and not otherwise.
    let res = send_raw(&state, get("/api/v1/questionnaires/t", "gzip")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "gzip");
    let form: Value = serde_json::from_slice(&gunzip(res.body())).unwrap();
    assert_eq!(form["id"], "t");
    let res = send_raw(&state, get("/api/v1/questionnaires/t", "")).await;
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(serde_json::from_slice::<Value>(res.body()).unwrap()["id"], "t");
}

#[tokio::test]
async fn exports_are_gzipped_for_clients_that_take_it_but_not_the_zipped_xlsx() {
    let f = fixture();
    for i in 0..20 {
        let id = format!("5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f{i:02}");
        assert_eq!(post(&f.state, Some(&f.team), response(&id, 9)).await.0, StatusCode::CREATED);
    }
    let get = |path: &str| {
        Request::get(path)
            .header("authorization", format!("Bearer {}", f.admin))
            .header("accept-encoding", "gzip")
            .body(Body::empty())
            .unwrap()
    };
    let res = send_raw(&f.state, get("/api/v1/questionnaires/t/export.csv")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "gzip");
    let csv = String::from_utf8(gunzip(res.body())).unwrap();
    assert_eq!(csv.lines().count(), 21, "{csv}");
    let res = send_raw(&f.state, get("/api/v1/questionnaires/t/export.xlsx")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "");
    assert!(res.body().starts_with(b"PK"), "a zip file");
}

#[tokio::test]
async fn a_browser_asking_again_gets_a_304_only_while_the_file_holds_the_same_bytes() {
    let web = tempfile::tempdir().unwrap();
    let js = web.path().join("app.js");
    std::fs::write(web.path().join("index.html"), "<html>田野</html>").unwrap();
    std::fs::write(&js, "console.log('build 1');").unwrap();
    std::fs::write(web.path().join("app.js.br"), brotli(b"console.log('build 1');")).unwrap();
    let config = AppConfig { web_dir: Some(web.path().to_owned()), ..AppConfig::default() };
    let state = fixture_with(None, config).state;
    let get = |p: &str, tag: &str, date: &str| {
        let mut req = Request::get(p).header("accept-encoding", "gzip, br");
        if !tag.is_empty() {
            req = req.header("if-none-match", tag);
        }
        if !date.is_empty() {
            req = req.header("if-modified-since", date);
        }
        req.body(Body::empty()).unwrap()
    };
    let first = send_raw(&state, get("/app.js", "", "")).await;
    assert_eq!(first.status(), StatusCode::OK);
    let tag = header(&first, "etag").to_owned();
    let date = header(&first, "last-modified").to_owned();
    assert!(tag.starts_with("W/\"") && tag.len() > 20, "{:?}", first.headers());
    // Asked again as a browser does (both validators): unchanged, a 304 with the tag.
    let res = send_raw(&state, get("/app.js", &tag, &date)).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.body().is_empty());
    assert_eq!(header(&res, "etag"), tag);
    assert_eq!(header(&res, "cache-control"), "no-cache");
    assert!(header(&res, "vary").contains("accept-encoding"));
    // Another tag, or one of several: answered by what is named.
    let res = send_raw(&state, get("/app.js", "W/\"something-else\"", "")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = send_raw(&state, get("/app.js", &format!("\"x\", {tag}"), "")).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // A new build written within the same second (its date is the same) and an older
    // build put back (dated before the copy the browser holds): the new bytes, by the tag.
    let built = std::fs::metadata(&js).unwrap().modified().unwrap();
    for (n, when) in [(2, built), (3, built - std::time::Duration::from_hours(1))] {
        let text = format!("console.log('build {n}');");
        std::fs::write(&js, &text).unwrap();
        std::fs::write(web.path().join("app.js.br"), brotli(text.as_bytes())).unwrap();
        std::fs::File::options().write(true).open(&js).unwrap().set_modified(when).unwrap();
        let res = send_raw(&state, get("/app.js", &tag, &date)).await;
        assert_eq!(res.status(), StatusCode::OK, "build {n}");
        assert_eq!(unbrotli(res.body()), text.as_bytes());
        assert_ne!(header(&res, "etag"), tag);
    }
    // The same bytes written again later: still the browser's copy.
    let now = send_raw(&state, get("/app.js", "", "")).await;
    let tag = header(&now, "etag").to_owned();
    std::fs::write(&js, "console.log('build 3');").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&js)
        .unwrap()
        .set_modified(built + std::time::Duration::from_hours(1))
        .unwrap();
    let res = send_raw(&state, get("/app.js", &tag, "")).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    // The brotli copy changed on its own, and no longer holds the file: the file itself
    // is sent, under a tag of its own.
    std::fs::write(web.path().join("app.js.br"), brotli(b"console.log('copy');")).unwrap();
    let res = send_raw(&state, get("/app.js", &tag, "")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(res.body(), b"console.log('build 3');");
    let copy_tag = header(&res, "etag").to_owned();
    assert_ne!(copy_tag, tag);
    let res = send_raw(&state, get("/app.js", &copy_tag, "")).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // The single-page fallback carries the index's tag.
    let index = send_raw(&state, get("/", "", "")).await;
    let index_tag = header(&index, "etag").to_owned();
    let res = send_raw(&state, get("/r/team/some-id", &index_tag, "")).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_ne!(index_tag, tag);
    // A path that climbs out is left to the file service, which refuses it.
    let res = send_raw(&state, get("/../app.js", &tag, "")).await;
    assert_ne!(res.status(), StatusCode::NOT_MODIFIED);
}

/// A browser finishing a download that was cut off asks for the rest `If-Range` its
/// copy's validator: it gets the rest only while the file is the one it holds the start
/// of, and the whole file otherwise, never the rest of another build's file.
#[tokio::test]
async fn the_rest_of_a_file_is_sent_only_while_it_is_the_file_the_browser_began() {
    let web = tempfile::tempdir().unwrap();
    let js = web.path().join("app.js");
    let build_1 = "console.log('build 1, long enough to be cut off');";
    std::fs::write(web.path().join("index.html"), "<html>田野</html>").unwrap();
    std::fs::write(&js, build_1).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_hours(2);
    std::fs::File::options().write(true).open(&js).unwrap().set_modified(old).unwrap();
    let config = AppConfig { web_dir: Some(web.path().to_owned()), ..AppConfig::default() };
    let state = fixture_with(None, config).state;
    let get = |encoding: &str, if_range: &str| {
        let mut req = Request::get("/app.js").header("range", "bytes=10-");
        if !encoding.is_empty() {
            req = req.header("accept-encoding", encoding);
        }
        if !if_range.is_empty() {
            req = req.header("if-range", if_range);
        }
        req.body(Body::empty()).unwrap()
    };
    let whole = send_raw(&state, Request::get("/app.js").body(Body::empty()).unwrap()).await;
    let (date, tag) =
        (header(&whole, "last-modified").to_owned(), header(&whole, "etag").to_owned());

    // Without a condition, or with the date of the file as it is: the rest.
    for if_range in ["", date.as_str()] {
        let res = send_raw(&state, get("", if_range)).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "If-Range {if_range:?}");
        assert_eq!(res.body(), &build_1.as_bytes()[10..], "If-Range {if_range:?}");
        assert_eq!(header(&res, "etag"), tag);
    }
    // Another date, the weak tag (a tag must match strongly), another tag: the whole.
    for if_range in ["Mon, 01 Jan 2024 00:00:00 GMT", tag.as_str(), "\"abc\"", "nonsense"] {
        let res = send_raw(&state, get("", if_range)).await;
        assert_eq!(res.status(), StatusCode::OK, "If-Range {if_range:?}");
        assert_eq!(res.body(), build_1.as_bytes(), "If-Range {if_range:?}");
        assert_eq!(header(&res, "etag"), tag);
    }

    // A new build, dated an hour later, with its brotli copy: the browser that began the
    // old one, in either encoding, gets the whole new file.
    let build_2 = "console.log('build 2, which is not build 1 at all');";
    std::fs::write(&js, build_2).unwrap();
    std::fs::write(web.path().join("app.js.br"), brotli(build_2.as_bytes())).unwrap();
    for file in [js.clone(), web.path().join("app.js.br")] {
        let when = old + std::time::Duration::from_hours(1);
        std::fs::File::options().write(true).open(file).unwrap().set_modified(when).unwrap();
    }
    let res = send_raw(&state, get("", &date)).await;
    assert_eq!((res.status(), res.body().as_slice()), (StatusCode::OK, build_2.as_bytes()));
    let res = send_raw(&state, get("br", &date)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(unbrotli(res.body()), build_2.as_bytes());
    // The new build's own date still gets the rest of it.
    let now = send_raw(&state, get("br", "")).await;
    assert_eq!(now.status(), StatusCode::PARTIAL_CONTENT);
    let res = send_raw(&state, get("br", header(&now, "last-modified"))).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.body(), &brotli(build_2.as_bytes())[10..]);
}

/// An upload whose body stops coming (the phone's signal went while sending), or comes
/// a byte at a time, is given up once it falls behind `UPLOAD_PACE`, rather than held
/// open; one that keeps the pace, however slow its start, is read and stored.
#[tokio::test(start_paused = true)]
async fn an_upload_body_must_keep_its_pace() {
    use std::time::Duration;

    use axum::body::Bytes;
    use futures_util::StreamExt;

    use super::submissions::UPLOAD_PACE;

    let f = fixture();
    let request = |body: Body| {
        Request::post("/api/v1/submissions")
            .header("authorization", format!("Bearer {}", f.team))
            .body(body)
            .unwrap()
    };
    let head = b"{\"instance_id\": ";
    let given_up_at = UPLOAD_PACE.grace
        + Duration::from_secs_f64(head.len() as f64 / UPLOAD_PACE.bytes_per_second as f64);
    let first =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(head)) });
    let trickle = futures_util::stream::repeat_with(|| Bytes::from_static(b" ")).then(|b| async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, std::io::Error>(b)
    });
    for (what, body) in [
        ("stalled", Body::from_stream(first.chain(futures_util::stream::pending()))),
        ("a byte a second", Body::from_stream(trickle)),
    ] {
        let start = tokio::time::Instant::now();
        let answer = send(&f.state, request(body));
        let (status, body) = tokio::time::timeout(Duration::from_mins(5), answer)
            .await
            .unwrap_or_else(|_| panic!("{what}: held open"));
        let waited = start.elapsed();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::REQUEST_TIMEOUT, Some("request.too_slow")),
            "{what}"
        );
        assert_eq!(body["min_bytes_per_second"], 1024, "{what}");
        assert!(waited >= UPLOAD_PACE.grace, "{what}: {waited:?}");
        assert!(waited <= given_up_at + Duration::from_secs(1), "{what}: {waited:?}");
    }

    // Nothing for 9 s, then steady at 1.25 KiB a second: read whole.
    let text = response(ID, 9);
    let parts: Vec<Bytes> = text.as_bytes().chunks(512).map(Bytes::copy_from_slice).collect();
    let mut first = true;
    let steady = futures_util::stream::iter(parts).then(move |part| {
        let pause = if std::mem::take(&mut first) { 9_000 } else { 400 };
        async move {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            Ok::<_, std::io::Error>(part)
        }
    });
    let (status, body) = send(&f.state, request(Body::from_stream(steady))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    assert_eq!(f.state.store().raw_submission(ID).unwrap().as_deref(), Some(text.as_str()));
}
