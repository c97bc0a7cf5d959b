//! Tianye's integration tests, as one binary (so they link once). One module per area;
//! add a module rather than a new test binary.

// `tianye check` / `tianye validate` on the bundled questionnaires and their cases.
mod cli;

// README's examples.
mod readme;

// `tianye check/import/export-xlsform/validate` on XLSForms.
mod xlsform;
