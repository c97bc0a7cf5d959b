//! The app's model in plain Rust: stored records, the store, the upload rules, the
//! pages of a form and answers in words. Components only wire signals to these.

pub mod answers;
pub mod open;
pub mod pages;
pub mod queue;
pub mod record;
pub mod store;
