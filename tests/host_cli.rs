//! The sandbox flags of the `luna` command: permissions, the file-system provider, limits.

mod host_support;

use std::path::PathBuf;
use std::process::{Command, Output};

use host_support::{require_module, target_dir, Scratch};

fn luna() -> PathBuf {
    let exe = target_dir().join("luna");
    assert!(
        exe.is_file(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        exe.display()
    );
    exe
}

fn run(args: &[&str]) -> Output {
    Command::new(luna()).args(args).output().expect("luna runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_flag_grants_everything() {
    let o = run(&[
        "-e",
        "print(io.open('/etc/passwd') ~= nil, os.getenv('PATH') ~= nil, os.execute('true'))",
    ]);
    assert_eq!(stdout(&o), "true\ttrue\ttrue\texit\t0\n");
}

#[test]
fn the_sandbox_refuses_and_names_the_flag() {
    let o = run(&["--sandbox", "-e", "io.open('/etc/passwd')"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("(command line):1: read access to '/etc/passwd' denied (grant it with --allow-read=/etc/passwd)"),
        "{}",
        stderr(&o)
    );
    for (code, msg) in [
        (
            "os.getenv('HOME')",
            "env access to 'HOME' denied (grant it with --allow-env=HOME)",
        ),
        (
            "os.execute('ls')",
            "run access to 'ls' denied (grant it with --allow-run)",
        ),
        (
            "io.popen('ls')",
            "run access to 'ls' denied (grant it with --allow-run)",
        ),
        (
            "os.remove('/tmp/x')",
            "write access to '/tmp/x' denied (grant it with --allow-write=/tmp/x)",
        ),
        (
            "require('net').connect('127.0.0.1', 9)",
            "net access to '127.0.0.1:9' denied (grant it with --allow-net=127.0.0.1:9)",
        ),
    ] {
        let o = run(&["--sandbox", "-e", code]);
        assert!(stderr(&o).contains(msg), "{}: {}", code, stderr(&o));
    }
}

#[test]
fn allow_lists_grant_exactly_what_they_name() {
    let s = Scratch::new("cli");
    std::fs::write(s.0.join("in.txt"), "inside").unwrap();
    let dir = s.0.display().to_string();
    let code = format!(
        "print(io.open({d:?} .. '/in.txt'):read('a'))\n\
         local f = assert(io.open({d:?} .. '/out.txt', 'w')); f:write('w'); f:close()\n\
         print(os.getenv('LUNA_CLI_VAR'))\n\
         print(pcall(os.getenv, 'PATH'))\n\
         print(pcall(io.open, '/etc/passwd'))",
        d = dir
    );
    let o = Command::new(luna())
        .env("LUNA_CLI_VAR", "yes")
        .args([
            &format!("--allow-read={},/nonexistent", dir),
            &format!("--allow-write={}", dir),
            "--allow-env=LUNA_CLI_VAR",
            "-e",
            &code,
        ])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "inside\nyes\nfalse\tenv access to 'PATH' denied (grant it with --allow-env=PATH)\n\
         false\tread access to '/etc/passwd' denied (grant it with --allow-read=/etc/passwd)\n",
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(s.0.join("out.txt")).unwrap(), "w");
}

#[test]
fn deny_flags_alone_keep_everything_else() {
    let s = Scratch::new("cli-deny");
    std::fs::write(s.0.join("secret"), "s").unwrap();
    let code = format!(
        "print(pcall(io.open, {:?})); print(os.getenv('PATH') ~= nil)",
        s.path("secret")
    );
    let o = run(&[&format!("--deny-read={}", s.0.display()), "-e", &code]);
    let want = format!(
        "false\tread access to '{}' denied (by --deny-read={})\ntrue\n",
        s.path("secret"),
        s.0.display()
    );
    assert_eq!(stdout(&o), want, "{}", stderr(&o));
}

#[test]
fn the_script_named_on_the_command_line_stays_readable() {
    let s = Scratch::new("cli-script");
    let script = s.path("main.lua");
    std::fs::write(&script, "print('ran', pcall(io.open, arg[0]))").unwrap();
    let o = run(&["--sandbox", &script]);
    assert!(
        stdout(&o).starts_with("ran\ttrue"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn native_modules_and_run_by_flag() {
    let greet = require_module("greet").display().to_string();
    let o = run(&[
        &format!("--allow-native={}", greet),
        "-e",
        "print(require('greet').hello('cli'))",
    ]);
    assert_eq!(stdout(&o), "Hello, cli!\n", "{}", stderr(&o));
    let o = run(&["--sandbox", "-e", "require('greet')"]);
    assert!(
        stderr(&o).contains("native access to '")
            && stderr(&o).contains("(grant it with --allow-native="),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "--sandbox",
        "--allow-run",
        "-e",
        "print(io.popen('echo hi'):read('l'))",
    ]);
    assert_eq!(stdout(&o), "hi\n");
}

#[test]
fn net_by_flag_on_loopback() {
    require_module("luna_net");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        use std::io::Write;
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"hello from rust\n").unwrap();
    });
    let code = format!(
        "local c = assert(require('net').connect('127.0.0.1', {})); print(c:receive())",
        port
    );
    let o = run(&[&format!("--allow-net=127.0.0.1:{}", port), "-e", &code]);
    assert_eq!(stdout(&o), "hello from rust\n", "{}", stderr(&o));
    t.join().unwrap();
    let o = run(&["--allow-net=10.0.0.1", "-e", &code]);
    assert!(
        stderr(&o).contains(&format!("net access to '127.0.0.1:{}' denied", port)),
        "{}",
        stderr(&o)
    );
}

#[test]
fn memfs_runs_a_script_unchanged() {
    require_module("luna_memfs");
    let s = Scratch::new("cli-memfs");
    let script = s.path("files.lua");
    std::fs::write(
        &script,
        "local lfs = require 'lfs'\n\
         assert(lfs.mkdir('work'))\n\
         local f = assert(io.open('work/data.txt', 'w'))\n\
         f:write('one\\ntwo\\n'); f:close()\n\
         for l in io.lines('work/data.txt') do print(l) end\n\
         print(require('fs').read('work/data.txt') == 'one\\ntwo\\n')\n\
         for name in lfs.dir('work') do if name:sub(1, 1) ~= '.' then print(name, lfs.attributes('work/' .. name, 'size')) end end\n\
         assert(os.rename('work/data.txt', 'work/moved.txt'))\n\
         print(io.open('work/data.txt'), io.open('work/moved.txt') ~= nil)\n\
         assert(os.remove('work/moved.txt')); assert(lfs.rmdir('work'))\n",
    )
    .unwrap();
    let disk = Command::new(luna())
        .arg(&script)
        .current_dir(&s.0)
        .output()
        .unwrap();
    let memory = Command::new(luna())
        .args(["--fs", "memfs", &script])
        .current_dir(&s.0)
        .output()
        .unwrap();
    assert_eq!(stderr(&disk), "");
    assert_eq!(stderr(&memory), "");
    let out = stdout(&disk);
    assert!(
        out.starts_with("one\ntwo\ntrue\ndata.txt\t8\nnil\t"),
        "{}",
        out
    );
    // The same output, with the memory file system's working directory in the message.
    assert_eq!(
        stdout(&memory),
        out.replace(&format!("{}/", s.0.display()), "/")
    );
    // The memory run left nothing on disk; the file system it saw was empty.
    let o = run(&[
        "--fs=memfs",
        "-e",
        "print(#require('fs').list('/'), io.open('/etc/passwd'))",
    ]);
    assert_eq!(
        stdout(&o),
        "0\tnil\t/etc/passwd: No such file or directory\t2\n",
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    for (args, msg) in [
        (
            vec!["--allow-run=ls", "-e", "x=1"],
            "option '--allow-run' takes no value",
        ),
        (
            vec!["--allow-net=a:b", "-e", "x=1"],
            "bad value 'a:b' for '--allow-net'",
        ),
        (
            vec!["--allow-readx", "-e", "x=1"],
            "unrecognized option '--allow-readx'",
        ),
        (vec!["--fs"], "'--fs' needs argument"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{:?}", args);
        assert!(stderr(&o).contains(msg), "{:?}: {}", args, stderr(&o));
    }
    let o = run(&["--fs", "nope", "-e", "x=1"]);
    assert!(
        stderr(&o).contains("no file-system provider module 'nope' on the native module path"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn limits_end_runaway_scripts() {
    // The script ends with an error (its wording is the kernel's and the command line's).
    let o = run(&["--max-instructions=100000", "-e", "while true do end"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).is_empty());
    let o = run(&[
        "--timeout=0.2",
        "-e",
        "pcall(function() while true do end end)",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
}

#[test]
fn penlight_runs_on_lfs_when_installed() {
    // Penlight's path/dir/file modules use LuaFileSystem; run them if the system has them.
    let pl = std::path::Path::new("/usr/share/lua/5.4/pl/dir.lua");
    if !pl.is_file() {
        eprintln!("Penlight not installed; skipped");
        return;
    }
    let s = Scratch::new("penlight");
    let root = s.path("tree");
    let code = format!(
        "local path, dir, file = require 'pl.path', require 'pl.dir', require 'pl.file'\n\
         local root = {root:?}\n\
         assert(path.mkdir(root))\n\
         assert(file.write(path.join(root, 'a.txt'), 'hello'))\n\
         assert(dir.makepath(path.join(root, 'b/c')))\n\
         local files = dir.getallfiles(root)\n\
         print(#files, file.read(path.join(root, 'a.txt')), path.getsize(path.join(root, 'a.txt')))\n\
         print(#dir.getdirectories(root), path.isdir(root .. '/b/c'))\n\
         dir.rmtree(root)\n\
         print(path.exists(root))"
    );
    let o = Command::new(luna())
        .env(
            "LUA_PATH",
            "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;;",
        )
        .args(["-e", &code])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "1\thello\t5\n1\ttrue\nfalse\n",
        "{}",
        stderr(&o)
    );
}
