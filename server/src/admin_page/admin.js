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
}

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
};
// A link of the form /admin#token=… signs in directly (the hash never reaches the server).
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash);
  history.replaceState(null, "", location.pathname);
}
applyLanguage();
show();
