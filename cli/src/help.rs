//! clap's own texts in both languages: the help's headings, the help and version flags,
//! defaults and allowed values, and usage errors (clap writes these in English only).

use std::fmt::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// The help page: as clap's, with the usage heading in both languages.
const TEMPLATE: &str =
    "{before-help}{about-with-newline}\n用法 / Usage: {usage}\n\n{all-args}{after-help}";
const OPTIONS: &str = "选项 / Options";
const ARGUMENTS: &str = "参数 / Arguments";
const COMMANDS: &str = "命令 / Commands";
const HELP_ABOUT: &str = "显示帮助，或某个命令的帮助 / Print this help or a command's help";

/// `cmd` and every subcommand under it with clap's texts in Chinese and English.
pub(crate) fn bilingual(cmd: Command) -> Command {
    let mut cmd = flags(cmd);
    // clap completes the arguments (how many values each takes) and adds its `help`
    // subcommands when the command is built; their texts are given after.
    cmd.build();
    built_texts(cmd)
}

/// The help page's template and headings, and the help and version flags, which must be
/// given before the command is built.
fn flags(cmd: Command) -> Command {
    let has_version = cmd.get_version().is_some();
    let mut cmd =
        cmd.help_template(TEMPLATE).subcommand_help_heading(COMMANDS).disable_help_flag(true).arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助 / Print help"),
        );
    if has_version {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本 / Print version"),
        );
    }
    cmd.mut_subcommands(flags)
}

/// The arguments' texts, and clap's `help` subcommands, under `cmd` once built.
fn built_texts(cmd: Command) -> Command {
    cmd.mut_args(bilingual_arg).mut_subcommands(|sub| {
        if sub.get_name() == "help" {
            // It lists the commands it can show, itself among them.
            sub.about(HELP_ABOUT)
                .help_template(TEMPLATE)
                .subcommand_help_heading(COMMANDS)
                .mut_args(bilingual_arg)
                .mut_subcommand("help", |help| help.about(HELP_ABOUT))
        } else {
            built_texts(sub)
        }
    })
}

/// An argument under a heading in both languages, its default and allowed values in
/// its help text rather than clap's English brackets.
fn bilingual_arg(arg: Arg) -> Arg {
    let heading = if arg.get_help_heading().is_some() {
        None
    } else if arg.is_positional() {
        Some(ARGUMENTS)
    } else {
        Some(OPTIONS)
    };
    let mut help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let defaults: Vec<String> =
        arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    let takes_values = arg.get_num_args().is_some_and(|n| n.takes_values());
    let values: Vec<String> = if takes_values && !arg.is_hide_possible_values_set() {
        arg.get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect()
    } else {
        Vec::new()
    };
    if !values.is_empty() {
        let _ = write!(help, " [可选 / one of: {}]", values.join(", "));
    }
    if takes_values && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        let _ = write!(help, " [默认 / default: {}]", defaults.join(", "));
    }
    let mut arg = arg.help(help);
    if takes_values {
        arg = arg.hide_default_value(true).hide_possible_values(true);
    }
    if let Some(heading) = heading {
        arg = arg.help_heading(heading);
    }
    arg
}

/// What went wrong in the command line, in Chinese, for the line above clap's English.
pub(crate) fn error_in_chinese(error: &clap::Error) -> &'static str {
    // clap reports `--bind` given without its value as an empty invalid value.
    let no_value = matches!(
        error.get(ContextKind::InvalidValue),
        Some(ContextValue::String(value)) if value.is_empty()
    );
    match error.kind() {
        ErrorKind::InvalidValue if no_value => "缺少参数的值",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "参数的值无效",
        ErrorKind::UnknownArgument => "没有这个选项或参数",
        ErrorKind::InvalidSubcommand => "没有这个命令",
        ErrorKind::NoEquals => "这个选项的值要用等号给出",
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => "参数的值个数不对",
        ErrorKind::TooFewValues => "参数的值太少",
        ErrorKind::ArgumentConflict => "这些选项不能一起用",
        ErrorKind::MissingRequiredArgument => "缺少必需的参数",
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令"
        }
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文本",
        _ => "命令行有误",
    }
}
