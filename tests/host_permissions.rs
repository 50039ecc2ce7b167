//! The permission matrix: every guarded operation under an allow rule, a deny rule and no
//! grant; escapes through `..`, absolute paths, symlinks to files and directories and
//! renames, all refused; the same checks whichever file-system provider serves the state.

mod host_support;

use host_support::{err, lit, ok, require_module, run, state, target_dir, Scratch};
use luna_interp::host::Permissions;
use luna_interp::State;

/// A scratch tree: `granted/a.txt`, `granted/sub/b.txt`, `granted/empty/`,
/// `outside/secret.txt`, and in `granted`: `link_file` -> `outside/secret.txt`,
/// `link_dir` -> `outside`.
fn tree() -> Scratch {
    let s = Scratch::new("perm");
    let g = s.0.join("granted");
    std::fs::create_dir_all(g.join("sub")).unwrap();
    std::fs::create_dir_all(g.join("empty")).unwrap();
    std::fs::create_dir_all(s.0.join("outside")).unwrap();
    std::fs::write(g.join("a.txt"), "A").unwrap();
    std::fs::write(g.join("sub/b.txt"), "B").unwrap();
    std::fs::write(g.join("chunk.lua"), "return 42").unwrap();
    std::fs::write(s.0.join("outside/secret.txt"), "S").unwrap();
    std::os::unix::fs::symlink(s.0.join("outside/secret.txt"), g.join("link_file")).unwrap();
    std::os::unix::fs::symlink(s.0.join("outside"), g.join("link_dir")).unwrap();
    s
}

#[derive(Clone, Copy, PartialEq)]
enum Provider {
    Builtin,
    FsModule,
}

fn with_provider(p: Provider, perms: Permissions) -> Box<State> {
    let mut st = state(perms);
    if p == Provider::FsModule {
        require_module("luna_fs");
        luna_interp::host::providers::load_fs_provider(&mut st, "fs", &[target_dir()])
            .expect("fs provider loads");
        assert_eq!(st.fs_backend_name(), "fs");
    }
    st
}

/// One guarded file operation: which permission it needs, and Lua code acting on the path
/// `P` (a Lua expression) that returns something truthy on success.
struct Op {
    name: &'static str,
    kind: &'static str,
    code: &'static str,
}

const OPS: &[Op] = &[
    Op {
        name: "io.open r",
        kind: "read",
        code: "return io.open(P .. '/a.txt'):read('a')",
    },
    Op {
        name: "io.lines",
        kind: "read",
        code: "for l in io.lines(P .. '/a.txt') do return l end",
    },
    Op {
        name: "fs.read",
        kind: "read",
        code: "return require('fs').read(P .. '/sub/b.txt')",
    },
    Op {
        name: "fs.exists",
        kind: "read",
        code: "return require('fs').exists(P .. '/a.txt')",
    },
    Op {
        name: "fs.stat",
        kind: "read",
        code: "return require('fs').stat(P .. '/a.txt').size",
    },
    Op {
        name: "fs.list",
        kind: "read",
        code: "return #require('fs').list(P)",
    },
    Op {
        name: "lfs.attributes",
        kind: "read",
        code: "return require('lfs').attributes(P .. '/a.txt', 'mode')",
    },
    Op {
        name: "lfs.dir",
        kind: "read",
        code: "for f in require('lfs').dir(P) do return f end",
    },
    Op {
        name: "loadfile",
        kind: "read",
        code: "return assert(loadfile(P .. '/chunk.lua'))()",
    },
    Op {
        name: "dofile",
        kind: "read",
        code: "return dofile(P .. '/chunk.lua')",
    },
    Op {
        name: "io.open w",
        kind: "write",
        code: "local f = io.open(P .. '/new.txt', 'w'); f:write('x'); f:close(); return true",
    },
    Op {
        name: "fs.write",
        kind: "write",
        code: "return require('fs').write(P .. '/new.txt', 'x')",
    },
    Op {
        name: "fs.append",
        kind: "write",
        code: "return require('fs').append(P .. '/a.txt', 'x')",
    },
    Op {
        name: "fs.mkdir",
        kind: "write",
        code: "return require('fs').mkdir(P .. '/d')",
    },
    Op {
        name: "lfs.mkdir",
        kind: "write",
        code: "return require('lfs').mkdir(P .. '/d2')",
    },
    Op {
        name: "lfs.rmdir",
        kind: "write",
        code: "return require('lfs').rmdir(P .. '/empty')",
    },
    Op {
        name: "lfs.touch",
        kind: "write",
        code: "return require('lfs').touch(P .. '/a.txt', 1000, 2000)",
    },
    Op {
        name: "lfs.link symlink",
        kind: "write",
        code: "return require('lfs').link('a.txt', P .. '/sl', true)",
    },
    Op {
        name: "fs.remove",
        kind: "write",
        code: "return require('fs').remove(P .. '/sub/b.txt')",
    },
    Op {
        name: "os.remove",
        kind: "write",
        code: "return os.remove(P .. '/a.txt')",
    },
    Op {
        name: "os.rename",
        kind: "write",
        code: "return os.rename(P .. '/a.txt', P .. '/c.txt')",
    },
    Op {
        name: "fs.rename",
        kind: "write",
        code: "return require('fs').rename(P .. '/a.txt', P .. '/c.txt')",
    },
];

fn perms_for(kind: &str, rule: &str, dir: &str) -> Permissions {
    match (kind, rule) {
        ("read", "allow") => Permissions::none().allow_read(dir),
        ("write", "allow") => Permissions::none().allow_write(dir),
        ("read", "deny") => Permissions::all().deny_read(dir),
        ("write", "deny") => Permissions::all().deny_write(dir),
        (_, "none") => Permissions::none(),
        _ => unreachable!(),
    }
}

fn matrix(provider: Provider) {
    for op in OPS {
        for rule in ["allow", "deny", "none"] {
            let t = tree();
            let dir = t.path("granted");
            let mut st = with_provider(provider, perms_for(op.kind, rule, &dir));
            let code = format!("local P = {}\n{}", lit(&dir), op.code);
            let what = format!(
                "{} under {} {} ({:?})",
                op.name, rule, op.kind, provider as u8
            );
            match rule {
                "allow" => {
                    let r = run(&mut st, &code).unwrap_or_else(|e| panic!("{}: {}", what, e));
                    assert!(
                        r != "nil" && r != "false" && !r.is_empty(),
                        "{}: got {:?}",
                        what,
                        r
                    );
                }
                _ => {
                    let e = err(&mut st, &code);
                    assert!(
                        e.contains(&format!("{} access to '", op.kind)),
                        "{}: {}",
                        what,
                        e
                    );
                    let hint = if rule == "deny" {
                        format!("(by --deny-{}=", op.kind)
                    } else {
                        format!("(grant it with --allow-{}=", op.kind)
                    };
                    assert!(e.contains(&hint), "{}: {}", what, e);
                }
            }
        }
    }
}

#[test]
fn matrix_with_the_builtin_file_system() {
    matrix(Provider::Builtin);
}

#[test]
fn matrix_with_the_fs_provider_module() {
    matrix(Provider::FsModule);
}

fn escapes(provider: Provider) {
    let t = tree();
    let g = t.path("granted");
    let perms = Permissions::none().allow_read(&g).allow_write(&g);
    let mut st = with_provider(provider, perms);
    let setup = format!("local G, O = {}, {}\n", lit(&g), lit(&t.path("outside")));
    let refused = [
        // `..` out of the grant, relative and absolute.
        (
            "dotdot read",
            "return io.open(G .. '/../outside/secret.txt')",
        ),
        (
            "dotdot write",
            "return require('fs').write(G .. '/sub/../../outside/x', 'x')",
        ),
        ("absolute", "return require('fs').read(O .. '/secret.txt')"),
        ("system file", "return io.open('/etc/passwd')"),
        // Symlinks inside the grant pointing out of it.
        (
            "link to file, read",
            "return require('fs').read(G .. '/link_file')",
        ),
        (
            "link to file, write",
            "return require('fs').write(G .. '/link_file', 'pwned')",
        ),
        (
            "link to file, append",
            "return io.open(G .. '/link_file', 'a')",
        ),
        (
            "link to dir, read",
            "return require('fs').read(G .. '/link_dir/secret.txt')",
        ),
        (
            "link to dir, list",
            "return require('fs').list(G .. '/link_dir')",
        ),
        (
            "link to dir, create",
            "return require('fs').write(G .. '/link_dir/new', 'x')",
        ),
        (
            "link to dir, lfs",
            "return require('lfs').attributes(G .. '/link_dir/secret.txt')",
        ),
        // Renames out of and into the grant.
        (
            "rename out",
            "return os.rename(G .. '/a.txt', O .. '/a.txt')",
        ),
        (
            "rename in",
            "return os.rename(O .. '/secret.txt', G .. '/stolen.txt')",
        ),
        (
            "rename through link",
            "return os.rename(G .. '/a.txt', G .. '/link_dir/a.txt')",
        ),
        // Links: a hard link of an outside file would be a way in; links made outside.
        (
            "hard link in",
            "return require('lfs').link(O .. '/secret.txt', G .. '/stolen')",
        ),
        (
            "hard link out",
            "return require('lfs').link(G .. '/a.txt', O .. '/a.txt')",
        ),
        (
            "hard link through link",
            "return require('lfs').link(G .. '/a.txt', G .. '/link_dir/a.txt')",
        ),
        (
            "symlink out",
            "return require('lfs').link(G .. '/a.txt', O .. '/new', true)",
        ),
    ];
    for (name, code) in refused {
        let e = err(&mut st, &format!("{}{}", setup, code));
        assert!(
            e.contains("access to '") && e.contains("denied"),
            "{}: {}",
            name,
            e
        );
    }
    // Nothing outside changed.
    assert_eq!(
        std::fs::read_to_string(t.0.join("outside/secret.txt")).unwrap(),
        "S"
    );
    assert!(!t.0.join("outside/a.txt").exists() && !t.0.join("outside/new").exists());
    assert!(std::fs::symlink_metadata(t.0.join("outside/new")).is_err());
    assert!(t.0.join("granted/a.txt").exists() && !t.0.join("granted/stolen").exists());
    // A symlink's target is text, not checked when the link is made; following it is.
    assert_eq!(
        ok(
            &mut st,
            &format!(
                "{}return require('lfs').link(O .. '/secret.txt', G .. '/made', true)",
                setup
            )
        ),
        "true"
    );
    let e = err(
        &mut st,
        &format!("{}return require('fs').read(G .. '/made')", setup),
    );
    assert!(e.contains("read access to '"), "{}", e);
    // A link's own entry lies inside the grant: it can be inspected and removed, and the
    // file it points to is untouched.
    let mode = ok(
        &mut st,
        &format!(
            "{}return require('lfs').symlinkattributes(G .. '/link_file', 'mode')",
            setup
        ),
    );
    assert_eq!(mode, "link");
    ok(
        &mut st,
        &format!("{}return assert(os.remove(G .. '/link_file'))", setup),
    );
    assert!(t.0.join("outside/secret.txt").exists());
    // Inside the grant everything works, `..` staying inside included.
    let r = ok(
        &mut st,
        &format!("{}return require('fs').read(G .. '/sub/../a.txt'), io.open(G .. '/sub/b.txt'):read('a')", setup),
    );
    assert_eq!(r, "A\tB");
}

#[test]
fn a_changed_directory_gives_no_way_out() {
    // With a provider module the kernel keeps the current directory itself (the built-in
    // file system would change the whole test process's).
    let t = tree();
    let g = t.path("granted");
    let mut st = with_provider(Provider::FsModule, Permissions::none().allow_read(&g));
    let setup = format!(
        "local lfs = require 'lfs'; assert(lfs.chdir({}));\n",
        lit(&g)
    );
    assert_eq!(
        ok(
            &mut st,
            &format!(
                "{}return io.open('sub/b.txt'):read('a'), lfs.currentdir()",
                setup
            )
        ),
        format!("B\t{}", g)
    );
    let e = err(
        &mut st,
        &format!("{}return io.open('../outside/secret.txt')", setup),
    );
    assert!(
        e.contains("read access to '../outside/secret.txt' denied"),
        "{}",
        e
    );
    let e = err(&mut st, "return require('lfs').chdir('..')");
    assert!(e.contains("read access to '..' denied"), "{}", e);
}

#[test]
fn escapes_are_refused_with_the_builtin_file_system() {
    escapes(Provider::Builtin);
}

#[test]
fn escapes_are_refused_with_the_fs_provider_module() {
    escapes(Provider::FsModule);
}

#[test]
fn hard_links_need_read_on_the_file_and_write_on_the_new_name() {
    let t = tree();
    let setup = format!(
        "local lfs = require 'lfs'; local G, O = {}, {}\n",
        lit(&t.path("granted")),
        lit(&t.path("outside"))
    );
    // Both names resolved and checked.
    let mut st = state(
        Permissions::none()
            .allow_read(t.0.display().to_string())
            .allow_write(t.path("granted")),
    );
    let r = ok(
        &mut st,
        &format!(
            "{}return lfs.link(G .. '/a.txt', G .. '/h'), lfs.attributes(G .. '/a.txt', 'nlink'), \
             lfs.link(O .. '/secret.txt', G .. '/s'), io.open(G .. '/s'):read('a')",
            setup
        ),
    );
    assert_eq!(r, "true\t2\ttrue\tS");
    for code in [
        "return lfs.link(G .. '/a.txt', O .. '/h')",
        "return lfs.link(G .. '/a.txt', O .. '/l', true)",
    ] {
        let e = err(&mut st, &format!("{}{}", setup, code));
        assert!(
            e.contains("write access to '") && e.contains("denied"),
            "{}: {}",
            code,
            e
        );
    }
    assert!(std::fs::symlink_metadata(t.0.join("outside/h")).is_err());
    assert!(std::fs::symlink_metadata(t.0.join("outside/l")).is_err());
    // Reading everywhere (the old name as written), writing checked.
    let mut st = state(Permissions::all().deny_write(t.path("outside")));
    let r = ok(
        &mut st,
        &format!(
            "{}return lfs.link(G .. '/a.txt', G .. '/h2'), lfs.attributes(G .. '/a.txt', 'nlink'), \
             lfs.link(G .. '/a.txt', G .. '/h2')",
            setup
        ),
    );
    assert_eq!(r, "true\t3\tnil\tFile exists\t17");
    let e = err(
        &mut st,
        &format!("{}return lfs.link(G .. '/a.txt', O .. '/h')", setup),
    );
    assert!(
        e.contains("write access to '") && e.contains("(by --deny-write="),
        "{}",
        e
    );
    // The stable provider interface has symlinks but no hard links.
    let mut st = with_provider(Provider::FsModule, Permissions::all());
    let r = ok(
        &mut st,
        &format!("{}return lfs.link(G .. '/a.txt', G .. '/h3')", setup),
    );
    assert_eq!(r, "nil\tOperation not supported\t95");
    let r = ok(
        &mut st,
        &format!(
            "{}return lfs.link('a.txt', G .. '/sl', true), lfs.symlinkattributes(G .. '/sl', 'target'), \
             io.open(G .. '/sl'):read('a')",
            setup
        ),
    );
    assert_eq!(r, "true\ta.txt\tA");
}

#[test]
fn a_grant_of_one_file_reaches_that_file_only() {
    let t = tree();
    let file = t.path("granted/a.txt");
    let mut st = state(Permissions::none().allow_read(&file));
    assert_eq!(
        ok(
            &mut st,
            &format!("return require('fs').read({})", lit(&file))
        ),
        "A"
    );
    let e = err(
        &mut st,
        &format!(
            "return require('fs').read({})",
            lit(&t.path("granted/sub/b.txt"))
        ),
    );
    assert!(e.contains("read access"), "{}", e);
}

#[test]
fn symlinked_grants_are_resolved_once() {
    // Granting a path through a symlink grants its target; a link created later under a
    // granted name does not widen the grant.
    let t = tree();
    let mut st = state(
        Permissions::none()
            .allow_read(t.path("granted/link_dir"))
            .allow_write(t.path("granted")),
    );
    let r = ok(
        &mut st,
        &format!(
            "return require('fs').read({})",
            lit(&t.path("outside/secret.txt"))
        ),
    );
    assert_eq!(r, "S");
    let t2 = tree();
    let later = t2.path("granted/later");
    let mut st = state(
        Permissions::none()
            .allow_read(&later)
            .allow_write(t2.path("granted")),
    );
    std::os::unix::fs::symlink("/etc", &later).unwrap();
    let e = err(
        &mut st,
        &format!("return io.open({} .. '/passwd')", lit(&later)),
    );
    assert!(e.contains("read access"), "{}", e);
}

#[test]
fn env_run_net_and_native_each_follow_their_rules() {
    std::env::set_var("LUNA_TEST_VAR", "v");
    let cases: &[(&str, Permissions, Permissions, &str)] = &[
        (
            "env",
            Permissions::none().allow_env("LUNA_TEST_VAR"),
            Permissions::all().deny_env("LUNA_TEST_VAR"),
            "return os.getenv('LUNA_TEST_VAR')",
        ),
        (
            "run",
            Permissions::none().allow_run(),
            Permissions::all().deny_run(),
            "return os.execute('true')",
        ),
        (
            "run",
            Permissions::none().allow_run(),
            Permissions::all().deny_run(),
            "return io.popen('echo hi'):read('l')",
        ),
    ];
    for (kind, allow, deny, code) in cases {
        let mut st = state(allow.clone());
        let r = ok(&mut st, code);
        assert!(
            r == "v" || r.starts_with("true") || r == "hi",
            "{}: {}",
            kind,
            r
        );
        for (p, hint) in [
            (deny.clone(), format!("(by --deny-{}", kind)),
            (
                Permissions::none(),
                format!("(grant it with --allow-{}", kind),
            ),
        ] {
            let mut st = state(p);
            let e = err(&mut st, code);
            assert!(
                e.contains(&format!("{} access to '", kind)) && e.contains(&hint),
                "{}: {}",
                kind,
                e
            );
        }
    }
    // Without `run`, `os.execute()` reports no shell rather than failing.
    let mut st = state(Permissions::none());
    assert_eq!(ok(&mut st, "return os.execute()"), "false");
    // Configuration reads (LUA_PATH and the like) are not a script's access.
    assert_eq!(st.host_getenv(b"LUNA_TEST_VAR"), Some(b"v".to_vec()));
}

#[test]
fn net_is_checked_before_the_provider_is_asked() {
    require_module("luna_net");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        "local c = assert(require('net').connect('127.0.0.1', {})); c:close(); return true",
        port
    );
    let mut st = state(Permissions::none().allow_net(&format!("127.0.0.1:{}", port)));
    assert_eq!(ok(&mut st, &code), "true");
    let mut st = state(Permissions::none().allow_net("127.0.0.1"));
    assert_eq!(ok(&mut st, &code), "true");
    let mut st =
        state(Permissions::none().allow_net(&format!("127.0.0.1:{}", port.wrapping_add(1))));
    let e = err(&mut st, &code);
    assert!(
        e.contains(&format!(
            "net access to '127.0.0.1:{}' denied (grant it with --allow-net=127.0.0.1:{})",
            port, port
        )),
        "{}",
        e
    );
    let mut st = state(Permissions::all().deny_net("127.0.0.1"));
    let e = err(&mut st, &code);
    assert!(e.contains("(by --deny-net=127.0.0.1)"), "{}", e);
    let mut st = state(Permissions::none());
    let e = err(&mut st, "return require('net').resolve('localhost')");
    assert!(e.contains("net access to 'localhost' denied"), "{}", e);
    let e = err(&mut st, "return require('net').bind('127.0.0.1', 0)");
    assert!(e.contains("net access to '127.0.0.1:0' denied"), "{}", e);
    // UDP: only destinations are checked.
    let e = err(
        &mut st,
        "local u = require('net').udp(); return u:sendto('x', '127.0.0.1', 9)",
    );
    assert!(e.contains("net access to '127.0.0.1:9' denied"), "{}", e);
}

#[test]
fn native_modules_need_the_native_permission() {
    let greet = require_module("greet");
    let g = greet.display().to_string();
    let code = "return require('greet').hello('x')";
    let mut st = state(Permissions::none().allow_native(&g));
    assert_eq!(ok(&mut st, code), "Hello, x!");
    for (p, hint) in [
        (Permissions::all().deny_native(&g), "(by --deny-native="),
        (Permissions::none(), "(grant it with --allow-native="),
    ] {
        let mut st = state(p);
        let e = err(&mut st, code);
        assert!(
            e.contains("native access to '") && e.contains(hint),
            "{}",
            e
        );
        assert!(
            e.contains("error loading module 'greet' from file '"),
            "{}",
            e
        );
    }
}

#[test]
fn a_state_without_a_host_record_is_granted_nothing() {
    let mut st = State::new();
    let e = st
        .host_open(b"/etc/passwd", luna_interp::host::OpenMode::Read)
        .err()
        .unwrap();
    assert!(e.denied, "{:?}", e);
    // Replacing the record from a script takes rights away, never adds them.
    let mut st = state(Permissions::all());
    ok(
        &mut st,
        "debug.getregistry()._LUNA_HOST = io.stdout; return true",
    );
    let e = err(&mut st, "return io.open('/etc/passwd')");
    assert!(e.contains("read access"), "{}", e);
}

#[test]
fn the_memfs_provider_gets_the_same_checks() {
    require_module("luna_memfs");
    let mut st = state(Permissions::all());
    luna_interp::host::providers::load_fs_provider(&mut st, "memfs", &[target_dir()]).unwrap();
    ok(&mut st, "local fs = require 'fs'; assert(fs.mkdir('/data/in', true)); assert(fs.mkdir('/out')); assert(fs.write('/data/in/f', 'F')); assert(fs.write('/out/g', 'G')); return true");
    st.set_permissions(
        Permissions::none()
            .allow_read("/data")
            .allow_write("/data/in"),
    );
    assert_eq!(ok(&mut st, "return require('fs').read('/data/in/f')"), "F");
    assert_eq!(
        ok(&mut st, "return require('fs').write('/data/in/h', 'H')"),
        "true"
    );
    let e = err(&mut st, "return require('fs').read('/out/g')");
    assert!(e.contains("read access to '/out/g' denied"), "{}", e);
    let e = err(&mut st, "return require('fs').read('/data/in/../../out/g')");
    assert!(
        e.contains("read access") && e.contains("--allow-read=/out/g"),
        "{}",
        e
    );
    let e = err(&mut st, "return require('fs').write('/data/x', 'x')");
    assert!(e.contains("write access to '/data/x' denied"), "{}", e);
    let e = err(&mut st, "return os.rename('/data/in/f', '/out/f')");
    assert!(e.contains("write access to '/out/f' denied"), "{}", e);
    assert_eq!(
        ok(
            &mut st,
            "local lfs = require 'lfs'; return lfs.link('f', '/data/in/l', true), \
             lfs.symlinkattributes('/data/in/l', 'target'), require('fs').read('/data/in/l'), \
             lfs.link('/data/in/f', '/data/in/h')"
        ),
        "true\tf\tF\tnil\tOperation not supported\t95"
    );
    let e = err(
        &mut st,
        "return require('lfs').link('/data/in/f', '/out/l', true)",
    );
    assert!(e.contains("write access to '/out/l' denied"), "{}", e);
}
