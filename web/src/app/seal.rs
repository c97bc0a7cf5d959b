//! Sealing a complete response of an encrypted questionnaire on this device, with the
//! browser's own Web Crypto (no cryptography in the wasm): the envelope is
//! core/ENCRYPTION.md's, which `tianye_core::seal` opens. Once it is stored, the plain
//! answers are gone from storage; a response that cannot be sealed stays complete here,
//! plain and not uploaded, until it is marked complete again where it can be.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::App;
use crate::i18n::{Key, both};
use crate::state::record::{Envelope, Record};

// Seals `plain`, a response's JSON, with a fresh AES-256-GCM key and IV from
// crypto.getRandomValues, the key wrapped with
// RSA-OAEP-SHA-256 under the SubjectPublicKeyInfo `spki` (base64). Resolves to the
// envelope's JSON (core/ENCRYPTION.md). Rejects with the reason as text where there is
// no Web Crypto (`crypto.subtle` exists only on https and localhost) or the key is bad.
#[wasm_bindgen(inline_js = "
export async function seal(spki, plain) {
  try {
  const r = JSON.parse(plain), id = r.instance_id, form = r.questionnaire.id, version = r.questionnaire.version;
  const s = crypto.subtle, utf8 = (t) => new TextEncoder().encode(t), f = 'tianye-sealed-1';
  const b64 = (b) => btoa(Array.from(new Uint8Array(b), (x) => String.fromCharCode(x)).join(''));
  const sha = async (b) => Array.from(new Uint8Array(await s.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
  const der = Uint8Array.from(atob(spki), (c) => c.charCodeAt(0));
  const rsa = await s.importKey('spki', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const key = crypto.getRandomValues(new Uint8Array(32)), iv = crypto.getRandomValues(new Uint8Array(12));
  const aes = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  const text = utf8(plain), aad = utf8([f, id, form, version].join('\\n'));
  const ct = await s.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, aes, text);
  return JSON.stringify({
    sealed: f, instance_id: id, questionnaire: { id: form, version }, status: 'complete',
    submitted_at: r.meta.submitted_at, key: 'sha256:' + await sha(der),
    wrapped_key: b64(await s.encrypt({ name: 'RSA-OAEP' }, rsa, key)),
    key_check: await sha(new Uint8Array([...utf8(f + ' key check'), ...key])),
    iv: b64(iv), ciphertext: b64(ct), plain_size: text.length, digest: 'sha256:' + await sha(ct),
  });
  } catch (e) { throw '' + (e && e.message || e); }
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn seal(spki: &str, plain: &str) -> Result<JsValue, JsValue>;
}

impl App {
    /// Seals `record`, just marked complete and stored, to `public_key` (the
    /// questionnaire's, base64 SPKI), keeps the envelope in place of its answers and
    /// queues it. The stored copy must still be the one completed (another tab may have
    /// reopened it meanwhile); a failure says so and leaves the record as it is.
    pub(crate) fn seal(self, record: Record, public_key: String) {
        leptos::task::spawn_local(async move {
            let sealed = seal(&public_key, &record.upload_body()).await;
            if self.gone() {
                return;
            }
            let envelope = match sealed {
                Ok(json) => json.as_string().map(Envelope).ok_or(JsValue::NULL),
                Err(why) => Err(why),
            };
            let envelope = match envelope {
                Ok(envelope) => envelope,
                Err(why) => {
                    let why = why.as_string().unwrap_or_default();
                    self.notice.set(Some(format!("{} ({why})", both(Key::CannotSeal))));
                    return;
                }
            };
            let (form, id) = record.ids();
            match self.store.with_value(|s| s.get(&form, &id)) {
                Some(mut now) if now.response == record.response => {
                    now.keep_sealed(envelope);
                    if self.save(&now) {
                        self.kick_uploads();
                    }
                }
                other => self.keep_in_list(&form, &id, other),
            }
        });
    }
}
