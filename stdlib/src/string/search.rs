//! `string.find`, `match`, `gmatch` and `gsub`: bindings of the pattern engine.

use luna_interp::userdata::UserData;
use luna_interp::{LuaError, LuaResult, State, Value};

use crate::pattern::{self, Capture, Gmatch, Gsub, Match, PatternError};

fn pattern_error(st: &mut State, e: PatternError) -> LuaError {
    st.error(&e.to_string())
}

/// The value of capture `i` of `m` (a substring of `subject`, or a position).
fn capture_value(st: &mut State, m: &Match, subject: &[u8], i: usize) -> LuaResult<Value> {
    match m.get(i) {
        Ok(Capture::Slice { start, end }) => Ok(st.str_value(&subject[start..end])),
        Ok(Capture::Position(p)) => Ok(Value::Int(p as i64)),
        Err(e) => Err(pattern_error(st, e)),
    }
}

/// Pushes captures `0..n` of `m`; returns `n`.
fn push_captures(st: &mut State, m: &Match, subject: &[u8], n: usize) -> LuaResult<usize> {
    st.check_stack(n, "too many captures")?;
    for i in 0..n {
        let v = capture_value(st, m, subject, i)?;
        st.push(v);
    }
    Ok(n)
}

/// `find` and `match`: the same search with different results.
fn find_aux(st: &mut State, find: bool) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let subject = s.as_bytes();
    let r = if find {
        let plain = st.to_bool(4);
        pattern::string_find(subject, p.as_bytes(), init, plain)
    } else {
        pattern::string_match(subject, p.as_bytes(), init)
    };
    match r {
        Ok(Some(m)) => {
            if find {
                st.push_int(m.start() as i64 + 1);
                st.push_int(m.end() as i64);
                let n = push_captures(st, &m, subject, m.capture_count())?;
                Ok(n + 2)
            } else {
                push_captures(st, &m, subject, m.value_count())
            }
        }
        Ok(None) => {
            st.push_nil();
            Ok(1)
        }
        Err(e) => Err(pattern_error(st, e)),
    }
}

pub(super) fn find(st: &mut State) -> LuaResult<usize> {
    find_aux(st, true)
}

pub(super) fn match_(st: &mut State) -> LuaResult<usize> {
    find_aux(st, false)
}

/// `gmatch(s, p [, init])`: an iterator closure over the subject, the pattern and the
/// iteration state (a userdata holding a `Gmatch`).
pub(super) fn gmatch(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let state = st.new_userdata(Box::new(Gmatch::new(s.len(), init)), 0);
    let c = st.new_native_closure(
        gmatch_next,
        vec![Value::Str(s), Value::Str(p), Value::UserData(state)],
    );
    st.push(Value::NativeClosure(c));
    Ok(1)
}

fn gmatch_next(st: &mut State) -> LuaResult<usize> {
    let (Value::Str(s), Value::Str(p), Value::UserData(u)) =
        (st.upvalue(1), st.upvalue(2), st.upvalue(3))
    else {
        return Ok(0);
    };
    let subject = s.as_bytes();
    let r = UserData::with_mut::<Gmatch, _>(u, |g| g.next(subject, p.as_bytes()));
    match r {
        Some(Ok(Some(m))) => push_captures(st, &m, subject, m.value_count()),
        Some(Ok(None)) | None => Ok(0),
        Some(Err(e)) => Err(pattern_error(st, e)),
    }
}

/// What `gsub` replaces matches with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repl {
    Str,
    Table,
    Function,
}

pub(super) fn gsub(st: &mut State) -> LuaResult<usize> {
    let src = st.check_str(1)?;
    let p = st.check_str(2)?;
    let repl = st.arg(3);
    let max = if st.is_none_or_nil(4) {
        None
    } else {
        Some(st.check_int(4)?)
    };
    let kind = match repl {
        Value::Str(_) | Value::Int(_) | Value::Float(_) => Repl::Str,
        Value::Table(_) => Repl::Table,
        v if v.is_function() => Repl::Function,
        _ => return Err(st.type_error(3, "string/function/table")),
    };
    // A numeric replacement is used as its string form (converted in place, as Lua does).
    let repl_str = if kind == Repl::Str {
        Some(st.check_str(3)?)
    } else {
        None
    };
    let subject = src.as_bytes();
    let pat = p.as_bytes();
    let mut out = super::take_buffer(subject.len());
    let mut g = Gsub::new(pat, max);
    let mut changed = false;
    loop {
        let m = match g.next(subject, pat, &mut out) {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => return Err(pattern_error(st, e)),
        };
        let whole = &subject[m.start()..m.end()];
        match kind {
            Repl::Str => {
                let r = repl_str.as_ref().map(|s| s.as_bytes()).unwrap_or(b"");
                if let Err(e) = pattern::expand_replacement(&m, subject, r, &mut out) {
                    return Err(pattern_error(st, e));
                }
                changed = true;
            }
            Repl::Table | Repl::Function => {
                let v = if kind == Repl::Table {
                    let key = capture_value(st, &m, subject, 0)?;
                    st.index(repl, key)?
                } else {
                    let func = st.abs_top();
                    st.push(repl);
                    push_captures(st, &m, subject, m.value_count())?;
                    st.call_at(func, 1)?;
                    st.pop()
                };
                match v {
                    Value::Nil | Value::Bool(false) => out.extend_from_slice(whole),
                    Value::Str(s) => {
                        out.extend_from_slice(s.as_bytes());
                        changed = true;
                    }
                    Value::Int(_) | Value::Float(_) => {
                        luna_interp::meta::append_tostring_basic(&mut out, v);
                        changed = true;
                    }
                    other => {
                        let msg = format!("invalid replacement value (a {})", other.type_name());
                        return Err(st.error(&msg));
                    }
                }
            }
        }
    }
    if changed {
        st.push_str(&out);
        super::give_back(out);
    } else {
        st.push(Value::Str(src));
    }
    st.push_int(g.count());
    Ok(2)
}
