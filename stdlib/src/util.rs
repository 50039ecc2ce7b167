//! Helpers shared by the libraries.

use luna_interp::table::Table;
use luna_interp::{Gc, NativeFn, State, Value};

/// A library function: its name and its implementation.
pub type Reg = (&'static str, NativeFn);

/// Stores each function of `regs` in table `t` under its name.
pub fn set_funcs(st: &mut State, t: Gc<Table>, regs: &[Reg]) {
    for (name, f) in regs {
        st.raw_set_str(t, name, Value::Native(*f));
    }
}

/// Creates a library table with the functions of `regs`.
pub fn new_lib(st: &mut State, regs: &[Reg]) -> Gc<Table> {
    let t = st.new_table_with(0, regs.len());
    set_funcs(st, t, regs);
    t
}
