// tianye preview: keeps the page in step with the questionnaire file and the open draft.
//
// - Findings: a long poll of /preview/findings?after=N; the HTML it carries is escaped
//   by the server. After each change the app in the frame is reloaded, having been made
//   to fetch the questionnaire again (its cached copy and list are dropped); the draft
//   and the route (in the frame's location hash) stay, so answers typed survive.
// - Verdict: the open draft, read from the app's storage (same origin) whenever the app
//   writes it, is posted to /preview/verdict; problems and values are set as text.
'use strict';

(function () {
  const KEYS = 'tianye.v1.';
  const ROUTE = 'tianye-preview.route';
  const frame = document.getElementById('app');
  const note = document.getElementById('frame-note');
  const status = document.getElementById('status');
  const findings = document.getElementById('findings');
  const verdictBox = document.getElementById('verdict');
  const valuesBox = document.getElementById('values');
  const answersBox = document.getElementById('answers');
  let generation = 0;
  let formId = null;
  let sent = null;
  let asked = 0;

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function sleep(ms) {
    return new Promise((done) => setTimeout(done, ms));
  }

  // The app starts in the language given on the command line.
  function setLanguage(lang) {
    let settings = {};
    try {
      settings = JSON.parse(localStorage.getItem(KEYS + 'settings')) || {};
    } catch (e) {
      settings = {};
    }
    settings.lang = lang;
    localStorage.setItem(KEYS + 'settings', JSON.stringify(settings));
  }

  // The app keeps a questionnaire it has fetched, and the list, for use offline: the
  // preview drops them so that the app fetches the questionnaire as it is now.
  function forgetQuestionnaire(id) {
    const drop = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key === KEYS + 'catalog' || (id && key.startsWith(KEYS + 'q.' + id + '@'))) drop.push(key);
    }
    drop.forEach((key) => localStorage.removeItem(key));
  }

  function frameHash() {
    try {
      return frame.contentWindow.location.hash || '';
    } catch (e) {
      return '';
    }
  }

  function loadFrame(hash) {
    frame.src = '/app/' + (hash || '#/');
  }

  function reloadFrame(home) {
    const w = frame.contentWindow;
    if (!w || w.location.href === 'about:blank') {
      loadFrame(sessionStorage.getItem(ROUTE));
      return;
    }
    if (home) w.location.hash = '#/';
    w.location.reload();
  }

  function apply(data) {
    const first = generation === 0;
    generation = data.generation;
    findings.innerHTML = data.html;
    status.textContent = data.summary;
    status.classList.toggle('bad', !data.loads);
    const q = data.questionnaire;
    if (q) {
      note.hidden = true;
      note.textContent = '';
      forgetQuestionnaire(q.id);
      if (first) {
        setLanguage(data.lang);
        loadFrame(sessionStorage.getItem(ROUTE));
      } else {
        // Another questionnaire id: the draft open belongs to the old one.
        reloadFrame(formId !== null && formId !== q.id);
      }
      formId = q.id;
    } else {
      note.hidden = false;
      note.textContent = '问卷现在无法加载（见检查结果），表单仍是上次能加载的版本 / The questionnaire does not load now (see the findings): the form is the last version that loaded';
      if (first) {
        setLanguage(data.lang);
        loadFrame(sessionStorage.getItem(ROUTE));
      }
    }
    sent = null;
    later();
  }

  async function follow() {
    for (;;) {
      try {
        const r = await fetch('/preview/findings?after=' + generation, { cache: 'no-store' });
        if (!r.ok) throw new Error(String(r.status));
        const data = await r.json();
        if (data.generation !== generation) apply(data);
      } catch (e) {
        status.textContent = '与预览程序的连接中断，正在重试 / Lost the preview program, retrying (' + e.message + ')';
        status.classList.add('bad');
        await sleep(1000);
      }
    }
  }

  // The response open in the app, from its location hash and its storage.
  function openResponse() {
    const m = /^#\/r\/([^/]+)\/([^/]+)/.exec(frameHash());
    if (!m) return null;
    let record;
    try {
      const key = KEYS + 'r.' + decodeURIComponent(m[1]) + '.' + decodeURIComponent(m[2]);
      record = JSON.parse(localStorage.getItem(key));
    } catch (e) {
      return null;
    }
    return record && record.response ? record.response : null;
  }

  function showNothing(text) {
    verdictBox.replaceChildren(el('p', 'muted', text));
    valuesBox.replaceChildren(el('p', 'muted', '—'));
    answersBox.textContent = '{}';
  }

  function showVerdict(data) {
    if (data.code) {
      verdictBox.replaceChildren(el('p', 'muted', data.message || data.code));
      valuesBox.replaceChildren(el('p', 'muted', '—'));
      return;
    }
    if (data.valid) {
      verdictBox.replaceChildren(el('p', 'valid', '✓ 没有问题，可以标记完成 / No problems: it can be marked complete'));
    } else {
      const list = el('ul', 'problems');
      for (const p of data.problems) {
        const li = el('li', 'problem');
        li.dataset.code = p.code;
        li.dataset.field = p.field || '';
        li.append(el('code', '', p.code), ' ', el('strong', '', p.path || '（答卷 / response）'), ' ', el('span', 'message', p.message));
        list.append(li);
      }
      const more = data.count - data.problems.length;
      const head = el('p', '', data.count + ' 个问题 / problem(s)' + (more > 0 ? '（另有 ' + more + ' 个未列出 / ' + more + ' more not listed）' : ''));
      verdictBox.replaceChildren(head, list);
    }
    const names = Object.keys(data.values || {});
    if (names.length === 0) {
      valuesBox.replaceChildren(el('p', 'muted', '没有计算项 / No calculated items'));
    } else {
      const dl = el('dl', 'values');
      for (const name of names) {
        dl.append(el('dt', '', name), el('dd', '', JSON.stringify(data.values[name])));
      }
      valuesBox.replaceChildren(dl);
    }
  }

  async function verdict() {
    const hash = frameHash();
    if (hash) sessionStorage.setItem(ROUTE, hash);
    const response = openResponse();
    if (!response) {
      sent = null;
      showNothing('在左边的表单中开始或打开一份答卷 / Start or open a response in the form');
      return;
    }
    const body = JSON.stringify(response);
    const key = generation + ':' + body;
    if (key === sent) return;
    sent = key;
    answersBox.textContent = JSON.stringify(response.answers || {}, null, 2);
    const mine = ++asked;
    try {
      const r = await fetch('/preview/verdict', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const data = await r.json();
      if (mine === asked) showVerdict(data);
    } catch (e) {
      sent = null;
      if (mine === asked) verdictBox.replaceChildren(el('p', 'muted', '无法判定 / No verdict: ' + e.message));
    }
  }

  let due = null;
  function later() {
    if (due) return;
    due = setTimeout(() => {
      due = null;
      verdict();
    }, 100);
  }

  // The app writes the draft at once after each answer: another document of this
  // origin (this page) hears of it.
  window.addEventListener('storage', (e) => {
    if (!e.key || e.key.startsWith(KEYS + 'r.')) later();
  });
  frame.addEventListener('load', () => {
    try {
      frame.contentWindow.addEventListener('hashchange', later);
    } catch (e) {
      // about:blank before the first load.
    }
    later();
  });
  // Opening another response writes nothing; the route is looked at now and then too.
  setInterval(later, 1000);

  follow();
})();
