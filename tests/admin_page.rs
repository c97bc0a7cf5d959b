//! The admin page and its export (issue 27, item 12), against the real `tianye serve`:
//! - the CSV archive (`export.zip`) holds one CSV per table (the main table, a repeat's,
//!   a repeat's inside it), the codebook and a README; every repeat row joins its
//!   response (and its enclosing row) through the key columns; each table is the very
//!   file `export.csv?table=…` gives; formula-like text is neutralised unless `raw=1`;
//! - the overview names each questionnaire's title (Chinese, English) and its tables;
//! - in headless Chromium at 360 px, in Chinese and in English: nothing makes the page
//!   scroll sideways, questionnaires are shown by title with their id small, every time
//!   is Beijing time and labelled so, and no security-policy violation is reported.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::Path;

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::{
    Server, client, get, new_instance_id, read_csv, team_token, temp_dir, upload,
};

/// A questionnaire whose roster rows have jobs of their own: a repeat inside a repeat.
const NESTED: &str = r#"{
  "id": "nest",
  "version": "1",
  "title": {"zh": "外出成员登记（测试）", "en": "Members away (test)"},
  "items": [
    {"type": "text", "name": "village", "label": {"zh": "村名", "en": "Village"}, "required": true},
    {"type": "repeat", "name": "member", "label": {"zh": "家庭成员", "en": "Members"}, "items": [
      {"type": "text", "name": "m_name", "label": {"zh": "姓名", "en": "Name"}, "required": true},
      {"type": "repeat", "name": "job", "label": {"zh": "务工经历", "en": "Jobs"}, "items": [
        {"type": "text", "name": "j_place", "label": {"zh": "务工地点", "en": "Place"}, "required": true}
      ]}
    ]}
  ]
}"#;

/// A response to [`NESTED`]: `members[i]` is a name and the places of that member's jobs.
fn nested_response(village: &str, members: &[(&str, &[&str])]) -> Value {
    let member: Vec<Value> = members
        .iter()
        .map(|(name, jobs)| {
            json!({"m_name": name, "job": jobs.iter().map(|p| json!({"j_place": p})).collect::<Vec<_>>()})
        })
        .collect();
    json!({
        "instance_id": new_instance_id(),
        "questionnaire": {"id": "nest", "version": "1"},
        "status": "complete",
        "answers": {"village": village, "member": member},
        "meta": {
            "started_at": "2026-07-01T09:30:00+08:00",
            "submitted_at": "2026-07-01T09:45:00+08:00",
            "enumerator": "李明"
        }
    })
}

/// The entries of a zip archive, by name, in the order stored.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("zip entry");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("read zip entry");
            (file.name().expect("an entry name").into_owned(), data)
        })
        .collect()
}

/// A CSV table as maps from header to cell, one per row.
fn records(table: &[Vec<String>]) -> Vec<HashMap<String, String>> {
    let (header, rows) = table.split_first().expect("a header row");
    rows.iter().map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

#[test]
fn the_csv_archive_holds_every_table_joinable_with_formulas_neutralised() {
    let forms = temp_dir("tianye-admin-forms");
    std::fs::create_dir_all(forms.path().join("nest")).unwrap();
    std::fs::write(forms.path().join("nest/form.json"), NESTED).unwrap();
    let data = temp_dir("tianye-admin-data");
    let server = Server::start(data.path(), &["--forms", forms.path().to_str().unwrap()]);
    let admin = server.admin_token.clone().expect("admin token");
    let token = team_token(data.path(), "石门一队");
    let http = client();
    let responses = [
        nested_response("石门村", &[("=HYPERLINK(\"http://evil.example\")", &["广东", "@SUM(1)"])]),
        nested_response("+86 村", &[]),
        nested_response("望溪村", &[("刘建军", &[]), ("陈小梅", &["浙江", "-2+3", "福建"])]),
    ];
    for r in &responses {
        let (status, reply) = upload(&http, &server.url, Some(&token), &r.to_string());
        assert_eq!(status, 201, "{reply}");
    }
    let url = |path: &str| format!("{}/api/v1/questionnaires/nest/{path}", server.url);

    // Only the admin token opens it.
    assert_eq!(get(&http, &url("export.zip"), None).0, 401);
    assert_eq!(get(&http, &url("export.zip"), Some(&token)).0, 403);

    let (status, bytes) = get(&http, &url("export.zip"), Some(&admin));
    assert_eq!(status, 200);
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "nest.csv",
            "nest-member.csv",
            "nest-job.csv",
            "nest-codebook.csv",
            "nest.xlsx",
            "README.txt"
        ]
    );
    let files: BTreeMap<&str, &[u8]> = entries.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();

    // Each table is the file the single-table export gives, byte for byte.
    for (name, table) in
        [("nest.csv", None), ("nest-member.csv", Some("member")), ("nest-job.csv", Some("job"))]
    {
        let path =
            table.map_or_else(|| "export.csv".to_owned(), |t| format!("export.csv?table={t}"));
        let (status, alone) = get(&http, &url(&path), Some(&admin));
        assert_eq!(status, 200, "{path}");
        assert_eq!(files[name], &alone[..], "{name} differs from {path}");
    }

    // Every row joins: members to their response, jobs to their member.
    let main = records(&read_csv(files["nest.csv"]));
    let members = records(&read_csv(files["nest-member.csv"]));
    let jobs = records(&read_csv(files["nest-job.csv"]));
    assert_eq!(main.len(), 3);
    assert_eq!(members.len(), 3);
    assert_eq!(jobs.len(), 5);
    let by_id: HashMap<&str, &HashMap<String, String>> =
        main.iter().map(|r| (r["instance_id"].as_str(), r)).collect();
    for r in &responses {
        let id = r["instance_id"].as_str().unwrap();
        let row = by_id.get(id).unwrap_or_else(|| panic!("{id} not in the main table"));
        let want = r["answers"]["member"].as_array().unwrap();
        let got: Vec<_> = members.iter().filter(|m| m["instance_id"] == id).collect();
        assert_eq!(row["member"], want.len().to_string(), "row count in the main table");
        assert_eq!(got.len(), want.len(), "{id}: member rows");
        for (i, (m, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(m["row"], (i + 1).to_string());
            let name = w["m_name"].as_str().unwrap();
            let shown = if name.starts_with('=') { format!("'{name}") } else { name.to_owned() };
            assert_eq!(m["m_name"], shown);
            let places: Vec<String> = jobs
                .iter()
                .filter(|j| j["instance_id"] == id && j["parent_row"] == m["row"])
                .map(|j| j["j_place"].clone())
                .collect();
            let expected: Vec<String> = w["job"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| {
                    let p = j["j_place"].as_str().unwrap();
                    if p.starts_with(['@', '-', '=']) { format!("'{p}") } else { p.to_owned() }
                })
                .collect();
            assert_eq!(places, expected, "{id}: jobs of member {}", i + 1);
        }
    }
    assert!(main.iter().any(|r| r["village"] == "'+86 村"), "main table neutralised");
    // The workbook holds the same tables, its text typed as text (no quote needed, no
    // formula run).
    let book = crate::attachments::xlsx_sheets(files["nest.xlsx"]);
    let sheets: Vec<&str> = book.keys().map(String::as_str).collect();
    assert_eq!(sheets, ["job", "member", "nest"]);
    assert_eq!(book["nest"].len(), 4, "a header and three responses");
    assert_eq!(book["job"].len(), 6, "a header and five jobs");
    let village = book["nest"][0].iter().position(|h| h == "village").unwrap();
    assert!(book["nest"].iter().any(|r| r[village] == "+86 村"), "{:?}", book["nest"]);

    // The codebook and the README name every table and the keys that join them.
    let codebook = read_csv(files["nest-codebook.csv"]);
    for table in ["nest", "member", "job"] {
        assert!(codebook.iter().any(|r| r[0] == table), "codebook lists table {table}");
    }
    let readme = String::from_utf8(files["README.txt"].to_vec()).unwrap();
    for needle in
        ["nest-member.csv", "nest-job.csv", "instance_id", "parent_row", "Responses: 3", "'"]
    {
        assert!(readme.contains(needle), "README.txt lacks {needle:?}:\n{readme}");
    }

    // raw=1: every cell as it is, in every table.
    let (status, raw) = get(&http, &url("export.zip?raw=1"), Some(&admin));
    assert_eq!(status, 200);
    let raw = unzip(&raw);
    let raw_text: String = raw
        .iter()
        .filter(|(n, _)| ["nest.csv", "nest-member.csv", "nest-job.csv"].contains(&n.as_str()))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    for cell in ["\"=HYPERLINK(\"\"http://evil.example\"\")\"", ",+86 村,", ",@SUM(1)", ",-2+3"] {
        assert!(raw_text.contains(cell), "raw archive lacks {cell:?}");
    }
    assert!(!raw_text.contains("'@SUM"), "raw archive neutralised a cell");

    // The overview names the questionnaire by title and lists the archive's tables.
    let (status, body) = get(&http, &format!("{}/api/v1/admin/overview", server.url), Some(&admin));
    assert_eq!(status, 200);
    let overview: Value = serde_json::from_slice(&body).unwrap();
    let nest = &overview["questionnaires"][0];
    assert_eq!(nest["id"], "nest");
    assert_eq!(nest["title"], json!({"zh": "外出成员登记（测试）", "en": "Members away (test)"}));
    assert_eq!(nest["tables"], json!(["nest", "member", "job"]));
}

/// Records the policy violations a document reports, in `window.cspViolations`.
const RECORD_POLICY_VIOLATIONS: &str = "window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});";

/// What the page shows at 360 px, read in the browser: whether the page scrolls
/// sideways, elements sticking out of the window (outside boxes that scroll on their
/// own), the titles and ids, the headings, the last-upload cells with the UTC time each
/// stands for, the chart's days and the export links.
const READ_PAGE: &str = r"
const out = {};
out.scrolls = document.documentElement.scrollWidth > window.innerWidth;
out.width = window.innerWidth;
out.sticking = [];
for (const el of document.querySelectorAll('#content *, header *, #login *')) {
  if (el.closest('.scroll') || !el.getClientRects().length) continue;
  const r = el.getBoundingClientRect();
  if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.sticking.push(el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 30));
}
out.lang = document.documentElement.lang;
out.titles = [...document.querySelectorAll('#by-version td.q .title')].map((e) => e.textContent);
out.ids = [...document.querySelectorAll('#by-version td.q .id')].map((e) => [e.textContent, parseFloat(getComputedStyle(e).fontSize)]);
out.title_size = parseFloat(getComputedStyle(document.querySelector('#by-version td.q .title')).fontSize);
out.headings = [...document.querySelectorAll('h2, #zone, #by-team td.time')].map((e) => e.textContent);
out.labels = [...document.querySelectorAll('#by-team td.time')].map((e) => e.dataset.label);
out.times = [...document.querySelectorAll('#by-team td.time')].map((e) => [e.textContent, e.title]);
out.days = [...document.querySelectorAll('#chart rect title')].map((e) => e.textContent);
out.links = [...document.querySelectorAll('#by-version a.dl')].map((e) => e.textContent);
out.tables = [...document.querySelectorAll('#by-version .tables')].map((e) => e.textContent);
out.prints = [...document.querySelectorAll('#by-version a.print')].map((e) => [e.textContent, e.getAttribute('href')]);
return out;";

/// `utc` (as the server records it) in Beijing time, `YYYY-MM-DD HH:MM`, by the
/// browser's own time-zone data (not by the page's arithmetic).
const BEIJING_BY_INTL: &str = "return new Date(arguments[0]).toLocaleString('sv-SE', {timeZone: 'Asia/Shanghai'}).slice(0, 16);";

async fn check_page(b: &Browser, lang: &str, title: &str, zone: &str) -> Value {
    b.wait_text("#by-version", title).await;
    let page = b.js(READ_PAGE, vec![]).await;
    assert_eq!(page["width"], 360, "{lang}: the window is 360 px wide");
    assert_eq!(page["scrolls"], false, "{lang}: the page scrolls sideways: {page}");
    assert_eq!(page["sticking"], json!([]), "{lang}: sticking out at 360 px");
    assert_eq!(page["lang"], lang);
    // By title, with the id beside it in smaller type.
    assert!(page["titles"].as_array().unwrap().iter().any(|t| t == title), "{lang}: {page}");
    let ids = page["ids"].as_array().unwrap();
    assert!(ids.iter().any(|i| i[0] == "lbc_household"), "{lang}: ids {page}");
    for id in ids {
        assert!(id[1].as_f64() < page["title_size"].as_f64(), "{lang}: the id is smaller: {page}");
    }
    // One zone, named in the headings and on each time as a card label.
    let headings = page["headings"].as_array().unwrap();
    assert!(
        headings.iter().filter(|h| h.as_str().unwrap().contains(zone)).count() >= 2,
        "{lang}: {page}"
    );
    for label in page["labels"].as_array().unwrap() {
        assert!(label.as_str().unwrap().contains(zone), "{lang}: the time's label {label}");
    }
    let times = page["times"].as_array().unwrap();
    assert!(!times.is_empty(), "{lang}: no last-upload time");
    for time in times {
        let utc = time[1].as_str().unwrap();
        let expected = b.js(BEIJING_BY_INTL, vec![json!(utc)]).await;
        assert_eq!(time[0], expected, "{lang}: {utc} in Beijing time");
        // The chart counts the same upload on the same (Beijing) day.
        let day = &expected.as_str().unwrap()[..10];
        let days = page["days"].as_array().unwrap();
        assert!(
            days.iter().any(|d| d.as_str().unwrap().starts_with(day)),
            "{lang}: chart days {days:?} vs {day}"
        );
    }
    let violations = b.js("return window.cspViolations;", vec![]).await;
    assert_eq!(violations, json!([]), "{lang}: policy violations");
    page
}

#[test]
fn the_admin_page_fits_a_360_px_phone_with_titles_and_beijing_time_in_both_languages() {
    browser::run(async {
        let data = temp_dir("tianye-admin-page");
        let forms = repo().join("questionnaires");
        let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
        let admin = server.admin_token.clone().expect("admin token");
        let token = team_token(data.path(), "石门乡第一调查队（龙回县）");
        let case: Value = serde_json::from_str(
            &std::fs::read_to_string(
                forms.join("lbc_household/cases/01-valid-both-parents-away.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let mut response = case["response"].clone();
        response["instance_id"] = json!(new_instance_id());
        let (status, reply) = upload(&client(), &server.url, Some(&token), &response.to_string());
        assert_eq!(status, 201, "{reply}");

        let profile = temp_dir("tianye-admin-profile");
        let b = Browser::launch(profile.path()).await;
        b.before_each_document(RECORD_POLICY_VIOLATIONS).await;
        b.goto(&format!("{}/admin#token={admin}", server.url)).await;
        // A small phone: 360 × 640 CSS px.
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await;
        b.wait("the window to be 360 px wide", "return window.innerWidth === 360;").await;
        let zh = check_page(&b, "zh", "农村留守儿童家庭教育状况入户调查问卷", "北京时间").await;
        assert!(
            zh["links"].as_array().unwrap().iter().any(|l| l == "CSV 压缩包（2 个表）"),
            "the CSV link says it holds the roster too: {zh}"
        );
        assert!(
            zh["tables"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains("member"))
        );
        if let Ok(dir) = std::env::var("TIANYE_SCREENSHOTS") {
            b.screenshot(&Path::new(&dir).join("admin-360-zh.png")).await;
            b.js("window.scrollTo(0, document.body.scrollHeight);", vec![]).await;
            b.screenshot(&Path::new(&dir).join("admin-360-zh-end.png")).await;
        }

        b.click("#lang").await;
        let en = check_page(
            &b,
            "en",
            "Household survey on the family education of rural left-behind children",
            "Beijing time",
        )
        .await;
        assert!(en["links"].as_array().unwrap().iter().any(|l| l == "CSV zip (2 tables)"), "{en}");
        if let Ok(dir) = std::env::var("TIANYE_SCREENSHOTS") {
            b.screenshot(&Path::new(&dir).join("admin-360-en.png")).await;
        }
        // The choice of language is kept for the next visit.
        b.reload().await;
        b.wait_text("h1", "Tianye").await;
        // Each questionnaire on paper, in the page's language, opened from its link.
        let prints = zh["prints"].as_array().unwrap();
        let household = prints
            .iter()
            .find(|p| p[1].as_str().unwrap().starts_with("/print/lbc_household?lang=zh&version="))
            .unwrap_or_else(|| panic!("a print link: {zh}"));
        assert_eq!(household[0], "打印纸质问卷");
        let en_prints = en["prints"].as_array().unwrap();
        assert!(
            en_prints.iter().any(|p| p[0] == "Print on paper"
                && p[1].as_str().unwrap().starts_with("/print/lbc_household?lang=en")),
            "{en}"
        );
        b.goto(&format!("{}{}", server.url, household[1].as_str().unwrap())).await;
        b.wait_text("body", "农村留守儿童家庭教育状况入户调查问卷").await;
        let violations = b.js("return window.cspViolations;", vec![]).await;
        assert_eq!(violations, json!([]), "the printed page within its policy");
        b.close().await;
    });
}

/// What "Teams at a glance" shows, read in the browser: whether anything of it sticks
/// out of a 360 px window, its heading, and per team row its cells' texts and labels,
/// its progress bar, and its day bars' titles.
const READ_TEAMS: &str = r"
const out = {};
out.scrolls = document.documentElement.scrollWidth > window.innerWidth;
out.sticking = [];
for (const el of document.querySelectorAll('#teams, #teams *')) {
  if (!el.getClientRects().length) continue;
  const r = el.getBoundingClientRect();
  if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.sticking.push(el.tagName + '.' + el.getAttribute('class'));
}
const h = [...document.querySelectorAll('h2')].find((e) => e.nextElementSibling && e.nextElementSibling.nextElementSibling && e.nextElementSibling.nextElementSibling.id === 'teams');
out.heading = h ? h.textContent : null;
out.injected = document.querySelectorAll('#teams img, #teams script').length;
out.rows = [...document.querySelectorAll('#teams tbody tr')].map((tr) => ({
  team: tr.dataset.team,
  cells: [...tr.cells].map((td) => [td.dataset.label, td.textContent]),
  bar: tr.querySelector('progress') ? [tr.querySelector('progress').value, tr.querySelector('progress').max] : null,
  days: [...tr.querySelectorAll('td.days rect title')].map((e) => e.textContent),
  chart_width: tr.querySelector('td.days svg').getBoundingClientRect().width,
}));
return out;";

/// Teams at a glance at 360 px, in Chinese then English: one row per team with its
/// total, complete, with problems, last upload, target and progress bar, and 30 day
/// bars whose latest counts today's uploads; a team name made of markup stays text.
#[test]
fn teams_at_a_glance_fits_a_360_px_phone_in_both_languages() {
    browser::run(async {
        let data = temp_dir("tianye-admin-teams");
        let forms = repo().join("questionnaires");
        let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
        let admin = server.admin_token.clone().expect("admin token");
        let dir = data.path().to_str().unwrap();
        let long = "石门乡第一调查队（龙回县）";
        let hostile = "<img src=x onerror=alert(1)>";
        let (code, out, err) = tianye_tests::server::tianye(&[
            "token", "create", "--data", dir, "--team", long, "--target", "4",
        ]);
        assert_eq!(code, 0, "{out}{err}");
        let token = out.lines().last().unwrap().trim().to_owned();
        team_token(data.path(), hostile);
        let case: Value = serde_json::from_str(
            &std::fs::read_to_string(
                forms.join("lbc_household/cases/01-valid-both-parents-away.json"),
            )
            .unwrap(),
        )
        .unwrap();
        for _ in 0..2 {
            let mut response = case["response"].clone();
            response["instance_id"] = json!(new_instance_id());
            let (status, reply) =
                upload(&client(), &server.url, Some(&token), &response.to_string());
            assert_eq!(status, 201, "{reply}");
        }
        let (_, bytes) =
            get(&client(), &format!("{}/api/v1/admin/overview", server.url), Some(&admin));
        let overview: Value = serde_json::from_slice(&bytes).unwrap();
        let today = overview["teams"][1]["by_day"][29]["day"].as_str().unwrap().to_owned();

        let profile = temp_dir("tianye-admin-teams-profile");
        let b = Browser::launch(profile.path()).await;
        b.before_each_document(RECORD_POLICY_VIOLATIONS).await;
        b.goto(&format!("{}/admin#token={admin}", server.url)).await;
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await;
        b.wait("the window to be 360 px wide", "return window.innerWidth === 360;").await;
        for (lang, heading, labels, no_target, progress) in [
            ("zh", "各队进度", ["调查队", "总数", "完整", "有问题"], "未设目标", "2 / 4（50%）"),
            (
                "en",
                "Teams at a glance",
                ["Team", "Total", "Complete", "With problems"],
                "no target",
                "2 / 4 (50%)",
            ),
        ] {
            if lang == "en" {
                b.click("#lang").await;
            }
            b.wait_text("#teams", no_target).await;
            let page = b.js(READ_TEAMS, vec![]).await;
            assert_eq!(page["scrolls"], false, "{lang}: {page}");
            assert_eq!(page["sticking"], json!([]), "{lang}: sticking out at 360 px: {page}");
            assert_eq!(page["heading"], heading, "{lang}");
            assert_eq!(page["injected"], 0, "{lang}: a team name became markup: {page}");
            let rows = page["rows"].as_array().unwrap();
            // By name as the server sorts it: '<' before CJK.
            let names: Vec<&str> = rows.iter().map(|r| r["team"].as_str().unwrap()).collect();
            assert_eq!(names, [hostile, long], "{lang}");
            for row in rows {
                let cells = row["cells"].as_array().unwrap();
                let label_text: Vec<&str> =
                    cells[..4].iter().map(|c| c[0].as_str().unwrap()).collect();
                assert_eq!(label_text, labels, "{lang}: {row}");
                assert_eq!(cells[0][1], row["team"], "{lang}: the name as text");
                let days = row["days"].as_array().unwrap();
                assert_eq!(days.len(), 30, "{lang}: {row}");
                assert!(row["chart_width"].as_f64().unwrap() > 100.0, "{lang}: {row}");
            }
            let (h, l) = (&rows[0], &rows[1]);
            assert_eq!(h["cells"][1][1], "0", "{lang}: {h}");
            assert_eq!(h["cells"][5][1], no_target, "{lang}: {h}");
            assert_eq!(h["bar"], Value::Null);
            assert_eq!(h["days"][29], format!("{today}: 0"));
            assert_eq!(
                (&l["cells"][1][1], &l["cells"][2][1], &l["cells"][3][1]),
                (&json!("2"), &json!("2"), &json!("0")),
                "{lang}: {l}"
            );
            assert!(l["cells"][5][1].as_str().unwrap().starts_with(progress), "{lang}: {l}");
            assert_eq!(l["bar"], json!([2, 4]), "{lang}: {l}");
            assert_eq!(l["days"][29], format!("{today}: 2"), "{lang}: today's bar: {l}");
            if let Ok(dir) = std::env::var("TIANYE_SCREENSHOTS") {
                b.js("document.getElementById('teams').scrollIntoView();", vec![]).await;
                b.screenshot(&Path::new(&dir).join(format!("admin-teams-360-{lang}.png"))).await;
            }
        }
        // A new team link, shown once with its QR code, fitting the phone.
        b.type_into("#link-team", "五队").await;
        b.click("#new-link button[type=submit]").await;
        b.wait_visible("#link-made").await;
        let made = b
            .js(
                "const i = document.getElementById('link-qr');
                 return [document.getElementById('link-text').textContent, i.complete && i.naturalWidth,
                         i.getBoundingClientRect().right <= innerWidth,
                         document.documentElement.scrollWidth <= innerWidth];",
                vec![],
            )
            .await;
        let link = made[0].as_str().unwrap();
        assert!(link.starts_with(&format!("{}/#team=", server.url)), "{made}");
        assert!(made[1].as_u64().unwrap_or(0) > 0, "the QR image shows: {made}");
        assert_eq!((&made[2], &made[3]), (&json!(true), &json!(true)), "fits 360 px: {made}");
        if let Ok(dir) = std::env::var("TIANYE_SCREENSHOTS") {
            b.js("document.getElementById('link-made').scrollIntoView();", vec![]).await;
            b.screenshot(&Path::new(&dir).join("admin-team-link-360.png")).await;
        }
        let violations = b.js("return window.cspViolations;", vec![]).await;
        assert_eq!(violations, json!([]), "policy violations");
        b.close().await;
    });
}

/// Review in the admin page, in headless Chromium at 360 px (issue 26): a reviewer finds
/// a submission by a child's name, opens it in the questionnaire's labels, marks it as
/// having issues with a comment, reloads, and sees the state and the comment; answers
/// that look like markup stay text; nothing makes the page scroll sideways; English
/// labels follow the language switch.
#[test]
fn a_reviewer_finds_opens_and_marks_a_submission_and_it_stays_after_a_reload() {
    use tianye_tests::server::{fixture_forms, household_response};
    browser::run(async {
        let data = temp_dir("tianye-admin-review");
        let forms = fixture_forms();
        let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
        let admin = server.admin_token.clone().expect("admin token");
        let token = team_token(data.path(), "石门一队");
        let http = client();
        let mut ids = Vec::new();
        for (village, child) in
            [("石门村", "王小明"), ("<img src=x onerror=alert(1)>", "李小红"), ("上坪村", "陈静")]
        {
            let id = new_instance_id();
            let mut r = household_response(&id, "2", 2);
            r["answers"]["village"] = json!(village);
            r["answers"]["member"][0]["m_name"] = json!(child);
            let (status, reply) = upload(&http, &server.url, Some(&token), &r.to_string());
            assert_eq!(status, 201, "{reply}");
            ids.push(id);
        }
        let wanted = &ids[1];
        let row = format!("#rv-list tr[data-id=\"{wanted}\"]");

        let profile = temp_dir("tianye-admin-review-profile");
        let b = Browser::launch(profile.path()).await;
        b.before_each_document(RECORD_POLICY_VIOLATIONS).await;
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await;
        b.goto(&format!("{}/admin#token={admin}", server.url)).await;
        b.wait_text("#rv-count", "共 3 份").await;

        // Find it by the child's name, in the roster's name field.
        b.type_into("#rv-q", "李小红").await;
        b.type_into("#rv-fields", "member.m_name").await;
        b.click("#rv-filter button[type=submit]").await;
        b.wait_text("#rv-count", "共 1 份").await;
        let listed = b.js("return [...document.querySelectorAll('#rv-list tbody tr')].map((r) => r.dataset.id);", vec![]).await;
        assert_eq!(listed, json!([wanted]));
        b.wait_text(&format!("{row} td.shown"), "member.m_name: 李小红、成员2").await;

        // Open it: answers under the questionnaire's labels, choices by their labels.
        b.click(&format!("{row} button.open")).await;
        b.wait_visible("#rv-detail").await;
        let answers = b.wait_text("#rv-answers", "李小红").await;
        for label in ["村名", "家庭成员", "姓名", "第 2 行"] {
            assert!(answers.contains(label), "{label} not in {answers}");
        }
        assert!(
            answers.contains("<img src=x onerror=alert(1)>"),
            "markup shown as text: {answers}"
        );
        let injected =
            b.js("return document.querySelectorAll('#rv-answers img').length;", vec![]).await;
        assert_eq!(injected, json!(0));
        b.wait_text("#rv-now", "已收到").await;
        b.wait_text("#rv-history", "尚未审核").await;
        b.wait_text("#rv-problems", "没有问题").await;

        // Mark it as having issues with a comment.
        b.type_into("#rv-comment", "第二个孩子的年龄与户口本不符").await;
        b.click("#rv-set button[data-state=has_issues]").await;
        b.wait_text("#rv-now", "有问题").await;
        b.wait_text("#rv-history", "第二个孩子的年龄与户口本不符").await;

        // After a reload the same submission is open, with its state and comment.
        b.reload().await;
        b.wait_text("#rv-now", "有问题").await;
        let history = b.wait_text("#rv-history", "第二个孩子的年龄与户口本不符").await;
        assert!(history.contains("有问题") && history.contains("管理员令牌 #"), "{history}");
        b.wait_text(&format!("{row} td.short"), "有问题").await;
        b.wait_text("#rv-teams", "石门一队").await;
        let fits =
            b.js("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await;
        assert_eq!(fits, json!(true), "the page scrolls sideways at 360 px");

        // The same in English.
        b.click("#lang").await;
        b.wait_text("#rv-now", "Has issues").await;
        b.wait_text("#rv-answers", "Name").await;
        b.wait_text("#rv-history", "admin token #").await;
        let violations = b.js("return window.cspViolations;", vec![]).await;
        assert_eq!(violations, json!([]), "policy violations");
        b.close().await;

        // The API agrees: one event, has_issues, with the comment.
        let (status, body) =
            get(&http, &format!("{}/api/v1/admin/submissions/{wanted}", server.url), Some(&admin));
        assert_eq!(status, 200);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["review_state"], "has_issues", "{body}");
        assert_eq!(body["history"].as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body["review"]["comment"], "第二个孩子的年龄与户口本不符");
    });
}
