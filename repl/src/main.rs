//! The `luna` command: runs Lua scripts as `lua` does, checks files (`--check`), and offers an
//! interactive REPL.
//!
//! Map: `args.rs` (the command line), `cli.rs` (running it, as lua.c's `pmain`), `exec.rs`
//! (protected calls, message handler, error text), `signals.rs` (Ctrl-C), `repl.rs` (the
//! loop), `editor.rs` (the terminal line editor), `complete.rs` (tab completion),
//! `highlight.rs` (syntax colours), `pretty.rs` (tables shown at the terminal).

mod args;
mod cli;
mod complete;
mod editor;
mod exec;
mod highlight;
mod permissions_flags;
mod pretty;
mod repl;
mod signals;

fn main() {
    signals::default_sigpipe();
    let code = cli::main();
    std::process::exit(code);
}
