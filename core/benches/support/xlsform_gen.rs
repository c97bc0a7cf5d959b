//! A generated XLSForm of `n` questions for the import benchmark and the peak-memory
//! measurement: groups of 100 questions, zh/en labels and hints, selects with
//! cascading filters, skip logic, constraints and calculations.

use tianye_core::xlsform::{Sheet, Workbook};

/// The workbook of `n` questions (plus group rows).
pub(crate) fn workbook(n: usize) -> Workbook {
    let header = [
        "type",
        "name",
        "label::中文 (zh)",
        "label::English (en)",
        "hint::中文 (zh)",
        "relevant",
        "constraint",
        "constraint_message::中文 (zh)",
        "calculation",
        "required",
        "choice_filter",
        "appearance",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| (*s).to_owned()).collect()];
    let row = |cells: [&str; 12]| cells.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for i in 0..n {
        if i % 100 == 0 {
            if i > 0 {
                rows.push(row(["end group", "", "", "", "", "", "", "", "", "", "", ""]));
            }
            let g = format!("g{}", i / 100);
            rows.push(row([
                "begin group",
                &g,
                "第一部分",
                "Section",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "field-list",
            ]));
        }
        let name = format!("q{i}");
        let prev = format!("q{}", i.saturating_sub(1));
        let relevant = format!("${{{prev}}} != ''");
        let zh = format!("第 {i} 题：${{{prev}}}");
        let en = format!("Question {i}");
        let cells: [&str; 12] = match i % 8 {
            0 => [
                "integer",
                &name,
                &zh,
                &en,
                "请填写",
                "",
                ". >= 0 and . <= 120",
                "应在 0 到 120 之间",
                "",
                "yes",
                "",
                "",
            ],
            1 => [
                "text",
                &name,
                &zh,
                &en,
                "",
                &relevant,
                "string-length(.) <= 20",
                "",
                "",
                "",
                "",
                "",
            ],
            2 => {
                ["select_one yn", &name, &zh, &en, "", &relevant, "", "", "", "yes", "", "minimal"]
            }
            3 => [
                "select_multiple crops",
                &name,
                &zh,
                &en,
                "",
                "",
                "count-selected(.) <= 3",
                "",
                "",
                "",
                "",
                "",
            ],
            4 => [
                "select_one county",
                &name,
                &zh,
                &en,
                "",
                "",
                "",
                "",
                "",
                "",
                "province = 'p1'",
                "",
            ],
            5 => [
                "date",
                &name,
                &zh,
                &en,
                "",
                &relevant,
                ". <= today()",
                "不能晚于今天",
                "",
                "",
                "",
                "",
            ],
            6 => [
                "calculate",
                &name,
                "",
                "",
                "",
                "",
                "",
                "",
                "if(${q0} > 16, 1, 0) + count-selected(${q3})",
                "",
                "",
                "",
            ],
            _ => ["decimal", &name, &zh, &en, "", "", ". > 0", "", "", "", "", ""],
        };
        rows.push(row(cells));
    }
    rows.push(row(["end group", "", "", "", "", "", "", "", "", "", "", ""]));
    let survey = Sheet::from_rows("survey", &rows);

    let mut choices: Vec<Vec<String>> = vec![
        ["list_name", "name", "label::中文 (zh)", "label::English (en)", "province"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    ];
    let mut choice = |list: &str, name: String, zh: String, en: String, province: &str| {
        choices.push(vec![list.to_owned(), name, zh, en, province.to_owned()]);
    };
    choice("yn", "y".into(), "是".into(), "Yes".into(), "");
    choice("yn", "n".into(), "否".into(), "No".into(), "");
    for c in 0..10 {
        choice("crops", format!("crop{c}"), format!("作物{c}"), format!("Crop {c}"), "");
    }
    for c in 0..100 {
        let province = if c % 2 == 0 { "p1" } else { "p2" };
        choice("county", format!("c{c}"), format!("县{c}"), format!("County {c}"), province);
    }
    let settings = Sheet::from_rows(
        "settings",
        &[vec!["form_title", "form_id", "version"], vec!["十万", "big", "1"]],
    );
    Workbook { sheets: vec![survey, Sheet::from_rows("choices", &choices), settings] }
}
