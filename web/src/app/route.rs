//! Where the app is: the home list, a response's pages or its review, and the
//! location hash that names them.

use leptos::prelude::*;

use super::App;

/// Where the app is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The questionnaires and this device's responses.
    Home,
    /// One response being filled in, or its review page.
    Form {
        /// Questionnaire id.
        form: String,
        /// Response id.
        id: String,
        /// The review page.
        review: bool,
    },
}

impl Route {
    /// Reads a route from a location hash (`#/r/lbc_household/…/review`).
    pub fn parse(hash: &str) -> Route {
        let parts: Vec<&str> = hash.trim_start_matches('#').trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["r", form, id] => {
                Route::Form { form: (*form).to_owned(), id: (*id).to_owned(), review: false }
            }
            ["r", form, id, "review"] => {
                Route::Form { form: (*form).to_owned(), id: (*id).to_owned(), review: true }
            }
            _ => Route::Home,
        }
    }

    /// The location hash for this route.
    pub fn hash(&self) -> String {
        match self {
            Route::Home => "#/".to_owned(),
            Route::Form { form, id, review: false } => format!("#/r/{form}/{id}"),
            Route::Form { form, id, review: true } => format!("#/r/{form}/{id}/review"),
        }
    }
}

impl App {
    /// Goes to `route` (through the location hash when the app owns it).
    pub fn go(&self, route: Route) {
        if self.config.with_value(|c| c.use_hash)
            && let Some(w) = web_sys::window()
        {
            let _ = w.location().set_hash(&route.hash());
        }
        self.route.set(route);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }
}
