//! Targeted tests: 5.4.6-specific code, errors, limits, line information.

use super::*;

#[test]
fn compiler_smoke() {
    let p = compile("local x = 1 return x");
    check_limits(&p);
}
