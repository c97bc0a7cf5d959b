//! Message templates for every [`Code`], in Chinese and English.
//!
//! A template holds `{param}` slots filled from a finding's params. Some codes pick
//! a template by which params are present (`range` with only `min`, only `max`, or
//! both). Chinese is the first language of every text Tianye shows; English the second.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Code;

/// A language Tianye's own messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文 (Chinese), the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language for a code such as `zh`, `zh-CN` or `en-GB`; Chinese for anything else.
    pub fn from_code(code: &str) -> Lang {
        if code.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("en")) {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// Params of a finding: named values filling a template's `{slots}`.
pub type Params = BTreeMap<String, Value>;

/// The message for `code` with `params`, in `lang`.
pub fn message(code: Code, params: &Params, lang: Lang) -> String {
    let has = |k: &str| params.get(k).is_some_and(|v| !v.is_null());
    let (zh, en) = template(code, &has, params);
    fill(if lang == Lang::Zh { zh } else { en }, params, lang)
}

/// The message in both languages, Chinese first: `"中文 / English"`.
pub fn bilingual(code: Code, params: &Params) -> String {
    format!("{} / {}", message(code, params, Lang::Zh), message(code, params, Lang::En))
}

fn param_str<'a>(params: &'a Params, key: &str) -> &'a str {
    params.get(key).and_then(Value::as_str).unwrap_or("")
}

#[allow(clippy::too_many_lines)]
fn template(
    code: Code,
    has: &dyn Fn(&str) -> bool,
    params: &Params,
) -> (&'static str, &'static str) {
    use Code as C;
    match code {
        C::Required => ("此题必须回答", "This question is required"),
        C::Constraint => ("答案不符合要求", "The answer does not meet the requirement"),
        C::Type => ("答案格式不对，应为{expected}", "Wrong kind of answer: expected {expected}"),
        C::Range if has("step") => (
            "数值应为从 {min} 起每 {step} 一档",
            "The value must be {min} plus a multiple of {step}",
        ),
        C::Range if has("min") && has("max") => {
            ("应在 {min} 到 {max} 之间", "Must be between {min} and {max}")
        }
        C::Range if has("min") => ("不能小于 {min}", "Must not be less than {min}"),
        C::Range => ("不能大于 {max}", "Must not be more than {max}"),
        C::Length if has("min") && has("max") => {
            ("长度应为 {min} 到 {max} 个字", "Must be {min} to {max} characters long")
        }
        C::Length if has("min") => ("至少 {min} 个字", "Must be at least {min} characters long"),
        C::Length => ("最多 {max} 个字", "Must be at most {max} characters long"),
        C::Pattern => ("格式不符合要求", "Does not match the required format"),
        C::Choice if param_str(params, "reason") == "filtered" => (
            "“{label_zh}”不在当前可选的选项中",
            "“{label_en}” is not among the choices offered here",
        ),
        C::Choice => ("“{value}”不是可选的选项", "“{value}” is not one of the choices"),
        C::Count
            if param_str(params, "of") == "rows"
                && has("min")
                && has("max")
                && params.get("min") == params.get("max") =>
        {
            ("应有 {min} 行", "Must have exactly {min} rows")
        }
        C::Count if param_str(params, "of") == "rows" && has("min") => {
            ("至少需要 {min} 行", "Needs at least {min} rows")
        }
        C::Count if param_str(params, "of") == "rows" && has("count") => (
            "最多 {max} 行，答卷有 {count} 行",
            "At most {max} rows are allowed; the response has {count}",
        ),
        C::Count if param_str(params, "of") == "rows" => {
            ("最多 {max} 行", "At most {max} rows are allowed")
        }
        C::Count if has("min") && has("max") => {
            ("请选择 {min} 到 {max} 项", "Select {min} to {max} options")
        }
        C::Count if has("min") => ("至少选择 {min} 项", "Select at least {min} options"),
        C::Count => ("最多选择 {max} 项", "Select at most {max} options"),
        C::Exclusive => (
            "“{label_zh}”不能与其他选项同时选择",
            "“{label_en}” cannot be selected together with other options",
        ),
        C::UnknownField => {
            ("问卷中没有可回答的“{name}”", "The questionnaire has no question named “{name}”")
        }
        C::Phone => (
            "不是有效的手机号码（11 位数字，以 1 开头）",
            "Not a valid mobile number (11 digits starting with 1)",
        ),
        C::IdNumber => match param_str(params, "reason") {
            "length" => ("身份证号码应为 18 位", "An ID card number has 18 characters"),
            "format" => (
                "身份证号码应为 17 位数字加一位数字或 X",
                "An ID card number is 17 digits then a digit or X",
            ),
            "region" => {
                ("身份证号码的地区码无效", "The region code of the ID card number is not valid")
            }
            "birth_date" => {
                ("身份证号码中的出生日期无效", "The birth date in the ID card number is not valid")
            }
            _ => (
                "身份证号码校验位不正确，请核对",
                "The check character of the ID card number is wrong; please check it",
            ),
        },
        C::Email => ("不是有效的电子邮箱地址", "Not a valid e-mail address"),
        C::Geopoint if param_str(params, "reason") == "accuracy" => (
            "定位精度 {accuracy} 米，超过允许的 {max_accuracy} 米",
            "Location accuracy {accuracy} m is worse than the {max_accuracy} m allowed",
        ),
        C::Geopoint => (
            "位置无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间",
            "Invalid location: latitude must be within -90..90 and longitude within -180..180",
        ),
        C::Rank => ("请为每个选项排序，每项一次", "Rank every option exactly once"),
        C::QuestionnaireMismatch => (
            "答卷属于问卷 {found}，不是 {expected}",
            "The response answers questionnaire {found}, not {expected}",
        ),
        C::InstanceId => (
            "答卷编号 instance_id 不是有效的 UUID：{value}",
            "instance_id is not a valid UUID: {value}",
        ),
        C::MetaTimestamp => (
            "应为 RFC 3339 格式的时间，带秒和时区（如 2026-07-01T09:30:00+08:00）：{value}",
            "Must be an RFC 3339 time with seconds and an offset (such as 2026-07-01T09:30:00+08:00): {value}",
        ),
        C::MetaTooLong => {
            ("最多 {max} 个字，这里有 {length} 个", "At most {max} characters; this has {length}")
        }
        C::MetaControlChar => (
            "不能含换行、制表符等控制字符",
            "Must not hold control characters (line breaks, tabs and the like)",
        ),
        C::AttachmentFormat => (
            "附件应为含 file、sha256、size、media_type 四项的对象，文件名只用字母、数字、点、下划线和连字符：{value}",
            "An attachment is an object of file, sha256, size and media_type, its file name made of letters, digits, dots, underscores and hyphens: {value}",
        ),
        C::AttachmentTooLarge => (
            "文件 {file} 太大：{size} 字节，最多 {max} 字节",
            "File {file} is too large: {size} bytes, at most {max} allowed",
        ),
        C::AttachmentMediaType => (
            "文件 {file} 的类型 {media_type} 不适合此题（可用：{accept}）",
            "File {file} of type {media_type} does not fit this question (accepted: {accept})",
        ),
        C::AttachmentDuplicateName => (
            "两个回答用了同一个文件名 {file}，但内容不同",
            "Two answers name the file {file} with different contents",
        ),
        C::AttachmentTooMany => {
            ("附件太多：{count} 个，最多 {max} 个", "Too many attachments: {count}, at most {max}")
        }

        C::JsonSyntax => ("JSON 格式错误：{detail}", "Malformed JSON: {detail}"),
        C::JsonFormat if param_str(params, "document") == "response" => {
            ("内容不符合答卷格式：{detail}", "Does not fit the response format: {detail}")
        }
        C::JsonFormat if param_str(params, "document") == "case" => {
            ("内容不符合测试用例格式：{detail}", "Does not fit the test case format: {detail}")
        }
        C::JsonFormat => {
            ("内容不符合问卷格式：{detail}", "Does not fit the questionnaire format: {detail}")
        }
        C::JsonDuplicateKey => {
            ("同一对象中键“{key}”出现了两次", "The key “{key}” appears twice in one object")
        }
        C::JsonTooDeep => {
            ("数组和对象嵌套超过 {max} 层", "Arrays and objects are nested more than {max} deep")
        }
        C::JsonTooLarge => (
            "内容过于零碎：{size} 字节的 JSON 读入后将超过 {max} 字节",
            "Too fragmented: {size} bytes of JSON would take over {max} bytes once read",
        ),

        C::InvalidName => (
            "名称“{name}”无效：须以字母或 _ 开头，只含字母、数字、_、- 和 .",
            "Invalid name “{name}”: start with a letter or _, then use letters, digits, _, - and .",
        ),
        C::DuplicateName => (
            "名称“{name}”重复，第一次出现在 {first}",
            "The name “{name}” is used twice; first at {first}",
        ),
        C::PropertyNotApplicable => (
            "{type} 类型的题目不使用属性 {property}",
            "Items of type {type} do not use the property {property}",
        ),
        C::MissingProperty => (
            "{type} 类型的题目需要属性 {property}",
            "Items of type {type} need the property {property}",
        ),
        C::UnknownChoiceList => {
            ("没有名为“{list}”的选项列表", "There is no choice list named “{list}”")
        }
        #[cfg(feature = "choice-files")]
        C::EmptyChoiceList if has("file") => (
            "选项文件 {file} 没有选项，只有表头",
            "The choice file {file} has no choices, only a header",
        ),
        C::EmptyChoiceList => ("选项列表“{list}”是空的", "The choice list “{list}” has no choices"),
        #[cfg(feature = "xlsform")]
        C::DuplicateChoice if has("setting") => (
            "选项列表“{list}”中选项“{name}”重复：若是有意的（如级联选择中不同上级下的同名选项），请在 settings 表把 {setting} 设为 yes",
            "The choice list “{list}” has “{name}” twice: if that is intended (the same name under different parents of a cascade), set {setting} to yes on the settings sheet",
        ),
        C::DuplicateChoice => {
            ("选项列表“{list}”中选项“{name}”重复", "The choice list “{list}” has “{name}” twice")
        }
        C::InvalidBound => {
            ("{property} 的值“{value}”无效：{detail}", "Invalid {property} “{value}”: {detail}")
        }
        C::InvalidPattern => ("正则表达式无效：{detail}", "Invalid regular expression: {detail}"),
        C::InvalidValue => {
            ("属性 {property} 的值无效：{detail}", "Invalid value for {property}: {detail}")
        }
        // Only the native check of a questionnaire's key (`seal`) makes this finding;
        // the browser keeps a short text.
        #[cfg(not(feature = "seal"))]
        C::EncryptionKey => ("公钥无效", "Invalid public key"),
        #[cfg(feature = "seal")]
        C::EncryptionKey => (
            "encryption.public_key 不是可用的 RSA 公钥（应为一行 base64，至少 2048 位；可用 tianye keygen 生成）",
            "encryption.public_key is no usable RSA public key (one line of base64, 2048 bits at least; tianye keygen makes one)",
        ),
        C::Language => (
            "语言“{language}”未在 languages 中声明",
            "The language “{language}” is not listed in languages",
        ),

        C::UnexpectedChar => ("无法识别的字符“{found}”", "Unexpected character “{found}”"),
        C::UnterminatedString => {
            ("字符串缺少结尾的引号", "String literal without its closing quote")
        }
        C::BadReference => ("引用应写作 ${题目名}", "A reference is written ${question_name}"),
        C::UnexpectedToken => {
            ("此处不应出现“{found}”，应为{expected}", "Unexpected “{found}”; expected {expected}")
        }
        C::UnexpectedEnd => {
            ("表达式不完整，缺少{expected}", "The expression ends too early; expected {expected}")
        }
        C::Unsupported => ("不支持的写法：{construct}", "Not supported: {construct}"),
        C::UnknownRef => ("没有名为“{name}”的题目", "No item is named “{name}”"),
        C::UnknownFunction => ("没有函数 {name}()", "There is no function {name}()"),
        C::Arity => (
            "函数 {name}() 需要 {expected} 个参数，这里有 {found} 个",
            "{name}() takes {expected} arguments, not {found}",
        ),
        C::ExprType => ("类型不对：{detail}", "Wrong type: {detail}"),
        C::UnknownChoice => (
            "“{value}”不是 {name} 的选项（列表 {list}），这个比较总是为假",
            "“{value}” is not a choice of {name} (list {list}), so this test is always false",
        ),
        C::RepeatOutside => (
            "“{name}”在重复组 {repeat} 内，在组外使用须用 count、sum、max 等汇总函数",
            "“{name}” is inside the repeat {repeat}; outside it, use an aggregate such as count, sum or max",
        ),
        C::Cycle => ("循环依赖：{cycle}", "Circular dependency: {cycle}"),
        C::NoContext => ("此处没有{what}", "There is no {what} here"),
        C::BareName if has("empty") => (
            "“{name}”不是题目引用，按 ODK 的读法为空值：引用题目请写 ${{name}}，文字请加引号 '{name}'",
            "“{name}” names no item: ODK reads it as empty; write ${{name}} for an item, or quote it ('{name}') for text",
        ),
        C::BareName => (
            "“{name}”：只有选项筛选条件可以直接使用选项的列名",
            "“{name}”: bare names are only for choice filters, naming a choice column",
        ),
        C::UnknownChild => {
            ("“{parent}”下没有名为“{name}”的题目", "“{parent}” has no item named “{name}”")
        }

        // XLSForm findings are made, and rendered, only where the importer is built.
        C::XlsformUnreadable
        | C::XlsformMissingSheet
        | C::XlsformMissingColumn
        | C::XlsformDuplicateColumn
        | C::XlsformMissingType
        | C::XlsformMissingName
        | C::XlsformDuplicateName
        | C::XlsformUnclosedGroup
        | C::XlsformUnmatchedEnd
        | C::XlsformUnknownChoiceList
        | C::XlsformUnsupportedType
        | C::XlsformUnsupportedColumn
        | C::XlsformUnsupportedFunction
        | C::XlsformUnsupportedSheet
        | C::XlsformUnsupportedSetting
        | C::XlsformUnsupportedAppearance
        | C::XlsformUnsupportedParameter
        | C::XlsformInvalidValue
        | C::XlsformSkippedRow
        | C::XlsformMissingCalculation => xlsform_template(code, has),
        #[cfg(feature = "choice-files")]
        C::ChoiceFileNotLoaded
        | C::ChoiceFileMissing
        | C::ChoiceFileName
        | C::ChoiceFileUnreadable
        | C::ChoiceFileTooLarge
        | C::ChoiceFileMissingColumn
        | C::ChoiceFileBadName
        | C::ChoiceFileDuplicateName => choice_file_template(code, has),
    }
}

/// The messages of XLSForm import findings (`xlsform.*`).
#[cfg(feature = "xlsform")]
#[allow(clippy::too_many_lines)]
fn xlsform_template(code: Code, has: &dyn Fn(&str) -> bool) -> (&'static str, &'static str) {
    use Code as C;
    match code {
        C::XlsformUnreadable => {
            ("无法读取 {format} 文件：{detail}", "Cannot read the {format} file: {detail}")
        }
        #[cfg(feature = "xlsform")]
        C::XlsformMissingSheet if has("similar") => (
            "缺少“{sheet}”工作表（有一个名为“{similar}”的表，是否拼写有误？请改名为 {sheet}）",
            "There is no “{sheet}” sheet (there is one named “{similar}”: is it misspelt? Rename it to {sheet})",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformMissingSheet => (
            "缺少“{sheet}”工作表：请添加名为 {sheet} 的工作表",
            "There is no “{sheet}” sheet: add a sheet named {sheet}",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformMissingColumn => (
            "“{sheet}”表缺少“{column}”列：请在第一行添加这一列",
            "The “{sheet}” sheet has no “{column}” column: add it to the first row",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformDuplicateColumn => (
            "列名“{header}”出现了两次：请删除或改名其中一列",
            "The column “{header}” appears twice: remove or rename one of them",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformMissingType => (
            "这一行有名称或标签，但没有 type：请填写题型，或清空整行",
            "This row has a name or label but no type: fill in the type, or clear the row",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformMissingName => (
            "{type} 行没有 name：请在 name 列填写唯一的名称",
            "The {type} row has no name: give it a unique name in the name column",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformDuplicateName if has("renamed") => (
            "名称“{name}”已在第 {first} 行使用：田野要求名称在整个问卷中唯一，此处改名为 {renamed}",
            "The name “{name}” is already used on row {first}: Tianye needs names unique in the whole form, so this one is renamed {renamed}",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformDuplicateName => (
            "名称“{name}”已在第 {first} 行使用：田野要求名称在整个问卷中唯一，请改名",
            "The name “{name}” is already used on row {first}: Tianye needs names unique in the whole form; rename one",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnclosedGroup => (
            "“begin {kind} {name}”没有对应的“end {kind}”：请在组末尾添加一行 end {kind}",
            "“begin {kind} {name}” has no matching “end {kind}”: add an “end {kind}” row where it ends",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnmatchedEnd if has("open") => (
            "“end {kind}”与第 {row} 行的“begin {open}”不匹配：请检查 begin/end 是否成对",
            "“end {kind}” does not match the “begin {open}” on row {row}: check that begin and end rows pair up",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnmatchedEnd => (
            "“end {kind}”前面没有对应的“begin {kind}”：请删除这一行或补上 begin {kind}",
            "“end {kind}” has no “begin {kind}” before it: remove the row or add the begin {kind}",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnknownChoiceList => (
            "choices 表中没有名为“{list}”的选项列表：请在 choices 表添加 list_name 为 {list} 的行，或改正列表名",
            "The choices sheet has no list named “{list}”: add rows with list_name {list}, or correct the name",
        ),
        C::XlsformUnsupportedType if has("kept") => (
            "田野不记录“{type}”，此行改为一个空的 {kept} 字段（读取它的表达式得到空值）",
            "Tianye does not record “{type}”; the row is kept as an empty {kept} field (expressions reading it get an empty value)",
        ),
        C::XlsformUnsupportedType => (
            "田野不支持题型“{type}”，此行已略过",
            "Tianye does not support the type “{type}”; the row is left out",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedColumn => (
            "田野不支持“{column}”列，其内容已略过",
            "Tianye does not support the column “{column}”; its values are left out",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedFunction => (
            "田野不支持函数 {name}()：请改写表达式",
            "Tianye does not support the function {name}(): rewrite the expression",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedSheet => (
            "田野不支持“{sheet}”工作表，已略过",
            "Tianye does not support the “{sheet}” sheet; it is left out",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedSetting => (
            "田野不支持设置“{setting}”，已略过",
            "Tianye does not support the setting “{setting}”; it is left out",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedAppearance => (
            "田野的表单不支持外观“{appearance}”，已作为提示保留",
            "Tianye's form app does not render the appearance “{appearance}”; it is kept as a hint",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformUnsupportedParameter => (
            "{type} 题不支持参数“{parameter}”，已略过",
            "Questions of type {type} do not support the parameter “{parameter}”; it is left out",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformInvalidValue => (
            "“{column}”列的值“{value}”无效：{detail}",
            "Invalid value “{value}” in the “{column}” column: {detail}",
        ),
        C::XlsformSkippedRow if has("kind") => (
            "“begin {kind} {name}”中没有留下任何题目，此组已略过",
            "Nothing to ask is left inside “begin {kind} {name}”; the {kind} is left out",
        ),
        C::XlsformSkippedRow => (
            "这一行没有 type、name 或 label，已略过",
            "This row has no type, name or label; it is skipped",
        ),
        #[cfg(feature = "xlsform")]
        C::XlsformMissingCalculation => (
            "calculate 行“{name}”没有 calculation：请填写计算表达式",
            "The calculate row “{name}” has no calculation: fill in the expression",
        ),
        _ => ("XLSForm 导入问题", "XLSForm import problem"),
    }
}

/// Builds without the importer (the browser's) never make XLSForm findings: one
/// generic text keeps their messages out of the download.
#[cfg(not(feature = "xlsform"))]
fn xlsform_template(_code: Code, _has: &dyn Fn(&str) -> bool) -> (&'static str, &'static str) {
    ("XLSForm 导入问题", "XLSForm import problem")
}

/// The messages of choice-file errors (`choice_file.*`), made only where files are read
/// (and where a questionnaire is checked for lists not read from their files).
#[cfg(feature = "choice-files")]
fn choice_file_template(code: Code, has: &dyn Fn(&str) -> bool) -> (&'static str, &'static str) {
    use Code as C;
    match code {
        C::ChoiceFileNotLoaded => (
            "选项列表“{list}”应从文件 {file} 读入，但未读入",
            "The choice list “{list}” comes from the file {file}, which was not read",
        ),
        C::ChoiceFileMissing => (
            "找不到选项文件 {file}（应在问卷旁的 media/ 文件夹或问卷同一文件夹中）：{detail}",
            "Cannot read the choice file {file} (looked for in media/ beside the questionnaire, then beside it): {detail}",
        ),
        C::ChoiceFileName => (
            "选项文件名“{file}”无效：须是 .csv 文件名，只含字母、数字、_、- 和 .",
            "Invalid choice file name “{file}”: a .csv file name of letters, digits, _, - and .",
        ),
        C::ChoiceFileUnreadable if has("row") => (
            "选项文件 {file} 第 {row} 行不是 UTF-8 编码的 CSV：{detail}",
            "The choice file {file}, row {row}, is not CSV in UTF-8: {detail}",
        ),
        C::ChoiceFileUnreadable => (
            "选项文件 {file} 不是 UTF-8 编码的 CSV：{detail}",
            "The choice file {file} is not CSV in UTF-8: {detail}",
        ),
        C::ChoiceFileTooLarge => (
            "选项文件 {file} 过大（{detail}）：最多 32 MiB、1,000,000 行",
            "The choice file {file} is too large ({detail}): 32 MiB and 1,000,000 rows at most",
        ),
        C::ChoiceFileMissingColumn => (
            "选项文件 {file} 缺少 {column} 列（第 1 行为表头：name、label 或 label::语言）",
            "The choice file {file} has no {column} column (row 1 is the header: name, label or label::<lang>)",
        ),
        C::ChoiceFileBadName => (
            "选项文件 {file} 第 {row} 行 {column} 列：选项名“{name}”为空或含空格",
            "The choice file {file}, row {row}, column {column}: the name “{name}” is empty or holds a space",
        ),
        C::ChoiceFileDuplicateName => (
            "选项文件 {file} 第 {row} 行 {column} 列：选项名“{name}”与第 {first_row} 行重复",
            "The choice file {file}, row {row}, column {column}: the name “{name}” is already on row {first_row}",
        ),
        _ => ("选项文件有误", "Error in a choice file"),
    }
}

fn fill(template: &str, params: &Params, lang: Lang) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && close > 0 =>
            {
                let key = &after[..close];
                match params.get(key) {
                    Some(value) => push_value(&mut out, key, value, lang),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn push_value(out: &mut String, key: &str, value: &Value, lang: Lang) {
    match value {
        Value::String(s) if key == "expected" => out.push_str(expected_name(s, lang)),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&n.to_string()),
        other => out.push_str(&other.to_string()),
    }
}

/// Names of the kinds of value a `type` finding expects.
fn expected_name(key: &str, lang: Lang) -> &str {
    let (zh, en) = match key {
        "text" => ("文字", "text"),
        "integer" => ("整数", "a whole number"),
        "number" => ("数字", "a number"),
        "choice" => ("一个选项", "one choice"),
        "choices" => ("选项列表", "a list of choices"),
        "date" => ("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
        "time" => ("时间（HH:MM）", "a time (HH:MM)"),
        "datetime" => ("日期时间（YYYY-MM-DDTHH:MM）", "a date and time (YYYY-MM-DDTHH:MM)"),
        "rows" => ("行的列表", "a list of rows"),
        "row" => ("一行答案（对象）", "a row of answers (an object)"),
        "geopoint" => ("位置（lat、lon、accuracy）", "a location (lat, lon, accuracy)"),
        "acknowledge" => ("“OK”", "“OK”"),
        "object" => ("对象", "an object"),
        "string" => ("字符串", "a string"),
        "number_value" => ("数值", "a numeric value"),
        "boolean" => ("是/否", "a yes/no value"),
        "value" => ("单个值", "a single value"),
        "operand" => ("值或表达式", "a value or an expression"),
        "operator_or_end" => ("运算符或表达式结尾", "an operator or the end of the expression"),
        "close_paren" => ("“)”", "“)”"),
        "close_bracket" => ("“]”", "“]”"),
        "comma_or_paren" => ("“,”或“)”", "“,” or “)”"),
        "step" => ("“/”后的名称、“.”或“..”", "a name, “.” or “..” after “/”"),
        _ => return key,
    };
    if lang == Lang::Zh { zh } else { en }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Params {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_code_has_both_languages_and_fills_its_slots() {
        let mut v = json!({
            "min": 1, "max": 9, "value": "x", "name": "n", "first": "f", "type": "t", "property": "p",
            "list": "l", "detail": "d", "language": "fr", "found": "f", "expected": "integer",
            "construct": "c", "cycle": "a → b", "what": "w", "choice": "c", "label_zh": "c", "label_en": "c", "accuracy": 50,
            "max_accuracy": 20, "repeat": "r", "key": "k", "size": 10, "length": 101, "count": 7,
            "format": "xlsx", "sheet": "survey", "column": "image", "header": "label", "kind": "group", "kept": "hidden",
            "setting": "style", "appearance": "quick", "parameter": "seed", "open": "repeat", "row": 3,
            "parent": "member", "file": "villages.csv", "first_row": 2,
            "media_type": "image/gif", "accept": "image/jpeg"
        });
        let plain = params(v.clone());
        // The variants chosen by a parameter's presence (a renamed duplicate, a bare word
        // read as empty) are filled too.
        for (key, value) in [("renamed", "a_4"), ("empty", "yes")] {
            v.as_object_mut().expect("an object").insert(key.into(), value.into());
        }
        for p in [plain, params(v)] {
            for code in Code::ALL {
                let zh = message(*code, &p, Lang::Zh);
                let en = message(*code, &p, Lang::En);
                assert!(!zh.is_empty() && !en.is_empty(), "{code}");
                assert!(!zh.replace("${", "").contains('{'), "{code}: unfilled slot in {zh}");
                assert!(!en.replace("${", "").contains('{'), "{code}: unfilled slot in {en}");
            }
        }
    }

    #[test]
    fn attachment_problems_name_the_file() {
        let p = params(json!({"file": "a.jpg", "size": 11_000_000, "max": 10_485_760}));
        assert_eq!(
            message(Code::AttachmentTooLarge, &p, Lang::En),
            "File a.jpg is too large: 11000000 bytes, at most 10485760 allowed"
        );
        let p = params(json!({"file": "a.gif", "media_type": "image/gif",
                              "accept": "image/jpeg, image/png, image/webp"}));
        assert_eq!(
            message(Code::AttachmentMediaType, &p, Lang::Zh),
            "文件 a.gif 的类型 image/gif 不适合此题（可用：image/jpeg, image/png, image/webp）"
        );
    }

    #[test]
    fn picks_template_by_params() {
        assert_eq!(
            message(Code::Range, &params(json!({"min": 0})), Lang::En),
            "Must not be less than 0"
        );
        assert_eq!(
            message(Code::Range, &params(json!({"min": 0, "max": 120})), Lang::Zh),
            "应在 0 到 120 之间"
        );
        assert_eq!(
            message(Code::Type, &params(json!({"expected": "date"})), Lang::Zh),
            "答案格式不对，应为日期（YYYY-MM-DD）"
        );
    }
}
