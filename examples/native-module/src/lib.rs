//! An example third-party native module: `local greet = require "greet"`.
//!
//! - `greet.hello(name)` returns `"Hello, <name>!"`.
//! - `greet.count(t)` takes a table and returns how many fields it has, and the sum of its
//!   numeric sequence items (reads the table through the call context).
//! - `greet.fail(msg)` raises an error, as `error(msg)` would.
//! - `greet.person(name, age)` builds and returns a table.

use luna_spi::abi_stable::std_types::RResult;
use luna_spi::{Args, Ctx, SpiError, Value};

fn hello(ctx: &Ctx<'_>, args: &[Value<'_>]) -> Result<(), SpiError> {
    let name = args.check_bytes(ctx, 1)?;
    let mut text = Vec::with_capacity(name.len() + 8);
    text.extend_from_slice(b"Hello, ");
    text.extend_from_slice(name);
    text.push(b'!');
    ctx.push(Value::str(&text)).into()
}

fn count(ctx: &Ctx<'_>, args: &[Value<'_>]) -> Result<(), SpiError> {
    let t = args.check_table(ctx, 1)?;
    let mut fields = 0i64;
    let mut key = Value::Nil;
    while let Some(entry) = ctx.next(t, key).into_result()?.into_option() {
        fields += 1;
        key = entry.key;
    }
    let mut sum = 0.0f64;
    let n = ctx.len(t).into_result()?;
    for i in 1..=n {
        if let Some(x) = ctx.get(t, Value::Int(i)).into_result()?.as_float() {
            sum += x;
        }
    }
    ctx.push(Value::Int(fields)).into_result()?;
    ctx.push(Value::Float(sum)).into()
}

fn fail(ctx: &Ctx<'_>, args: &[Value<'_>]) -> Result<(), SpiError> {
    let msg = args.check_str(ctx, 1)?;
    Err(SpiError::runtime(msg))
}

fn person(ctx: &Ctx<'_>, args: &[Value<'_>]) -> Result<(), SpiError> {
    let name = args.check_bytes(ctx, 1)?;
    let age = args.opt_int(ctx, 2, 0)?;
    let t = ctx.new_table(0, 2).into_result()?;
    ctx.set(t, Value::str(b"name"), Value::str(name))
        .into_result()?;
    ctx.set(t, Value::str(b"age"), Value::Int(age))
        .into_result()?;
    match ctx.push(t) {
        RResult::ROk(()) => Ok(()),
        RResult::RErr(e) => Err(e),
    }
}

luna_spi::export_module! {
    name: "greet",
    version: "1.0.0",
    description: "an example native module",
    permissions: [],
    functions: [
        "hello" => hello,
        "count" => count,
        "fail" => fail,
        "person" => person,
    ],
}
