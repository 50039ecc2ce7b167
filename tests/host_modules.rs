//! The module loader against the real modules the workspace builds: the example module, the
//! providers and the ABI fixtures (older and newer roots, a mismatched layout, a wrong SPI
//! version, a module that panics).

mod host_support;

use host_support::{err, ok, require_module, state, target_dir};
use luna_interp::host::Permissions;

#[test]
fn a_third_party_module_loads_and_its_functions_run() {
    require_module("greet");
    let mut st = state(Permissions::all());
    let r = ok(
        &mut st,
        "local greet = require 'greet'\n\
         local p = greet.person('ann', 7)\n\
         return greet.hello('world'), select('#', greet.count({1, 2, 3, x = 1})), greet.count({1, 2, 3, x = 1}), p.name, p.age",
    );
    assert_eq!(r, "Hello, world!\t2\t4\tann\t7");
    // Errors raised by the module are Lua errors with the caller's position.
    let e = err(&mut st, "require('greet').fail('boom')");
    assert_eq!(e, "test:1: boom");
    let e = err(&mut st, "require('greet').hello()");
    assert!(
        e.contains("bad argument #1 to 'hello' (string expected, got no value)"),
        "{}",
        e
    );
    // `package.loadlib` finds one function.
    let greet = require_module("greet").display().to_string();
    let r = ok(
        &mut st,
        &format!(
            "return package.loadlib({:?}, 'hello')('x'), package.loadlib({:?}, '*')",
            greet, greet
        ),
    );
    assert_eq!(r, "Hello, x!\ttrue");
    let r = ok(
        &mut st,
        &format!("return package.loadlib({:?}, 'nope')", greet),
    );
    assert_eq!(r, "nil\tundefined symbol: nope\tinit");
}

#[test]
fn several_modules_load_side_by_side_and_in_several_states() {
    // (The panicking fixture is left to its own test: a panic disables it process-wide.)
    require_module("greet");
    require_module("luna_fixture_older_root");
    require_module("luna_crypto");
    let mut a = state(Permissions::all());
    let mut b = state(Permissions::all());
    let code = "local g, o, c = require 'greet', require 'luna_fixture_older_root', require 'luna_crypto'\n\
                return g.hello('a'), type(o), type(c), require('crypto').hex(require('crypto').digest('sha1', ''))";
    let want = "Hello, a!\ttable\ttable\tda39a3ee5e6b4b0d3255bfef95601890afd80709";
    assert_eq!(ok(&mut a, code), want);
    assert_eq!(ok(&mut b, code), want);
}

#[test]
fn a_missing_module_is_reported_with_the_files_tried() {
    let mut st = state(Permissions::all());
    let e = err(&mut st, "require 'no_such_native_module'");
    assert!(
        e.contains("module 'no_such_native_module' not found:"),
        "{}",
        e
    );
    let lib = target_dir()
        .join("libno_such_native_module.so")
        .display()
        .to_string();
    assert!(e.contains(&format!("no file '{}'", lib)), "{}", e);
    let r = ok(
        &mut st,
        "return package.loadlib('/nonexistent/libx.so', 'f')",
    );
    assert_eq!(
        r,
        "nil\tcannot load native module '/nonexistent/libx.so': No such file or directory\topen"
    );
}

#[test]
fn a_module_with_another_layout_is_refused_naming_the_file() {
    let file = require_module("luna_fixture_mismatched_root")
        .display()
        .to_string();
    let mut st = state(Permissions::all());
    let e = err(&mut st, "require 'luna_fixture_mismatched_root'");
    assert!(
        e.contains(&format!(
            "error loading module 'luna_fixture_mismatched_root' from file '{}'",
            file
        )),
        "{}",
        e
    );
    assert!(e.contains("is incompatible with this luna"), "{}", e);
    // The state goes on.
    assert_eq!(ok(&mut st, "return 1 + 1"), "2");
}

#[test]
fn a_module_for_another_spi_version_is_refused() {
    let file = require_module("luna_fixture_wrong_spi_version")
        .display()
        .to_string();
    let mut st = state(Permissions::all());
    let e = err(&mut st, "require 'luna_fixture_wrong_spi_version'");
    assert!(e.contains(&file), "{}", e);
    assert!(e.contains("SPI version"), "{}", e);
}

#[test]
fn a_module_built_against_an_older_root_loads() {
    require_module("luna_fixture_older_root");
    let mut st = state(Permissions::all());
    // It has no function table field: `require` gives an empty table.
    let r = ok(
        &mut st,
        "local m = require 'luna_fixture_older_root'; return type(m), next(m)",
    );
    assert_eq!(r, "table\tnil");
}

#[test]
fn a_panicking_module_fails_cleanly_and_is_never_called_again() {
    require_module("luna_fixture_panicking");
    let mut st = state(Permissions::all());
    assert_eq!(
        ok(&mut st, "return require('luna_fixture_panicking').ok()"),
        "1"
    );
    // Results keep their order whichever way they reach the stack (buffered scalars, strings
    // and handles through the context), also beyond the buffer's size.
    assert_eq!(
        ok(
            &mut st,
            "local t = {}\n\
             local r = table.pack(require('luna_fixture_panicking').echo(1, 'a', 2.5, t, nil, true, 7, 8, 9, 10, 'z', false))\n\
             assert(r[4] == t)\n\
             return r.n, r[1], r[2], r[3], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12]"
        ),
        "12\t1\ta\t2.5\tnil\ttrue\t7\t8\t9\t10\tz\tfalse"
    );
    assert_eq!(
        ok(
            &mut st,
            "local e = require('luna_fixture_panicking').echo\n\
             return select('#', e()), (e(3)), select('#', e(1, 2, 3, 4, 5, 6))"
        ),
        "0\t3\t6"
    );
    let e = err(&mut st, "return require('luna_fixture_panicking').boom()");
    assert!(e.contains("native module 'panicking' panicked"), "{}", e);
    // The state goes on; the module does not.
    assert_eq!(ok(&mut st, "return ('still'):upper()"), "STILL");
    for f in ["ok()", "echo(1)", "boom()"] {
        let e = err(
            &mut st,
            &format!("return require('luna_fixture_panicking').{}", f),
        );
        assert!(
            e.contains("panicked earlier and is disabled"),
            "{}: {}",
            f,
            e
        );
    }
    let r = ok(
        &mut st,
        "return pcall(require('luna_fixture_panicking').ok)",
    );
    assert!(r.starts_with("false\t"), "{}", r);
}

#[test]
fn a_manifest_needing_more_than_was_granted_is_refused() {
    let net = require_module("luna_net").display().to_string();
    let mut st = state(Permissions::none().allow_native(&net));
    let e = err(&mut st, "return require 'luna_net'");
    assert!(
        e.contains(&format!(
            "error loading module 'luna_net' from file '{}'",
            net
        )),
        "{}",
        e
    );
    assert!(
        e.contains("needs net permission, which is not granted (grant it with --allow-net[=...])"),
        "{}",
        e
    );
    let mut st = state(
        Permissions::none()
            .allow_native(&net)
            .allow_net("127.0.0.1"),
    );
    assert_eq!(ok(&mut st, "return type(require 'luna_net')"), "table");
}

#[test]
fn handles_given_to_modules_stay_valid_across_collections() {
    require_module("greet");
    let mut st = state(Permissions::all());
    let r = ok(
        &mut st,
        "local greet = require 'greet'\n\
         local t = {}\n\
         for i = 1, 200 do t[i] = i end\n\
         local total = 0\n\
         for i = 1, 200 do\n\
           collectgarbage()\n\
           local n, s = greet.count(t)\n\
           total = total + s\n\
           local p = greet.person(('x'):rep(i), i)\n\
           assert(#p.name == i and p.age == i)\n\
         end\n\
         return total",
    );
    assert_eq!(r, (200.0 * 20100.0).to_string().replace(".0", "") + ".0");
}

#[test]
fn a_statically_linked_provider_module_installs_like_a_loaded_one() {
    let root = luna_interp::host::loader::load_module_file(&require_module("luna_memfs")).unwrap();
    let mut st = state(Permissions::all());
    luna_interp::host::providers::install_providers(&mut st, root).unwrap();
    assert_eq!(st.fs_backend_name(), "memfs");
    let r = ok(&mut st, "local fs = require 'fs'; assert(fs.write('/x', 'memory')); return fs.read('/x'), io.open('/etc/passwd')");
    assert_eq!(r, "memory\tnil\t/etc/passwd: No such file or directory\t2");
}

#[test]
fn a_library_without_its_provider_says_so() {
    let mut st = luna_interp::State::new();
    luna_stdlib::open_libs(&mut st).unwrap();
    // No provider installed and none to be loaded on demand.
    let e = err(&mut st, "return require('net').connect('127.0.0.1', 80)");
    assert!(
        e.contains("network provider not loaded (the host installed none"),
        "{}",
        e
    );
    let e = err(&mut st, "return require('crypto').digest('sha256', '')");
    assert!(e.contains("crypto provider not loaded"), "{}", e);
    // Providers looked for where there are none: the message says where.
    st.set_provider_dirs(Some(vec!["/nonexistent-dir".into()]));
    let e = err(&mut st, "return require('crypto').random(4)");
    assert!(
        e.contains("crypto provider not loaded (no crypto provider module 'crypto' on the native module path (/nonexistent-dir))"),
        "{}",
        e
    );
    // Codecs need no provider.
    assert_eq!(ok(&mut st, "return require('crypto').hex('hi')"), "6869");
}

#[test]
fn module_functions_past_the_direct_entries_are_closures_and_work_alike() {
    require_module("luna_fixture_many_functions");
    let mut st = state(Permissions::all());
    // The first module functions of the process are light functions, later ones closures
    // holding their index; 600 functions reach past the direct ones whatever else loaded.
    let r = ok(
        &mut st,
        "local m = require 'luna_fixture_many_functions'\n\
         local light, closures = 0, 0\n\
         for i = 0, 599 do\n\
           local f = m['f' .. i]\n\
           local a, b, c = f(i, 'x', i + 0.5)\n\
           assert(a == i and b == 'x' and c == i + 0.5, i)\n\
           if debug.getinfo(f, 'u').nups == 0 then light = light + 1 else closures = closures + 1 end\n\
         end\n\
         return light > 0, closures > 0, light + closures",
    );
    assert_eq!(r, "true\ttrue\t600");
}

#[test]
fn a_module_built_against_the_first_root_layout_loads_and_runs() {
    require_module("luna_fixture_v1_root");
    let mut st = state(Permissions::all());
    // Its functions push every result through the call context.
    let r = ok(
        &mut st,
        "local t = {}\n\
         local r = table.pack(require('luna_fixture_v1_root').echo(1, 'a', t, 2.5, nil, true))\n\
         assert(r[3] == t)\n\
         return r.n, r[1], r[2], r[4], r[5], r[6]",
    );
    assert_eq!(r, "6\t1\ta\t2.5\tnil\ttrue");
}

#[test]
fn a_module_built_against_a_newer_root_loads() {
    require_module("luna_fixture_newer_root");
    let mut st = state(Permissions::all());
    // The field it adds is ignored; the ones this luna knows work.
    let r = ok(
        &mut st,
        "return require('luna_fixture_newer_root').answer()",
    );
    assert_eq!(r, "42");
}
