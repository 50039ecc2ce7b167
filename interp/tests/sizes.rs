//! Layout assertions: the value and instruction sizes the design depends on.

use luna_interp::opcodes::Instr;
use luna_interp::Value;

#[test]
fn values_are_16_bytes() {
    assert_eq!(std::mem::size_of::<Value>(), 16);
    assert_eq!(std::mem::size_of::<Option<Value>>(), 16);
}

#[test]
fn instructions_are_32_bits() {
    assert_eq!(std::mem::size_of::<Instr>(), 4);
}

#[test]
fn tables_are_compact() {
    // Header, cached metamethod absence, length hint, node-part size and free pointer, the
    // two parts and the metatable: nine words.
    assert_eq!(std::mem::size_of::<luna_interp::table::Table>(), 72);
}
