// The files of attachment answers (photos, signatures, drawings, files), kept in
// IndexedDB as Blobs: localStorage, which holds the answers, is far too small. The
// browser does the work (image decoding, canvas scaling, JPEG/PNG encoding, SHA-256 by
// Web Crypto, and sealing a sealed record's files with it); the wasm only names keys and
// keeps the answers. A key is the record's storage key, `/`, and the file's name, so
// that one range holds a record's files.

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
// As UTF-8 bytes, which the wasm takes in without a larger buffer first.
export async function formText(key) {
  const t = localStorage.getItem(key);
  const v = t === IN_IDB ? await getFile(key).catch(() => undefined) : t;
  return typeof v === 'string' ? new TextEncoder().encode(v) : undefined;
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

// Seals `plain`, a complete response's JSON, to the SubjectPublicKeyInfo `spki`
// (base64): a fresh AES-256-GCM key and IV from crypto.getRandomValues, the key wrapped
// with RSA-OAEP-SHA-256. With the same key each file `names` names (its answers' file
// names, one a line, kept under `base`) is sealed with a fresh IV and additional data
// naming the response and the file, and kept beside its plain copy as NAME.sealed
// (IV, ciphertext, tag). Resolves to the envelope's JSON, listing the sealed files
// (core/ENCRYPTION.md). The plain copies stay until the caller has stored the envelope
// ([`dropNamed`]). Rejects with the reason as text where there is no Web Crypto
// (`crypto.subtle` exists only on https and localhost), the key is bad, or a file is
// gone: nothing sealed is kept then.
export async function sealRecord(spki, plain, base, names) {
  const f = 'tianye-sealed-1', kept = [];
  try {
    const r = JSON.parse(plain), id = r.instance_id, form = r.questionnaire.id, version = r.questionnaire.version;
    const s = crypto.subtle, utf8 = (t) => new TextEncoder().encode(t);
    const b64 = (b) => btoa(Array.from(new Uint8Array(b), (x) => String.fromCharCode(x)).join(''));
    const sha = async (b) => hex(await s.digest('SHA-256', b));
    const der = Uint8Array.from(atob(spki), (c) => c.charCodeAt(0));
    const rsa = await s.importKey('spki', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    const key = crypto.getRandomValues(new Uint8Array(32)), iv = crypto.getRandomValues(new Uint8Array(12));
    const aes = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    const files = [], sealed = [];
    for (const name of names.split('\n').filter(Boolean)) {
      if (name.length > 93) throw 'file name too long: ' + name;
      const blob = await getFile(base + name);
      if (!blob) throw 'file missing: ' + name;
      const fiv = crypto.getRandomValues(new Uint8Array(12));
      const aad = utf8(f + ' file\n' + id + '\n' + name);
      const ct = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv: fiv, additionalData: aad }, aes, await blob.arrayBuffer()));
      const out = new Uint8Array(12 + ct.length);
      out.set(fiv);
      out.set(ct, 12);
      files.push({ file: name + '.sealed', sha256: await sha(out), size: out.length });
      sealed.push([base + name + '.sealed', new Blob([out], { type: 'application/octet-stream' })]);
    }
    const text = utf8(plain), aad = utf8([f, id, form, version].join('\n'));
    const ct = await s.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, aes, text);
    const envelope = {
      sealed: f, instance_id: id, questionnaire: { id: form, version }, status: 'complete',
      submitted_at: r.meta.submitted_at, key: 'sha256:' + await sha(der),
      wrapped_key: b64(await s.encrypt({ name: 'RSA-OAEP' }, rsa, key)),
      key_check: await sha(new Uint8Array([...utf8(f + ' key check'), ...key])),
      iv: b64(iv), ciphertext: b64(ct), plain_size: text.length, digest: 'sha256:' + await sha(ct),
    };
    if (files.length) envelope.files = files;
    kept.push(...sealed.map((x) => x[0]));
    await tx('readwrite', (st) => { let last; for (const [k, b] of sealed) last = st.put(b, k); return last; });
    return JSON.stringify(envelope);
  } catch (e) {
    for (const k of kept) drop(k);
    throw '' + (e && e.message || e);
  }
}

// Deletes the files `names` (one a line) kept under `base`.
export function dropNamed(base, names) {
  for (const n of names.split('\n').filter(Boolean)) drop(base + n);
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
    const keys = await tx('readonly', (s) => s.getAllKeys(range(base))) || [];
    const list = await tx('readonly', (s) => s.getAll(range(base))) || [];
    // A sealed record's plain copies (if some are still there) never leave the phone.
    const sealed = keys.some((k) => k.endsWith('.sealed'));
    for (const [i, b] of list.entries()) {
      if (sealed && !String(keys[i]).endsWith('.sealed')) continue;
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
