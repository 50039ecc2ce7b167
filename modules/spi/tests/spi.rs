//! Tests of luna-spi's pure parts: paths, resolution, modes, errors, values, guards.

use luna_spi::abi_stable::std_types::RResult;
use luna_spi::fs::{normalize, resolve_path, FsPath, Lookup, OpenOptions, MAX_SYMLINKS};
use luna_spi::guard::guard;
use luna_spi::{
    check_spi_version, ErrorKind, Poison, SpiError, Value, MIN_SPI_VERSION, SPI_VERSION,
};

#[test]
fn normalize_joins_and_cleans() {
    assert_eq!(normalize("/home/u", "a/b"), "/home/u/a/b");
    assert_eq!(normalize("/home/u", "./a//b/"), "/home/u/a/b");
    assert_eq!(normalize("/home/u", "../v"), "/home/v");
    assert_eq!(normalize("/home/u", "/etc/../tmp"), "/tmp");
    assert_eq!(normalize("/", "../../.."), "/");
    assert_eq!(normalize("/a", ""), "/a");
    assert_eq!(normalize("/a", "."), "/a");
}

#[test]
fn fs_path_within_a_root() {
    let p = FsPath::within("/data", "/data/x/y").unwrap();
    assert_eq!((p.beneath.as_str(), p.rel.as_str()), ("/data", "x/y"));
    let p = FsPath::within("/data", "/data").unwrap();
    assert_eq!(p.rel.as_str(), "");
    assert!(FsPath::within("/data", "/database").is_none());
    assert!(FsPath::within("/data", "/etc").is_none());
    let p = FsPath::within("/", "/etc/passwd").unwrap();
    assert_eq!((p.beneath.as_str(), p.rel.as_str()), ("/", "etc/passwd"));
    assert_eq!(p.joined(), "/etc/passwd");
    assert_eq!(FsPath::new("/data", "x").joined(), "/data/x");
}

/// A fake tree: /a (dir), /a/f (file), /l -> a, /abs -> /a/f, /up -> a/.., /loop -> loop,
/// /a/rel -> ../a.
fn fake(p: &str) -> Result<Lookup, SpiError> {
    Ok(match p {
        "/a" => Lookup::Dir,
        "/a/f" => Lookup::NotDir,
        "/l" => Lookup::Symlink("a".into()),
        "/abs" => Lookup::Symlink("/a/f".into()),
        "/up" => Lookup::Symlink("a/..".into()),
        "/loop" => Lookup::Symlink("loop".into()),
        "/a/rel" => Lookup::Symlink("../a".into()),
        _ => Lookup::Missing,
    })
}

fn resolve(p: &str, follow: bool) -> Result<String, ErrorKind> {
    resolve_path(p, follow, &mut fake).map_err(|e| e.kind)
}

#[test]
fn resolve_path_follows_links() {
    assert_eq!(resolve("/l/f", true), Ok("/a/f".into()));
    assert_eq!(resolve("/l", true), Ok("/a".into()));
    assert_eq!(resolve("/l", false), Ok("/l".into()));
    assert_eq!(resolve("/abs", true), Ok("/a/f".into()));
    assert_eq!(resolve("/up/a/f", true), Ok("/a/f".into()));
    assert_eq!(resolve("/a/rel/rel/f", true), Ok("/a/f".into()));
    assert_eq!(resolve("/l/new/deeper", true), Ok("/a/new/deeper".into()));
    assert_eq!(resolve("/a/f/x", true), Err(ErrorKind::NOT_A_DIRECTORY));
    assert_eq!(resolve("/loop", true), Err(ErrorKind::TOO_MANY_LINKS));
    assert_eq!(resolve("/loop", false), Ok("/loop".into()));
    assert_eq!(resolve("/", true), Ok("/".into()));
    let _ = MAX_SYMLINKS;
}

#[test]
fn open_modes() {
    let r = OpenOptions::from_mode("r").unwrap();
    assert!(r.read && !r.write && !r.needs_write());
    let w = OpenOptions::from_mode("wb").unwrap();
    assert!(w.write && w.truncate && w.create && w.needs_write() && !w.needs_read());
    let a = OpenOptions::from_mode("a+").unwrap();
    assert!(a.read && a.append && a.create);
    assert!(OpenOptions::from_mode("r+b").unwrap().write);
    assert!(OpenOptions::from_mode("x").is_none());
    assert!(OpenOptions::from_mode("rw").is_none());
    assert!(OpenOptions::from_mode("").is_none());
}

#[test]
fn io_errors_keep_errno_and_strerror() {
    let e = SpiError::from(std::fs::File::open("/definitely/not/here").unwrap_err());
    assert_eq!(e.kind, ErrorKind::NOT_FOUND);
    assert_eq!(e.code, 2);
    assert_eq!(e.message(), "No such file or directory");
    let e = SpiError::new(ErrorKind::DIRECTORY_NOT_EMPTY);
    assert_eq!((e.code, e.message()), (39, "Directory not empty"));
    assert_eq!(ErrorKind(9999).name(), "OTHER");
    assert_eq!(format!("{:?}", ErrorKind::TIMED_OUT), "TIMED_OUT(10)");
}

#[test]
fn guard_catches_panics_and_poisons() {
    static POISON: Poison = Poison::new();
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    assert!(matches!(guard(&POISON, || Ok(1)), RResult::ROk(1)));
    let r: RResult<i32, SpiError> = guard(&POISON, || panic!("oops"));
    std::panic::set_hook(prev);
    let e = r.into_result().unwrap_err();
    assert_eq!(e.kind, ErrorKind::PANICKED);
    assert!(e.message().contains("oops"));
    assert!(POISON.is_poisoned());
    let e = guard(&POISON, || Ok(2)).into_result().unwrap_err();
    assert_eq!(e.kind, ErrorKind::POISONED);
}

#[test]
fn values() {
    assert_eq!(Value::Float(3.0).as_int(), Some(3));
    assert_eq!(Value::Float(3.5).as_int(), None);
    assert_eq!(Value::Float(9.3e18).as_int(), None);
    assert_eq!(
        Value::Float(-9_223_372_036_854_775_808.0).as_int(),
        Some(i64::MIN)
    );
    assert_eq!(Value::Int(1), Value::Float(1.0));
    assert_ne!(Value::str(b"a"), Value::str(b"b"));
    assert_eq!(Value::str(b"hi").as_str(), Some("hi"));
    assert!(!Value::Nil.truthy() && !Value::Bool(false).truthy() && Value::Int(0).truthy());
    assert_eq!(Value::Int(1).type_name(), "number");
    assert!(
        std::mem::size_of::<Value<'_>>() <= 24,
        "a value stays small"
    );
}

#[test]
fn spi_version_range() {
    assert!(check_spi_version(SPI_VERSION).is_ok());
    assert!(check_spi_version(MIN_SPI_VERSION).is_ok());
    assert!(check_spi_version(SPI_VERSION + 1)
        .unwrap_err()
        .contains("needs SPI version"));
    if MIN_SPI_VERSION > 0 {
        assert!(check_spi_version(MIN_SPI_VERSION - 1).is_err());
    }
}
