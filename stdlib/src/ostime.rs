//! Time and date for `os.time`, `os.date`, `os.clock` and `os.difftime`.
//!
//! Conversions between `time_t` and broken-down time, `mktime`'s normalisation, and
//! `strftime` are the C library's (`gmtime_r`, `localtime_r`, `mktime`, `strftime`,
//! `clock`), called through the `libc` crate, exactly as PUC-Lua calls them. This is the one
//! way to get results identical to PUC-Lua's: local time depends on the system time zone
//! database and the `TZ` variable, and `mktime`'s handling of out-of-range fields and of
//! `isdst` hints around DST transitions is the platform's own. The FFI calls are the only
//! `unsafe` code here, each in a small function with its safety argument; everything else is
//! safe Rust on [`DateTime`], a plain value.
//!
//! Formatting runs in whatever `LC_TIME` locale the process has, which is "C" unless the
//! host changed it (Lua's `os.setlocale` would too).

use std::ffi::c_char;
use std::fmt;

/// An error for the binding layer: an argument error ("bad argument #arg to 'f' (msg)") or
/// a plain message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    Arg { arg: usize, msg: String },
    Msg(String),
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Arg { arg, msg } => write!(f, "bad argument #{arg} ({msg})"),
            TimeError::Msg(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for TimeError {}

/// The message `os.time` raises when `mktime` fails (after updating the table's fields).
pub const TIME_UNREPRESENTABLE: &str = "time result cannot be represented in this installation";

/// The message `os.date` raises when the time has no broken-down form.
pub const DATE_UNREPRESENTABLE: &str = "date result cannot be represented in this installation";

/// A broken-down time in the conventions of the table `os.date("*t")` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Full year (`tm_year + 1900`).
    pub year: i64,
    /// 1-12.
    pub month: i32,
    /// 1-31.
    pub day: i32,
    pub hour: i32,
    pub min: i32,
    /// 0-60 (a leap second is possible).
    pub sec: i32,
    /// Day of the week, 1 = Sunday.
    pub wday: i32,
    /// Day of the year, 1 = January 1st.
    pub yday: i32,
    /// Daylight saving time in effect; `None` when unknown (Lua then leaves the field out).
    pub isdst: Option<bool>,
    /// Seconds east of UTC (for `%z`).
    pub utc_offset: i64,
    /// Time zone abbreviation (for `%Z`), NUL-free.
    zone: [u8; 16],
    zone_len: u8,
}

impl DateTime {
    /// The time zone abbreviation (`%Z`), e.g. `UTC`, `GMT`, `CEST`.
    pub fn zone(&self) -> &[u8] {
        &self.zone[..usize::from(self.zone_len)]
    }

    fn from_tm(tm: &libc::tm) -> DateTime {
        let mut zone = [0u8; 16];
        let mut zone_len = 0u8;
        if !tm.tm_zone.is_null() {
            // SAFETY: a non-null `tm_zone` set by the C library points to a NUL-terminated
            // string with static storage duration (the time zone data's abbreviations).
            let name = unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }.to_bytes();
            let n = name.len().min(zone.len());
            zone[..n].copy_from_slice(&name[..n]);
            zone_len = n as u8;
        }
        DateTime {
            year: i64::from(tm.tm_year) + 1900,
            month: tm.tm_mon.wrapping_add(1),
            day: tm.tm_mday,
            hour: tm.tm_hour,
            min: tm.tm_min,
            sec: tm.tm_sec,
            wday: tm.tm_wday.wrapping_add(1),
            yday: tm.tm_yday.wrapping_add(1),
            isdst: if tm.tm_isdst < 0 {
                None
            } else {
                Some(tm.tm_isdst > 0)
            },
            utc_offset: tm.tm_gmtoff,
            zone,
            zone_len,
        }
    }

    /// A `struct tm` for this time whose `tm_zone` points into `zone_buf`.
    fn to_tm(&self, zone_buf: &[u8; 17]) -> libc::tm {
        libc::tm {
            tm_sec: self.sec,
            tm_min: self.min,
            tm_hour: self.hour,
            tm_mday: self.day,
            tm_mon: self.month.wrapping_sub(1),
            tm_year: (self.year - 1900) as i32,
            tm_wday: self.wday.wrapping_sub(1),
            tm_yday: self.yday.wrapping_sub(1),
            tm_isdst: match self.isdst {
                None => -1,
                Some(false) => 0,
                Some(true) => 1,
            },
            tm_gmtoff: self.utc_offset,
            tm_zone: zone_buf.as_ptr().cast::<c_char>(),
        }
    }

    fn zone_cstr(&self) -> [u8; 17] {
        let mut buf = [0u8; 17];
        buf[..self.zone().len()].copy_from_slice(self.zone());
        buf
    }
}

/// The current time (`time(NULL)`), in seconds since the epoch.
pub fn now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        // A clock set before 1970.
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Processor time used by the process, in seconds: C's `clock() / CLOCKS_PER_SEC`, which
/// glibc computes from the process CPU-time clock in whole microseconds.
pub fn clock() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live, properly aligned local that clock_gettime only writes.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if r != 0 {
        return -1.0; // clock() returns (clock_t)-1 when the time is unavailable
    }
    let micros = ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000;
    micros as f64 / 1e6
}

/// `os.difftime(t2, t1)`: `t2 - t1` in seconds, rounded once.
pub fn difftime(t2: i64, t1: i64) -> f64 {
    (i128::from(t2) - i128::from(t1)) as f64
}

/// The broken-down UTC time of `t`, or `None` when its year does not fit in a C `int`.
pub fn gmtime(t: i64) -> Option<DateTime> {
    let t: libc::time_t = t;
    let mut tm = blank_tm();
    // SAFETY: both pointers are to live, properly aligned locals; gmtime_r writes only `tm`.
    let r = unsafe { libc::gmtime_r(&t, &mut tm) };
    (!r.is_null()).then(|| DateTime::from_tm(&tm))
}

/// The broken-down local time of `t` in the system's time zone, or `None` when it cannot
/// be represented.
pub fn localtime(t: i64) -> Option<DateTime> {
    let t: libc::time_t = t;
    let mut tm = blank_tm();
    // SAFETY: both pointers are to live, properly aligned locals; localtime_r writes only
    // `tm` (and the library's internal, lock-protected time zone state).
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    (!r.is_null()).then(|| DateTime::from_tm(&tm))
}

fn blank_tm() -> libc::tm {
    libc::tm {
        tm_sec: 0,
        tm_min: 0,
        tm_hour: 0,
        tm_mday: 0,
        tm_mon: 0,
        tm_year: 0,
        tm_wday: 0,
        tm_yday: 0,
        tm_isdst: 0,
        tm_gmtoff: 0,
        tm_zone: std::ptr::null(),
    }
}

/// One field of the table given to `os.time`, as the binding layer found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// nil.
    Absent,
    /// An integer, or a value that converts to one (a float with an integral value, or a
    /// numeric string), as `lua_tointegerx` converts.
    Int(i64),
    /// Anything else.
    NotInteger,
}

/// The fields of the table given to `os.time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateFields {
    pub year: Field,
    pub month: Field,
    pub day: Field,
    pub hour: Field,
    pub min: Field,
    pub sec: Field,
    /// The `isdst` field's truth value; `None` when nil.
    pub isdst: Option<bool>,
}

/// Lua's `getfield`: the value of field `key` minus `delta`, checked to fit a C `int`.
fn get_field(key: &str, field: Field, default: Option<i32>, delta: i64) -> Result<i32, TimeError> {
    match field {
        Field::NotInteger => Err(TimeError::Msg(format!("field '{key}' is not an integer"))),
        Field::Absent => {
            default.ok_or_else(|| TimeError::Msg(format!("field '{key}' missing in date table")))
        }
        Field::Int(v) => {
            let fits = if v >= 0 {
                v - delta <= i64::from(i32::MAX)
            } else {
                i64::from(i32::MIN) + delta <= v
            };
            if !fits {
                return Err(TimeError::Msg(format!("field '{key}' is out-of-bound")));
            }
            Ok((v - delta) as i32)
        }
    }
}

/// `os.time(table)`: normalises the fields as C's `mktime` does (month 14 is February of the
/// next year, day 0 the last day of the previous month, ...) in local time. Returns the
/// normalised fields, which Lua writes back into the table, and the time, `None` when
/// `mktime` fails; the caller then raises [`TIME_UNREPRESENTABLE`] after updating the table.
/// Errors for missing, non-integer or out-of-bound fields come first, in Lua's order.
pub fn mktime(fields: &DateFields) -> Result<(DateTime, Option<i64>), TimeError> {
    let mut tm = blank_tm();
    tm.tm_year = get_field("year", fields.year, None, 1900)?;
    tm.tm_mon = get_field("month", fields.month, None, 1)?;
    tm.tm_mday = get_field("day", fields.day, None, 0)?;
    tm.tm_hour = get_field("hour", fields.hour, Some(12), 0)?;
    tm.tm_min = get_field("min", fields.min, Some(0), 0)?;
    tm.tm_sec = get_field("sec", fields.sec, Some(0), 0)?;
    tm.tm_isdst = match fields.isdst {
        None => -1,
        Some(false) => 0,
        Some(true) => 1,
    };
    // SAFETY: `tm` is a live, properly aligned local that mktime normalises in place.
    let t = unsafe { libc::mktime(&mut tm) };
    let time = (t != -1).then_some(t);
    Ok((DateTime::from_tm(&tm), time))
}

/// The conversions `os.date` accepts (C99's, as `LUA_STRFTIMEOPTIONS`): one-letter ones,
/// then two-letter ones with the `E` and `O` modifiers.
const ONE_LETTER: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const TWO_LETTER: &[&[u8; 2]] = &[
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

/// The length of the valid conversion at the start of `conv` (what follows a `%`), if any.
fn conversion_len(conv: &[u8]) -> Option<usize> {
    let &first = conv.first()?;
    if ONE_LETTER.contains(&first) {
        return Some(1);
    }
    let two = conv.get(..2)?;
    TWO_LETTER.iter().any(|o| &o[..] == two).then_some(2)
}

/// Formats `dt` with a strftime format as `os.date` does, appending to `out`. Every `%` must
/// start a conversion Lua accepts, else the error is argument 1's "invalid conversion
/// specifier '%...'" quoting the rest of the format.
pub fn strftime(fmt: &[u8], dt: &DateTime, out: &mut Vec<u8>) -> Result<(), TimeError> {
    let zone = dt.zone_cstr();
    let tm = dt.to_tm(&zone);
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        let rest = &fmt[i..];
        let Some(n) = conversion_len(rest) else {
            let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
            return Err(TimeError::Arg {
                arg: 1,
                msg: format!(
                    "invalid conversion specifier '%{}'",
                    String::from_utf8_lossy(&rest[..end])
                ),
            });
        };
        let mut spec = [b'%', 0, 0, 0];
        spec[1..=n].copy_from_slice(&rest[..n]);
        strftime_one(&spec, &tm, out);
        i += n;
    }
    Ok(())
}

/// Appends the C library's expansion of one conversion (`spec` is `%X\0` or `%EX\0`).
fn strftime_one(spec: &[u8; 4], tm: &libc::tm, out: &mut Vec<u8>) {
    /// Lua's `SIZETIMEFMT`: no single conversion expands to more.
    const SIZE: usize = 250;
    let mut buf = [0u8; SIZE];
    // SAFETY: `buf` is writable for SIZE bytes and strftime writes at most that many;
    // `spec` is NUL-terminated; `tm` is a valid struct tm whose `tm_zone` points to a
    // NUL-terminated buffer that outlives the call.
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr().cast::<c_char>(),
            SIZE,
            spec.as_ptr().cast::<c_char>(),
            tm,
        )
    };
    out.extend_from_slice(&buf[..n.min(SIZE)]);
}

/// What `os.date` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Date {
    /// For `*t` and `!*t`: the fields of the result table.
    Table(DateTime),
    /// The formatted text.
    Text(Vec<u8>),
}

/// `os.date(format, t)`: a leading `!` selects UTC; `*t` asks for a table.
pub fn date(format: &[u8], t: i64) -> Result<Date, TimeError> {
    let (utc, fmt) = match format.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, format),
    };
    let dt = if utc { gmtime(t) } else { localtime(t) };
    let dt = dt.ok_or_else(|| TimeError::Msg(DATE_UNREPRESENTABLE.to_owned()))?;
    // C compares the format as a NUL-terminated string.
    let c_fmt = &fmt[..fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len())];
    if c_fmt == b"*t" {
        return Ok(Date::Table(dt));
    }
    let mut out = Vec::new();
    strftime(fmt, &dt, &mut out)?;
    Ok(Date::Text(out))
}

#[cfg(test)]
mod tests;
