//! Parsing the `luna` command line, as `collectargs` in `lua.c` does.
//!
//! Options are read left to right up to the script name (the first argument not starting
//! with `-`, or `-` for stdin, or whatever follows `--`). Everything after the script goes
//! to the script. The options that run code (`-e`, `-l`, `-W`) are kept as a list of
//! actions, run later in the order given; the others set flags. Long options (`--name` or
//! `--name=value`) are luna's own: each is one arm of `long_option`, so the permission and
//! limit flags of the sandbox can be added there without touching the rest.

/// One option that acts on the state, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `-e stat`: run `stat` as a chunk named `=(command line)`.
    Execute(String),
    /// `-l mod` or `-l g=mod`: `g = require(mod)`.
    Require { global: String, module: String },
    /// `-W`: turn warnings on.
    WarningsOn,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run as `lua` does.
    Run(Options),
    /// `--check FILE...`: parse and compile only.
    Check(Vec<String>),
    /// `--help`: print the usage text.
    Help,
}

/// The options of a `Run`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub actions: Vec<Action>,
    /// `-i`: the REPL after the script.
    pub interactive: bool,
    /// `-v` (or `-i`, `--version`): print the version first.
    pub version: bool,
    /// `-E`: ignore `LUA_*` environment variables.
    pub ignore_env: bool,
    /// Some `-e` was given (then stdin is not run and the REPL is not started by default).
    pub has_execute: bool,
    /// Index in argv of the script name (`-` meaning stdin unless it follows `--`).
    pub script: Option<usize>,
    /// Permissions, file-system provider and limits (`permissions_flags.rs`).
    pub sandbox: crate::permissions_flags::SandboxFlags,
}

/// A bad command line: the message to print before the usage text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

/// Scans `argv` (with the program name at 0).
pub fn parse(argv: &[String]) -> Result<Command, UsageError> {
    let mut o = Options::default();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if !a.starts_with('-') {
            o.script = Some(i);
            return Ok(Command::Run(o));
        }
        match a {
            "-" => {
                o.script = Some(i);
                return Ok(Command::Run(o));
            }
            "--" => {
                // Nothing after `--` means no script (Lua 5.4.6 reads past argv there).
                o.script = (i + 1 < argv.len()).then_some(i + 1);
                return Ok(Command::Run(o));
            }
            "-E" => o.ignore_env = true,
            "-W" => o.actions.push(Action::WarningsOn),
            "-i" => {
                o.interactive = true;
                o.version = true;
            }
            "-v" => o.version = true,
            "--fs" => {
                i += 1;
                let v = argv.get(i).map(String::as_str);
                o.sandbox.parse("fs", v).map_err(UsageError)?;
            }
            _ if a.starts_with("--") => {
                let (name, value) = match a[2..].split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (&a[2..], None),
                };
                match long_option(name, value, a, &mut o)? {
                    LongOutcome::Continue => {}
                    LongOutcome::Help => return Ok(Command::Help),
                    LongOutcome::Check => return Ok(Command::Check(argv[i + 1..].to_vec())),
                }
            }
            _ if a.starts_with("-e") || a.starts_with("-l") => {
                let opt = &a[..2];
                let value = if a.len() > 2 {
                    a[2..].to_string()
                } else {
                    i += 1;
                    match argv.get(i) {
                        Some(v) if !v.starts_with('-') => v.clone(),
                        _ => return Err(UsageError(format!("'{}' needs argument", opt))),
                    }
                };
                if opt == "-e" {
                    o.has_execute = true;
                    o.actions.push(Action::Execute(value));
                } else {
                    let (global, module) = match value.split_once('=') {
                        Some((g, m)) => (g.to_string(), m.to_string()),
                        None => (value.clone(), value),
                    };
                    o.actions.push(Action::Require { global, module });
                }
            }
            _ => return Err(unrecognized(a)),
        }
        i += 1;
    }
    Ok(Command::Run(o))
}

fn unrecognized(a: &str) -> UsageError {
    UsageError(format!("unrecognized option '{}'", a))
}

enum LongOutcome {
    Continue,
    Help,
    Check,
}

/// luna's long options. `value` is the part after `=`, if any.
fn long_option(
    name: &str,
    value: Option<&str>,
    whole: &str,
    o: &mut Options,
) -> Result<LongOutcome, UsageError> {
    let no_value = |out: LongOutcome| match value {
        None => Ok(out),
        Some(_) => Err(UsageError(format!("option '--{}' takes no value", name))),
    };
    match name {
        "help" => no_value(LongOutcome::Help),
        "check" => no_value(LongOutcome::Check),
        "version" => {
            o.version = true;
            no_value(LongOutcome::Continue)
        }
        _ if crate::permissions_flags::is_sandbox_flag(name) => {
            o.sandbox.parse(name, value).map_err(UsageError)?;
            Ok(LongOutcome::Continue)
        }
        _ => Err(unrecognized(whole)),
    }
}

/// The usage text (`print_usage` of lua.c, plus luna's long options).
pub fn usage(progname: &str) -> String {
    format!(
        "usage: {progname} [options] [script [args]]\n\
         Available options are:\n\
         \x20 -e stat   execute string 'stat'\n\
         \x20 -i        enter interactive mode after executing 'script'\n\
         \x20 -l mod    require library 'mod' into global 'mod'\n\
         \x20 -l g=mod  require library 'mod' into global 'g'\n\
         \x20 -v        show version information\n\
         \x20 -E        ignore environment variables\n\
         \x20 -W        turn warnings on\n\
         \x20 --        stop handling options\n\
         \x20 -         stop handling options and execute stdin\n\
         \x20 --check   only parse and compile the files that follow\n\
         \x20 --version show version information\n\
         \x20 --help    show this help\n\
         {}",
        crate::permissions_flags::USAGE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        std::iter::once("luna")
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    }

    fn run(args: &[&str]) -> Options {
        match parse(&argv(args)) {
            Ok(Command::Run(o)) => o,
            other => panic!("{:?}", other),
        }
    }

    fn err(args: &[&str]) -> String {
        match parse(&argv(args)) {
            Err(UsageError(m)) => m,
            other => panic!("{:?}", other),
        }
    }

    #[test]
    fn options_stop_at_the_script() {
        let o = run(&["-e", "x=1", "s.lua", "-e", "y"]);
        assert_eq!(o.script, Some(3));
        assert_eq!(o.actions, vec![Action::Execute("x=1".into())]);
        assert!(o.has_execute);
    }

    #[test]
    fn stdin_and_double_dash() {
        assert_eq!(run(&["-"]).script, Some(1));
        assert_eq!(run(&["--", "-"]).script, Some(2));
        assert_eq!(run(&["--"]).script, None);
        assert_eq!(run(&["-W", "--", "-x"]).script, Some(3));
    }

    #[test]
    fn require_forms_and_order() {
        let o = run(&["-lstring", "-l", "m=math", "-W", "-e", "print(1)"]);
        assert_eq!(
            o.actions,
            vec![
                Action::Require {
                    global: "string".into(),
                    module: "string".into()
                },
                Action::Require {
                    global: "m".into(),
                    module: "math".into()
                },
                Action::WarningsOn,
                Action::Execute("print(1)".into()),
            ]
        );
        // -l alone does not count as -e (stdin still runs).
        assert!(!run(&["-lstring"]).has_execute);
    }

    #[test]
    fn flags() {
        let o = run(&["-i", "-E"]);
        assert!(o.interactive && o.version && o.ignore_env);
        assert!(run(&["--version"]).version);
        assert_eq!(parse(&argv(&["--help"])), Ok(Command::Help));
        assert_eq!(
            parse(&argv(&["--check", "a", "-b"])),
            Ok(Command::Check(vec!["a".into(), "-b".into()]))
        );
    }

    #[test]
    fn bad_options() {
        assert_eq!(err(&["-h"]), "unrecognized option '-h'");
        assert_eq!(err(&["---"]), "unrecognized option '---'");
        assert_eq!(err(&["-Ex"]), "unrecognized option '-Ex'");
        assert_eq!(err(&["-vv"]), "unrecognized option '-vv'");
        assert_eq!(err(&["-iv"]), "unrecognized option '-iv'");
        assert_eq!(err(&["-e"]), "'-e' needs argument");
        assert_eq!(err(&["-l"]), "'-l' needs argument");
        assert_eq!(err(&["-e", "-x"]), "'-e' needs argument");
        assert_eq!(err(&["--frobnicate"]), "unrecognized option '--frobnicate'");
        assert_eq!(err(&["--help=x"]), "option '--help' takes no value");
        // The first bad option wins, even after good ones.
        assert_eq!(err(&["-v", "-x", "-y"]), "unrecognized option '-x'");
    }
}
