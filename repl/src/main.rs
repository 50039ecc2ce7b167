//! The `luna` command: runs Lua scripts as `lua` does, checks files (`--check`), and offers an
//! interactive REPL.

mod cli;
mod repl;
mod signals;

fn main() {
    let code = cli::main();
    std::process::exit(code);
}
