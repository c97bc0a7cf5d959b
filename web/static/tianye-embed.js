// Embeds a Tianye form in any page with one script tag:
//
//   <script type="module" src="https://HOST/tianye-embed.js"></script>
//   <tianye-form src="https://HOST/api/v1/questionnaires/lbc_household"
//                endpoint="https://HOST" token="TEAM_TOKEN" lang="zh"
//                storage-prefix="portal-a." enumerator="USER NAME"></tianye-form>
//
// The element fires `tianye-submit` and `tianye-change` events (detail: the response).
// From script: `import { mount } from 'https://HOST/tianye-embed.js'` and
// `mount(element, {questionnaire, endpoint, token, language, storagePrefix, onSubmit, onChange, timeoutMs, enumerator})`.
import init, { mount } from './tianye.js';

const base = new URL('.', import.meta.url);
let ready;
function load() {
  if (!ready) {
    ready = init({ module_or_path: new URL('tianye_bg.wasm', base) });
    if (!document.querySelector('link[data-tianye-style]')) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = new URL('style.css', base).href;
      link.dataset.tianyeStyle = '';
      document.head.appendChild(link);
    }
  }
  return ready;
}

class TianyeForm extends HTMLElement {
  async connectedCallback() {
    try {
      await load();
    } catch (e) {
      // A browser too old for the app (Chrome before 80, Safari before 15).
      this.textContent = '田野无法在此浏览器中启动，请更新浏览器或微信 / '
        + 'Tianye could not start in this browser: update the browser or WeChat (' + e + ')';
      return;
    }
    const src = this.getAttribute('src');
    const timeoutMs = Number(this.getAttribute('timeout-ms')) || 60000;
    let questionnaire;
    try {
      // Given up after the time allowed, like the app's own requests.
      const signal = AbortSignal.timeout ? AbortSignal.timeout(timeoutMs) : undefined;
      const response = await fetch(src, { signal });
      if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
      questionnaire = await response.text();
    } catch (e) {
      this.textContent = '无法加载问卷 / cannot load the questionnaire: ' + src + ' (' + e.message + ')';
      return;
    }
    try {
      this.mounted = mount(this, {
        questionnaire,
        endpoint: this.getAttribute('endpoint') || '',
        token: this.getAttribute('token') || undefined,
        language: this.getAttribute('lang') || 'zh',
        storagePrefix: this.getAttribute('storage-prefix') || (this.id ? this.id + '.' : ''),
        timeoutMs,
        enumerator: this.getAttribute('enumerator') || undefined,
        onSubmit: (r) => this.dispatchEvent(new CustomEvent('tianye-submit', { detail: r, bubbles: true })),
        onChange: (r) => this.dispatchEvent(new CustomEvent('tianye-change', { detail: r, bubbles: true })),
      });
    } catch (e) {
      this.textContent = String(e);
    }
  }

  disconnectedCallback() {
    if (this.mounted) {
      this.mounted.unmount();
      this.mounted = undefined;
    }
  }
}

if (!customElements.get('tianye-form')) customElements.define('tianye-form', TianyeForm);

async function mountWhenReady(element, options) {
  await load();
  return mount(element, options);
}

export { mountWhenReady as mount };
