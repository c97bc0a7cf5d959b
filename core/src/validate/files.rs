//! Checks across a response's attachments: each file name stands for one content,
//! and a response names at most [`MAX_PER_RESPONSE`] files.

use super::{Problem, Report, RowPath};
use crate::Code;
use crate::form::{Form, Loc, ScopeId};
use crate::instance::{Cell, Instance, Row, Stored};
use crate::response::attachment::MAX_PER_RESPONSE;

/// The files seen so far: (name, hash) of the first [`MAX_PER_RESPONSE`] + 1 distinct
/// names (a list, not a map: the browser build has no map of this type to share), and
/// how many distinct names in all.
#[derive(Default)]
struct Seen<'a> {
    kept: Vec<(&'a str, &'a str)>,
    distinct: usize,
}

/// Reports a file name given twice with different hashes (at the second answer) and,
/// once, a response naming more than [`MAX_PER_RESPONSE`] distinct files (`count` is
/// exact up to that many and one more). Answers that are not relevant are not counted
/// (they are cleared).
pub(super) fn check_files(form: &Form, inst: &Instance, report: &mut Report) {
    let mut seen = Seen::default();
    let mut path = RowPath::root();
    walk(form, ScopeId::ROOT, &inst.root, &mut path, &mut seen, report);
    if seen.distinct > MAX_PER_RESPONSE {
        report.push(
            Problem::new(Code::AttachmentTooMany, "")
                .with("count", seen.distinct)
                .with("max", MAX_PER_RESPONSE),
        );
    }
}

fn walk<'a>(
    form: &Form,
    scope: ScopeId,
    row: &'a Row,
    path: &mut RowPath,
    seen: &mut Seen<'a>,
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
                    walk(form, row_scope, r, path, seen, report);
                    path.pop();
                }
            }
            Cell::Val(Stored::File(a)) => {
                let known = seen.kept.iter().find(|(name, _)| *name == a.file).map(|k| k.1);
                if known.is_none() {
                    // Past the limit a response is refused anyway: names are counted,
                    // no longer kept, so the search stays short.
                    seen.distinct += 1;
                    if seen.kept.len() <= MAX_PER_RESPONSE {
                        seen.kept.push((&a.file, &a.sha256));
                    }
                }
                if known.is_some_and(|sha| sha != a.sha256) {
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
