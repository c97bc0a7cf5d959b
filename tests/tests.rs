//! Tianye's integration tests, as one binary (so they link once). One module per area;
//! add a module rather than a new test binary.

// `tianye check` on the bundled questionnaires; `tianye validate` gives each case its expected problems.
mod cli;

// README's examples.
mod readme;

// `tianye print`: the questionnaire on paper, its labels, skip instructions, escaping and
// PDF pages (issue 25).
mod print;

// `tianye preview`: findings, verdict and the form following the file as it is saved,
// endpoints and headless Chromium (issue 25).
mod preview;
// Paper forms keyed in: `tianye template` (CSV, XLSX) and `tianye import-responses` on the
// filled template, round trip through the export, bad rows by row and column (issue 25).
mod paper_entry;

// `tianye check/import/export-xlsform/validate` on XLSForms.
mod xlsform;

// Choice lists from CSV files beside a questionnaire: check, validate, serve (issue 22).
mod choice_files;

// `tianye serve` as a child process: status codes, tokens, questionnaires, CORS, imports.
mod server;

// Teams at a glance: targets per team, the overview's per-team counts by day (issue 26).
mod teams;

// Exports read back: CSV, XLSX (calamine), JSON Lines, codebook; two versions.
mod export;

// Review of submissions in the admin API: listing, search, states with comments and
// their history, the overview's counts, the export's columns (issue 26).
mod review;

// SPSS and Stata exports: names, labels, codes and value labels; PSPP reads them (issue 26).
mod stats_export;

// Photos, signatures and files after their response: upload answers, resume after a
// restart, files on disk, the export zip's media, backups with files (issue 24).
mod attachments;

// SIGKILL of `tianye serve` under load: acknowledged submissions survive exactly once.
mod crash;

// 16 concurrent uploaders, 2,000 submissions: none lost or duplicated.
mod concurrency;

// The form app end to end: `dist/` served by `tianye serve`, driven through WebDriver in
// headless Chromium (fill, reload, offline, queue, upload once, rejection, IME, quota).
mod browser;

// `tianye serve` against hostile clients: slow and tokenless connections, the connection
// cap, security headers, what the web folder will not serve.
mod hostile_clients;

// Uploads that ask too much: repeat ceilings, capped problem lists, typed `meta`,
// duplicate JSON keys; the server's memory under them.
mod upload_limits;

// Files of children's records: the data folder, the database and exports private.
mod private_files;

// A volunteer's day at 360 px: matrices as cards, roster members collapsing, nothing cut,
// in Chinese and English (issue 27).
mod phone_day;

// The form screen's problems (kept shown, counted on "mark complete", said on leaving a
// page), sent responses read-only, the enumerator's name filled (issue 27).
mod form_model;

// The admin page: per-table CSV, titles, one time zone, phone width (issue 27).
mod admin_page;

// "Upload now" and the `online` event: a queued response is sent at once, whatever its
// backoff (issue 27).
mod upload_now;

// The embedding API's events: onSubmit, tianye-submit, tianye-change.
mod portal_events;

// Corners no other browser test reaches: a roster inside a roster, the location button
// granted and refused (issue 29).
mod corners;

// Sealed records from the command line: tianye keygen and tianye seal (issue 21).
mod sealed;

// Sealed questionnaires from XLSForms, sealed records from backups (issue 21).
mod sealed_import;

// Long choice lists in the app: 50,000 villages from a choice file, searched and
// cascaded, Chinese input included (issue 22).
mod big_lists;

// Photos and signatures in the app: taken, kept offline, sent once, resumed (issue 24).
mod attachments_app;
