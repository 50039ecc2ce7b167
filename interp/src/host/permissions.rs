//! Permissions: which resources a state's scripts may reach.
//!
//! Six kinds, as Deno names them: `read` and `write` (sets of paths), `net` (sets of
//! `host[:port]`), `env` (variable names), `run` (subprocesses, all or nothing) and `native`
//! (module files a script may load). Each kind has an allow rule and a deny rule; a rule is
//! "everything" or a list of items.
//!
//! Invariants:
//! - Deny beats allow: a target matched by the deny rule is refused whatever the allow rule
//!   says; a target matched by neither is refused.
//! - Paths in rules are absolute and resolved (symlinks and `..` removed) once, when the
//!   permissions are installed in a state ([`Permissions::resolve_paths`]); targets are resolved
//!   by the file-system backend at each check. Rules are never re-resolved afterwards, so a
//!   symlink created later under a granted name cannot widen a grant.
//! - A path rule covers the path itself and everything below it, compared component by
//!   component (`/tmp/a` covers `/tmp/a/b`, not `/tmp/ab`).
//! - A denial carries everything its message needs: the kind, the target as the script wrote
//!   it, the resolved target, and the command-line flag that would grant it.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The kinds of permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PermissionKind {
    Read,
    Write,
    Net,
    Env,
    Run,
    Native,
}

impl PermissionKind {
    pub const ALL: [PermissionKind; 6] = [
        PermissionKind::Read,
        PermissionKind::Write,
        PermissionKind::Net,
        PermissionKind::Env,
        PermissionKind::Run,
        PermissionKind::Native,
    ];

    /// The word used in messages and flags (`read`, `net`, ...).
    pub fn name(self) -> &'static str {
        match self {
            PermissionKind::Read => "read",
            PermissionKind::Write => "write",
            PermissionKind::Net => "net",
            PermissionKind::Env => "env",
            PermissionKind::Run => "run",
            PermissionKind::Native => "native",
        }
    }

    /// The kind named `name` (as in `--allow-<name>`).
    pub fn from_name(name: &str) -> Option<PermissionKind> {
        PermissionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind's items are paths.
    pub fn is_path_kind(self) -> bool {
        matches!(
            self,
            PermissionKind::Read | PermissionKind::Write | PermissionKind::Native
        )
    }

    /// Whether the kind takes a list of items at all (`run` is all or nothing).
    pub fn takes_items(self) -> bool {
        self != PermissionKind::Run
    }
}

impl fmt::Display for PermissionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A network target or rule: a host name or address, and optionally a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetTarget {
    /// Lower-cased host name, or an address without brackets.
    pub host: String,
    pub port: Option<u16>,
}

impl NetTarget {
    /// Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
    pub fn parse(s: &str) -> Option<NetTarget> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?.parse().ok()?),
            };
            return Some(NetTarget {
                host: host.to_ascii_lowercase(),
                port,
            });
        }
        match s.rsplit_once(':') {
            // More than one colon without brackets: a bare IPv6 address.
            Some((h, _)) if h.contains(':') => Some(NetTarget {
                host: s.to_ascii_lowercase(),
                port: None,
            }),
            Some((h, p)) => Some(NetTarget {
                host: h.to_ascii_lowercase(),
                port: Some(p.parse().ok()?),
            }),
            None => Some(NetTarget {
                host: s.to_ascii_lowercase(),
                port: None,
            }),
        }
    }

    /// Whether this rule covers `target` (a target without a port, as name resolution
    /// asks, is covered by any rule for its host).
    fn covers(&self, target: &NetTarget) -> bool {
        self.host == target.host
            && (self.port.is_none() || target.port.is_none() || self.port == target.port)
    }
}

impl fmt::Display for NetTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bracket = self.host.contains(':');
        match (bracket, self.port) {
            (false, None) => write!(f, "{}", self.host),
            (false, Some(p)) => write!(f, "{}:{}", self.host, p),
            (true, None) => write!(f, "[{}]", self.host),
            (true, Some(p)) => write!(f, "[{}]:{}", self.host, p),
        }
    }
}

/// One rule: everything, or the listed items.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule<T> {
    all: bool,
    items: Vec<T>,
}

impl<T> Default for Rule<T> {
    fn default() -> Self {
        Rule {
            all: false,
            items: Vec::new(),
        }
    }
}

impl<T> Rule<T> {
    fn is_empty(&self) -> bool {
        !self.all && self.items.is_empty()
    }
}

/// The allow and deny rules of one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rules<T> {
    allow: Rule<T>,
    deny: Rule<T>,
}

impl<T> Default for Rules<T> {
    fn default() -> Self {
        Rules {
            allow: Rule::default(),
            deny: Rule::default(),
        }
    }
}

/// What a state's scripts may reach. Build one with [`Permissions::none`] or
/// [`Permissions::all`] and the `allow_*`/`deny_*` methods; install it with
/// `State::set_permissions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    read: Rules<PathBuf>,
    write: Rules<PathBuf>,
    net: Rules<NetTarget>,
    env: Rules<String>,
    run: Rules<()>,
    native: Rules<PathBuf>,
}

/// A refused access: the Lua error message is its `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub kind: PermissionKind,
    /// The target as the script named it.
    pub target: String,
    /// What the check compared: the resolved path or the normalised host.
    pub resolved: String,
    /// The deny rule that matched, if one did (then no allow flag would help).
    pub denied_by: Option<String>,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} access to '{}' denied", self.kind, self.target)?;
        match (&self.denied_by, self.kind) {
            (Some(rule), _) => write!(f, " (by --deny-{}{})", self.kind, rule),
            (None, PermissionKind::Run) => write!(f, " (grant it with --allow-run)"),
            (None, k) => write!(f, " (grant it with --allow-{}={})", k, self.resolved),
        }
    }
}

impl std::error::Error for Denial {}

impl Permissions {
    /// Nothing granted: the sandbox (`--sandbox`) and the embedding API start here.
    pub fn none() -> Permissions {
        Permissions::default()
    }

    /// Everything granted, as `lua` does (the command line with no permission flag).
    pub fn all() -> Permissions {
        let mut p = Permissions::none();
        for k in PermissionKind::ALL {
            p.grant(k, None);
        }
        p
    }

    /// Allows `kind` for `item` (a path, `host[:port]` or variable name), or for everything
    /// when `item` is `None`. Returns false for an item that cannot be parsed (a bad
    /// `host:port`, or an item given to `run`).
    pub fn grant(&mut self, kind: PermissionKind, item: Option<&str>) -> bool {
        self.add(kind, item, true)
    }

    /// Denies `kind` for `item`, or for everything when `item` is `None`. Deny rules win
    /// over allow rules.
    pub fn revoke(&mut self, kind: PermissionKind, item: Option<&str>) -> bool {
        self.add(kind, item, false)
    }

    fn add(&mut self, kind: PermissionKind, item: Option<&str>, allow: bool) -> bool {
        fn pick<T>(r: &mut Rules<T>, allow: bool) -> &mut Rule<T> {
            if allow {
                &mut r.allow
            } else {
                &mut r.deny
            }
        }
        match item {
            None => {
                match kind {
                    PermissionKind::Read => pick(&mut self.read, allow).all = true,
                    PermissionKind::Write => pick(&mut self.write, allow).all = true,
                    PermissionKind::Net => pick(&mut self.net, allow).all = true,
                    PermissionKind::Env => pick(&mut self.env, allow).all = true,
                    PermissionKind::Run => pick(&mut self.run, allow).all = true,
                    PermissionKind::Native => pick(&mut self.native, allow).all = true,
                }
                true
            }
            Some(item) => match kind {
                PermissionKind::Read => {
                    pick(&mut self.read, allow).items.push(absolute(item));
                    true
                }
                PermissionKind::Write => {
                    pick(&mut self.write, allow).items.push(absolute(item));
                    true
                }
                PermissionKind::Native => {
                    pick(&mut self.native, allow).items.push(absolute(item));
                    true
                }
                PermissionKind::Net => match NetTarget::parse(item) {
                    Some(t) => {
                        pick(&mut self.net, allow).items.push(t);
                        true
                    }
                    None => false,
                },
                PermissionKind::Env => {
                    pick(&mut self.env, allow).items.push(item.to_string());
                    true
                }
                PermissionKind::Run => false,
            },
        }
    }

    // Builder forms, for host programs.

    pub fn allow_read(mut self, path: impl AsRef<Path>) -> Self {
        self.read.allow.items.push(absolute_path(path.as_ref()));
        self
    }
    pub fn allow_read_all(mut self) -> Self {
        self.read.allow.all = true;
        self
    }
    pub fn deny_read(mut self, path: impl AsRef<Path>) -> Self {
        self.read.deny.items.push(absolute_path(path.as_ref()));
        self
    }
    pub fn allow_write(mut self, path: impl AsRef<Path>) -> Self {
        self.write.allow.items.push(absolute_path(path.as_ref()));
        self
    }
    pub fn allow_write_all(mut self) -> Self {
        self.write.allow.all = true;
        self
    }
    pub fn deny_write(mut self, path: impl AsRef<Path>) -> Self {
        self.write.deny.items.push(absolute_path(path.as_ref()));
        self
    }
    /// Allows connecting to, binding or resolving `host[:port]` (a malformed target is
    /// ignored).
    pub fn allow_net(mut self, target: &str) -> Self {
        self.grant(PermissionKind::Net, Some(target));
        self
    }
    pub fn allow_net_all(mut self) -> Self {
        self.net.allow.all = true;
        self
    }
    pub fn deny_net(mut self, target: &str) -> Self {
        self.revoke(PermissionKind::Net, Some(target));
        self
    }
    pub fn allow_env(mut self, name: &str) -> Self {
        self.env.allow.items.push(name.to_string());
        self
    }
    pub fn allow_env_all(mut self) -> Self {
        self.env.allow.all = true;
        self
    }
    pub fn deny_env(mut self, name: &str) -> Self {
        self.env.deny.items.push(name.to_string());
        self
    }
    pub fn allow_run(mut self) -> Self {
        self.run.allow.all = true;
        self
    }
    pub fn deny_run(mut self) -> Self {
        self.run.deny.all = true;
        self
    }
    pub fn allow_native(mut self, file: impl AsRef<Path>) -> Self {
        self.native.allow.items.push(absolute_path(file.as_ref()));
        self
    }
    pub fn allow_native_all(mut self) -> Self {
        self.native.allow.all = true;
        self
    }
    pub fn deny_native(mut self, file: impl AsRef<Path>) -> Self {
        self.native.deny.items.push(absolute_path(file.as_ref()));
        self
    }

    /// Whether every target of `kind` is allowed (allowed for all, no deny rule): checks of
    /// that kind can skip resolving paths.
    pub fn allows_all(&self, kind: PermissionKind) -> bool {
        fn open<T>(r: &Rules<T>) -> bool {
            r.allow.all && r.deny.is_empty()
        }
        match kind {
            PermissionKind::Read => open(&self.read),
            PermissionKind::Write => open(&self.write),
            PermissionKind::Net => open(&self.net),
            PermissionKind::Env => open(&self.env),
            PermissionKind::Run => open(&self.run),
            PermissionKind::Native => open(&self.native),
        }
    }

    /// Whether some target of `kind` may be allowed (a module that declares it needs `kind`
    /// is refused when none is).
    pub fn allows_any(&self, kind: PermissionKind) -> bool {
        fn some<T>(r: &Rules<T>) -> bool {
            !r.deny.all && !r.allow.is_empty()
        }
        match kind {
            PermissionKind::Read => some(&self.read),
            PermissionKind::Write => some(&self.write),
            PermissionKind::Net => some(&self.net),
            PermissionKind::Env => some(&self.env),
            PermissionKind::Run => some(&self.run),
            PermissionKind::Native => some(&self.native),
        }
    }

    /// Resolves the paths of the path rules with `resolve` (the file-system backend's real
    /// path of an absolute path). Called once, when the permissions are installed.
    pub fn resolve_paths(&mut self, resolve: &mut dyn FnMut(&Path) -> PathBuf) {
        for rules in [&mut self.read, &mut self.write, &mut self.native] {
            for rule in [&mut rules.allow, &mut rules.deny] {
                for p in rule.items.iter_mut() {
                    *p = resolve(p);
                }
            }
        }
    }

    /// Checks access of `kind` (read, write or native) to a path; `shown` is the path as the
    /// script wrote it and `resolved` its absolute real path. Returns the granted path that
    /// allows it (`/` when everything is allowed): providers confine the access below it.
    pub fn check_path(
        &self,
        kind: PermissionKind,
        shown: &[u8],
        resolved: &Path,
    ) -> Result<PathBuf, Denial> {
        let rules = match kind {
            PermissionKind::Read => &self.read,
            PermissionKind::Write => &self.write,
            PermissionKind::Native => &self.native,
            _ => unreachable!("check_path for {kind}"),
        };
        let deny = if rules.deny.all {
            Some(String::new())
        } else {
            rules
                .deny
                .items
                .iter()
                .find(|p| resolved.starts_with(p))
                .map(|p| format!("={}", p.display()))
        };
        let grant = if rules.allow.all {
            Some(PathBuf::from("/"))
        } else {
            // The deepest grant covering the path confines the most.
            rules
                .allow
                .items
                .iter()
                .filter(|p| resolved.starts_with(p))
                .max_by_key(|p| p.components().count())
                .cloned()
        };
        match (deny, grant) {
            (None, Some(g)) => Ok(g),
            (deny, _) => Err(Denial {
                kind,
                target: String::from_utf8_lossy(shown).into_owned(),
                resolved: resolved.display().to_string(),
                denied_by: deny,
            }),
        }
    }

    /// Checks access to `host` at `port` (`None`: any port, as name resolution needs).
    pub fn check_net(&self, host: &str, port: Option<u16>) -> Result<(), Denial> {
        let target = NetTarget {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase(),
            port,
        };
        let rules = &self.net;
        let deny = if rules.deny.all {
            Some(String::new())
        } else {
            rules
                .deny
                .items
                .iter()
                .find(|r| {
                    r.host == target.host && (r.port.is_none() || port.is_none() || r.port == port)
                })
                .map(|r| format!("={}", r))
        };
        let allowed = rules.allow.all || rules.allow.items.iter().any(|r| r.covers(&target));
        if deny.is_none() && allowed {
            return Ok(());
        }
        Err(Denial {
            kind: PermissionKind::Net,
            target: target.to_string(),
            resolved: target.to_string(),
            denied_by: deny,
        })
    }

    /// Checks reading or setting environment variable `name`.
    pub fn check_env(&self, name: &str) -> Result<(), Denial> {
        let rules = &self.env;
        let deny = if rules.deny.all {
            Some(String::new())
        } else {
            rules
                .deny
                .items
                .iter()
                .find(|n| *n == name)
                .map(|n| format!("={}", n))
        };
        let allowed = rules.allow.all || rules.allow.items.iter().any(|n| n == name);
        if deny.is_none() && allowed {
            return Ok(());
        }
        Err(Denial {
            kind: PermissionKind::Env,
            target: name.to_string(),
            resolved: name.to_string(),
            denied_by: deny,
        })
    }

    /// Checks running a subprocess; `command` is only for the message.
    pub fn check_run(&self, command: &[u8]) -> Result<(), Denial> {
        if self.run.allow.all && !self.run.deny.all {
            return Ok(());
        }
        let mut shown = String::from_utf8_lossy(command).into_owned();
        if shown.len() > 60 {
            let mut cut = 57;
            while !shown.is_char_boundary(cut) {
                cut -= 1;
            }
            shown.truncate(cut);
            shown.push_str("...");
        }
        Err(Denial {
            kind: PermissionKind::Run,
            target: shown.clone(),
            resolved: shown,
            denied_by: self.run.deny.all.then(String::new),
        })
    }
}

/// `item` as an absolute, lexically normalised path (relative paths are taken from the
/// process's current directory at the time the rule is made).
fn absolute(item: &str) -> PathBuf {
    absolute_path(Path::new(item))
}

fn absolute_path(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(p),
            Err(_) => Path::new("/").join(p),
        }
    };
    normalize_lexically(&joined)
}

/// Removes `.` and resolves `..` by text alone (for absolute paths: `..` at the root stays at
/// the root). Only correct for paths known to contain no symlinks, or as a last resort for
/// parts that do not exist.
pub fn normalize_lexically(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
                if out.as_os_str().is_empty() && p.is_absolute() {
                    out.push("/");
                }
            }
            Component::Normal(n) => out.push(n),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(if p.is_absolute() { "/" } else { "." });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn deny_beats_allow_and_nothing_is_denied() {
        let perms = Permissions::none()
            .allow_read("/data")
            .deny_read("/data/secret");
        assert!(perms
            .check_path(PermissionKind::Read, b"x", &p("/data/a/b"))
            .is_ok());
        assert!(perms
            .check_path(PermissionKind::Read, b"x", &p("/data"))
            .is_ok());
        let d = perms
            .check_path(PermissionKind::Read, b"s", &p("/data/secret/k"))
            .unwrap_err();
        assert_eq!(
            d.to_string(),
            "read access to 's' denied (by --deny-read=/data/secret)"
        );
        let d = perms
            .check_path(PermissionKind::Read, b"/datax", &p("/datax"))
            .unwrap_err();
        assert_eq!(
            d.to_string(),
            "read access to '/datax' denied (grant it with --allow-read=/datax)"
        );
        assert!(perms
            .check_path(PermissionKind::Write, b"x", &p("/data/a"))
            .is_err());
        assert!(Permissions::none().check_env("HOME").is_err());
        assert!(Permissions::all().check_env("HOME").is_ok());
        assert!(Permissions::all()
            .deny_env("HOME")
            .check_env("HOME")
            .is_err());
        assert!(Permissions::all()
            .deny_env("HOME")
            .check_env("PATH")
            .is_ok());
    }

    #[test]
    fn run_is_all_or_nothing() {
        assert!(Permissions::none().allow_run().check_run(b"ls").is_ok());
        let d = Permissions::none().check_run(b"ls -l").unwrap_err();
        assert_eq!(
            d.to_string(),
            "run access to 'ls -l' denied (grant it with --allow-run)"
        );
        assert!(Permissions::all().deny_run().check_run(b"ls").is_err());
        let mut perms = Permissions::none();
        assert!(!perms.grant(PermissionKind::Run, Some("ls")));
    }

    #[test]
    fn net_rules_match_host_and_port() {
        let perms = Permissions::none()
            .allow_net("127.0.0.1:8080")
            .allow_net("Example.org")
            .allow_net("[::1]:9");
        assert!(perms.check_net("127.0.0.1", Some(8080)).is_ok());
        assert!(perms.check_net("127.0.0.1", Some(8081)).is_err());
        assert!(perms.check_net("127.0.0.1", None).is_ok());
        assert!(perms.check_net("127.0.0.2", None).is_err());
        assert!(perms.check_net("example.ORG", Some(1)).is_ok());
        assert!(perms.check_net("::1", Some(9)).is_ok());
        let d = perms.check_net("10.0.0.1", Some(80)).unwrap_err();
        assert_eq!(
            d.to_string(),
            "net access to '10.0.0.1:80' denied (grant it with --allow-net=10.0.0.1:80)"
        );
        let perms = Permissions::all().deny_net("evil.com");
        assert!(perms.check_net("evil.com", Some(443)).is_err());
        assert!(perms.check_net("good.com", Some(443)).is_ok());
        assert_eq!(NetTarget::parse("a:b"), None);
        assert_eq!(NetTarget::parse("::1").unwrap().to_string(), "[::1]");
    }

    #[test]
    fn any_and_all() {
        let perms = Permissions::none().allow_net("x");
        assert!(perms.allows_any(PermissionKind::Net));
        assert!(!perms.allows_all(PermissionKind::Net));
        assert!(!perms.allows_any(PermissionKind::Read));
        let all = Permissions::all();
        assert!(PermissionKind::ALL.iter().all(|&k| all.allows_all(k)));
        let all = all.deny_read("/x");
        assert!(!all.allows_all(PermissionKind::Read));
    }

    #[test]
    fn lexical_normalisation() {
        assert_eq!(normalize_lexically(Path::new("/a/./b/../c")), p("/a/c"));
        assert_eq!(normalize_lexically(Path::new("/../..")), p("/"));
        assert_eq!(normalize_lexically(Path::new("a/..")), p("."));
        assert_eq!(absolute("/x/../y"), p("/y"));
    }
}
