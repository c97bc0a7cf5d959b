//! Sealing a complete response of an encrypted questionnaire on this device, with the
//! browser's own Web Crypto (no cryptography in the wasm; `sealRecord` in files.js):
//! the envelope is core/ENCRYPTION.md's, which `tianye_core::seal` opens, and the files
//! its answers name are sealed with it, before anything is uploaded. Once the envelope
//! is stored, the plain answers and the plain files are gone from storage; a response
//! that cannot be sealed stays complete here, plain (its files too) and not uploaded,
//! until it is marked complete again where it can be.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::App;
use super::files::{drop_named, seal_record};
use crate::i18n::{Key, both};
use crate::state::record::{Envelope, Record};

impl App {
    /// Seals `record`, just marked complete and stored, to `public_key` (the
    /// questionnaire's, base64 SPKI), keeps the envelope in place of its answers and
    /// queues it. The stored copy must still be the one completed (another tab may have
    /// reopened it meanwhile); a failure says so and leaves the record as it is.
    pub(crate) fn seal(self, record: Record, public_key: String) {
        leptos::task::spawn_local(async move {
            let (form, id) = record.ids();
            let base = self.files_of(&form, &id);
            let plain: Vec<String> = record.files().into_iter().map(|a| a.file).collect();
            let sealed_names: Vec<String> = plain
                .iter()
                .map(|n| format!("{n}{}", crate::state::record::SEALED_SUFFIX))
                .collect();
            let (plain, sealed_names) = (plain.join("\n"), sealed_names.join("\n"));
            let sealed = seal_record(&public_key, &record.upload_body(), &base, &plain).await;
            if self.gone() {
                // The record stays plain, with its plain files; the sealed copies go.
                if sealed.is_ok() {
                    drop_named(&base, &sealed_names);
                }
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
            match self.store.with_value(|s| s.get(&form, &id)) {
                Some(mut now) if now.response == record.response => {
                    now.keep_sealed(envelope);
                    if self.save(&now) {
                        // The envelope is stored: the plain files are no longer needed.
                        drop_named(&base, &plain);
                        self.kick_uploads();
                    } else {
                        drop_named(&base, &sealed_names);
                    }
                }
                other => {
                    drop_named(&base, &sealed_names);
                    self.keep_in_list(&form, &id, other);
                }
            }
        });
    }
}
