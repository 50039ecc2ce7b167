//! The table library (manual §6.6).
//!
//! Every function reads and writes elements as Lua code would (`t[i]`, honouring `__index`
//! and `__newindex`) and takes lengths with `#` (honouring `__len`), with a fast path for
//! plain tables without a metatable. As in PUC-Lua, an argument that is not a table is
//! accepted when its metatable has the metamethods the function needs.
//!
//! Rooting: element values that must survive a call back into Lua (a comparator, a
//! metamethod) are kept in the native frame's stack slots, never only in Rust locals.

use luna_interp::{LuaResult, State, Value};

use crate::util::Reg;

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = crate::util::new_lib(st, FUNCS);
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("concat", concat),
    ("insert", insert),
    ("move", move_),
    ("pack", pack),
    ("remove", remove),
    ("sort", sort),
    ("unpack", unpack),
];

/// What an argument must support to pass for a table.
const READ: u8 = 1;
const WRITE: u8 = 2;
const LENGTH: u8 = 4;

/// Checks that argument `arg` is a table or behaves like one: a value whose metatable has
/// `__index` (to read), `__newindex` (to write) and `__len` (for the length) as `what` asks.
fn check_table_like(st: &mut State, arg: usize, what: u8) -> LuaResult<()> {
    let v = st.arg(arg);
    if matches!(v, Value::Table(_)) {
        return Ok(());
    }
    if let Some(mt) = st.metatable_of(v) {
        let has = |st: &mut State, name: &str| !st.raw_get_str(mt, name).is_nil();
        let ok = (what & READ == 0 || has(st, "__index"))
            && (what & WRITE == 0 || has(st, "__newindex"))
            && (what & LENGTH == 0 || has(st, "__len"));
        if ok {
            return Ok(());
        }
    }
    Err(st.type_error(arg, "table"))
}

/// `#t` of argument `arg` after checking it supports `what` and a length.
fn length_of(st: &mut State, arg: usize, what: u8) -> LuaResult<i64> {
    check_table_like(st, arg, what | LENGTH)?;
    let v = st.arg(arg);
    st.len_int(v)
}

/// `t[i]`, with metamethods.
#[inline]
fn geti(st: &mut State, t: Value, i: i64) -> LuaResult<Value> {
    if let Value::Table(tb) = t {
        let v = tb.get_int(i);
        if !v.is_nil() || tb.metatable().is_none() {
            return Ok(v);
        }
    }
    st.index(t, Value::Int(i))
}

/// `t[i] = v`, with metamethods.
#[inline]
fn seti(st: &mut State, t: Value, i: i64, v: Value) -> LuaResult<()> {
    if let Value::Table(tb) = t {
        if tb.metatable().is_none() {
            st.raw_set_int(tb, i, v);
            return Ok(());
        }
    }
    st.set_index(t, Value::Int(i), v)
}

fn insert(st: &mut State) -> LuaResult<usize> {
    let first_empty = length_of(st, 1, READ | WRITE)?.wrapping_add(1);
    let t = st.arg(1);
    let pos = match st.arg_count() {
        2 => first_empty,
        3 => {
            let pos = st.check_int(2)?;
            // `pos` must be in [1, first_empty].
            let in_range = (pos as u64).wrapping_sub(1) < first_empty as u64;
            st.arg_check(in_range, 2, "position out of bounds")?;
            let mut i = first_empty;
            while i > pos {
                let v = geti(st, t, i - 1)?;
                seti(st, t, i, v)?;
                i -= 1;
            }
            pos
        }
        _ => return Err(st.error("wrong number of arguments to 'insert'")),
    };
    let v = st.arg(st.arg_count());
    seti(st, t, pos, v)?;
    Ok(0)
}

fn remove(st: &mut State) -> LuaResult<usize> {
    let size = length_of(st, 1, READ | WRITE)?;
    let t = st.arg(1);
    let mut pos = st.opt_int(2, size)?;
    if pos != size {
        // `pos` must be in [1, size + 1].
        let in_range = (pos as u64).wrapping_sub(1) <= size as u64;
        st.arg_check(in_range, 2, "position out of bounds")?;
    }
    st.set_top(2);
    let removed = geti(st, t, pos)?;
    st.push(removed); // the result, kept rooted while the rest shifts down
    while pos < size {
        let v = geti(st, t, pos + 1)?;
        seti(st, t, pos, v)?;
        pos += 1;
    }
    seti(st, t, pos, Value::Nil)?;
    Ok(1)
}

fn move_(st: &mut State) -> LuaResult<usize> {
    let f = st.check_int(2)?;
    let e = st.check_int(3)?;
    let t = st.check_int(4)?;
    let dest_arg = if st.is_none_or_nil(5) { 1 } else { 5 };
    check_table_like(st, 1, READ)?;
    check_table_like(st, dest_arg, WRITE)?;
    if e >= f {
        let ok = f > 0 || e < i64::MAX.wrapping_add(f);
        st.arg_check(ok, 3, "too many elements to move")?;
        let n = e - f + 1;
        st.arg_check(t <= i64::MAX - n + 1, 4, "destination wrap around")?;
        let src = st.arg(1);
        let dst = st.arg(dest_arg);
        let other_table = dest_arg != 1 && !st.equals(src, dst)?;
        if t > e || t <= f || other_table {
            for i in 0..n {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        } else {
            for i in (0..n).rev() {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        }
    }
    let dst = st.arg(dest_arg);
    st.push(dst);
    Ok(1)
}

/// Appends element `i` of the table to `buf`, which must be a string or a number.
fn add_field(st: &mut State, t: Value, i: i64, buf: &mut Vec<u8>) -> LuaResult<()> {
    match geti(st, t, i)? {
        Value::Str(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Int(n) => luna_interp::number::write_int(buf, n),
        Value::Float(x) => luna_interp::number::write_float(buf, x),
        other => {
            let msg = format!(
                "invalid value ({}) at index {} in table for 'concat'",
                other.type_name(),
                i
            );
            return Err(st.error(&msg));
        }
    }
    Ok(())
}

fn concat(st: &mut State) -> LuaResult<usize> {
    let mut last = length_of(st, 1, READ)?;
    let sep = match st.opt_str(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let mut i = st.opt_int(3, 1)?;
    last = st.opt_int(4, last)?;
    let t = st.arg(1);
    let mut buf = Vec::new();
    while i < last {
        add_field(st, t, i, &mut buf)?;
        buf.extend_from_slice(&sep);
        i += 1;
    }
    if i == last {
        add_field(st, t, i, &mut buf)?;
    }
    st.push_str(&buf);
    Ok(1)
}

fn pack(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    let t = st.new_table_with(n, 1);
    for i in 1..=n {
        let v = st.arg(i);
        st.raw_set_int(t, i as i64, v);
    }
    st.raw_set_str(t, "n", Value::Int(n as i64));
    st.push(Value::Table(t));
    Ok(1)
}

fn unpack(st: &mut State) -> LuaResult<usize> {
    let mut i = st.opt_int(2, 1)?;
    let e = if st.is_none_or_nil(3) {
        let t = st.arg(1);
        st.len_int(t)?
    } else {
        st.check_int(3)?
    };
    if i > e {
        return Ok(0);
    }
    // Number of elements minus 1, computed without overflow.
    let n = (e as u64).wrapping_sub(i as u64);
    let room = luna_interp::thread::MAX_STACK.saturating_sub(st.abs_top());
    if n >= i32::MAX as u64 || n + 1 > room as u64 || st.ensure_stack(n as usize + 1).is_err() {
        return Err(st.error("too many results to unpack"));
    }
    let t = st.arg(1);
    while i < e {
        let v = geti(st, t, i)?;
        st.push(v);
        i += 1;
    }
    let v = geti(st, t, e)?;
    st.push(v);
    Ok(n as usize + 1)
}

// ---------------------------------------------------------------------------------------
// sort: Sedgewick's quicksort as PUC-Lua does it (median of three, pivot moved next to the
// end, randomised pivots for large badly split ranges), so a given comparator sees the
// same calls in the same order.
// ---------------------------------------------------------------------------------------

/// Ranges larger than this may use a randomised pivot.
const RANDOM_PIVOT_LIMIT: u64 = 100;

/// Stack slots of the sort's working values: two elements and the pivot.
const SLOT_A: usize = 3;
const SLOT_B: usize = 4;
const SLOT_PIVOT: usize = 5;

struct Sorter {
    /// The table (or table-like value) being sorted.
    t: Value,
    /// The comparator, or nil for `<`.
    less: Value,
}

impl Sorter {
    /// Whether `a < b` in the sort's order.
    fn lt(&self, st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        if self.less.is_nil() {
            st.less_than(a, b)
        } else {
            st.call_value(self.less, &[a, b], 1)?;
            Ok(st.pop().truthy())
        }
    }

    /// Compares the values in two stack slots.
    fn lt_slots(&self, st: &mut State, a: usize, b: usize) -> LuaResult<bool> {
        let (x, y) = (st.arg(a), st.arg(b));
        self.lt(st, x, y)
    }

    /// Loads `t[i]` into a stack slot.
    fn load(&self, st: &mut State, slot: usize, i: u64) -> LuaResult<()> {
        let v = geti(st, self.t, i as i64)?;
        st.set_arg(slot, v);
        Ok(())
    }

    /// Stores the value of a stack slot into `t[i]`.
    fn store(&self, st: &mut State, i: u64, slot: usize) -> LuaResult<()> {
        let v = st.arg(slot);
        seti(st, self.t, i as i64, v)
    }

    fn order_error(st: &mut State) -> luna_interp::LuaError {
        st.error("invalid order function for sorting")
    }

    /// Partitions `[lo, up]` around the pivot (in `SLOT_PIVOT`, also at `up - 1`), knowing
    /// `a[lo] <= P <= a[up]`. Returns the pivot's final index `i`, with
    /// `a[lo .. i - 1] <= a[i] == P <= a[i + 1 .. up]`.
    fn partition(&self, st: &mut State, lo: u64, up: u64) -> LuaResult<u64> {
        let mut i = lo;
        let mut j = up - 1;
        loop {
            // Advance i while a[i] < P.
            loop {
                i += 1;
                self.load(st, SLOT_A, i)?;
                if !self.lt_slots(st, SLOT_A, SLOT_PIVOT)? {
                    break;
                }
                if i == up - 1 {
                    return Err(Self::order_error(st));
                }
            }
            // Retreat j while P < a[j].
            loop {
                j -= 1;
                self.load(st, SLOT_B, j)?;
                if !self.lt_slots(st, SLOT_PIVOT, SLOT_B)? {
                    break;
                }
                if j < i {
                    return Err(Self::order_error(st));
                }
            }
            if j < i {
                // Nothing out of place: put the pivot (at up - 1) in its final position i.
                self.store(st, up - 1, SLOT_A)?;
                self.store(st, i, SLOT_PIVOT)?;
                return Ok(i);
            }
            self.store(st, i, SLOT_B)?;
            self.store(st, j, SLOT_A)?;
        }
    }

    fn sort(&self, st: &mut State, mut lo: u64, mut up: u64, mut rnd: u32) -> LuaResult<()> {
        while lo < up {
            // Order a[lo] and a[up].
            self.load(st, SLOT_A, lo)?;
            self.load(st, SLOT_B, up)?;
            if self.lt_slots(st, SLOT_B, SLOT_A)? {
                self.store(st, lo, SLOT_B)?;
                self.store(st, up, SLOT_A)?;
            }
            if up - lo == 1 {
                return Ok(());
            }
            let mut p = if up - lo < RANDOM_PIVOT_LIMIT || rnd == 0 {
                (lo + up) / 2
            } else {
                choose_pivot(lo, up, rnd)
            };
            // Order a[lo], a[p], a[up].
            self.load(st, SLOT_A, p)?;
            self.load(st, SLOT_B, lo)?;
            if self.lt_slots(st, SLOT_A, SLOT_B)? {
                self.store(st, p, SLOT_B)?;
                self.store(st, lo, SLOT_A)?;
            } else {
                self.load(st, SLOT_B, up)?;
                if self.lt_slots(st, SLOT_B, SLOT_A)? {
                    self.store(st, p, SLOT_B)?;
                    self.store(st, up, SLOT_A)?;
                }
            }
            if up - lo == 2 {
                return Ok(());
            }
            // The pivot goes to up - 1.
            self.load(st, SLOT_PIVOT, p)?;
            self.load(st, SLOT_B, up - 1)?;
            self.store(st, p, SLOT_B)?;
            self.store(st, up - 1, SLOT_PIVOT)?;
            p = self.partition(st, lo, up)?;
            // Recurse into the smaller side (depth stays logarithmic), loop on the larger.
            let smaller;
            if p - lo < up - p {
                self.sort(st, lo, p - 1, rnd)?;
                smaller = p - lo;
                lo = p + 1;
            } else {
                self.sort(st, p + 1, up, rnd)?;
                smaller = up - p;
                up = p - 1;
            }
            if (up.wrapping_sub(lo)) / 128 > smaller {
                rnd = randomize_pivot();
            }
        }
        Ok(())
    }
}

/// A pivot in the middle half of `[lo, up]`, chosen by `rnd`.
fn choose_pivot(lo: u64, up: u64, rnd: u32) -> u64 {
    let r4 = (up - lo) / 4;
    u64::from(rnd) % (r4 * 2) + (lo + r4)
}

/// Some "randomness" for pivots, from the clock and the time (as PUC-Lua does).
fn randomize_pivot() -> u32 {
    let c = (crate::ostime::clock() * 1e6) as i64 as u64;
    let t = crate::ostime::now() as u64;
    [c as u32, (c >> 32) as u32, t as u32, (t >> 32) as u32]
        .iter()
        .fold(0u32, |a, &x| a.wrapping_add(x))
}

fn sort(st: &mut State) -> LuaResult<usize> {
    let n = length_of(st, 1, READ | WRITE)?;
    if n > 1 {
        st.arg_check(n < i32::MAX as i64, 1, "array too big")?;
        if !st.is_none_or_nil(2) {
            st.check_function(2)?;
        }
        st.set_top(SLOT_PIVOT);
        let sorter = Sorter {
            t: st.arg(1),
            less: st.arg(2),
        };
        sorter.sort(st, 1, n as u64, 0)?;
    }
    Ok(0)
}
