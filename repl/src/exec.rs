//! Running code from the command line and the REPL: protected calls with `lua.c`'s message
//! handler, Ctrl-C routed to the state, and the text of errors.
//!
//! Every call into Lua made by the front end goes through `docall` or `protected`, so an
//! error never leaves frames behind: after a catchable error the stack is cut back to where
//! the called function was; after an uncatchable one (an interrupt, a limit) the state is
//! reset to that level with `reset_after_uncatchable`. In both cases the error comes back as
//! the text to print.

use std::io::Write;

use luna_interp::{CallStatus, LuaResult, NativeFn, State, Value};

/// The native function every chunk of the command line and the REPL runs in, as `lua` runs
/// them inside its C function `pmain`: tracebacks (of errors and of `debug.traceback`) end
/// with its line, `[C]: in ?`, as `lua`'s do. Its arguments are the function to call and the
/// function's arguments; it returns all the function's results.
fn entry(st: &mut State) -> LuaResult<usize> {
    let func = st.abs_index(1);
    st.call_at(func, luna_interp::call::MULTRET)?;
    Ok(st.abs_top() - func)
}

/// Message handler (`msghandler` of lua.c): a string (or number) error gets a traceback;
/// another value is replaced by what its `__tostring` returns when that is a string, or else
/// by "(error object is a X value)" with a traceback.
fn msg_handler(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let msg: Vec<u8> = match st.coerce_to_str(v) {
        Some(s) => s.as_bytes().to_vec(),
        None => {
            let tm = st.get_metafield(v, "__tostring");
            if !tm.is_nil() {
                let n = st.call_value(tm, &[v], 1)?;
                if n == 1 {
                    if let Value::Str(_) = st.arg(st.arg_count()) {
                        return Ok(1);
                    }
                }
            }
            format!("(error object is a {} value)", v.type_name()).into_bytes()
        }
    };
    let th = st.current_thread();
    let tb = st.traceback(th, Some(&msg), 1);
    st.push_str(&tb);
    Ok(1)
}

/// The text to print for an error value (`lua_tostring`, or a description).
pub fn error_text(st: &mut State, v: Value) -> Vec<u8> {
    match st.coerce_to_str(v) {
        Some(s) => s.as_bytes().to_vec(),
        None => format!("(error object is a {} value)", v.type_name()).into_bytes(),
    }
}

/// Calls the function below the `nargs` values at the top of the stack, with the traceback
/// handler and Ctrl-C turned into an interrupt (`docall` of lua.c). On success the results
/// (`nres`, or all with `MULTRET`) replace the function and its arguments. On failure the
/// stack is cut back to below the function and the message to print is returned.
pub fn docall(st: &mut State, nargs: usize, nres: i32) -> Result<(), Vec<u8>> {
    let func = st.abs_top() - nargs - 1;
    let base = st.abs_index(1);
    // The handler goes below the function (slot numbers are 1-based within the frame), the
    // native entry between them.
    st.insert(func - base + 1, Value::Native(msg_handler));
    st.insert(func - base + 2, Value::Native(entry));
    let flag = st.interrupt_handle();
    let soft = st.soft_interrupt_handle();
    // A Ctrl-C that came after the last chunk ended must not stop this one.
    flag.store(false, std::sync::atomic::Ordering::SeqCst);
    soft.store(false, std::sync::atomic::Ordering::SeqCst);
    crate::signals::catch_interrupts(flag, soft);
    let r = st.pcall_k(func + 1, nres, func, None, 0);
    crate::signals::default_interrupts();
    finish_call(st, func, r, true)
}

/// Calls native `f` with `args` in protected mode, without a message handler. On success its
/// results are left on the stack (all of them) and their count returned.
pub fn protected(st: &mut State, f: NativeFn, args: &[Value]) -> Result<usize, Vec<u8>> {
    let func = st.abs_top();
    st.push(Value::Native(f));
    for &a in args {
        st.push(a);
    }
    pcall(st, args.len(), luna_interp::call::MULTRET)?;
    Ok(st.abs_top() - func)
}

/// Calls the function below the `nargs` values at the top in protected mode, without a
/// message handler; results as in `docall`.
pub fn pcall(st: &mut State, nargs: usize, nres: i32) -> Result<(), Vec<u8>> {
    let func = st.abs_top() - nargs - 1;
    let r = st.pcall_k(func, nres, 0, None, 0);
    finish_call(st, func, r, false)
}

/// Common end of a protected call whose function was at `func` (with the handler below it
/// when `handler`).
fn finish_call(
    st: &mut State,
    func: usize,
    r: LuaResult<CallStatus>,
    handler: bool,
) -> Result<(), Vec<u8>> {
    let base = st.abs_index(1);
    match r {
        Ok(CallStatus::Ok | CallStatus::Yielded) => {
            if handler {
                st.remove(func - base + 1);
            }
            Ok(())
        }
        Ok(CallStatus::Error(_)) => {
            let e = st.take_error();
            let msg = error_text(st, e);
            st.set_top(func - base);
            Err(msg)
        }
        Err(_) => {
            // Not catchable (Ctrl-C, a limit): the kernel left its frames; drop them.
            let e = st.take_error();
            let msg = error_text(st, e);
            st.reset_after_uncatchable(func);
            Err(msg)
        }
    }
}

/// Prints `progname: msg` (or just `msg` without a program name) on stderr (`l_message`).
pub fn message(progname: Option<&str>, msg: &[u8]) {
    let mut out = Vec::with_capacity(msg.len() + 32);
    if let Some(p) = progname {
        out.extend_from_slice(p.as_bytes());
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(msg);
    out.push(b'\n');
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(&out);
    let _ = e.flush();
}

/// Reports a failure (`report`): true when `r` is a success.
pub fn report<T>(progname: Option<&str>, r: Result<T, Vec<u8>>) -> bool {
    match r {
        Ok(_) => true,
        Err(msg) => {
            message(progname, &msg);
            false
        }
    }
}

/// Compiles a chunk; a syntax error comes back as its message.
pub fn load(st: &mut State, chunk: &[u8], name: &[u8]) -> Result<Value, Vec<u8>> {
    match st.load(chunk, name, "bt", None) {
        Ok(f) => Ok(Value::LuaFn(f)),
        Err(_) => {
            let e = st.take_error();
            Err(error_text(st, e))
        }
    }
}
