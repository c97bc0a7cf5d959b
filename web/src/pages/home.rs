//! The home screen: questionnaires to start, and this device's responses grouped by
//! status, with counts, search, storage use and the backup file.

use leptos::prelude::*;

use crate::app::{App, Route};
use crate::browser;
use crate::i18n::{Key, beijing_time, both, t};
use crate::state::record::{Group, Record, Upload};
use crate::state::store::{STORAGE_LIMIT_CHARS, Unreadable};

fn group_key(g: Group) -> Key {
    match g {
        Group::Draft => Key::Draft,
        Group::Complete => Key::Complete,
        Group::Uploading => Key::Uploading,
        Group::Uploaded => Key::Uploaded,
        Group::Rejected => Key::Rejected,
    }
}

/// The backup file: every response on this device not yet uploaded, which
/// `tianye import-responses FILE` loads into the server.
/// With the team's upload token when this device has one, so the import files the
/// responses under that team. One JSON line, written by the same serializer as storage
/// and uploads (a pretty printer would add a second copy of it to the app).
pub fn backup_json(
    records: &[Record],
    unreadable: &[Unreadable],
    team_token: Option<String>,
) -> String {
    #[derive(serde::Serialize)]
    struct Backup<'a> {
        exported_at: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        team_token: Option<String>,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        unreadable: &'a [Unreadable],
        // Last, so that the envelopes can follow the plain responses in it.
        responses: Vec<&'a tianye_core::response::Response>,
    }
    let kept = || records.iter().filter(|r| !r.is_uploaded());
    let responses = kept().filter(|r| r.sealed.is_none()).map(|r| &r.response).collect();
    let mut text = serde_json::to_string(&Backup {
        exported_at: browser::now_iso(),
        team_token,
        unreadable,
        responses,
    })
    .unwrap_or_default();
    // A sealed response is backed up as its envelope, which the import stores sealed: the
    // JSON text Web Crypto's sealer made, put into the array as it is (the text ends
    // with that array and the object's brace).
    for envelope in kept().filter_map(|r| r.sealed.as_ref()) {
        text.truncate(text.len() - 2);
        if !text.ends_with('[') {
            text.push(',');
        }
        text.push_str(&envelope.0);
        text.push_str("]}");
    }
    text
}

/// The backup file's text for what `app` holds ([`backup_json`]).
pub fn backup_of(app: App) -> String {
    app.responses.records.with(|r| {
        app.responses.unreadable.with(|u| backup_json(r, u, app.settings.token.get_untracked()))
    })
}

/// Saves the backup ([`backup_of`]) as a file named with today's date, so the backups
/// of several days keep apart: from the list and from the storage-full warning alike.
/// The files of the records in it go with it (`"files"`, base64 by SHA-256), read from
/// this device's file store; a file that cannot be read leaves the rest saved.
pub fn save_backup_file(app: App) {
    let text = backup_of(app);
    let with_files: Vec<(String, String)> = app.responses.records.with_untracked(|list| {
        list.iter().filter(|r| !r.is_uploaded() && !r.files().is_empty()).map(Record::ids).collect()
    });
    let name =
        format!("tianye-backup-{}.json", browser::now_iso().chars().take(10).collect::<String>());
    app.save_backup(&name, &text, &with_files);
}

/// Copies the backup's text ([`backup_of`]) for browsers that do not save a file a page
/// makes (the in-app browsers of WeChat, QQ and others drop it without a word): pasted
/// into a note or a chat and later into a file, it is what `tianye import-responses`
/// reads. Where the browser will not copy either, the text is shown to copy by hand.
pub fn copy_backup(app: App) {
    let text = backup_of(app);
    if browser::copy_text(&text) {
        let n = app.responses.records.with(|list| list.iter().filter(|r| !r.is_uploaded()).count());
        app.notice.set(Some(both(Key::BackupCopied).replace("{n}", &n.to_string())));
    } else {
        app.copy_by_hand.set(Some(text));
    }
}

/// The home screen.
#[component]
pub fn Home(
    /// The app's state.
    app: App,
) -> impl IntoView {
    let lang = move || app.lang();
    // Measured here, not at every save: it reads every key of this site's storage.
    app.used.set(crate::state::store::site_chars());
    let query = RwSignal::new(String::new());
    // Share of the limit used, in %; from 80 % on the list says to make room.
    let percent = move || (app.used.get() * 100 + STORAGE_LIMIT_CHARS / 2) / STORAGE_LIMIT_CHARS;
    let groups = move || {
        let q = browser::lowercase(query.get().trim());
        app.responses.records.with(|list| {
            Group::ALL
                .iter()
                .map(|g| {
                    let items: Vec<Record> = list
                        .iter()
                        .filter(|r| r.group() == *g)
                        .filter(|r| {
                            q.is_empty()
                                || r.summary
                                    .variants()
                                    .any(|(_, line)| browser::lowercase(line).contains(&q))
                        })
                        .cloned()
                        .collect();
                    (*g, items)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="home">
            <header class="bar">
                <h1>{move || t(Key::AppName, &lang())}</h1>
                <button class="link" on:click=move |_| app.toggle_lang()>{move || t(Key::Language, &lang())}</button>
            </header>
            <p class="notice offline" class:hidden=move || app.online.get()>{move || t(Key::Offline, &lang())}</p>
            <p class="notice" class:hidden=move || app.settings.token.with(Option::is_some) || app.config.with_value(|c| c.fixed.is_some())>{move || t(Key::NoToken, &lang())}</p>
            // The app on its own page, reached over plain http (a server's LAN address):
            // no service worker, so it would not open in the village.
            {(!browser::secure_context() && app.config.with_value(|c| c.use_hash)).then(|| view! {
                <p class="notice insecure" role="alert">{move || t(Key::NotSecure, &lang())}</p>
            })}
            // The box inside its label, with no id: two forms embedded in one portal
            // page would repeat it.
            <section>
                <label class="who">
                    <span>{move || t(Key::Enumerator, &lang())}</span>
                    // Saved on `change` (leaving the box): never while an input method composes.
                    <input class="enumerator" autocomplete="name" prop:value=move || app.settings.enumerator.get().unwrap_or_default()
                        placeholder=move || t(Key::EnumeratorHint, &lang())
                        on:change=move |ev| app.set_enumerator(&event_target_value(&ev)) />
                </label>
            </section>
            <section class="catalog">
                <h2>{move || t(Key::Questionnaires, &lang())}</h2>
                <ul>
                    {move || app.catalogue.listings.get().into_iter().map(|l| {
                        let title = l.title.clone();
                        let version = l.version.clone();
                        let id = l.id.clone();
                        let which = l.key();
                        let opening = move || app.catalogue.opening.with(|o| o.as_ref() == Some(&which));
                        let (busy, word) = (opening.clone(), opening.clone());
                        // The server's questionnaires on paper (A4, printed from the browser).
                        let print = l.from_server.then(|| {
                            let endpoint = app.config.with_value(|c| c.endpoint.clone());
                            let version = String::from(js_sys::encode_uri_component(&l.version));
                            let href = format!("{endpoint}/print/{}?version={version}&lang={}", l.id, lang());
                            view! { <a class="print" href=href>"打印 / Print"</a> }
                        });
                        view! {
                            <li>
                                <button class="start" data-form=id class:opening=opening aria-busy=move || busy().to_string() on:click=move |_| {
                                    let l = l.clone();
                                    leptos::task::spawn_local(async move { app.start(l).await });
                                }>
                                    <span>{move || if word() { t(Key::Opening, &lang()).to_owned() } else { format!("+ {}", t(Key::NewResponse, &lang())) }}</span>
                                    <strong>{move || title.get(&lang(), "zh").to_owned()}</strong>
                                    <span class="badge">{format!("v{version}")}</span>
                                </button>
                                {print}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section class="responses">
                <h2>{move || t(Key::MyResponses, &lang())}</h2>
                <input type="search" class="search" aria-label=move || t(Key::Search, &lang()) placeholder=move || t(Key::Search, &lang())
                    // Searched once a Chinese word is chosen, not by its pinyin on the way.
                    on:input=move |ev| if !browser::is_composing(&ev) { query.set(event_target_value(&ev)); }
                    on:compositionend=move |ev| query.set(event_target_value(&ev)) />
                <p class="counts">
                    {move || app.counts().into_iter().map(|(g, n)| view! {
                        <span class=format!("count {}", g.css_name())>{t(group_key(g), &lang())} ": " {n}</span>
                    }).collect_view()}
                </p>
                {move || app.responses.unreadable.with(|bad| (!bad.is_empty()).then(|| {
                    let which: Vec<String> = bad.iter().map(|b| format!("{}: {}", b.key, b.error)).collect();
                    view! {
                        <div class="unreadable" role="alert">
                            <p>{t(Key::Unreadable, &lang()).replace("{n}", &bad.len().to_string())}</p>
                            <p class="which">{which.join("\n")}</p>
                        </div>
                    }
                }))}
                {move || groups().into_iter().filter(|(_, items)| !items.is_empty()).map(|(g, items)| view! {
                    <h3 class=format!("group-{}", g.css_name())>{t(group_key(g), &lang())} " (" {items.len()} ")"</h3>
                    <ul class="records">
                        {items.into_iter().map(|r| record_line(app, r)).collect_view()}
                    </ul>
                    // Responses waiting to upload are tried at once, whatever their backoff.
                    {(g == Group::Complete).then(|| view! {
                        <button class="upload-now" on:click=move |_| app.upload_now()>{t(Key::UploadNow, &lang())}</button>
                    })}
                }).collect_view()}
            </section>
            <section class="storage">
                <button on:click=move |_| save_backup_file(app)>{move || t(Key::SaveFile, &lang())}</button>
                <button class="copy-backup" on:click=move |_| copy_backup(app)>{move || t(Key::CopyText, &lang())}</button>
                {move || {
                    let n = app.responses.records.with(|l| l.iter().filter(|r| r.group() == Group::Uploaded).count());
                    (n > 0).then(|| view! {
                        <button class="delete-uploaded" on:click=move |_| {
                            if crate::form_state::confirm(Key::ConfirmDeleteAllUploaded, app) { app.delete_uploaded(); }
                        }>{move || t(Key::DeleteUploaded, &lang())} " (" {n} ")"</button>
                    })
                }}
                <p class="use">
                    {move || {
                        let used = t(Key::StorageUse, &lang())
                            .replace("{percent}", &percent().to_string())
                            .replace("{kb}", &(app.used.get() * 2 / 1024).to_string())
                            .replace("{limit}", &(STORAGE_LIMIT_CHARS * 2 / 1024 / 1024).to_string());
                        // The files the responses name, kept apart in IndexedDB.
                        let files: u64 = app.responses.records.with(|l| {
                            l.iter().flat_map(Record::files).map(|a| a.size).sum()
                        });
                        if files == 0 {
                            used
                        } else {
                            let mb = format!("{:.1}", files as f64 / 1_048_576.0);
                            format!("{used} {}", t(Key::StorageFiles, &lang()).replace("{mb}", &mb))
                        }
                    }}
                </p>
                {move || (percent() >= 80).then(|| view! {
                    <p class="nearly-full" role="alert">{move || t(Key::StorageNearlyFull, &lang())}</p>
                })}
                {move || app.offline_ready().map(|ready| view! {
                    <p class=if ready { "offline-ready ready" } else { "offline-ready preparing" } role="status">
                        {move || t(if ready { Key::OfflineReady } else { Key::OfflinePreparing }, &lang())}
                    </p>
                })}
                {move || app.persisted.get().map(|kept| view! {
                    <p class=if kept { "persist kept" } else { "persist may-be-cleared" }>
                        {move || t(if kept { Key::StorageKept } else { Key::StorageMayBeCleared }, &lang())}
                    </p>
                })}
            </section>
        </div>
    }
}

fn record_line(app: App, r: Record) -> impl IntoView {
    let lang = move || app.lang();
    let form = r.response.questionnaire.id.clone();
    let id = r.response.instance_id.clone();
    let title = r.title.clone();
    let version = r.response.questionnaire.version.clone();
    let updated = beijing_time(r.response.meta.updated_at.as_deref().unwrap_or_default());
    let (line, sealed) = (r.summary.clone(), r.sealed.is_some());
    let summary = move || {
        if sealed {
            t(Key::Sealed, &lang()).to_owned()
        } else {
            line.get(&lang(), "zh").chars().take(60).collect::<String>()
        }
    };
    let status = match &r.upload {
        // No next try while a refused link stops the queue (the list is built again when
        // that changes).
        Upload::Queued { last_error: Some(e), .. } if app.queue_stopped() => e.clone(),
        Upload::Queued { last_error: Some(e), next_at, .. } => {
            let secs = ((next_at - browser::now_ms()) / 1000.0).max(0.0).round();
            format!("{e} · {} {secs} s", t(Key::Retry, &lang()))
        }
        Upload::Uploaded { at } => format!("{} {}", t(Key::Uploaded, &lang()), beijing_time(at)),
        Upload::Rejected { message, problems, .. } => format!("{message} ({})", problems.len()),
        _ => String::new(),
    };
    // A complete response's files: how many the server has.
    let (unsent, all) = r.files_to_send();
    let status = if all > 0 && r.group() != Group::Draft && !r.is_uploaded() {
        let sent = t(Key::FilesSent, &lang())
            .replace("{sent}", &(all - unsent.len()).to_string())
            .replace("{all}", &all.to_string());
        format!("{sent} {status}")
    } else {
        status
    };
    // Drafts, and copies the server already has, may go; the rest is still to upload.
    let deletable = match r.group() {
        Group::Draft => Some(Key::ConfirmDelete),
        Group::Uploaded => Some(Key::ConfirmDeleteUploaded),
        _ => None,
    };
    let (open_form, open_id) = (form.clone(), id.clone());
    let data_id = id.clone();
    view! {
        <li class="record" data-id=data_id>
            <button class="open" on:click=move |_| app.go(Route::Form { form: open_form.clone(), id: open_id.clone(), review: false })>
                <strong>{move || title.get(&lang(), "zh").to_owned()}</strong>
                <span class="badge">{format!("v{version}")}</span>
                <span class="when">{updated}</span>
                <span class="summary">{summary}</span>
                <span class="upload">{status}</span>
            </button>
            {deletable.map(|ask| view! {
                <button class="link danger" on:click=move |_| {
                    if crate::form_state::confirm(ask, app) { app.delete(&form, &id); }
                }>{move || t(Key::Delete, &lang())}</button>
            })}
        </li>
    }
}
