// The files of attachment answers (photos, signatures, drawings, files), kept in
// IndexedDB as Blobs: localStorage, which holds the answers, is far too small. The
// browser does the work (image decoding, canvas scaling, JPEG/PNG encoding, SHA-256 by
// Web Crypto); the wasm only names keys and keeps the answers. A key is the record's
// storage key, `/`, and the file's name, so that one range holds a record's files.

let opened;
const db = () => opened ??= new Promise((ok, no) => {
  const r = indexedDB.open('tianye-files', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('files');
  r.onsuccess = () => ok(r.result);
  r.onerror = () => { opened = null; no(r.error); };
});

// Runs `work` on the store in one transaction; resolves, once it is committed, to what
// the last request `work` returned gave.
async function tx(mode, work) {
  const d = await db();
  return new Promise((ok, no) => {
    const t = d.transaction('files', mode), r = work(t.objectStore('files'));
    t.oncomplete = () => ok(r && r.result);
    t.onerror = t.onabort = () => no(t.error);
  });
}
const range = (prefix) => IDBKeyRange.bound(prefix, prefix + '\uffff');

const getFile = (key) => tx('readonly', (s) => s.get(key));
const drop = (what) => tx('readwrite', (s) => s.delete(what)).catch(() => {});

// The questionnaires kept for use offline, under their localStorage keys: a short one
// in localStorage, a long one (a county's village list is megabytes) in IndexedDB with
// a marker in localStorage, which is kept for the answers. Keeping resolves to '' once
// stored, or the storage error's name; reading to the text, or undefined.
const LONG = 256 * 1024, IN_IDB = '\u0001indexeddb';
export async function keepForm(key, text) {
  try {
    if (text.length > LONG) {
      await tx('readwrite', (s) => s.put(text, key));
      text = IN_IDB;
    }
    if (localStorage.getItem(key) !== text) localStorage.setItem(key, text);
    return '';
  } catch (e) {
    return (e && e.name) || 'Error';
  }
}
export async function formText(key) {
  const t = localStorage.getItem(key);
  return t === IN_IDB ? getFile(key).then((v) => (typeof v === 'string' ? v : undefined), () => undefined) : t ?? undefined;
}

// Deletes the files under each of `bases` (`,`-joined record keys, each ending in `/`).
export function dropFiles(bases) {
  for (const b of bases.split(',').filter(Boolean)) drop(range(b));
}

const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

// A picture scaled so that its longer side is at most `max` px, as JPEG; the decoder
// turns it upright first (EXIF orientation).
async function scaled(file, max) {
  const img = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const k = Math.min(1, max / Math.max(img.width, img.height));
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.round(img.width * k));
  c.height = Math.max(1, Math.round(img.height * k));
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  g.drawImage(img, 0, 0, c.width, c.height);
  img.close();
  return new Promise((ok, no) => c.toBlob((b) => (b ? ok(b) : no('encode')), 'image/jpeg', 0.85));
}

// Keeps `blob` (a picture scaled first when `max` > 0) under `base` + a name made of
// `stem`, the first hex digits of its SHA-256 and an extension, once storage has room;
// resolves to the answer's JSON. Rejects with a reason code: `too_large` (over `limit`
// bytes), `no_space`, `no_crypto` (no Web Crypto: plain http), `decode` (not a picture
// the browser can read), or the browser's message.
async function keepFile(base, stem, blob, max, limit) {
  if (!crypto.subtle) throw 'no_crypto';
  if (max > 0) blob = await scaled(blob, max).catch(() => { throw 'decode'; });
  if (blob.size > limit) throw 'too_large';
  if (navigator.storage && navigator.storage.estimate) {
    const e = await navigator.storage.estimate();
    if (e.quota && e.quota - e.usage < blob.size * 2) throw 'no_space';
  }
  const bytes = await blob.arrayBuffer(), sha = hex(await crypto.subtle.digest('SHA-256', bytes));
  const type = blob.type || 'application/octet-stream';
  const ext = { 'image/jpeg': '.jpg', 'image/png': '.png' }[type]
    || ((blob.name || '').match(/\.[A-Za-z0-9]{1,8}$/) || ['.bin'])[0].toLowerCase();
  const file = stem + '-' + sha.slice(0, 12) + ext;
  await tx('readwrite', (s) => s.put(new Blob([bytes], { type }), base + file));
  return JSON.stringify({ file, sha256: sha, size: bytes.byteLength, media_type: type });
}

// Saves the backup `text` (a JSON object) as the file `name`, with the files under
// `bases` (`,`-joined record keys, each ending in `/`) added as `"files": {"<sha256>":
// "<base64>"}` (what `tianye import-responses` reads). A file that cannot be read
// leaves the rest saved.
export async function saveBackup(name, text, bases) {
  try { text = await withFiles(text, bases); } catch (e) {}
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}

async function withFiles(text, bases) {
  const files = {};
  for (const base of bases.split(',').filter(Boolean)) {
    const list = await tx('readonly', (s) => s.getAll(range(base)));
    for (const b of list || []) {
      const bytes = new Uint8Array(await b.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      files[hex(await crypto.subtle.digest('SHA-256', bytes))] = btoa(bin);
    }
  }
  return Object.keys(files).length ? text.slice(0, -1) + ',"files":' + JSON.stringify(files) + '}' : text;
}

// A signature or drawing pad on `canvas` (its pixel size set by its attributes, its
// shown size by CSS), drawn with a finger, pen or mouse (pointer events). After each
// stroke, undo and clear, `done` gets the drawing as a PNG Blob (white under the ink),
// or null when nothing is drawn. `canvas.undo()` and `canvas.clear()` are its buttons.
function pad(canvas, done) {
  const g = canvas.getContext('2d'), strokes = [];
  let line = null;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  };
  function draw() {
    const w = canvas.width, h = canvas.height;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, h);
    g.strokeStyle = '#000';
    g.lineWidth = Math.max(2, w / 150);
    g.lineCap = g.lineJoin = 'round';
    for (const s of strokes) {
      g.beginPath();
      g.moveTo(s[0][0] * w, s[0][1] * h);
      for (const p of s) g.lineTo(p[0] * w, p[1] * h);
      g.stroke();
    }
  }
  const changed = () => { draw(); strokes.length ? canvas.toBlob(done, 'image/png') : done(null); };
  canvas.onpointerdown = (e) => {
    canvas.setPointerCapture(e.pointerId);
    line = [at(e)];
    strokes.push(line);
    draw();
  };
  canvas.onpointermove = (e) => { if (line) { line.push(at(e)); draw(); } };
  canvas.onpointerup = canvas.onpointercancel = () => { if (line) { line = null; changed(); } };
  canvas.undo = () => { strokes.pop(); changed(); };
  canvas.clear = () => { strokes.length = 0; changed(); };
  draw();
}

// The input of an attachment question, built in `el`. `lines` are its settings, one
// a line: the kind ('image', 'file' or 'pad'), the input's id (for its label), accept,
// the record's key and `/` (where its files are kept), what its file names start with,
// the answer's file ('' for none), the longest side in px (0: kept as it is), the
// largest size in bytes, whether it is a picture ('1': shown as a thumbnail), then the
// texts: remove, undo, clear, storage nearly full, and the message for a file not kept
// and for each failure of `keepFile` (too_large, no_space, no_crypto, decode).
// `answer` gets each new answer's JSON text, or null when it is removed. A file
// replaced or removed is deleted: a draft's files were never sent.
export function attachUi(el, lines, answer) {
  const v = lines.split('\n'), say = h('p', { className: 'q-problems' });
  const c = { kind: v[0], id: v[1], accept: v[2], base: v[3], stem: v[4], file: v[5], max: +v[6], limit: +v[7], picture: !!v[8] };
  const t = { remove: v[9], undo: v[10], clear: v[11], short: v[12], not_kept: v[13], too_large: v[14], no_space: v[15], no_crypto: v[16], decode: v[17] };
  let file = c.file, url, turn = 0;
  say.setAttribute('role', 'alert');
  async function keep(blob, max) {
    const mine = ++turn;
    let json = null;
    say.textContent = '';
    if (blob) {
      try {
        json = await keepFile(c.base, c.stem, blob, max, c.limit);
      } catch (e) {
        if (mine === turn) say.textContent = t[e] || t.not_kept + ' (' + e + ')';
        return;
      }
    }
    const name = json && JSON.parse(json).file;
    if (mine !== turn) {
      if (name && name !== file) drop(c.base + name);
      return;
    }
    if (file && file !== name) drop(c.base + file);
    file = name;
    answer(json);
    if (c.kind !== 'pad' || !blob) show();
  }
  async function roomy() {
    const e = navigator.storage && navigator.storage.estimate && await navigator.storage.estimate();
    if (e && e.quota && e.quota - e.usage < 25 << 20) say.textContent = t.short;
  }
  function show() {
    if (url) URL.revokeObjectURL(url);
    url = null;
    el.textContent = '';
    if (file) {
      const img = c.picture ? h('img', { className: 'thumb', alt: file }) : '';
      if (img) getFile(c.base + file).then((b) => { if (b) img.src = url = URL.createObjectURL(b); });
      el.append(h('div', { className: 'file' }, img, h('span', {}, file),
        h('button', { type: 'button', className: 'link', textContent: t.remove, onclick: () => keep(null) })));
    } else if (c.kind === 'pad') {
      const cv = h('canvas', { id: c.id, width: 600, height: 240 });
      el.append(h('div', { className: 'pad' }, cv,
        h('button', { type: 'button', textContent: t.undo, onclick: () => cv.undo() }),
        h('button', { type: 'button', textContent: t.clear, onclick: () => cv.clear() })));
      pad(cv, (b) => keep(b, 0));
    } else {
      const input = h('input', { type: 'file', id: c.id, accept: c.accept, onclick: roomy });
      if (c.kind === 'image') input.setAttribute('capture', 'environment');
      input.onchange = () => {
        const f = input.files[0];
        if (f) keep(f, c.max);
        input.value = '';
      };
      el.append(input);
    }
    el.append(say);
  }
  show();
}

function h(tag, props, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

// Shows each picture the review list `dl` names (a `dd` holding a file name kept under
// `base`) as a thumbnail before its name, again whenever the list is rebuilt.
export function thumbs(dl, base) {
  const run = async () => {
    const keys = await tx('readonly', (s) => s.getAllKeys(range(base))).catch(() => []);
    for (const dd of dl.querySelectorAll('dd')) {
      const name = dd.textContent;
      // Marked before the wait: the observer may run this again meanwhile.
      if (dd.dataset.thumb || !/\.(jpg|png|webp)$/.test(name) || !keys.includes(base + name)) continue;
      dd.dataset.thumb = 1;
      const b = await getFile(base + name);
      if (!b) continue;
      const img = h('img', { className: 'thumb', alt: '', src: URL.createObjectURL(b) });
      img.onload = () => URL.revokeObjectURL(img.src);
      dd.prepend(img, h('br'));
    }
  };
  new MutationObserver(run).observe(dl, { childList: true });
  run();
}

// Sends the file under `key` to `url` (POST, its bytes as they are, `type` their media
// type) with the team link's `token` (or ''), given up after `ms`; resolves to `status`,
// a line break and the answer's body: status 0 when the network failed or time ran
// out, -1 when the file is no longer on this device.
export async function sendFile(url, key, type, token, ms) {
  const b = await getFile(key).catch(() => null);
  if (!b) return '-1\n';
  const ctl = new AbortController(), timer = setTimeout(() => ctl.abort(), ms);
  const headers = { 'Content-Type': type };
  if (token) headers.Authorization = 'Bearer ' + token;
  try {
    const r = await fetch(url, { method: 'POST', body: b, headers, signal: ctl.signal });
    return r.status + '\n' + await r.text();
  } catch (e) {
    return (ctl.signal.aborted ? 't' : '0') + '\n' + e;
  } finally {
    clearTimeout(timer);
  }
}
