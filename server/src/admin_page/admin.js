"use strict";
const KEY = "tianye.admin_token";
const $ = (id) => document.getElementById(id);

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function download(path, name) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) } });
  if (!res.ok) { $("error").textContent = (await res.json()).message; return; }
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
  svg.setAttribute("aria-label", "每日答卷数 / submissions per day");
  days.forEach((d, i) => {
    const bh = Math.round((d.count / max) * h);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("class", "bar");
    r.setAttribute("x", i * w + 2); r.setAttribute("y", pad + h - bh);
    r.setAttribute("width", w - 4); r.setAttribute("height", bh);
    const t = document.createElementNS(ns, "title");
    t.textContent = d.day + ": " + d.count;
    r.appendChild(t);
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
  $("chart").replaceChildren(svg);
}

async function show() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return;
  const res = await fetch("/api/v1/admin/overview", { headers: { Authorization: "Bearer " + token } });
  const body = await res.json();
  if (!res.ok) {
    $("error").textContent = body.message;
    sessionStorage.removeItem(KEY);
    $("content").hidden = true; $("login").hidden = false;
    return;
  }
  $("error").textContent = "";
  $("login").hidden = true; $("content").hidden = false;
  $("total").textContent = body.total;
  chart(body.by_day);
  const vt = $("by-version").tBodies[0]; vt.replaceChildren();
  for (const v of body.by_version) {
    const row = vt.insertRow();
    cell(row, v.form_id); cell(row, v.version); cell(row, v.count, "n");
    const links = row.insertCell();
    for (const [file, label] of [["export.xlsx", "XLSX"], ["export.csv", "CSV"], ["codebook.xlsx", "编码表 / codebook"]]) {
      const a = document.createElement("a");
      a.href = "#"; a.className = "dl"; a.textContent = label;
      a.onclick = (e) => { e.preventDefault(); download(`/api/v1/questionnaires/${encodeURIComponent(v.form_id)}/${file}`, `${v.form_id}-${file}`); };
      links.appendChild(a);
    }
  }
  const tt = $("by-team").tBodies[0]; tt.replaceChildren();
  for (const t of body.by_team) {
    const row = tt.insertRow();
    cell(row, t.team); cell(row, t.count, "n"); cell(row, t.last_received_at || "—");
    cell(row, t.active ? "有效 / active" : "已撤销 / revoked");
  }
}

$("login").onsubmit = (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  $("token").value = "";
  show();
};
$("logout").onclick = (e) => {
  e.preventDefault();
  sessionStorage.removeItem(KEY);
  $("content").hidden = true; $("login").hidden = false;
};
// A link of the form /admin#token=… signs in directly (the hash never reaches the server).
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash);
  history.replaceState(null, "", location.pathname);
}
show();
