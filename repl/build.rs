//! Build script of the `luna` command: hands the linker the code layout of
//! `code-layout.ld` (written by tools/code-layout), which places the functions start-up and
//! ordinary scripts run together at the front of the code, so that running a script maps
//! far fewer pages of the executable. Linux with the GNU toolchain only, where GNU ld and
//! lld both read its `INSERT BEFORE .text` script as an addition to their default layout.
//! Set `LUNA_NO_CODE_LAYOUT` to build without it.
//!
//! With a C library that reads them (glibc 2.36 and later), the executable's relocations are
//! also packed (`-z pack-relative-relocs`, DT_RELR): the dynamic loader then reads a few
//! kilobytes at start-up instead of some 120 KB of relocation records.

use std::env;
use std::path::Path;
use std::process::Command;

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
    if env::var("HOST").ok() == env::var("TARGET").ok() && glibc_reads_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the build machine's glibc (which the executable will run with) is 2.36 or later,
/// the first to read packed relocations. `getconf GNU_LIBC_VERSION` prints "glibc 2.36".
fn glibc_reads_relr() -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= (2, 36)
}
