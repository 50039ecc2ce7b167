//! Helpers for writing native functions: the panic-guarded call and argument checks.
//!
//! Argument positions count from 1, as Lua's messages do.

use abi_stable::std_types::{RResult, RStr};

use crate::error::{ErrorKind, SpiError, SpiResult};
use crate::guard::{panic_message, Poison};
use crate::value::{Ctx, Value};

/// Runs a module's native function under the panic guard. `export_module!` calls this
/// from each generated entry point; it costs one atomic load and a `catch_unwind` (free
/// unless a panic happens).
#[inline(always)]
pub fn call_native<'a, F>(poison: &Poison, ctx: &Ctx<'a>, args: &[Value<'a>], f: F) -> SpiResult<()>
where
    F: FnOnce(&Ctx<'a>, &[Value<'a>]) -> Result<(), SpiError>,
{
    if poison.is_poisoned() {
        return RResult::RErr(SpiError::new(ErrorKind::POISONED));
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ctx, args))) {
        Ok(Ok(())) => RResult::ROk(()),
        Ok(Err(e)) => RResult::RErr(e),
        Err(payload) => {
            poison.poison();
            RResult::RErr(SpiError::with_message(
                ErrorKind::PANICKED,
                format!("module panicked: {}", panic_message(&*payload)),
            ))
        }
    }
}

fn type_error(ctx: &Ctx<'_>, n: usize, expected: &str, args: &[Value<'_>]) -> SpiError {
    let got = if n == 0 || n > args.len() {
        "no value"
    } else {
        args[n - 1].type_name()
    };
    ctx.arg_error(
        n as u32,
        RStr::from_str(&format!("{expected} expected, got {got}")),
    )
}

/// Argument accessors on a native function's `args`, with Lua's messages on failure.
pub trait Args<'a> {
    /// Argument `n` (from 1), `nil` beyond the end.
    fn arg(&self, n: usize) -> Value<'a>;
    /// A string argument's bytes; numbers are converted as Lua does (`luaL_checklstring`).
    fn check_bytes<'s>(&'s self, ctx: &'s Ctx<'_>, n: usize) -> Result<&'s [u8], SpiError>;
    /// A string argument as UTF-8 text.
    fn check_str<'s>(&'s self, ctx: &'s Ctx<'_>, n: usize) -> Result<&'s str, SpiError>;
    /// An integer argument (a float with an integral value is accepted).
    fn check_int(&self, ctx: &Ctx<'_>, n: usize) -> Result<i64, SpiError>;
    /// A number argument.
    fn check_float(&self, ctx: &Ctx<'_>, n: usize) -> Result<f64, SpiError>;
    /// A table argument.
    fn check_table(&self, ctx: &Ctx<'_>, n: usize) -> Result<Value<'a>, SpiError>;
    /// A function argument.
    fn check_function(&self, ctx: &Ctx<'_>, n: usize) -> Result<Value<'a>, SpiError>;
    /// An optional integer argument (`default` when nil or absent).
    fn opt_int(&self, ctx: &Ctx<'_>, n: usize, default: i64) -> Result<i64, SpiError>;
}

impl<'a> Args<'a> for [Value<'a>] {
    fn arg(&self, n: usize) -> Value<'a> {
        n.checked_sub(1)
            .and_then(|i| self.get(i))
            .copied()
            .unwrap_or(Value::Nil)
    }

    fn check_bytes<'s>(&'s self, ctx: &'s Ctx<'_>, n: usize) -> Result<&'s [u8], SpiError> {
        let v = self.arg(n);
        match v {
            Value::Str(s) => Ok(s.as_slice()),
            Value::Int(_) | Value::Float(_) => match ctx.to_display(v) {
                RResult::ROk(Value::Str(s)) => Ok(s.as_slice()),
                RResult::ROk(_) => Err(type_error(ctx, n, "string", self)),
                RResult::RErr(e) => Err(e),
            },
            _ => Err(type_error(ctx, n, "string", self)),
        }
    }

    fn check_str<'s>(&'s self, ctx: &'s Ctx<'_>, n: usize) -> Result<&'s str, SpiError> {
        let bytes = self.check_bytes(ctx, n)?;
        std::str::from_utf8(bytes)
            .map_err(|_| ctx.arg_error(n as u32, RStr::from_str("invalid UTF-8")))
    }

    fn check_int(&self, ctx: &Ctx<'_>, n: usize) -> Result<i64, SpiError> {
        let v = self.arg(n);
        match v {
            Value::Int(i) => Ok(i),
            Value::Float(_) => v.as_int().ok_or_else(|| {
                ctx.arg_error(
                    n as u32,
                    RStr::from_str("number has no integer representation"),
                )
            }),
            Value::Str(s) => {
                parse_int(s.as_slice()).ok_or_else(|| type_error(ctx, n, "number", self))
            }
            _ => Err(type_error(ctx, n, "number", self)),
        }
    }

    fn check_float(&self, ctx: &Ctx<'_>, n: usize) -> Result<f64, SpiError> {
        let v = self.arg(n);
        match v {
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) => Ok(f),
            Value::Str(s) => std::str::from_utf8(s.as_slice())
                .ok()
                .and_then(|t| t.trim().parse::<f64>().ok())
                .ok_or_else(|| type_error(ctx, n, "number", self)),
            _ => Err(type_error(ctx, n, "number", self)),
        }
    }

    fn check_table(&self, ctx: &Ctx<'_>, n: usize) -> Result<Value<'a>, SpiError> {
        match self.arg(n) {
            v @ Value::Table(_) => Ok(v),
            _ => Err(type_error(ctx, n, "table", self)),
        }
    }

    fn check_function(&self, ctx: &Ctx<'_>, n: usize) -> Result<Value<'a>, SpiError> {
        match self.arg(n) {
            v @ Value::Function(_) => Ok(v),
            _ => Err(type_error(ctx, n, "function", self)),
        }
    }

    fn opt_int(&self, ctx: &Ctx<'_>, n: usize, default: i64) -> Result<i64, SpiError> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int(ctx, n)
        }
    }
}

fn parse_int(bytes: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(bytes).ok()?.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    Value::Float(t.parse::<f64>().ok()?).as_int()
}
