//! The reactive index: which views follow which field, at which rows, so that a change
//! the engine reports re-runs only the views it concerns.

use std::collections::HashMap;

use leptos::prelude::*;
use tianye_core::form::{ScopeId, Template};
use tianye_core::{ChangeKind, Changes, FieldId, Form, Loc, Problem};

use super::FormState;

/// The triggers of one field's views: one per row path the field is shown at, so a
/// change in one row of a 100-row roster re-runs that row's views, not all of them.
/// (Generic for its tests; the app keeps [`ArcTrigger`]s.)
struct Watch<T = ArcTrigger> {
    by_rows: HashMap<Vec<u32>, T>,
    /// The length of the longest row path in `by_rows`.
    longest: usize,
}

impl<T> Default for Watch<T> {
    fn default() -> Self {
        Watch { by_rows: HashMap::default(), longest: 0 }
    }
}

impl<T: Clone> Watch<T> {
    /// The trigger of the views at `rows` (made with `new` on first use).
    fn at(&mut self, rows: &[u32], new: impl FnOnce() -> T) -> T {
        if let Some(t) = self.by_rows.get(rows) {
            return t.clone();
        }
        let t = new();
        self.longest = self.longest.max(rows.len());
        self.by_rows.insert(rows.to_vec(), t.clone());
        t
    }

    /// The triggers of the views at every row path starting with `prefix`. A path as
    /// long as the longest is looked up, not searched for: a change in one row of a
    /// roster costs the same whatever the number of rows.
    fn under(&self, prefix: &[u32], out: &mut Vec<T>) {
        if prefix.len() >= self.longest {
            out.extend(self.by_rows.get(prefix).cloned());
            return;
        }
        out.extend(
            self.by_rows
                .iter()
                .filter(|(rows, _)| rows.starts_with(prefix))
                .map(|(_, t)| t.clone()),
        );
    }
}

/// What the views of a form's fields depend on.
pub(super) struct Deps {
    /// Per field, notified when the engine reports a change to the field's value or rows.
    values: Vec<Watch>,
    /// Per field, notified when the engine reports a change to whether it is shown.
    shown: Vec<Watch>,
    /// Per field, notified when the problems shown under it change.
    problems: Vec<Watch>,
    /// The problems shown as of the last [`FormState::refresh_problems`], by path.
    pub(super) shown_problems: HashMap<Loc, Vec<Problem>>,
}

impl Deps {
    /// Nothing followed yet, for a form of `fields` fields.
    pub(super) fn new(fields: usize) -> Deps {
        Deps {
            values: (0..fields).map(|_| Watch::default()).collect(),
            shown: (0..fields).map(|_| Watch::default()).collect(),
            problems: (0..fields).map(|_| Watch::default()).collect(),
            shown_problems: HashMap::new(),
        }
    }
}

impl FormState {
    /// Subscribes the running view to changes of the value or rows of the item at `loc`.
    pub fn track(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.values);
    }

    /// Subscribes the running view to changes of whether the item at `loc` is shown.
    pub fn track_relevance(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.shown);
    }

    /// Subscribes the running view to changes of the problems shown under the item at
    /// `loc`.
    pub fn track_problems(&self, loc: &Loc) {
        self.track_in(loc, |d| &mut d.problems);
    }

    fn track_in(&self, loc: &Loc, watches: fn(&mut Deps) -> &mut Vec<Watch>) {
        if let Some(t) = self
            .deps
            .try_update_value(|d| watches(d)[loc.field.index()].at(&loc.rows, ArcTrigger::new))
        {
            t.track();
        }
    }

    /// Notifies the triggers `pick` collects. Collected first, notified after: a view
    /// re-run at once may make its own trigger.
    fn fire(&self, pick: impl FnOnce(&Deps, &mut Vec<ArcTrigger>)) {
        let mut due = Vec::new();
        self.deps.with_value(|d| pick(d, &mut due));
        due.iter().for_each(ArcTrigger::notify);
    }

    /// Subscribes the running view to the answers `text` shows, for a text of the rows
    /// of `scope` shown at `rows` (a label, a hint, a row's title): each answer it reads
    /// in that row or around it. A text showing an answer inside another repeat reads
    /// across that repeat's rows, so it follows every change.
    pub fn track_text(&self, text: &Template, scope: ScopeId, rows: &[u32]) {
        let form = self.form();
        let chain = &form.scope(scope).chain;
        for id in text.references() {
            let around = form.scope(form.field(id).scope);
            if chain.starts_with(&around.chain) && around.depth <= rows.len() {
                self.track(&Loc::new(id, rows[..around.depth].to_vec()));
            } else {
                self.rev.track();
            }
        }
    }

    /// Subscribes the running view to what `field`'s `required` and `read_only` depend
    /// on: nothing when they are fixed, any change when they are expressions.
    pub fn track_rules(&self, field: FieldId) {
        if self.has_conditional_rules(field) {
            self.rev.track();
        }
    }

    /// Notifies the views of the value at `loc` (and at the rows inside it).
    pub(super) fn notify_value(&self, loc: &Loc) {
        self.fire(|d, due| d.values[loc.field.index()].under(&loc.rows, due));
    }

    /// Notifies the views of the problems at `locs`; `None` stands for a problem at no
    /// item, which notifies every question.
    pub(super) fn notify_problems(&self, locs: &[Option<Loc>]) {
        self.fire(|d, due| {
            for loc in locs {
                match loc {
                    Some(loc) => d.problems[loc.field.index()].under(&loc.rows, due),
                    None => d.problems.iter().for_each(|w| w.under(&[], due)),
                }
            }
        });
    }

    /// Notifies the fields the engine reports changed. When `shifted` (a row was
    /// removed, so the rows after it moved up), every field inside the repeats whose
    /// rows changed is notified too: the engine reports the values that moved, not
    /// whether each moved row is shown. Rows added or cut at the end move nothing.
    pub(super) fn notify(&self, changes: &Changes, shifted: bool) {
        let form = self.form();
        self.fire(|d, due| {
            for c in &changes.changes {
                let i = c.field.index();
                match c.kind {
                    ChangeKind::Value => d.values[i].under(&c.rows, due),
                    ChangeKind::Relevance => d.shown[i].under(&c.rows, due),
                    ChangeKind::Rows if !shifted => d.values[i].under(&c.rows, due),
                    ChangeKind::Rows => {
                        for (id, _) in form.fields() {
                            if inside(&form, id, c.field) {
                                // Every row may have moved: all of them.
                                d.values[id.index()].under(&[], due);
                                d.shown[id.index()].under(&[], due);
                            }
                        }
                    }
                }
            }
        });
    }
}

/// Whether `field` is `container` or inside it.
fn inside(form: &Form, field: FieldId, container: FieldId) -> bool {
    let mut at = Some(field);
    while let Some(f) = at {
        if f == container {
            return true;
        }
        at = form.field(f).parent;
    }
    false
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::Watch;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The row paths a watch holds, a prefix, and the paths `under` finds for it.
    type Case<'a> = (&'a [&'a [u32]], &'a [u32], Vec<Vec<u32>>);

    /// The paths `under` finds for `prefix`, sorted, in a watch holding `paths`.
    fn found(paths: &[&[u32]], prefix: &[u32]) -> Vec<Vec<u32>> {
        let mut watch = Watch::default();
        for p in paths {
            watch.at(p, || p.to_vec());
        }
        let mut out = Vec::new();
        watch.under(prefix, &mut out);
        out.sort();
        out
    }

    #[wasm_bindgen_test]
    fn a_change_notifies_the_views_at_the_row_paths_it_covers() {
        let rows: Vec<Vec<u32>> = (0..100).map(|r| vec![r]).collect();
        let rows: Vec<&[u32]> = rows.iter().map(Vec::as_slice).collect();
        let nested: &[&[u32]] = &[&[0, 0], &[0, 1], &[1, 0], &[10, 0]];
        let cases: &[Case] = &[
            // One row of a roster: that row's views alone, found by lookup.
            (&rows, &[99], vec![vec![99]]),
            (&rows, &[0], vec![vec![0]]),
            // A row not shown yet has no views.
            (&rows, &[100], vec![]),
            // The whole roster: every row.
            (&rows, &[], rows.iter().map(|r| r.to_vec()).collect()),
            // A roster in a roster: a row of the outer one covers its inner rows, and
            // row 1 does not cover row 10.
            (nested, &[0], vec![vec![0, 0], vec![0, 1]]),
            (nested, &[1], vec![vec![1, 0]]),
            (nested, &[1, 0], vec![vec![1, 0]]),
            (nested, &[0, 2], vec![]),
            // A field outside rosters has one path, the empty one.
            (&[&[]], &[], vec![vec![]]),
            (&[], &[], vec![]),
            (&[], &[3], vec![]),
        ];
        for (paths, prefix, want) in cases {
            assert_eq!(&found(paths, prefix), want, "under {prefix:?} in {paths:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_view_asked_for_twice_gets_the_same_trigger() {
        let mut watch = Watch::default();
        assert_eq!(watch.at(&[4], || 1), 1);
        assert_eq!(watch.at(&[4], || 2), 1);
        assert_eq!(watch.at(&[5], || 3), 3);
    }
}
