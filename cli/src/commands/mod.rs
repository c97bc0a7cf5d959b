//! One module per command.

pub(crate) mod check;
pub(crate) mod export;
pub(crate) mod export_xlsform;
pub(crate) mod import;
pub(crate) mod import_responses;
pub(crate) mod keygen;
pub(crate) mod print;
pub(crate) mod schema;
pub(crate) mod seal;
pub(crate) mod serve;
pub(crate) mod template;
pub(crate) mod token;
pub(crate) mod validate;
