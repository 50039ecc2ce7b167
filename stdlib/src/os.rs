//! The operating system library (manual §6.9).
//!
//! Time and date come from the `ostime` engine (the C library's own conversions); files,
//! processes, the environment and exiting go through the host services
//! (`State::host_*`). Locales: luna runs in the C locale only, so `setlocale` answers
//! "C" for the C locale (also named "POSIX", or "" for the environment's default) and
//! fails for any other.

use luna_interp::{LuaResult, State, Value};

use crate::ostime::{self, Date, DateFields, DateTime, Field, TimeError};
use crate::util::Reg;

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = crate::util::new_lib(st, FUNCS);
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("clock", clock),
    ("date", date),
    ("difftime", difftime),
    ("execute", execute),
    ("exit", exit),
    ("getenv", getenv),
    ("remove", remove),
    ("rename", rename),
    ("setlocale", setlocale),
    ("time", time),
    ("tmpname", tmpname),
];

fn time_error(st: &mut State, e: TimeError) -> luna_interp::LuaError {
    match e {
        TimeError::Arg { arg, msg } => st.arg_error(arg, &msg),
        TimeError::Msg(msg) => st.error(&msg),
    }
}

fn clock(st: &mut State) -> LuaResult<usize> {
    st.push_number(ostime::clock());
    Ok(1)
}

fn difftime(st: &mut State) -> LuaResult<usize> {
    let t1 = st.check_int(1)?;
    let t2 = st.check_int(2)?;
    st.push_number(ostime::difftime(t1, t2));
    Ok(1)
}

/// Stores the fields of `dt` into the table `t` (with metamethods, as `lua_setfield`).
fn set_all_fields(st: &mut State, t: Value, dt: &DateTime) -> LuaResult<()> {
    let fields: [(&str, i64); 8] = [
        ("year", dt.year),
        ("month", i64::from(dt.month)),
        ("day", i64::from(dt.day)),
        ("hour", i64::from(dt.hour)),
        ("min", i64::from(dt.min)),
        ("sec", i64::from(dt.sec)),
        ("yday", i64::from(dt.yday)),
        ("wday", i64::from(dt.wday)),
    ];
    for (name, v) in fields {
        let k = st.str_value(name);
        st.set_index(t, k, Value::Int(v))?;
    }
    if let Some(dst) = dt.isdst {
        let k = st.str_value("isdst");
        st.set_index(t, k, Value::Bool(dst))?;
    }
    Ok(())
}

fn date(st: &mut State) -> LuaResult<usize> {
    let format = match st.opt_str(1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"%c".to_vec(),
    };
    let t = if st.is_none_or_nil(2) {
        ostime::now()
    } else {
        st.check_int(2)?
    };
    match ostime::date(&format, t) {
        Ok(Date::Text(text)) => st.push_str(&text),
        Ok(Date::Table(dt)) => {
            let t = st.new_table_with(0, 9);
            st.push(Value::Table(t));
            set_all_fields(st, Value::Table(t), &dt)?;
        }
        Err(e) => return Err(time_error(st, e)),
    }
    Ok(1)
}

fn time(st: &mut State) -> LuaResult<usize> {
    if st.is_none_or_nil(1) {
        st.push_int(ostime::now());
        return Ok(1);
    }
    st.check_table(1)?;
    st.set_top(1);
    let t = st.arg(1);
    let field = |st: &mut State, name: &str| -> LuaResult<Field> {
        let k = st.str_value(name);
        let v = st.index(t, k)?;
        Ok(match v {
            Value::Nil => Field::Absent,
            v => match st.to_integer(v) {
                Some(n) => Field::Int(n),
                None => Field::NotInteger,
            },
        })
    };
    let year = field(st, "year")?;
    let month = field(st, "month")?;
    let day = field(st, "day")?;
    let hour = field(st, "hour")?;
    let min = field(st, "min")?;
    let sec = field(st, "sec")?;
    let k = st.str_value("isdst");
    let isdst = match st.index(t, k)? {
        Value::Nil => None,
        v => Some(v.truthy()),
    };
    let fields = DateFields {
        year,
        month,
        day,
        hour,
        min,
        sec,
        isdst,
    };
    let (dt, time) = ostime::mktime(&fields).map_err(|e| time_error(st, e))?;
    set_all_fields(st, t, &dt)?;
    match time {
        Some(time) => {
            st.push_int(time);
            Ok(1)
        }
        None => Err(st.error(ostime::TIME_UNREPRESENTABLE)),
    }
}

fn execute(st: &mut State) -> LuaResult<usize> {
    match st.opt_str(1)? {
        None => {
            let has = st.host_has_shell();
            st.push_bool(has);
            Ok(1)
        }
        Some(cmd) => {
            let cmd = cmd.as_bytes().to_vec();
            let r = st.host_execute(&cmd);
            let r = st.raise_denied(r)?;
            Ok(crate::io::exec_result(st, r))
        }
    }
}

fn exit(st: &mut State) -> LuaResult<usize> {
    let status = match st.arg(1) {
        Value::Bool(b) => {
            if b {
                0
            } else {
                1
            }
        }
        _ => st.opt_int(1, 0)? as i32,
    };
    let close = st.to_bool(2);
    crate::io::flush_all(st);
    st.host_exit(status, close)
}

fn getenv(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let r = st.host_getenv_checked(&name);
    match st.raise_denied(r)? {
        Ok(Some(v)) => st.push_str(&v),
        _ => st.push_nil(),
    }
    Ok(1)
}

/// Pushes `true`, or `nil, "[name: ]message", errno`.
fn file_result(st: &mut State, r: luna_interp::host::HostResult<()>, name: Option<&[u8]>) -> usize {
    match r {
        Ok(()) => {
            st.push_bool(true);
            1
        }
        Err(e) => {
            let mut msg = Vec::new();
            if let Some(name) = name {
                msg.extend_from_slice(name);
                msg.extend_from_slice(b": ");
            }
            msg.extend_from_slice(e.message.as_bytes());
            st.push_nil();
            st.push_str(&msg);
            st.push_int(i64::from(e.errno));
            3
        }
    }
}

fn remove(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let r = st.host_remove(&name);
    let r = st.raise_denied(r)?;
    Ok(file_result(st, r, Some(&name)))
}

fn rename(st: &mut State) -> LuaResult<usize> {
    let from = st.check_str(1)?.as_bytes().to_vec();
    let to = st.check_str(2)?.as_bytes().to_vec();
    let r = st.host_rename(&from, &to);
    let r = st.raise_denied(r)?;
    Ok(file_result(st, r, None))
}

fn tmpname(st: &mut State) -> LuaResult<usize> {
    let r = st.host_tmpname();
    match st.raise_denied(r)? {
        Ok(name) => {
            st.push_str(&name);
            Ok(1)
        }
        Err(_) => Err(st.error("unable to generate a unique filename")),
    }
}

fn setlocale(st: &mut State) -> LuaResult<usize> {
    const CATEGORIES: &[&str] = &["all", "collate", "ctype", "monetary", "numeric", "time"];
    let locale = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    st.check_option(2, Some("all"), CATEGORIES)?;
    match locale.as_deref() {
        None | Some(b"" | b"C" | b"POSIX") => st.push_str("C"),
        Some(_) => st.push_nil(),
    }
    Ok(1)
}
