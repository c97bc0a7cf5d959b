//! The one saver of the open response: it writes the model's snapshot when it differs
//! from the stored copy, at once after an answer, when the browser is idle after an
//! added row, and on closing. Nothing else in the form writes the record.

use std::time::Duration;

use leptos::prelude::*;

use super::FormState;
use crate::browser;
use crate::state::open::OpenResponse;
use crate::state::record::Record;

/// The latest a save put off until the browser is idle is made (browsers without
/// `requestIdleCallback`, such as Safari, wait this long).
const SAVE_DUE_AT_LATEST: Duration = Duration::from_millis(100);

impl FormState {
    /// Saves the answers once the browser is idle after a change that holds no answer
    /// (an added row is empty): the frame showing the row comes first, and the save (the
    /// whole response serialised and written) follows in an idle period long enough for
    /// it, so it delays no frame, and at most [`SAVE_DUE_AT_LATEST`] later. Anything
    /// typed into the row is saved at once, as every answer is, and the row with it. A
    /// form closed before then saves on closing. A response that is not a plain draft
    /// (complete, queued, rejected) is saved at once: the change makes it a draft again,
    /// and the list and the upload queue must know that now, not 100 ms later.
    pub(super) fn persist_when_idle(&self) {
        let plain_draft = self.open.with_value(OpenResponse::is_plain_draft);
        if !plain_draft {
            self.persist();
            return;
        }
        if self.save_due.get_value() {
            return;
        }
        self.save_due.set_value(true);
        self.save_when_idle(browser::clock_ms() + SAVE_DUE_AT_LATEST.as_secs_f64() * 1000.0);
    }

    /// Makes the save put off by [`FormState::persist_when_idle`] in the next idle period
    /// that can hold it (as long as the last save took), or once `due_at` (ms, page
    /// clock) has come.
    pub(super) fn save_when_idle(&self, due_at: f64) {
        let st = *self;
        browser::when_idle(due_at - browser::clock_ms(), move |time_remaining| {
            let Some(cost) = st.save_cost.try_get_value() else { return };
            if time_remaining >= cost || browser::clock_ms() >= due_at {
                st.persist_if_due();
            } else {
                st.save_when_idle(due_at);
            }
        });
    }

    /// Makes the save [`FormState::persist_when_idle`] scheduled, unless made since.
    pub(super) fn persist_if_due(&self) {
        if self.save_due.try_get_value() == Some(true) {
            self.persist();
        }
    }

    /// Saves the response at once if it differs from the stored copy. Editing a
    /// completed or refused response makes it a draft again until it is marked complete
    /// ([`OpenResponse::snapshot`]). The record saved, if one was and the store took it.
    pub fn persist(&self) -> Option<Record> {
        let started = browser::clock_ms();
        self.save_due.set_value(false);
        let now = browser::now_iso();
        let saved = self.open.try_update_value(|o| (o.has_new_answers(), o.snapshot(&now)));
        let Some((answered, Some(record))) = saved else { return None };
        let kept = self.app.save(&record);
        // The portal hears of changed answers (not of the page shown).
        if answered
            && let Some(f) = self.app.config.with_value(|c| c.on_change.clone())
            && let Some(v) = browser::to_js(&record.response)
        {
            let _ = f.call1(&wasm_bindgen::JsValue::NULL, &v);
        }
        self.save_cost.try_set_value(browser::clock_ms() - started);
        kept.then_some(record)
    }

    /// Drops a save put off until idle: the record is being replaced by another tab's
    /// copy.
    pub fn drop_due_save(&self) {
        self.save_due.set_value(false);
    }
}
