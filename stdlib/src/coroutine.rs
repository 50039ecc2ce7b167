//! The coroutine library (manual §6.2).

use luna_interp::thread::{Thread, ThreadStatus};
use luna_interp::{Gc, LuaError, LuaResult, State, Value};

use crate::util::{new_lib, Reg};

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = new_lib(st, FUNCS);
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("close", close),
    ("create", create),
    ("isyieldable", isyieldable),
    ("resume", resume),
    ("running", running),
    ("status", status),
    ("wrap", wrap),
    ("yield", yield_),
];

fn get_co(st: &mut State, i: usize) -> LuaResult<Gc<Thread>> {
    match st.arg(i) {
        Value::Thread(t) => Ok(t),
        _ => Err(st.type_error(i, "coroutine")),
    }
}

fn create(st: &mut State) -> LuaResult<usize> {
    let f = st.check_function(1)?;
    let co = st.new_thread(f);
    st.push(Value::Thread(co));
    Ok(1)
}

/// Resumes `co` with `nargs` values from the top; pushes the results or the error.
fn aux_resume(st: &mut State, co: Gc<Thread>, nargs: usize) -> Result<usize, LuaError> {
    st.resume(co, nargs)
}

fn resume(st: &mut State) -> LuaResult<usize> {
    let co = get_co(st, 1)?;
    let nargs = st.arg_count() - 1;
    match aux_resume(st, co, nargs) {
        Ok(n) => {
            // Results are at the top: put `true` before them.
            let first = st.arg_count() - n + 1;
            st.insert(first, Value::Bool(true));
            Ok(n + 1)
        }
        Err(e) if e.is_catchable() => {
            let err = st.take_error();
            st.push_bool(false);
            st.push(err);
            Ok(2)
        }
        Err(e) => Err(e),
    }
}

fn wrap_aux(st: &mut State) -> LuaResult<usize> {
    let Value::Thread(co) = st.upvalue(1) else {
        return Err(st.error("cannot resume dead coroutine"));
    };
    let nargs = st.arg_count();
    match aux_resume(st, co, nargs) {
        Ok(n) => Ok(n),
        Err(e) if e.is_catchable() => {
            let mut err = st.take_error();
            if co.status() == ThreadStatus::Dead {
                // Close the dead coroutine's pending variables; their errors win.
                if st.close_thread(co).is_err() {
                    err = st.take_error();
                }
            }
            if let Value::Str(s) = err {
                let mut full = st.where_(1).into_bytes();
                full.extend_from_slice(s.as_bytes());
                err = st.str_value(&full);
            }
            Err(st.throw(err))
        }
        Err(e) => Err(e),
    }
}

fn wrap(st: &mut State) -> LuaResult<usize> {
    let f = st.check_function(1)?;
    let co = st.new_thread(f);
    let c = st.new_native_closure(wrap_aux, vec![Value::Thread(co)]);
    st.push(Value::NativeClosure(c));
    Ok(1)
}

fn yield_(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    st.yield_values(n)
}

fn status_name(st: &State, co: Gc<Thread>) -> &'static str {
    if co.ptr_eq(st.current_thread()) {
        return "running";
    }
    match co.status() {
        ThreadStatus::Suspended => "suspended",
        ThreadStatus::Running => "running",
        ThreadStatus::Normal => "normal",
        ThreadStatus::Dead => "dead",
    }
}

fn status(st: &mut State) -> LuaResult<usize> {
    let co = get_co(st, 1)?;
    let s = status_name(st, co);
    st.push_str(s);
    Ok(1)
}

fn running(st: &mut State) -> LuaResult<usize> {
    let cur = st.current_thread();
    st.push(Value::Thread(cur));
    let main = st.is_main_thread();
    st.push_bool(main);
    Ok(2)
}

fn isyieldable(st: &mut State) -> LuaResult<usize> {
    let y = if st.is_none(1) {
        st.is_yieldable()
    } else {
        let co = get_co(st, 1)?;
        if co.ptr_eq(st.current_thread()) {
            st.is_yieldable()
        } else {
            !co.ptr_eq(st.main_thread()) && co.status() != ThreadStatus::Running
        }
    };
    st.push_bool(y);
    Ok(1)
}

fn close(st: &mut State) -> LuaResult<usize> {
    let co = get_co(st, 1)?;
    match status_name(st, co) {
        "dead" | "suspended" => match st.close_thread(co) {
            Ok(()) => {
                st.push_bool(true);
                Ok(1)
            }
            Err(e) if e.is_catchable() => {
                let err = st.take_error();
                st.push_bool(false);
                st.push(err);
                Ok(2)
            }
            Err(e) => Err(e),
        },
        other => {
            let msg = format!("cannot close a {} coroutine", other);
            Err(st.error(&msg))
        }
    }
}
