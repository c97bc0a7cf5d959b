//! XLSForm in and out (issue 5). One module per feature; XLSForms are markdown tables
//! as pyxform's tests write them, and tests assert on codes, places and the resulting
//! questionnaire, not on prose.
//!
//! Requirements cited by the tests:
//! - X1 sheets and columns, with pyxform's aliases and spellings
//! - X2 question types, metadata types, appearances
//! - X3 groups and repeats, nested
//! - X4 multilingual columns → per-language texts
//! - X5 expressions import unchanged; errors name sheet, row, column and span
//! - X6 anything unsupported is reported with sheet and row; `strict` makes it an error
//! - X7 broken sheets: errors that name sheet and row
//! - X8 export, and Tianye → XLSForm → Tianye round trips
//! - X9 agreement with pyxform on a corpus of forms
//! - X10 no input makes the importer panic
//! - X11 what pyxform accepts loads: idioms from XLSForms in the wild
//! - X12 choice lists from CSV files (`select_one_from_file`)

mod common;

mod broken; // X7
mod choice_files; // X12
mod expressions; // X5
mod fuzz; // X10
mod groups; // X3
mod languages; // X4
mod pyxform; // X9
mod roundtrip; // X8
mod sheets; // X1
mod sources; // xlsx, csv and markdown readers
mod types; // X2
mod unsupported; // X6
mod wild; // X11
