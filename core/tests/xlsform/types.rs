//! X2: question types, metadata types and appearances.

use tianye_core::ItemType;
use tianye_core::schema::{Bound, MetaKind};

use crate::common::{import, item, owned, warnings};

#[test]
fn x2_basic_types() {
    let i = import(
        r"
| survey |              |      |       |             |
|        | type         | name | label | calculation |
|        | text         | a    | A     |             |
|        | integer      | b    | B     |             |
|        | decimal      | c    | C     |             |
|        | date         | d    | D     |             |
|        | time         | e    | E     |             |
|        | dateTime     | f    | F     |             |
|        | note         | g    | G     |             |
|        | calculate    | h    |       | 1 + 1       |
|        | hidden       | i    |       |             |
|        | acknowledge  | j    | J     |             |
|        | geopoint     | k    | K     |             |
|        | range        | l    | L     |             |
|        | rank yn      | m    | M     |             |
| choices |  |  |  |
|  | list_name | name | label |
|  | yn | y | Y |
",
    );
    let kinds: Vec<ItemType> = i.questionnaire.items.iter().map(|i| i.kind).collect();
    use ItemType as T;
    assert_eq!(
        kinds,
        [
            T::Text,
            T::Integer,
            T::Decimal,
            T::Date,
            T::Time,
            T::Datetime,
            T::Note,
            T::Calculate,
            T::Hidden,
            T::Acknowledge,
            T::Geopoint,
            T::Range,
            T::Rank
        ]
    );
    let range = item(&i, "l");
    assert_eq!(
        (range.min.clone(), range.max.clone(), range.step),
        (Some(Bound::Number(1.0)), Some(Bound::Number(10.0)), Some(1.0))
    );
}

#[test]
fn x2_range_parameters_and_rating() {
    let i = import(
        r"
| survey |        |      |       |                          |            |
|        | type   | name | label | parameters               | appearance |
|        | range  | r    | R     | start=0 end = 100 step=5 |            |
|        | range  | s    | S     | start=1 end=5 step=1     | rating     |
",
    );
    let r = item(&i, "r");
    assert_eq!(
        (r.min.clone(), r.max.clone(), r.step),
        (Some(Bound::Number(0.0)), Some(Bound::Number(100.0)), Some(5.0))
    );
    let s = item(&i, "s");
    assert_eq!((s.kind, s.scale, s.appearance.as_deref()), (ItemType::Rating, Some(5), None));
}

#[test]
fn x2_metadata_types() {
    let i = import(
        r"
| survey |              |          |
|        | type         | name     |
|        | start        | start    |
|        | end          | end      |
|        | today        | today    |
|        | deviceid     | deviceid |
|        | username     | username |
|        | phonenumber  | phone    |
|        | imei         | imei     |
",
    );
    let metas: Vec<Option<MetaKind>> = i.questionnaire.items.iter().map(|i| i.meta).collect();
    use MetaKind as M;
    assert_eq!(
        metas,
        [
            Some(M::Start),
            Some(M::End),
            Some(M::Today),
            Some(M::Deviceid),
            Some(M::Username),
            Some(M::Phonenumber),
            Some(M::Deviceid)
        ]
    );
    assert!(i.questionnaire.items.iter().all(|i| i.kind == ItemType::Meta));
}

#[test]
fn x2_or_other_adds_a_choice_and_a_text_question() {
    let i = import(
        r"
| survey |                         |      |       |
|        | type                    | name | label |
|        | select_one crop or_other | crop | Crop |
| choices |  |  |  |
|  | list_name | name | label |
|  | crop | rice | Rice |
",
    );
    let names: Vec<&str> =
        i.questionnaire.choice_lists["crop"].iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["rice", "other"]);
    let other = item(&i, "crop_other");
    assert_eq!(other.kind, ItemType::Text);
    assert_eq!(other.relevant.as_deref(), Some("selected(${crop}, 'other')"));
}

#[test]
fn x2_appearances_mapped_or_kept_as_hints() {
    let md = r"
| survey |               |      |       |                 |
|        | type          | name | label | appearance      |
|        | select_one yn | a    | A     | likert          |
|        | select_one yn | b    | B     | minimal         |
|        | text          | c    | C     | multiline       |
|        | text          | d    | D     | numbers         |
|        | begin group   | g    | G     | field-list      |
|        | date          | e    | E     | month-year      |
|        | end group     |      |       |                 |
| choices |  |  |  |
|  | list_name | name | label |
|  | yn | y | Y |
";
    let i = import(md);
    assert_eq!(item(&i, "a").kind, ItemType::Likert);
    assert_eq!(item(&i, "a").appearance, None);
    assert_eq!(item(&i, "b").appearance.as_deref(), Some("minimal"));
    assert_eq!(item(&i, "g").appearance.as_deref(), Some("field-list"));
    // Not rendered by Tianye: kept, and reported.
    assert_eq!(item(&i, "e").appearance.as_deref(), Some("month-year"));
    assert_eq!(warnings(md), owned(&[("xlsform.unsupported_appearance", "survey!D7")]));
}

#[test]
fn x2_defaults_static_and_dynamic() {
    let i = import(
        r"
| survey |               |      |       |              |
|        | type          | name | label | default      |
|        | integer       | a    | A     | 3            |
|        | text          | b    | B     | hello        |
|        | date          | c    | C     | 2024-01-01   |
|        | date          | d    | D     | today()      |
|        | select_one yn | e    | E     | y            |
|        | integer       | f    | F     | ${a} + 1     |
| choices |  |  |  |
|  | list_name | name | label |
|  | yn | y | Y |
",
    );
    let d = |n: &str| item(&i, n).default.clone().unwrap();
    assert_eq!(d("a"), "3");
    assert_eq!(d("b"), "'hello'");
    assert_eq!(d("c"), "'2024-01-01'");
    assert_eq!(d("d"), "today()");
    assert_eq!(d("e"), "'y'");
    assert_eq!(d("f"), "${a} + 1");
}

#[test]
fn x2_inapplicable_properties_are_dropped_with_a_warning() {
    let md = r"
| survey |      |      |       |          |
|        | type | name | label | required |
|        | note | n    | Hello | yes      |
";
    let i = import(md);
    assert_eq!(item(&i, "n").required, None);
    assert_eq!(warnings(md), owned(&[("schema.property_not_applicable", "survey!D2")]));
}

#[test]
fn x2_notes_without_names_get_one() {
    let i = import("| survey | | |\n| | type | label |\n| | note | Hi |\n");
    assert_eq!(i.questionnaire.items[0].name, "generated_note_name_2");
}

#[test]
fn x2_media_types_take_odk_s_names_appearances_and_parameters() {
    let i = import(
        r"
| survey |       |       |       |                     |                 |                      |
|        | type  | name  | label | appearance          | parameters      | body::accept         |
|        | image | a     | A     |                     | max-pixels=1024 |                      |
|        | image | b     | B     | signature           |                 |                      |
|        | image | c     | C     | draw                | max-pixels=600  |                      |
|        | image | d     | D     | annotate            |                 |                      |
|        | photo | e     | E     |                     |                 |                      |
|        | file  | f     | F     |                     |                 | application/pdf,.doc |
|        | audio | g     | G     |                     |                 |                      |
",
    );
    use ItemType as T;
    let got: Vec<(ItemType, Option<u32>, Option<&str>)> = i
        .questionnaire
        .items
        .iter()
        .map(|i| (i.kind, i.max_pixels, i.appearance.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (T::Image, Some(1024), None),
            (T::Signature, None, None),
            (T::Draw, Some(600), None),
            (T::Image, None, Some("annotate")),
            (T::Image, None, None),
            (T::File, None, None),
            (T::Audio, None, None),
        ]
    );
    assert_eq!(item(&i, "f").accept, ["application/pdf", ".doc"]);
    // `annotate` is not drawn on: kept as a hint, and reported.
    assert_eq!(
        warnings_of(&i),
        [("xlsform.unsupported_appearance".to_owned(), "survey!D5".to_owned())]
    );
    // A max-pixels of 0 is no size: an error at its cell.
    let zero = r"
| survey |       |      |       |              |
|        | type  | name | label | parameters   |
|        | image | h    | H     | max-pixels=0 |
";
    assert_eq!(crate::common::errors(zero), owned(&[("xlsform.invalid_value", "survey!D2")]));
}

fn warnings_of(i: &tianye_core::xlsform::Import) -> Vec<(String, String)> {
    i.findings.iter().map(|f| (f.code.as_str().to_owned(), f.place.to_string())).collect()
}
