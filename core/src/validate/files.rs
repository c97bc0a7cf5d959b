//! Checks across a response's attachments: each file name stands for one content,
//! and a response names at most [`MAX_PER_RESPONSE`] files.

use std::collections::HashMap;

use super::{Problem, Report, RowPath};
use crate::Code;
use crate::form::{Form, Loc, ScopeId};
use crate::instance::{Cell, Instance, Row, Stored};
use crate::response::attachment::MAX_PER_RESPONSE;

/// Reports a file name given twice with different hashes (at the second answer) and,
/// once, a response naming more than [`MAX_PER_RESPONSE`] distinct files. Answers that
/// are not relevant are not counted (they are cleared).
pub(super) fn check_files(form: &Form, inst: &Instance, report: &mut Report) {
    let mut hashes: HashMap<&str, &str> = HashMap::new();
    let mut path = RowPath::root();
    walk(form, ScopeId::ROOT, &inst.root, &mut path, &mut hashes, report);
    if hashes.len() > MAX_PER_RESPONSE {
        report.push(
            Problem::new(Code::AttachmentTooMany, "")
                .with("count", hashes.len())
                .with("max", MAX_PER_RESPONSE),
        );
    }
}

fn walk<'a>(
    form: &Form,
    scope: ScopeId,
    row: &'a Row,
    path: &mut RowPath,
    hashes: &mut HashMap<&'a str, &'a str>,
    report: &mut Report,
) {
    for (slot, &id) in form.scope(scope).fields.iter().enumerate() {
        if !row.relevant[slot] {
            continue;
        }
        match &row.cells[slot] {
            Cell::Rows(rows) => {
                let Some(row_scope) = form.field(id).row_scope else { continue };
                for (i, r) in rows.iter().enumerate() {
                    path.push(id, i as u32);
                    walk(form, row_scope, r, path, hashes, report);
                    path.pop();
                }
            }
            Cell::Val(Stored::File(a)) => {
                let known = *hashes.entry(a.file.as_str()).or_insert(a.sha256.as_str());
                if known != a.sha256 {
                    let mut p = Problem::new(
                        Code::AttachmentDuplicateName,
                        path.display(form, &form.field(id).name),
                    )
                    .with("file", a.file.as_str());
                    p.loc = Some(Loc::new(id, path.indices()));
                    report.push(p);
                }
            }
            _ => {}
        }
    }
}
