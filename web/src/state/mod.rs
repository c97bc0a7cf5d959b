//! The app's model in plain Rust: stored records, the store, the upload rules and the
//! pages of a form. Components only wire signals to these.

pub mod pages;
pub mod record;
pub mod store;
pub mod upload;
