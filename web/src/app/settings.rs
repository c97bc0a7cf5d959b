//! The device's settings: the interface language, the team token (and whether the
//! server refused it), who fills in new responses.

use leptos::prelude::*;

use super::{App, Route};
use crate::browser;
use crate::i18n::{Key, both};
use crate::state::queue::{refused_token, stopped};
use crate::state::record::Group;
use crate::state::store::Settings;

/// The device's settings as signals (kept in the store's settings).
#[derive(Clone, Copy)]
pub struct DeviceSettings {
    /// Interface language.
    pub lang: RwSignal<String>,
    /// Upload token.
    pub token: RwSignal<Option<String>>,
    /// The team token the server refused ([`refused_token`]): while [`Self::token`] is
    /// still that one, the upload queue sends nothing ([`App::queue_stopped`]).
    pub refused: RwSignal<Option<String>>,
    /// Who fills in new responses on this device (XLSForm's `username`).
    pub enumerator: RwSignal<Option<String>>,
}

impl DeviceSettings {
    pub(super) fn new(stored: Settings) -> DeviceSettings {
        DeviceSettings {
            lang: RwSignal::new(stored.lang.unwrap_or_else(|| "zh".to_owned())),
            token: RwSignal::new(stored.token),
            refused: RwSignal::new(stored.refused),
            enumerator: RwSignal::new(stored.enumerator),
        }
    }
}

impl App {
    pub(super) fn take_in_settings(&self, settings: &Settings) {
        let was_stopped = self.queue_stopped_untracked();
        if self.settings.token.get_untracked() != settings.token {
            self.settings.token.set(settings.token.clone());
        }
        if self.settings.refused.get_untracked() != settings.refused {
            self.settings.refused.set(settings.refused.clone());
        }
        // A new link opened in another tab: this tab's queue goes on too.
        if was_stopped && !self.queue_stopped_untracked() {
            self.kick_uploads();
        }
        if self.settings.enumerator.get_untracked() != settings.enumerator {
            self.settings.enumerator.set(settings.enumerator.clone());
        }
        if let Some(lang) = &settings.lang
            && self.settings.lang.get_untracked() != *lang
        {
            self.settings.lang.set(lang.clone());
        }
    }

    /// The interface language now.
    pub fn lang(&self) -> String {
        self.settings.lang.get()
    }

    /// The interface language, without tracking.
    pub fn lang_untracked(&self) -> String {
        self.settings.lang.get_untracked()
    }

    /// Switches zh ↔ en and remembers it.
    pub fn toggle_lang(&self) {
        let next = if self.settings.lang.get_untracked().starts_with("en") { "zh" } else { "en" };
        self.settings.lang.set(next.to_owned());
        self.update_settings(|s| s.lang = Some(next.to_owned()));
    }

    /// Sets who fills in new responses on this device, and remembers it (blank: nobody
    /// named).
    pub fn set_enumerator(&self, name: &str) {
        let name = enumerator_name(name);
        if self.settings.enumerator.get_untracked() != name {
            self.settings.enumerator.set(name.clone());
            self.update_settings(|s| s.enumerator = name);
        }
    }

    /// This device's id, made and remembered on first use.
    pub fn device_id(&self) -> String {
        if let Some(id) = self.store.with_value(|s| s.settings().device_id) {
            return id;
        }
        let id = format!("tianye:{}", browser::uuid());
        self.update_settings(|s| s.device_id = Some(id.clone()));
        id
    }

    fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        let store = self.store.get_value();
        let mut settings = store.settings();
        f(&mut settings);
        if let Err(e) = store.put_settings(&settings) {
            self.report_store_error(&e);
        }
    }

    /// Keeps the team token from a team link (`#team=TOKEN`). Opening a link ends a
    /// refusal: the queue (started by the caller) tries with it.
    pub fn set_token(&self, token: &str) {
        self.settings.token.set(Some(token.to_owned()));
        self.settings.refused.set(None);
        self.update_settings(|s| {
            s.token = Some(token.to_owned());
            s.refused = None;
        });
        self.notice.set(Some(both(Key::TokenSaved)));
    }

    /// Whether the upload queue is stopped because the server refused the team link this
    /// device holds (see [`stopped`]).
    pub fn queue_stopped(self) -> bool {
        self.settings
            .token
            .with(|t| self.settings.refused.with(|r| stopped(t.as_deref(), r.as_deref())))
    }

    pub(crate) fn queue_stopped_untracked(self) -> bool {
        self.settings.token.with_untracked(|t| {
            self.settings.refused.with_untracked(|r| stopped(t.as_deref(), r.as_deref()))
        })
    }

    /// What to tell the volunteer while the queue is stopped by a refused link: that
    /// the link no longer works, that the responses waiting to upload are kept, and to
    /// ask for a new link. Shown on the list and on the review, where a response has just
    /// been completed (not over the pages being filled in); `None` otherwise.
    pub fn link_refused_words(self) -> Option<String> {
        let shown =
            self.route.with(|r| matches!(r, Route::Home | Route::Form { review: true, .. }));
        (shown && self.queue_stopped()).then(|| {
            let waiting = self
                .responses
                .records
                .with(|l| l.iter().filter(|r| r.group() == Group::Complete).count());
            both(Key::LinkRefused).replace("{n}", &waiting.to_string())
        })
    }

    /// Notes that the server refused `token` (the one the upload went with), here and in
    /// the settings: the queue stops while the device holds it.
    pub(crate) fn refuse_link(self, token: Option<&str>) {
        let refused = Some(refused_token(token));
        self.settings.refused.set(refused.clone());
        self.update_settings(|s| s.refused = refused);
    }
}

/// The enumerator's name as typed (or given by a portal), kept as the server takes it in
/// `meta.enumerator`: without control characters or surrounding spaces, at most
/// `META_TEXT_MAX` characters (the box shows what is kept once it is left) (a longer one would be refused on upload, and the
/// volunteer could not mend it in the form); `None` when nothing is left.
pub(crate) fn enumerator_name(typed: &str) -> Option<String> {
    let shown: String = typed.chars().filter(|c| !c.is_control()).collect();
    let kept: String = shown.trim().chars().take(tianye_core::response::META_TEXT_MAX).collect();
    Some(kept.trim().to_owned()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod enumerator_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_enumerator_s_name_is_kept_as_the_server_takes_it() {
        let long = "李".repeat(150);
        for (typed, kept) in [
            ("  周晓雯 ", Some("周晓雯".to_owned())),
            ("周\t晓\n雯", Some("周晓雯".to_owned())),
            ("   ", None),
            ("\u{7}", None),
            (long.as_str(), Some("李".repeat(100))),
        ] {
            assert_eq!(super::enumerator_name(typed), kept, "{typed:?}");
        }
    }
}
