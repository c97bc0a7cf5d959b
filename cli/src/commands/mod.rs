//! One module per command.

pub(crate) mod check;
pub(crate) mod schema;
pub(crate) mod validate;
