//! One module per command.

pub(crate) mod check;
pub(crate) mod export_xlsform;
pub(crate) mod import;
pub(crate) mod schema;
pub(crate) mod validate;
