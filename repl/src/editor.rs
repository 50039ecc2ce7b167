//! The line editor at a terminal (rustyline): history, completion from the live state, and
//! syntax highlighting.
//!
//! The REPL loop owns the state. While a line is being read, it lends the state to the
//! editor's helper by moving its `&mut State` into the helper and taking it back when
//! `readline` returns; completion borrows it from there (on the same thread, inside
//! `readline`). Nothing else touches the state meanwhile, and the borrow checker sees an
//! ordinary move of a unique reference, so no `unsafe` is needed.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::PathBuf;

use luna_interp::State;
use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

/// What reading a line gave.
pub enum Read {
    Line(Vec<u8>),
    /// Ctrl-C at the prompt: the line is dropped.
    Interrupted,
    /// Ctrl-D on an empty line, or the terminal went away.
    Eof,
}

pub struct LuaHelper<'a> {
    state: RefCell<Option<&'a mut State>>,
    colors: bool,
}

impl Completer for LuaHelper<'_> {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let mut guard = self.state.borrow_mut();
        match guard.as_deref_mut() {
            Some(st) => Ok(crate::complete::complete(st, line, pos)),
            None => Ok((pos, Vec::new())),
        }
    }
}

impl Hinter for LuaHelper<'_> {
    type Hint = String;
}

impl Validator for LuaHelper<'_> {}

impl Highlighter for LuaHelper<'_> {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.colors {
            crate::highlight::highlight(line)
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.colors && kind != CmdKind::MoveCursor
    }
}

impl Helper for LuaHelper<'_> {}

pub struct LineEditor<'a> {
    editor: Editor<LuaHelper<'a>, FileHistory>,
    history: Option<PathBuf>,
}

/// `$LUNA_HISTORY`, else `~/.luna_history`; an empty `LUNA_HISTORY` turns history files off.
fn history_path() -> Option<PathBuf> {
    match std::env::var_os("LUNA_HISTORY") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".luna_history")),
    }
}

impl<'a> LineEditor<'a> {
    pub fn new() -> Option<LineEditor<'a>> {
        let config = Config::builder()
            .max_history_size(1000)
            .ok()?
            .history_ignore_dups(true)
            .ok()?
            .history_ignore_space(false)
            .completion_type(CompletionType::List)
            .auto_add_history(false)
            .build();
        let mut editor: Editor<LuaHelper<'a>, FileHistory> = Editor::with_config(config).ok()?;
        let colors = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        editor.set_helper(Some(LuaHelper {
            state: RefCell::new(None),
            colors,
        }));
        let history = history_path();
        if let Some(p) = &history {
            // A missing file is a first session; an unreadable one just means no history.
            let _ = editor.load_history(p);
        }
        Some(LineEditor { editor, history })
    }

    /// Reads a line with `prompt`, lending `st` to completion meanwhile; gives `st` back.
    pub fn read(&mut self, st: &'a mut State, prompt: &str) -> (&'a mut State, Read) {
        let helper = self.editor.helper_mut().expect("helper set in new");
        *helper.state.borrow_mut() = Some(st);
        let r = self.editor.readline(prompt);
        let helper = self.editor.helper_mut().expect("helper set in new");
        let st = helper
            .state
            .borrow_mut()
            .take()
            .expect("state lent for the read");
        let read = match r {
            Ok(line) => Read::Line(line.into_bytes()),
            Err(ReadlineError::Interrupted) => Read::Interrupted,
            Err(_) => Read::Eof,
        };
        (st, read)
    }

    /// Adds a chunk to the history, and to the history file at once (so it survives
    /// `os.exit` and crashes).
    pub fn remember(&mut self, chunk: &[u8]) {
        let text = String::from_utf8_lossy(chunk);
        if text.trim().is_empty() {
            return;
        }
        if matches!(self.editor.add_history_entry(text.as_ref()), Ok(true)) {
            if let Some(p) = &self.history {
                if self.editor.append_history(p).is_err() {
                    // Maybe the file's directory is gone; retry by writing it whole.
                    let _ = self.editor.save_history(p);
                }
            }
        }
    }

    /// The terminal's width in columns.
    pub fn width(&mut self) -> usize {
        self.editor
            .dimensions()
            .map_or(80, |(cols, _)| cols as usize)
    }
}
