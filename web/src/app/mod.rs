//! The app's shared state (provided as context): each job's state lives in its own
//! module with its methods ([`catalogue`], [`responses`], [`settings`], [`sync`],
//! [`uploads`], [`route`]); [`App`] only holds them, with the notices and what the
//! browser says.

pub mod catalogue;
pub mod files;
pub mod responses;
pub mod route;
pub mod seal;
pub mod settings;
pub mod sync;
pub mod uploads;

use leptos::prelude::*;

pub use self::catalogue::{Catalogue, Listing};
pub use self::responses::Responses;
pub use self::route::Route;
pub use self::settings::DeviceSettings;
pub use self::sync::CrossTab;
pub use self::uploads::UploadLoop;
use crate::browser;
use crate::i18n::{Key, both};
use crate::state::store::{Store, StoreError};

/// How the app was started: as the whole app, or embedded in a portal.
#[derive(Clone, Default)]
pub struct Config {
    /// Base URL of the collection server (`""` for this origin).
    pub endpoint: String,
    /// Storage key prefix (embedded forms choose one).
    pub prefix: String,
    /// URL of the bundled questionnaires' index (`questionnaires/index.json`).
    pub bundled_index: Option<String>,
    /// Embedded: the one questionnaire shown, as JSON text.
    pub fixed: Option<String>,
    /// Whether routes live in the location hash (not when embedded).
    pub use_hash: bool,
    /// Called with each response marked complete.
    pub on_submit: Option<js_sys::Function>,
    /// Called with the answers after each change.
    pub on_change: Option<js_sys::Function>,
    /// How long a request may take, in ms ([`browser::REQUEST_TIMEOUT_MS`] when unset).
    pub timeout_ms: Option<u32>,
    /// Put before every DOM id the form makes (`portal-household-q-child_name`), so two
    /// forms embedded in one page keep their labels and links apart; empty for the app.
    pub id_prefix: String,
}

/// The app's state, shared by every component.
#[derive(Clone, Copy)]
pub struct App {
    /// The browser store.
    pub store: StoredValue<Store>,
    /// How the app was started.
    pub config: StoredValue<Config, LocalStorage>,
    /// Where the app is.
    pub route: RwSignal<Route>,
    /// The questionnaires that can be started, and the compiled ones.
    pub catalogue: Catalogue,
    /// This device's responses.
    pub responses: Responses,
    /// The language, the team token and who fills in responses.
    pub settings: DeviceSettings,
    /// What other tabs of this browser changed.
    pub sync: CrossTab,
    /// Whether this tab's upload queue is at work.
    pub uploads: UploadLoop,
    /// A warning that stays until dismissed (storage full).
    pub warning: RwSignal<Option<String>>,
    /// A short notice.
    pub notice: RwSignal<Option<String>>,
    /// The backup's text, shown to copy by hand where the browser would not copy it.
    pub copy_by_hand: RwSignal<Option<String>>,
    /// Whether the browser is online.
    pub online: RwSignal<bool>,
    /// Characters this site's localStorage holds (measured when the list is shown).
    pub used: RwSignal<usize>,
    /// Whether the browser keeps this site's storage for good (`navigator.storage
    /// .persist()`); `None` until it has answered.
    pub persisted: RwSignal<Option<bool>>,
    /// Whether a service worker keeps the app's files for use offline; `None` where none
    /// can (embedded, or a page that is not a secure context).
    pub shell_kept: RwSignal<Option<bool>>,
}

impl App {
    /// The state for `config`, reading settings and records from the store.
    pub fn new(config: Config) -> App {
        let store = Store::new(&config.prefix);
        let settings = store.settings();
        let (mut records, unreadable) = store.records_and_unreadable();
        // Without Web Locks, a response left "uploading" counts as cut off when the app
        // starts (another tab may in fact be sending it: the server stores it once).
        // With them, the queue puts it back when it holds the lock ([`App::kick_uploads`]).
        if !browser::has_web_locks() {
            for r in &mut records {
                if r.requeue_interrupted_upload() {
                    let _ = store.put(r);
                }
            }
        }
        App {
            store: StoredValue::new(store),
            config: StoredValue::new_local(config),
            route: RwSignal::new(Route::Home),
            catalogue: Catalogue::new(),
            responses: Responses::new(records, unreadable),
            settings: DeviceSettings::new(settings),
            sync: CrossTab::new(),
            uploads: UploadLoop::new(),
            warning: RwSignal::new(None),
            notice: RwSignal::new(None),
            copy_by_hand: RwSignal::new(None),
            online: RwSignal::new(browser::online()),
            used: RwSignal::new(0),
            persisted: RwSignal::new(None),
            shell_kept: RwSignal::new(None),
        }
    }

    /// Shows a storage error (the full-storage warning stays until dismissed).
    pub fn report_store_error(&self, e: &StoreError) {
        match e {
            StoreError::Full => self.warning.set(Some(both(Key::StorageFull))),
            other @ StoreError::Other(_) => self.warning.set(Some(other.to_string())),
        }
    }

    /// Sends a request with this app's time limit (see [`browser::request`]).
    pub(crate) async fn request(
        self,
        method: &str,
        url: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> browser::Answer {
        let timeout =
            self.config.with_value(|c| c.timeout_ms).unwrap_or(browser::REQUEST_TIMEOUT_MS);
        browser::request(method, url, token, body, timeout).await
    }

    /// Whether this app's state is gone: an embedded form unmounted disposes it, and
    /// a task still running for it (the upload queue, a questionnaire being fetched)
    /// then stops at its next step. What is stored stays.
    pub fn gone(self) -> bool {
        self.store.is_disposed()
    }
}
