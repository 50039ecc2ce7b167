//! Build script of the `luna` command: hands the linker the code layout of
//! `code-layout.ld` (written by tools/code-layout), which places the functions start-up and
//! ordinary scripts run together at the front of the code, so that running a script maps
//! far fewer pages of the executable. Linux with the GNU toolchain only, where GNU ld and
//! lld both read its `INSERT BEFORE .text` script as an addition to their default layout.
//! Set `LUNA_NO_CODE_LAYOUT` to build without it.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=code-layout.ld");
    println!("cargo:rerun-if-env-changed=LUNA_NO_CODE_LAYOUT");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" || target_env != "gnu" || env::var_os("LUNA_NO_CODE_LAYOUT").is_some() {
        return;
    }
    let Ok(dir) = env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let script = Path::new(&dir).join("code-layout.ld");
    if script.is_file() {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    }
}
