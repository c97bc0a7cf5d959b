//! The upload queue at work in the browser: it sends complete responses one by one,
//! holding this store's Web Lock, and sleeps until the next one is due. What to send,
//! what an answer means and when to wake are decided by [`crate::state::queue`]; this
//! module only performs it (storage, the request, the timer).

use std::time::Duration;

use leptos::prelude::*;

use crate::app::App;
use crate::browser;
use crate::i18n::{Key, both};
use crate::state::queue::{self, Outcome};
use crate::state::record::{Record, Upload};
use crate::state::store::Store;

/// Whether this tab's upload queue is at work.
#[derive(Clone, Copy)]
pub struct UploadLoop {
    /// Whether the queue is at work (a round, or waiting for the lock).
    pub(crate) running: StoredValue<bool>,
    /// Whether "upload now" was asked for and the queue has not yet begun that round.
    pub(crate) hurry: StoredValue<bool>,
}

impl UploadLoop {
    pub(crate) fn new() -> UploadLoop {
        UploadLoop { running: StoredValue::new(false), hurry: StoredValue::new(false) }
    }
}

impl App {
    /// Sends due complete responses one by one; reschedules itself for the next retry.
    /// The queue holds this store's Web Lock while it works, so two tabs never send at
    /// once: a tab waits for the other to finish, and then finds its responses sent.
    /// Holding it, the queue first puts back a send that was cut off (a tab closed or
    /// crashed while its request was out: the browser let go of its lock).
    pub fn kick_uploads(self) {
        if self.gone() || self.uploads.running.get_value() {
            return;
        }
        self.uploads.running.set_value(true);
        let lock = self.store.with_value(Store::upload_lock);
        leptos::task::spawn_local(async move {
            browser::exclusively(&lock, move |held| async move {
                if held && !self.gone() {
                    requeue_interrupted_uploads(self);
                }
                upload_due(self).await;
            })
            .await;
            // An embedded form unmounted meanwhile has nothing left to schedule.
            if !self.gone() {
                self.uploads.running.set_value(false);
                schedule_next_upload(self);
            }
        });
    }

    /// "Upload now", and the browser coming back online: the queue sends every response
    /// waiting, whatever its backoff, until one fails ([`queue::next_due`] in a hurry).
    /// Asked while the queue is at work, it goes on so once that round is over.
    pub fn upload_now(self) {
        self.uploads.hurry.set_value(true);
        self.kick_uploads();
    }
}

/// Queues again each response left "uploading" (by this tab's list, each checked in
/// storage). Called holding the queue's lock, when no tab is sending: any left so was
/// cut off. The server stores a response once, so sending it again is safe.
fn requeue_interrupted_uploads(app: App) {
    let cut_off: Vec<(String, String)> = app.responses.records.with_untracked(|list| {
        list.iter().filter(|r| r.upload == Upload::Uploading).map(Record::ids).collect()
    });
    for (form, id) in cut_off {
        match app.store.with_value(|s| s.get(&form, &id)) {
            Some(mut record) if record.upload == Upload::Uploading => {
                record.requeue_interrupted_upload();
                app.save(&record);
            }
            stored => app.keep_in_list(&form, &id, stored),
        }
    }
}

fn schedule_next_upload(app: App) {
    // Offline, the browser's `online` event starts the next attempt: no timer should
    // wake the phone meanwhile. Stopped by a refused link, opening a new link does.
    if !browser::online() || app.queue_stopped_untracked() {
        return;
    }
    if app.uploads.hurry.get_value() {
        app.kick_uploads();
        return;
    }
    let wait =
        app.responses.records.with_untracked(|list| queue::next_wake(list, browser::now_ms()));
    if let Some(wait) = wait {
        set_timeout(move || app.kick_uploads(), Duration::from_millis(wait as u64));
    }
}

async fn upload_due(app: App) {
    // Taken for this round: a tap during it starts another ([`schedule_next_upload`]).
    let hurry = app.uploads.hurry.try_update_value(std::mem::take).unwrap_or_default();
    loop {
        // A refused link sends nothing more: not at the next response, nor at load.
        if app.gone() || !browser::online() || app.queue_stopped_untracked() {
            return;
        }
        let now = browser::now_ms();
        let Some((form, id)) =
            app.responses.records.with_untracked(|list| queue::next_due(list, now, hurry))
        else {
            return;
        };
        let store = app.store.get_value();
        // What is sent is the stored copy: another tab may have changed the response
        // since this tab's list was read.
        let mut record = match store.get(&form, &id) {
            Some(record) if record.due(if hurry { f64::INFINITY } else { now }) => record,
            stale => {
                app.keep_in_list(&form, &id, stale);
                continue;
            }
        };
        let attempts = queue::begin(&mut record);
        app.save(&record);
        let (endpoint, token) =
            (app.config.with_value(|c| c.endpoint.clone()), app.settings.token.get_untracked());
        let body = record.upload_body();
        let answer = app
            .request(
                "POST",
                &format!("{endpoint}/api/v1/submissions"),
                token.as_deref(),
                Some(&body),
            )
            .await;
        let mut outcome = queue::outcome(answer.status, &answer.body, answer.timed_out);
        if outcome == Outcome::Stored {
            // Boxed: its steps stay out of the queue's own state machine.
            let files: std::pin::Pin<Box<dyn Future<Output = Outcome>>> =
                Box::pin(send_files(app, &record, &endpoint, token.as_deref()));
            outcome = files.await;
        }
        // Noted before the response is queued again (due at once): the queue must not
        // send it with that token.
        if matches!(outcome, Outcome::LinkRefused { .. }) && !app.gone() {
            app.refuse_link(token.as_deref());
        }
        let upload = queue::after(
            outcome,
            attempts,
            browser::now_ms(),
            browser::random(),
            browser::now_iso(),
        );
        let retry = matches!(upload, Upload::Queued { .. });
        // The answer is about the copy that went out. Changed meanwhile (in another tab,
        // which had not yet seen it was being sent), the response keeps its new state:
        // marked complete again, it is sent again. An embedded form unmounted while the
        // request was out still stores the answer, and sends nothing more.
        match store.get(&form, &id) {
            Some(mut now) if now.response == record.response => {
                now.upload = upload;
                if app.gone() {
                    let _ = store.put(&now);
                } else {
                    app.save(&now);
                }
            }
            other if !app.gone() => app.keep_in_list(&form, &id, other),
            _ => {}
        }
        if retry || app.gone() {
            // The server or the network is failing: wait for the backoff.
            return;
        }
    }
}

/// Sends the files of `record`, whose response the server has just acknowledged, that
/// it has not acknowledged yet, one by one (ODK Central's attachment upload: each
/// idempotent by name and content). Each acknowledged file is noted in the stored
/// record at once, so the list counts them and a send cut off resumes with the next.
/// [`Outcome::Stored`] once every file is there; else what stopped it.
async fn send_files(app: App, record: &Record, endpoint: &str, token: Option<&str>) -> Outcome {
    let (to_send, _) = record.files_to_send();
    let (form, id) = record.ids();
    if record.sealed.is_some() {
        // Plain copies left by a page closed just after sealing never leave the phone.
        let plain: Vec<String> = record
            .files()
            .into_iter()
            .filter_map(|a| {
                a.file.strip_suffix(crate::state::record::SEALED_SUFFIX).map(str::to_owned)
            })
            .collect();
        super::files::drop_named(&app.files_of(&form, &id), &plain.join("\n"));
    }
    for file in to_send {
        let url = format!("{endpoint}/api/v1/submissions/{id}/attachments/{}", file.file);
        let Some(answer) = app.send_file(&url, (&form, &id), &file, token).await else {
            return Outcome::Rejected {
                code: "attachment.missing".into(),
                message: format!("{} ({})", both(Key::FileMissing), file.file),
                problems: Vec::new(),
            };
        };
        let outcome = queue::outcome(answer.status, &answer.body, answer.timed_out);
        if outcome != Outcome::Stored {
            return outcome;
        }
        if app.gone() {
            return Outcome::Retry { reason: String::new() };
        }
        if let Some(mut now) = app.store.with_value(|s| s.get(&form, &id))
            && now.response == record.response
        {
            now.files_sent.push(file.file);
            app.save(&now);
        }
    }
    Outcome::Stored
}
