//! The sandbox flags of the command line: permissions (Deno's spelling), the file-system
//! provider and limits.
//!
//! - No permission flag: everything is granted, as under `lua`.
//! - `--sandbox`, or any `--allow-*` flag: start from nothing, then add what the `--allow-*`
//!   flags grant. (`luna --allow-read=. x.lua` reads only below `.`.) The script file named
//!   on the command line stays readable.
//! - `--deny-*` flags take rights away from whatever the start was; they beat any allow.
//! - Each of `--allow-read`, `--allow-write`, `--allow-net`, `--allow-env`, `--allow-native`
//!   and their `--deny-*` twins takes an optional comma-separated list (`=a,b`); without one
//!   it means everything. `--allow-run` and `--deny-run` take no list.
//! - `--fs NAME` (or `--fs=NAME`): the file-system provider: `std` (built in, the default),
//!   or a provider module (`fs`, `memfs`) loaded from the native module path.
//! - `--max-instructions=N`, `--max-memory=BYTES`, `--timeout=SECONDS`: limits; tripping one
//!   ends the script with an error `pcall` cannot catch.

use luna_interp::host::{PermissionKind, Permissions};
use luna_interp::State;

/// What the sandbox flags asked for, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SandboxFlags {
    pub sandbox: bool,
    /// `(allow?, kind, item)` in order; `item` `None` means everything.
    pub rules: Vec<(bool, PermissionKind, Option<String>)>,
    /// `--fs NAME`.
    pub fs: Option<String>,
    pub max_instructions: Option<u64>,
    pub max_memory: Option<usize>,
    /// Wall-clock limit in milliseconds.
    pub timeout_ms: Option<u64>,
}

/// Whether `--name` is one of these flags (`fs` is handled with its separate value too).
pub fn is_sandbox_flag(name: &str) -> bool {
    if matches!(
        name,
        "sandbox" | "fs" | "max-instructions" | "max-memory" | "timeout"
    ) {
        return true;
    }
    let kind = name
        .strip_prefix("allow-")
        .or_else(|| name.strip_prefix("deny-"));
    kind.and_then(PermissionKind::from_name).is_some()
}

impl SandboxFlags {
    /// Records `--name[=value]`; the error is the usage message.
    pub fn parse(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        let number = |v: Option<&str>| -> Result<u64, String> {
            v.and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| format!("option '--{}' needs a number", name))
        };
        match name {
            "sandbox" => {
                if value.is_some() {
                    return Err(format!("option '--{}' takes no value", name));
                }
                self.sandbox = true;
            }
            "fs" => match value {
                Some(v) if !v.is_empty() => self.fs = Some(v.to_string()),
                _ => return Err("'--fs' needs argument".to_string()),
            },
            "max-instructions" => self.max_instructions = Some(number(value)?),
            "max-memory" => self.max_memory = Some(number(value)? as usize),
            "timeout" => {
                let secs = value
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| "option '--timeout' needs a number of seconds".to_string())?;
                self.timeout_ms = Some((secs * 1000.0) as u64);
            }
            _ => {
                let (allow, kind) = match (name.strip_prefix("allow-"), name.strip_prefix("deny-"))
                {
                    (Some(k), _) => (true, k),
                    (_, Some(k)) => (false, k),
                    _ => return Err(format!("unrecognized option '--{}'", name)),
                };
                let kind = PermissionKind::from_name(kind)
                    .ok_or_else(|| format!("unrecognized option '--{}'", name))?;
                match value {
                    None => self.rules.push((allow, kind, None)),
                    Some(_) if !kind.takes_items() => {
                        return Err(format!("option '--{}' takes no value", name))
                    }
                    Some(list) => {
                        let items: Vec<&str> = list.split(',').filter(|s| !s.is_empty()).collect();
                        if items.is_empty() {
                            return Err(format!("option '--{}=' needs a list", name));
                        }
                        for item in items {
                            let mut probe = Permissions::none();
                            if !probe.grant(kind, Some(item)) {
                                return Err(format!("bad value '{}' for '--{}'", item, name));
                            }
                            self.rules.push((allow, kind, Some(item.to_string())));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the state starts from nothing.
    fn restricted(&self) -> bool {
        self.sandbox || self.rules.iter().any(|(allow, _, _)| *allow)
    }

    /// The permissions the flags describe; `script` (the file named on the command line)
    /// stays readable in a sandbox.
    pub fn permissions(&self, script: Option<&str>) -> Permissions {
        let restricted = self.restricted();
        let mut p = if restricted {
            Permissions::none()
        } else {
            Permissions::all()
        };
        for (allow, kind, item) in &self.rules {
            if *allow {
                p.grant(*kind, item.as_deref());
            } else {
                p.revoke(*kind, item.as_deref());
            }
        }
        if restricted {
            if let Some(s) = script.filter(|s| *s != "-") {
                p.grant(PermissionKind::Read, Some(s));
            }
        }
        p
    }

    /// Applies the flags to a state whose libraries are open: the provider first (the
    /// permissions' paths are resolved with it), then the permissions and the limits.
    /// The error is a message for the user.
    pub fn apply(&self, st: &mut State, script: Option<&str>) -> Result<(), String> {
        if let Some(s) = script.filter(|s| *s != "-") {
            // The script comes from the real disk whatever provider serves the script.
            st.add_host_file(s.as_bytes());
        }
        let dirs = luna_interp::host::loader::native_module_dirs();
        st.set_provider_dirs(Some(dirs.clone()));
        if let Some(name) = self.fs.as_deref() {
            if name != "std" {
                luna_interp::host::providers::load_fs_provider(st, name, &dirs)?;
            }
        }
        if !self.rules.is_empty() || self.sandbox {
            st.set_permissions(self.permissions(script));
        }
        if let Some(n) = self.max_instructions {
            st.set_instruction_limit(Some(n));
        }
        if let Some(n) = self.max_memory {
            st.set_memory_limit(n);
        }
        if let Some(ms) = self.timeout_ms {
            let flag = st.interrupt_handle();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            });
        }
        Ok(())
    }
}

/// Lines for the usage text.
pub const USAGE: &str = "\
  --sandbox            start with no permission (also implied by any --allow-*)\n\
  --allow-read[=PATHS] --allow-write[=PATHS] --allow-net[=HOSTS] --allow-env[=VARS]\n\
  --allow-run          --allow-native[=FILES]   grant (lists are comma-separated)\n\
  --deny-*             the same names: refuse, beating any allow\n\
  --fs NAME            file-system provider: std (default), fs, memfs\n\
  --max-instructions=N --max-memory=BYTES --timeout=SECONDS   limits\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[(&str, Option<&str>)]) -> SandboxFlags {
        let mut f = SandboxFlags::default();
        for (n, v) in args {
            assert!(is_sandbox_flag(n), "{}", n);
            f.parse(n, *v).unwrap();
        }
        f
    }

    #[test]
    fn no_flag_grants_everything_and_allow_restricts() {
        let p = flags(&[]).permissions(None);
        assert_eq!(p, Permissions::all());
        let p = flags(&[("allow-read", Some("/tmp,/var"))]).permissions(Some("s.lua"));
        assert!(p
            .check_path(PermissionKind::Read, b"x", std::path::Path::new("/tmp/x"))
            .is_ok());
        assert!(p
            .check_path(PermissionKind::Read, b"x", std::path::Path::new("/etc/x"))
            .is_err());
        assert!(p
            .check_path(PermissionKind::Write, b"x", std::path::Path::new("/tmp/x"))
            .is_err());
        assert!(p.check_env("HOME").is_err());
        let p = flags(&[("deny-net", None)]).permissions(None);
        assert!(p.check_net("a", Some(1)).is_err());
        assert!(p.check_env("HOME").is_ok());
        let p = flags(&[("sandbox", None), ("allow-run", None)]).permissions(None);
        assert!(p.check_run(b"ls").is_ok());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let mut f = SandboxFlags::default();
        assert!(f.parse("allow-run", Some("ls")).is_err());
        assert!(f.parse("allow-net", Some("a:b")).is_err());
        assert!(f.parse("sandbox", Some("1")).is_err());
        assert!(f.parse("timeout", Some("x")).is_err());
        assert!(!is_sandbox_flag("allow-everything"));
    }
}
