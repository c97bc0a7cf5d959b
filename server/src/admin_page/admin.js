"use strict";
// The overview page: signs in with the admin token (kept for this tab only), then shows
// the counts, in one language at a time (Chinese unless English was chosen) and every
// time in Beijing time (UTC+8), the zone the per-day counts are made in.
const KEY = "tianye.admin_token";
const LANG_KEY = "tianye.admin_lang";
const $ = (id) => document.getElementById(id);

// Every text of the page, [Chinese, English]; elements name theirs with data-t.
const TEXT = {
  page_title: ["田野 · 数据概览", "Tianye · Overview"],
  heading: ["田野 · 数据概览", "Tianye · Overview"],
  other_lang: ["English", "中文"],
  token: ["管理员令牌", "Admin token"],
  show: ["查看", "Show"],
  total: ["答卷总数", "Total submissions"],
  waiting: ["等待附件", "Waiting for files"],
  logout: ["退出", "Sign out"],
  zone: ["本页时间均为北京时间（UTC+8）。", "All times on this page are Beijing time (UTC+8)."],
  per_day: ["每日收到（北京时间）", "Received per day (Beijing time, UTC+8)"],
  per_questionnaire: ["各问卷", "Per questionnaire"],
  questionnaire: ["问卷", "Questionnaire"],
  version: ["版本", "Version"],
  submissions: ["答卷", "Submissions"],
  export: ["导出", "Export"],
  zip_note: [
    "CSV 压缩包：每个数据表（主表和各重复组表）一个 CSV 文件，另有编码表和说明；各表以 instance_id 和 row 相互对应。",
    "CSV zip: one CSV file per table (the main table and each repeat's), with the codebook and a README; the tables join on instance_id and row.",
  ],
  per_team: ["各调查队", "Per team"],
  team: ["调查队", "Team"],
  last_upload: ["最近上传（北京时间）", "Last upload (Beijing time, UTC+8)"],
  token_state: ["令牌", "Token"],
  active: ["有效", "active"],
  revoked: ["已撤销", "revoked"],
  csv_zip: ["CSV 压缩包（{n} 个表）", "CSV zip ({n} tables)"],
  csv_zip_one: ["CSV 压缩包（1 个表）", "CSV zip (1 table)"],
  tables: ["数据表：", "Tables: "],
  codebook: ["编码表", "Codebook"],
  sealed: ["其中已加密 {n} 份", "{n} of them sealed"],
  envelopes: ["加密信封（JSONL）", "Sealed envelopes (JSONL)"],
  sealed_zip: ["加密信封和附件（zip）", "Sealed envelopes and files (zip)"],
  print: ["打印纸质问卷", "Print on paper"],
  sealed_note: [
    "已加密：服务器无法读取答卷和附件。在研究者电脑上用 tianye export --key 私钥导出数据表和附件。",
    "Sealed: the server cannot read the responses or their files. Export the tables and files with tianye export --key on the researcher's computer.",
  ],
  chart: ["每日答卷数（北京时间）", "Submissions per day (Beijing time)"],
  no_data: ["还没有答卷。", "No submissions yet."],
  glance: ["各队进度", "Teams at a glance"],
  link_heading: ["新建调查队链接", "New team link"],
  link_note: [
    "链接只在新建时显示这一次（服务器只保存它的摘要）：请调查队长用手机扫描二维码。该队原有链接照常可用，需要时用 tianye token revoke 撤销。",
    "A link is shown only now, when it is made (the server keeps only its hash): let the team leader scan the QR code with a phone. The team's earlier links keep working; revoke them with tianye token revoke.",
  ],
  link_make: ["新建链接并显示二维码", "Make a link and show its QR code"],
  glance_note: [
    "完整：答卷所需的附件都已收到；有问题：仍在等待附件（未通过校验的答卷服务器不会接收）。每日条形图为最近 30 天（北京时间）。",
    "Complete: every file the answers name has arrived; with problems: still waiting for files (the server never accepts a response that fails validation). The daily bars are the last 30 days (Beijing time).",
  ],
  g_total: ["总数", "Total"],
  g_complete: ["完整", "Complete"],
  g_problems: ["有问题", "With problems"],
  g_target: ["目标与进度", "Target and progress"],
  g_days: ["最近 30 天每日答卷", "Per day, last 30 days"],
  no_target: ["未设目标", "no target"],
  team_days: ["{n}：最近 30 天每日答卷", "{n}: submissions per day, last 30 days"],
};

let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
let last = null; // the overview last shown, drawn again when the language changes

function t(key, n) {
  const text = TEXT[key][lang === "en" ? 1 : 0];
  return n === undefined ? text : text.replace("{n}", n);
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t("page_title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  const other = $("lang");
  other.textContent = t("other_lang");
  other.lang = lang === "en" ? "zh" : "en";
  if (last) render(last);
  reviewRedraw();
}

// An API error's message in the page's language.
function message(body) {
  return (lang === "en" ? body.message_en : body.message_zh) || body.message || "";
}

// `2026-07-01T01:30:00.123Z` (UTC, as the server records it) as Beijing time,
// `2026-07-01 09:30`.
function beijing(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
}

// A cell labelled with its column's heading (shown above the value when the table is
// laid out as cards on a narrow screen).
function cell(row, label, text, cls) {
  const td = row.insertCell();
  td.dataset.label = label;
  if (text !== undefined) td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function download(path, name) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) } });
  if (!res.ok) { $("error").textContent = message(await res.json()); return; }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url; a.download = name; a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function chart(days) {
  const w = 22, h = 120, pad = 20;
  const max = Math.max(1, ...days.map((d) => d.count));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", Math.max(200, days.length * w + pad));
  svg.setAttribute("height", h + 2 * pad);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("chart"));
  if (!days.length) {
    const none = document.createElementNS(ns, "text");
    none.setAttribute("x", 2); none.setAttribute("y", pad + h / 2);
    none.setAttribute("class", "none");
    none.textContent = t("no_data");
    svg.appendChild(none);
  }
  days.forEach((d, i) => {
    const bh = Math.round((d.count / max) * h);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("class", "bar");
    r.setAttribute("x", i * w + 2); r.setAttribute("y", pad + h - bh);
    r.setAttribute("width", w - 4); r.setAttribute("height", bh);
    const title = document.createElementNS(ns, "title");
    title.textContent = d.day + ": " + d.count;
    r.appendChild(title);
    svg.appendChild(r);
    const n = document.createElementNS(ns, "text");
    n.setAttribute("x", i * w + 2); n.setAttribute("y", pad + h - bh - 3);
    n.textContent = d.count;
    svg.appendChild(n);
    const l = document.createElementNS(ns, "text");
    l.setAttribute("x", i * w + 2); l.setAttribute("y", pad + h + 12);
    l.textContent = d.day.slice(5);
    svg.appendChild(l);
  });
  const box = $("chart");
  box.replaceChildren(svg);
  box.scrollLeft = box.scrollWidth; // the latest days first in view
}

function exportLinks(td, id, tables, sealed) {
  const n = tables.length;
  // Sealed responses: only their envelopes (with their sealed files in the zip), for
  // the researcher's key (tables refused).
  const links = sealed ? [
    ["export.jsonl", `${id}.jsonl`, t("envelopes")],
    ["export.zip", `${id}-sealed.zip`, t("sealed_zip")],
  ] : [
    ["export.zip", `${id}-csv.zip`, n === 1 ? t("csv_zip_one") : t("csv_zip", n)],
    ["export.xlsx", `${id}.xlsx`, "XLSX"],
    ["export-spss.zip", `${id}-spss.zip`, "SPSS"],
    ["export-stata.zip", `${id}-stata.zip`, "Stata"],
  ];
  links.push(["codebook.xlsx", `${id}-codebook.xlsx`, t("codebook")]);
  for (const [file, name, label] of links) {
    const a = document.createElement("a");
    a.href = "#"; a.className = "dl"; a.textContent = label; a.dataset.file = file;
    a.onclick = (e) => { e.preventDefault(); download(`/api/v1/questionnaires/${encodeURIComponent(id)}/${file}`, name); };
    td.appendChild(a);
  }
  const list = document.createElement("small");
  list.className = "tables";
  list.textContent = sealed ? t("sealed_note") : t("tables") + tables.join(", ");
  td.appendChild(list);
}

function render(body) {
  const sealed = body.sealed ? t("sealed", body.sealed) : "";
  $("total").textContent = body.total + (!sealed ? "" : lang === "en" ? ` (${sealed})` : `（${sealed}）`);
  $("waiting").textContent = body.waiting_for_files || 0;
  chart(body.by_day);
  const forms = new Map((body.questionnaires || []).map((q) => [q.id, q]));
  // Every questionnaire version with submissions, then each questionnaire with none.
  const rows = body.by_version.map((v) => ({ id: v.form_id, version: v.version, count: v.count }));
  for (const q of forms.values()) {
    if (!rows.some((r) => r.id === q.id)) rows.push({ id: q.id, version: q.current_version || "—", count: 0 });
  }
  const vt = $("by-version").tBodies[0]; vt.replaceChildren();
  for (const v of rows) {
    const q = forms.get(v.id) || {};
    const row = vt.insertRow();
    const name = cell(row, t("questionnaire"), undefined, "q");
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = (q.title && (q.title[lang] || q.title.zh)) || v.id;
    const id = document.createElement("small");
    id.className = "id";
    id.textContent = v.id;
    name.append(title, " ", id);
    cell(row, t("version"), v.version, "short");
    cell(row, t("submissions"), v.count, "n short");
    const links = cell(row, t("export"), undefined, "links");
    exportLinks(links, v.id, q.tables || [v.id], q.sealed);
    // The questionnaire on paper (A4, printed from the browser), in the page's language.
    const print = document.createElement("a");
    const version = v.version === "—" ? "" : `&version=${encodeURIComponent(v.version)}`;
    print.href = `/print/${encodeURIComponent(v.id)}?lang=${lang}${version}`;
    print.target = "_blank"; print.rel = "noopener"; print.className = "print";
    print.textContent = t("print");
    links.prepend(print);
  }
  const tt = $("by-team").tBodies[0]; tt.replaceChildren();
  for (const team of body.by_team) {
    const row = tt.insertRow();
    cell(row, t("team"), team.team);
    cell(row, t("submissions"), team.count, "n short");
    const when = cell(row, t("last_upload"), team.last_received_at ? beijing(team.last_received_at) : "—", "time");
    if (team.last_received_at) when.title = team.last_received_at;
    cell(row, t("token_state"), team.active ? t("active") : t("revoked"), "short");
  }
  glance(body.teams || []);
}

// A team's submissions per day as small bars (inline SVG), the latest day on the right;
// each bar's title gives its day and count.
function dayBars(team, days) {
  const w = 6, h = 32;
  const max = Math.max(1, ...days.map((d) => d.count));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", days.length * w);
  svg.setAttribute("height", h + 1);
  svg.setAttribute("viewBox", `0 0 ${days.length * w} ${h + 1}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("team_days", team));
  const base = document.createElementNS(ns, "line");
  base.setAttribute("class", "dayline");
  base.setAttribute("x1", 0); base.setAttribute("x2", days.length * w);
  base.setAttribute("y1", h + 0.5); base.setAttribute("y2", h + 0.5);
  svg.appendChild(base);
  days.forEach((d, i) => {
    const bh = d.count ? Math.max(2, Math.round((d.count / max) * h)) : 0;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("class", "daybar");
    r.setAttribute("x", i * w); r.setAttribute("y", h - bh);
    r.setAttribute("width", w - 1); r.setAttribute("height", bh);
    const title = document.createElementNS(ns, "title");
    title.textContent = d.day + ": " + d.count;
    r.appendChild(title);
    svg.appendChild(r);
  });
  return svg;
}

// Teams at a glance: per team its total, complete, with problems, last upload, target
// with a progress bar, and its last 30 days. Every text is set as text.
function glance(teams) {
  const tb = $("teams").tBodies[0]; tb.replaceChildren();
  for (const team of teams) {
    const row = tb.insertRow();
    row.dataset.team = team.team;
    cell(row, t("team"), team.team, "name");
    cell(row, t("g_total"), team.total, "n short total");
    cell(row, t("g_complete"), team.complete, "n short complete");
    cell(row, t("g_problems"), team.with_problems, "n short problems");
    const when = cell(row, t("last_upload"), team.last_received_at ? beijing(team.last_received_at) : "—", "when");
    if (team.last_received_at) when.title = team.last_received_at;
    const target = cell(row, t("g_target"), undefined, "target");
    if (team.target) {
      const pct = Math.floor((team.progress || 0) * 100);
      const text = document.createElement("span");
      text.className = "progress-text";
      text.textContent = `${team.total} / ${team.target}` + (lang === "en" ? ` (${pct}%)` : `（${pct}%）`);
      const bar = document.createElement("progress");
      bar.max = team.target;
      bar.value = Math.min(team.total, team.target);
      bar.textContent = pct + "%";
      target.append(text, bar);
    } else {
      target.textContent = t("no_target");
    }
    cell(row, t("g_days"), undefined, "days").appendChild(dayBars(team.team, team.by_day || []));
  }
}

async function show() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return;
  const res = await fetch("/api/v1/admin/overview", { headers: { Authorization: "Bearer " + token } });
  const body = await res.json();
  if (!res.ok) {
    $("error").textContent = message(body);
    sessionStorage.removeItem(KEY);
    $("content").hidden = true; $("login").hidden = false;
    return;
  }
  $("error").textContent = "";
  $("login").hidden = true; $("content").hidden = false;
  last = body;
  render(body);
  reviewStart(body);
}

// ---- Review of submissions: the listing with filters and search, one submission in
// its questionnaire's labels with its problems and history, and the buttons that set
// its state. Every text from the server is put in with textContent, never as markup.
Object.assign(TEXT, {
  rv_heading: ["审核答卷", "Review submissions"],
  st_received: ["已收到", "Received"],
  st_has_issues: ["有问题", "Has issues"],
  st_approved: ["已通过", "Approved"],
  st_rejected: ["已退回", "Rejected"],
  rv_day: ["收到日期（北京时间）", "Day received (Beijing time)"],
  rv_state: ["审核状态", "Review state"],
  rv_search: ["搜索", "Search"],
  rv_fields: ["在这些字段中搜索（以逗号分隔，留空则搜全部回答）", "Search in these fields (comma-separated; empty: all answers)"],
  rv_find: ["查找", "Find"],
  rv_all: ["全部", "All"],
  rv_count: ["共 {n} 份", "{n} found"],
  rv_received: ["收到时间（北京时间）", "Received (Beijing time)"],
  rv_shown: ["字段", "Fields"],
  rv_open: ["打开", "Open"],
  rv_first: ["第一页", "First page"],
  rv_next: ["下一页", "Next page"],
  rv_problems: ["问题", "Problems"],
  rv_no_problems: ["没有问题。", "No problems."],
  rv_answers: ["回答", "Answers"],
  rv_sealed: ["已加密：服务器无法读取回答。", "Sealed: the server cannot read the answers."],
  rv_history: ["审核记录", "Review history"],
  rv_no_history: ["尚未审核。", "Not reviewed yet."],
  rv_comment: ["审核意见（最多 2000 字）", "Comment (up to 2,000 characters)"],
  rv_set_has_issues: ["标为有问题", "Mark as having issues"],
  rv_set_approved: ["通过", "Approve"],
  rv_set_rejected: ["退回", "Reject"],
  rv_set_received: ["改回已收到", "Back to received"],
  rv_close: ["关闭", "Close"],
  rv_by: ["管理员令牌 #{n}", "admin token #{n}"],
  rv_row: ["第 {n} 行", "Row {n}"],
});

const review = { cursor: null, open: null, overview: null };

function stateName(state) {
  return TEXT["st_" + state] ? t("st_" + state) : state;
}

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value; o.textContent = text;
  select.appendChild(o);
}

// Fills the filters' choices (questionnaires, teams, states) and the per-team counts
// from the overview, keeping what was chosen.
function reviewFilters(body) {
  review.overview = body;
  const keep = (sel, fill) => { const v = sel.value; sel.replaceChildren(); fill(sel); sel.value = v; if (sel.value !== v) sel.value = ""; };
  keep($("rv-form"), (s) => {
    option(s, "", t("rv_all"));
    for (const q of body.questionnaires || []) option(s, q.id, ((q.title && (q.title[lang] || q.title.zh)) || q.id) + " (" + q.id + ")");
  });
  keep($("rv-team"), (s) => {
    option(s, "", t("rv_all"));
    for (const team of body.by_team || []) option(s, team.team, team.team);
  });
  keep($("rv-state"), (s) => {
    option(s, "", t("rv_all"));
    for (const st of ["received", "has_issues", "approved", "rejected"]) option(s, st, stateName(st));
  });
  const tb = $("rv-teams").tBodies[0]; tb.replaceChildren();
  for (const team of body.by_team || []) {
    const row = tb.insertRow();
    cell(row, t("team"), team.team);
    const r = team.reviews || {};
    for (const st of ["received", "has_issues", "approved", "rejected"]) cell(row, stateName(st), r[st] || 0, "n short");
  }
}

async function api(path, init) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
  if (init && init.body) headers["Content-Type"] = "application/json";
  const res = await fetch(path, Object.assign({ headers }, init || {}));
  let body = {};
  try { body = await res.json(); } catch (e) { body = {}; }
  return { ok: res.ok, body };
}

async function reviewList(cursor) {
  const p = new URLSearchParams();
  const add = (name, value) => { if (value && value.trim()) p.set(name, value.trim()); };
  add("form", $("rv-form").value);
  add("version", $("rv-version").value);
  add("team", $("rv-team").value);
  add("day", $("rv-day").value);
  add("state", $("rv-state").value);
  add("q", $("rv-q").value);
  add("fields", $("rv-fields").value);
  p.set("limit", "25");
  if (cursor) p.set("before", cursor);
  const { ok, body } = await api("/api/v1/admin/submissions?" + p.toString());
  if (!ok) { $("error").textContent = message(body); return; }
  $("error").textContent = "";
  review.cursor = body.next;
  $("rv-count").textContent = t("rv_count", body.total);
  $("rv-next").hidden = !body.next;
  $("rv-first").hidden = !cursor;
  const tb = $("rv-list").tBodies[0]; tb.replaceChildren();
  for (const item of body.items) {
    const row = tb.insertRow();
    row.dataset.id = item.instance_id;
    const when = cell(row, t("rv_received"), beijing(item.received_at), "time");
    when.title = item.received_at;
    cell(row, t("team"), item.team);
    cell(row, t("questionnaire"), item.form_id + " v" + item.version);
    cell(row, t("rv_state"), stateName(item.review_state), "short state-" + item.review_state);
    const shown = Object.entries(item.shown || {}).filter(([, v]) => v).map(([k, v]) => k + ": " + v).join("; ");
    cell(row, t("rv_shown"), shown || item.instance_id, "shown");
    const td = cell(row, "", undefined);
    const b = document.createElement("button");
    b.type = "button"; b.className = "open"; b.textContent = t("rv_open");
    b.onclick = () => reviewOpen(item.instance_id);
    td.appendChild(b);
  }
}

function labelOf(v) {
  return (v.label && (v.label[lang] || v.label.zh)) || v.name;
}

// An answer as text: choice names as their labels, lists joined.
function answerText(v, value) {
  const choice = (name) => {
    const c = (v.choices || []).find((c) => c.name === String(name));
    return c ? c[lang] || c.zh : String(name);
  };
  if (Array.isArray(value)) return value.map((x) => (typeof x === "object" && x !== null ? JSON.stringify(x) : choice(x))).join("、");
  if (value !== null && typeof value === "object") return value.file ? String(value.file) : JSON.stringify(value);
  return (v.choices || []).length ? choice(value) : String(value);
}

// The answers of one table (the main one, or a repeat's row) in questionnaire order.
function renderAnswers(box, q, answers, table) {
  const dl = document.createElement("dl");
  for (const v of q.variables.filter((v) => v.table === table)) {
    if (!(v.name in answers)) continue;
    const value = answers[v.name];
    const dt = document.createElement("dt");
    dt.textContent = labelOf(v);
    dt.title = v.name;
    const dd = document.createElement("dd");
    dd.dataset.name = v.name;
    const inner = q.tables.findIndex((tb) => tb.repeat_path.length && tb.repeat_path[tb.repeat_path.length - 1] === v.name);
    if (v.type === "repeat" && Array.isArray(value) && inner >= 0) {
      value.forEach((row, i) => {
        const fs = document.createElement("fieldset");
        const legend = document.createElement("legend");
        legend.textContent = t("rv_row", i + 1);
        fs.appendChild(legend);
        renderAnswers(fs, q, row || {}, inner);
        dd.appendChild(fs);
      });
    } else {
      dd.textContent = answerText(v, value);
    }
    dl.append(dt, dd);
  }
  box.appendChild(dl);
}

function renderDetail(s) {
  const q = s.questionnaire;
  $("rv-title").textContent = ((q && (q.title[lang] || q.title.zh)) || s.form_id) + " · " + s.instance_id;
  $("rv-facts").textContent = [s.team, s.form_id + " v" + s.version, beijing(s.received_at)].join(" · ");
  $("rv-now").textContent = stateName(s.review_state);
  $("rv-now").className = "state-" + s.review_state;
  const problems = $("rv-problems"); problems.replaceChildren();
  for (const p of s.problems) {
    const li = document.createElement("li");
    li.textContent = (p.path ? p.path + ": " : "") + (lang === "en" ? p.message_en : p.message_zh);
    problems.appendChild(li);
  }
  if (!s.problems.length) {
    const li = document.createElement("li");
    li.className = "none"; li.textContent = t("rv_no_problems");
    problems.appendChild(li);
  }
  const box = $("rv-answers"); box.replaceChildren();
  if (s.sealed) box.textContent = t("rv_sealed");
  else if (q) renderAnswers(box, q, s.answers || {}, 0);
  else box.textContent = JSON.stringify(s.answers);
  const history = $("rv-history"); history.replaceChildren();
  for (const e of s.history) {
    const li = document.createElement("li");
    const head = document.createElement("span");
    head.className = "state-" + e.state;
    head.textContent = beijing(e.at) + " · " + stateName(e.state) + (e.token_id ? " · " + t("rv_by", e.token_id) : "");
    li.appendChild(head);
    if (e.comment) {
      const c = document.createElement("div");
      c.className = "comment"; c.textContent = e.comment;
      li.appendChild(c);
    }
    history.appendChild(li);
  }
  if (!s.history.length) {
    const li = document.createElement("li");
    li.className = "none"; li.textContent = t("rv_no_history");
    history.appendChild(li);
  }
}

async function reviewOpen(id) {
  const { ok, body } = await api("/api/v1/admin/submissions/" + encodeURIComponent(id));
  if (!ok) { $("error").textContent = message(body); return; }
  review.open = body;
  $("rv-error").textContent = "";
  $("rv-comment").value = "";
  renderDetail(body);
  $("rv-detail").hidden = false;
  // Reloading the page opens it again.
  history.replaceState(null, "", location.pathname + "#s=" + encodeURIComponent(id));
  $("rv-detail").scrollIntoView();
}

async function reviewSet(state) {
  if (!review.open) return;
  const id = review.open.instance_id;
  const { ok, body } = await api("/api/v1/admin/submissions/" + encodeURIComponent(id) + "/review", {
    method: "POST",
    body: JSON.stringify({ state, comment: $("rv-comment").value }),
  });
  if (!ok) { $("rv-error").textContent = message(body); return; }
  await reviewOpen(id);
  reviewList(null);
}

// After the overview is shown: the filters, the list, and the submission named in the
// address (`#s=…`), if any.
function reviewStart(body) {
  reviewFilters(body);
  reviewList(null);
  const opened = new URLSearchParams(location.hash.slice(1)).get("s");
  if (opened && (!review.open || review.open.instance_id !== opened)) reviewOpen(opened);
}

function reviewRedraw() {
  if (review.overview) reviewFilters(review.overview);
  if (review.open) renderDetail(review.open);
}

$("rv-filter").onsubmit = (e) => { e.preventDefault(); reviewList(null); };

// A new team link, shown once with its QR code (an image of the server's SVG) for a
// team leader to scan from this screen.
$("new-link").onsubmit = async (e) => {
  e.preventDefault();
  $("link-error").textContent = "";
  const { ok, body } = await api("/api/v1/admin/team-links", {
    method: "POST",
    body: JSON.stringify({ team: $("link-team").value, base: location.origin }),
  });
  if (!ok) { $("link-error").textContent = message(body); return; }
  $("link-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(body.qr_svg);
  $("link-qr").alt = body.link;
  $("link-text").textContent = body.link;
  $("link-made").hidden = false;
  show();
};
$("rv-next").onclick = () => { if (review.cursor) reviewList(review.cursor); };
$("rv-first").onclick = () => reviewList(null);
$("rv-close").onclick = () => {
  review.open = null;
  $("rv-detail").hidden = true;
  history.replaceState(null, "", location.pathname);
};
for (const b of document.querySelectorAll("#rv-set button[data-state]")) b.onclick = () => reviewSet(b.dataset.state);

$("lang").onclick = () => {
  lang = lang === "en" ? "zh" : "en";
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
};
$("login").onsubmit = (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  $("token").value = "";
  show();
};
$("logout").onclick = (e) => {
  e.preventDefault();
  sessionStorage.removeItem(KEY);
  last = null;
  $("content").hidden = true; $("login").hidden = false;
  // Nothing of the submission opened stays on the page.
  review.open = null; review.overview = null;
  $("rv-detail").hidden = true;
  $("rv-answers").replaceChildren(); $("rv-list").tBodies[0].replaceChildren();
  history.replaceState(null, "", location.pathname);
};
// A link of the form /admin#token=… signs in directly (the hash never reaches the server).
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash);
  history.replaceState(null, "", location.pathname);
}
applyLanguage();
show();
