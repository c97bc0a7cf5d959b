//! The app's own texts, Chinese first and English second.

/// A text of the interface in `lang` (`zh` unless `lang` starts with `en`).
pub fn t(key: Key, lang: &str) -> &'static str {
    let (zh, en) = key.texts();
    if lang.starts_with("en") { en } else { zh }
}

/// Both languages: `"中文 / English"`, for places that show both.
pub fn both(key: Key) -> String {
    let (zh, en) = key.texts();
    format!("{zh} / {en}")
}

/// An ISO time (any offset) as the app shows times, in Beijing time (UTC+8) to the
/// minute: `2026-07-08 14:03`; a text that is no time is shown as it is.
pub fn beijing_time(at: &str) -> String {
    use tianye_core::expr::DateTime;
    let Some(time) = DateTime::parse(at) else { return at.to_owned() };
    let text = DateTime::from_utc_millis(time.utc_millis(), 8 * 60).to_string();
    text.chars().take(16).collect::<String>().replace('T', " ")
}

macro_rules! keys {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        /// A text of the interface; each variant's texts are in the table below.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Key { $($name,)* }
        impl Key {
            /// (Chinese, English).
            pub fn texts(self) -> (&'static str, &'static str) {
                match self { $(Key::$name => ($zh, $en),)* }
            }
        }
    };
}

keys! {
    AppName => "田野入户调查", "Tianye field survey";
    Questionnaires => "问卷", "Questionnaires";
    NewResponse => "新建：", "New: ";
    MyResponses => "本机答卷", "Responses on this device";
    Search => "按户主、村或任何答案搜索", "Search by household, village or any answer";
    Draft => "草稿", "Drafts";
    Complete => "已完成待上传", "Complete, waiting to upload";
    Uploading => "上传中", "Uploading";
    Uploaded => "已上传", "Uploaded";
    UploadNow => "现在上传", "Upload now";
    HeldWhileUploading => "正在上传，传完前不能修改", "Being uploaded: it cannot be changed until that is done";
    ChangedElsewhere => "这份答卷刚在另一个标签页里修改过，现在显示的是最新内容", "This response was just changed in another tab: it now shows the latest";
    DeletedElsewhere => "这份答卷已在另一个标签页里删除", "This response was deleted in another tab";
    Rejected => "被退回", "Rejected";
    Delete => "删除", "Delete";
    Clear => "清除", "Clear";
    SearchChoices => "输入文字查找选项", "Type to find a choice";
    NoMatch => "没有符合的选项", "No choice matches";
    MoreMatches => "共 {n} 项符合，只列出前 {shown} 项：请再输入几个字", "{n} choices match; the first {shown} are listed: type more";
    NoChoicesYet => "暂无选项：请先回答上面的问题", "No choices yet: answer the questions above first";
    Close => "关闭", "Close";
    RemoveFile => "移除", "Remove";
    FileMissing => "这份答卷的一个文件已不在本机（存储被清除？），无法上传", "A file of this response is no longer on this device (storage cleared?) and cannot be uploaded";
    FilesSent => "已发送 {sent}/{all} 个文件", "{sent} of {all} files sent";
    Undo => "撤销", "Undo";
    StorageFiles => "；照片和文件另占 {mb} MB", "; photos and files take {mb} MB more";
    StorageShort => "本机存储空间快满了：拍照前请先上传答卷", "Storage on this device is nearly full: upload responses before taking pictures";
    FileNotKept => "文件没有保存，请再试一次", "The file was not kept: try again";
    FileTooLarge => "文件超过 10 MiB，不能上传：请换一个较小的文件", "The file is over 10 MiB and cannot be uploaded: choose a smaller one";
    FileNoSpace => "本机存储空间不足，文件没有保存（已保存的都还在）：请先上传答卷", "Storage on this device is short: the file was not kept (nothing stored is lost). Upload responses first";
    FileNeedsHttps => "只有通过 https 打开时才能保存照片和文件", "Photos and files can be kept only when the app is opened over https";
    FileNotPicture => "这个文件不是浏览器能读的图片", "This file is not a picture the browser can read";
    ConfirmDelete => "确定删除这份草稿？删除后无法恢复。", "Delete this draft? This cannot be undone.";
    ConfirmDeleteUploaded => "这份答卷已在服务器上。删除本机上的副本？", "This response is on the server. Delete the copy on this device?";
    DeleteUploaded => "删除本机上已上传的答卷", "Delete uploaded responses from this device";
    ConfirmDeleteAllUploaded => "这些答卷都已在服务器上。删除本机上的全部副本，腾出存储空间？", "These responses are all on the server. Delete every copy on this device to free storage?";
    Next => "下一页", "Next";
    Back => "上一页", "Back";
    Review => "检查并提交", "Review and submit";
    FirstProblem => "跳到第一个问题", "Go to the first problem";
    Home => "返回列表", "Back to the list";
    List => "列表", "List";
    MarkComplete => "标记为完成", "Mark complete";
    HasProblems => "还有问题需要修改", "There are problems to fix";
    ProblemsLeft => "还有 {n} 个问题需要处理", "{n} problems left";
    PageProblemsLeft => "刚才那一页还有 {n} 个问题，可以稍后再改", "Problems left on the page before: {n} (fix them later if need be)";
    ReceivedAt => "服务器已收到，不能再修改。收到时间（北京时间）：", "On the server; it can no longer be changed. Received (Beijing time): ";
    NoProblems => "没有问题，可以提交", "No problems: ready to submit";
    AddRow => "添加一行", "Add a row";
    RemoveRow => "删除此行", "Remove this row";
    ConfirmRemoveRow => "这一行已有答案，确定删除？", "This row has answers. Remove it?";
    ConfirmExcessRows => "人数减少了：要删除最后几行已填写的内容吗？", "The count went down: remove the last rows, which hold answers?";
    Row => "第 {n} 行", "Row {n}";
    Required => "必答", "required";
    Version => "版本", "version";
    OldVersion => "此答卷使用问卷的旧版本", "This response answers an older version of the questionnaire";
    StorageFull => "浏览器存储已满，新的修改没有保存！已保存的内容不会丢失。请立即“导出为文件”备份，并上传或删除已上传的答卷。", "Browser storage is full: the latest change was NOT saved. What was saved is kept. Save all as a file now, then upload or delete uploaded responses.";
    SaveFile => "导出为文件", "Save all as file";
    CopyText => "复制为文本", "Copy as text";
    BackupCopied => "已复制 {n} 份未上传的答卷。请粘贴到备忘录或发给自己保存；存为文件后服务器可以导入。", "Copied {n} response(s) not yet uploaded. Paste them into a note or send them to yourself; saved as a file, the server can import them.";
    CopyByHand => "无法自动复制：请长按下面的文本，全选后复制，粘贴到备忘录或发给自己保存。", "Could not copy: press and hold the text below, select all, copy it, and paste it into a note or send it to yourself.";
    Offline => "离线：答案保存在本机，联网后自动上传", "Offline: answers are kept on this device and upload when online";
    NoToken => "没有上传口令：请用队伍链接打开本页", "No upload token: open this page with your team link";
    NotSecure => "此链接不是 https：断网后无法打开本应用。答案仍保存在本机。出发前请向管理员要 https:// 链接。", "This link is not https: the app cannot open without a network. Answers are still saved on this phone. Before going out, ask your administrator for an https:// link.";
    TokenSaved => "已保存队伍上传口令", "Team upload token saved";
    LinkRefused => "此团队链接已失效（已被撤销或不正确），无法上传。本机上待上传的 {n} 份答卷都已保存，不会丢失。请向队长索取新的链接，并在本机打开。", "This team link no longer works (revoked or wrong), so nothing can be uploaded. The {n} response(s) waiting to upload are saved on this phone and will not be lost. Ask your team leader for a new link and open it on this phone.";
    ServerProblems => "服务器退回了这份答卷", "The server returned this response";
    Language => "English", "中文";
    Loading => "正在加载…", "Loading…";
    Opening => "正在下载问卷…", "Downloading the questionnaire…";
    DownloadFailed => "问卷没有下载下来：没有网络或信号太弱。请到信号好的地方再点一次。", "The questionnaire did not download: no network, or too weak a signal. Tap it again where the signal is better.";
    NotFound => "找不到这份答卷或问卷", "This response or questionnaire was not found";
    LocateMe => "获取当前位置", "Get my location";
    GeoDenied => "未获定位权限：请在设置里允许，或手动填写", "Location not allowed: allow it in settings, or type it in";
    GeoUnavailable => "无法定位：请到室外再试，或手动填写", "No position: try outdoors, or type it in";
    Latitude => "纬度", "Latitude";
    Longitude => "经度", "Longitude";
    Accuracy => "精度（米）", "Accuracy (m)";
    Ok => "确认", "OK";
    Answers => "答案", "Answers";
    Problems => "问题", "Problems";
    NotAnswered => "未回答", "not answered";
    Progress => "进度", "Progress";
    MoveUp => "上移", "Move up";
    MoveDown => "下移", "Move down";
    Enumerator => "调查员", "Enumerator";
    EnumeratorHint => "您的姓名，记入每份新答卷", "Your name, recorded in each new response";
    Thanks => "已保存，联网后会自动上传。", "Saved; it uploads automatically when online.";
    Retry => "下次重试", "Next try";
    StorageUse => "本机存储已用 {percent}%（{kb} KB，上限约 {limit} MB）", "Storage used on this device: {percent}% ({kb} KB of about {limit} MB)";
    StorageNearlyFull => "存储快满了：请上传答卷，删除已上传的答卷，或“导出为文件”备份", "Storage is nearly full: upload, delete uploaded responses, or save all as a file";
    Unreadable => "有 {n} 份答卷无法读取（可能已损坏，或由更新的版本写入），没有列在下面。它们仍保存在本机，不会被覆盖；“导出为文件”会连同原文一起保存，服务器可以导入。", "{n} stored response(s) cannot be read (damaged, or written by a newer version) and are not listed below. They stay on this device untouched; \"Save all as file\" saves them with their text, which the server can import.";
    OfflineReady => "已可离线使用：没有信号时也能打开本应用、新建和填写问卷", "Ready offline: without signal the app opens, and households can be started and filled in";
    OfflinePreparing => "正在准备离线使用，请保持联网片刻", "Getting ready to work offline: stay online a moment";
    StorageKept => "浏览器已同意长期保存本机数据", "The browser keeps this data for good";
    StorageMayBeCleared => "浏览器在空间不足时可能清除本机数据：请及时上传，或“导出为文件”备份", "The browser may clear this data when space runs low: upload often, or save all as a file";
    Sealed => "已加密", "sealed";
    SealedCannotOpen => "答卷已加密，只有研究者能读取，不能再修改", "This response is sealed: only the researcher can read it, and it cannot be changed";
    CannotSeal => "无法加密：答卷已完成，留在本机，未上传。请用 https 地址打开后再次标记完成", "Could not seal: the response is complete and kept here, not sent. Open the app over https and mark it complete again";
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_beijing_time_to_the_minute() {
        for (at, shown) in [
            ("2026-07-08T06:03:59Z", "2026-07-08 14:03"),
            ("2026-07-08T20:30:00.000Z", "2026-07-09 04:30"),
            ("2026-07-08T14:03:00.000+08:00", "2026-07-08 14:03"),
            ("2026-07-08T01:00:00-05:00", "2026-07-08 14:00"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(super::beijing_time(at), shown, "{at}");
        }
    }
}
