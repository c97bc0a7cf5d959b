//! X3: groups and repeats, nested.

use tianye_core::ItemType;

use crate::common::{import, item};

#[test]
fn x3_nested_groups_and_repeats() {
    let i = import(
        r"
| survey |              |          |         |              |
|        | type         | name     | label   | repeat_count |
|        | begin group  | hh       | HH      |              |
|        | integer      | size     | Size    |              |
|        | begin repeat | member   | Member  | ${size}      |
|        | text         | m_name   | Name    |              |
|        | begin group  | m_detail | Details |              |
|        | integer      | m_age    | Age     |              |
|        | end group    |          |         |              |
|        | begin repeat | child    | Child   |              |
|        | text         | c_name   | Name    |              |
|        | end repeat   |          |         |              |
|        | end repeat   |          |         |              |
|        | end group    |          |         |              |
|        | note         | bye      | Bye     |              |
",
    );
    let q = &i.questionnaire;
    assert_eq!(q.items.len(), 2);
    let hh = &q.items[0];
    assert_eq!((hh.kind, hh.items.len()), (ItemType::Group, 2));
    let member = item(&i, "member");
    assert_eq!(member.kind, ItemType::Repeat);
    assert_eq!(member.repeat_count.as_deref(), Some("${size}"));
    let names: Vec<&str> = member.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["m_name", "m_detail", "child"]);
    assert_eq!(item(&i, "child").items[0].name, "c_name");
    assert_eq!(i.origins.items["c_name"].row, 10);
}
