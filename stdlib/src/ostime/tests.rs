use super::*;
use crate::testutil::{err_line, hex, lua_available, ok_line, run_lua, Enc, Rng};

fn text(fmt: &str, t: i64) -> Result<String, TimeError> {
    match date(fmt.as_bytes(), t)? {
        Date::Text(b) => Ok(String::from_utf8(b).unwrap()),
        Date::Table(_) => panic!("table"),
    }
}

fn fields(year: i64, month: i64, day: i64) -> DateFields {
    DateFields {
        year: Field::Int(year),
        month: Field::Int(month),
        day: Field::Int(day),
        hour: Field::Absent,
        min: Field::Absent,
        sec: Field::Absent,
        isdst: None,
    }
}

#[test]
fn utc_dates() {
    let dt = gmtime(0).unwrap();
    assert_eq!(
        (dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec, dt.wday, dt.yday, dt.isdst),
        (1970, 1, 1, 0, 0, 0, 5, 1, Some(false))
    );
    let dt = gmtime(951_782_400).unwrap(); // 2000-02-29
    assert_eq!(
        (dt.year, dt.month, dt.day, dt.wday, dt.yday),
        (2000, 2, 29, 3, 60)
    );
    let dt = gmtime(-1).unwrap();
    assert_eq!(
        (dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec),
        (1969, 12, 31, 23, 59, 59)
    );
    assert!(gmtime(i64::MAX).is_none());
    assert_eq!(
        text("!%Y-%m-%d %H:%M:%S", 1_000_000_000).unwrap(),
        "2001-09-09 01:46:40"
    );
    assert_eq!(text("!%c", 0).unwrap(), "Thu Jan  1 00:00:00 1970");
    assert_eq!(
        text("!%x %X %p %j %a %A %b %B %y %C %e", 0).unwrap(),
        "01/01/70 00:00:00 AM 001 Thu Thursday Jan January 70 19  1"
    );
    assert_eq!(
        text("!%G-W%V-%u %g %U %W %w %D %F %R %T %h %n%t%%", 0).unwrap(),
        "1970-W01-4 70 00 00 4 01/01/70 1970-01-01 00:00 00:00:00 Jan \n\t%"
    );
    assert_eq!(text("!%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy", 0).unwrap(),
        "Thu Jan  1 00:00:00 1970|19|01/01/70|00:00:00|70|1970|01| 1|00|12|01|00|00|4|00|01|4|00|70");
    assert_eq!(text("!%z %Z", 0).unwrap(), "+0000 GMT");
    assert_eq!(text("!no conversions", 0).unwrap(), "no conversions");
    assert_eq!(text("!", 0).unwrap(), "");
    assert_eq!(date(b"!*t", 0).unwrap(), Date::Table(gmtime(0).unwrap()));
    assert_eq!(
        date(b"!*t\0junk", 0).unwrap(),
        Date::Table(gmtime(0).unwrap())
    );
    assert_eq!(
        date(b"!", i64::MAX).unwrap_err(),
        TimeError::Msg(DATE_UNREPRESENTABLE.into())
    );
}

#[test]
fn invalid_specifiers() {
    let e = |f: &str| match date(f.as_bytes(), 0).unwrap_err() {
        TimeError::Arg { arg: 1, msg } => msg,
        other => panic!("{other:?}"),
    };
    assert_eq!(e("%Ez"), "invalid conversion specifier '%Ez'");
    assert_eq!(e("abc %Ez def"), "invalid conversion specifier '%Ez def'");
    assert_eq!(e("%"), "invalid conversion specifier '%'");
    assert_eq!(e("%E"), "invalid conversion specifier '%E'");
    assert_eq!(e("%q"), "invalid conversion specifier '%q'");
    assert_eq!(e("%O"), "invalid conversion specifier '%O'");
    assert_eq!(e("%Oz"), "invalid conversion specifier '%Oz'");
    assert_eq!(e("%5d"), "invalid conversion specifier '%5d'");
    assert_eq!(e("%#c"), "invalid conversion specifier '%#c'");
}

#[test]
fn time_from_fields() {
    // The ambient time zone is unknown here; compare through localtime.
    let (dt, t) = mktime(&fields(2000, 1, 1)).unwrap();
    let t = t.unwrap();
    assert_eq!((dt.year, dt.month, dt.day, dt.hour), (2000, 1, 1, 12));
    assert_eq!(localtime(t).unwrap(), dt);
    // Normalisation: month 14 of 2000 is February 2001; day 0 is the previous month's last.
    let (dt, _) = mktime(&fields(2000, 14, 1)).unwrap();
    assert_eq!((dt.year, dt.month, dt.day), (2001, 2, 1));
    let (dt, _) = mktime(&fields(2000, 3, 0)).unwrap();
    assert_eq!((dt.year, dt.month, dt.day), (2000, 2, 29));
    let (dt, _) = mktime(&fields(2001, 1, -30)).unwrap();
    assert_eq!((dt.year, dt.month, dt.day), (2000, 12, 1));
    let mut f = fields(2000, 1, 1);
    f.hour = Field::Int(48);
    f.min = Field::Int(-1);
    let (dt, _) = mktime(&f).unwrap();
    assert_eq!((dt.month, dt.day, dt.hour, dt.min), (1, 2, 23, 59));
    // Errors, in Lua's order.
    let msg = |f: DateFields| match mktime(&f).unwrap_err() {
        TimeError::Msg(m) => m,
        other => panic!("{other:?}"),
    };
    let mut f = fields(2000, 1, 1);
    f.day = Field::Absent;
    assert_eq!(msg(f), "field 'day' missing in date table");
    let mut f = fields(2000, 1, 1);
    f.year = Field::Absent;
    f.month = Field::NotInteger;
    assert_eq!(msg(f), "field 'year' missing in date table");
    let mut f = fields(2000, 1, 1);
    f.month = Field::NotInteger;
    assert_eq!(msg(f), "field 'month' is not an integer");
    let mut f = fields(2000, 1, 1);
    f.sec = Field::NotInteger;
    assert_eq!(msg(f), "field 'sec' is not an integer");
    assert_eq!(msg(fields(2000, 1, 1 << 31)), "field 'day' is out-of-bound");
    assert_eq!(
        msg(fields(2000, 1, -(1 << 31) - 1)),
        "field 'day' is out-of-bound"
    );
    assert!(mktime(&fields(2000, 1, -(1 << 31))).is_ok());
    assert_eq!(
        msg(fields(i64::from(i32::MAX) + 1901, 1, 1)),
        "field 'year' is out-of-bound"
    );
    assert!(mktime(&fields(i64::from(i32::MAX) + 1900, 1, 1)).is_ok());
    assert_eq!(
        msg(fields(2000, i64::MIN, 1)),
        "field 'month' is out-of-bound"
    );
}

#[test]
fn clock_and_difftime() {
    let c0 = clock();
    let mut x = 0u64;
    for i in 0..2_000_000u64 {
        x = x.wrapping_add(i * i);
    }
    std::hint::black_box(x);
    let c1 = clock();
    assert!(c0 >= 0.0 && c1 >= c0);
    assert_eq!(difftime(10, 3), 7.0);
    assert_eq!(difftime(i64::MIN, i64::MAX), -18446744073709551615.0);
    assert!(now() > 1_600_000_000);
}

// -------------------------------------------------------------------------------------------
// Differential test against lua5.4 (in the ambient time zone, the same for both)
// -------------------------------------------------------------------------------------------

fn enc_dt(dt: &DateTime) -> Vec<Enc<'static>> {
    let mut v = vec![
        Enc::Int(dt.year),
        Enc::Int(dt.month.into()),
        Enc::Int(dt.day.into()),
        Enc::Int(dt.hour.into()),
        Enc::Int(dt.min.into()),
        Enc::Int(dt.sec.into()),
        Enc::Int(dt.wday.into()),
        Enc::Int(dt.yday.into()),
    ];
    v.push(match dt.isdst {
        None => Enc::Nil,
        Some(b) => Enc::Bool(b),
    });
    v
}

const FIELDS_LUA: &str = "local function F(t) return t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst end\n";

#[test]
fn differential_against_lua() {
    if !lua_available() {
        return;
    }
    let mut rng = Rng(0x7135_2468_ACE0);
    let mut script = String::from(FIELDS_LUA);
    script.push_str("D = function(...) local r = os.date(...) return r end\n");
    script.push_str("T = function(t) local r = os.time(t) return r, F(t) end\n");
    let mut want = Vec::new();
    let convs: Vec<String> = ONE_LETTER
        .iter()
        .map(|&c| format!("%{}", c as char))
        .chain(
            TWO_LETTER
                .iter()
                .map(|o| format!("%{}", String::from_utf8_lossy(&o[..]))),
        )
        .collect();
    let times = |rng: &mut Rng| -> i64 {
        match rng.below(4) {
            0 => rng.below(4_000_000_000) as i64,
            1 => rng.below(4_000_000_000) as i64 - 2_000_000_000,
            2 => (rng.next() >> rng.below(64)) as i64 * if rng.below(2) == 0 { -1 } else { 1 },
            _ => rng.pick(&[0, -1, 86399, 951_782_400, 1_700_000_000, 253_402_300_799]),
        }
    };
    for _ in 0..1500 {
        let t = times(&mut rng);
        for utc in [true, false] {
            let bang = if utc { "!" } else { "" };
            // *t
            script.push_str(&format!(
                "print(run(function(t) return F(os.date('{bang}*t', t)) end, {t}))\n"
            ));
            want.push(match date(format!("{bang}*t").as_bytes(), t) {
                Ok(Date::Table(dt)) => ok_line(&enc_dt(&dt)),
                Ok(_) => unreachable!(),
                Err(TimeError::Msg(m)) => err_line(&m),
                Err(e) => panic!("{e:?}"),
            });
            // a format of a few conversions and text
            let mut f = String::from(bang);
            for _ in 0..rng.below(4) + 1 {
                if rng.below(3) == 0 {
                    f.push_str(rng.pick(&["x", " ", "-", "%%"]));
                }
                let k = rng.below(convs.len() as u64) as usize;
                f.push_str(&convs[k]);
            }
            if rng.below(15) == 0 {
                f.push_str(rng.pick(&["%", "%E", "%Ez", "%5", "%O"]));
            }
            script.push_str(&format!(
                "print(run(D, unhex'{}', {t}))\n",
                hex(f.as_bytes())
            ));
            want.push(match date(f.as_bytes(), t) {
                Ok(Date::Text(b)) => ok_line(&[Enc::Str(&b)]),
                Ok(_) => unreachable!(),
                Err(TimeError::Msg(m)) => err_line(&m),
                Err(TimeError::Arg { arg, msg }) => {
                    err_line(&format!("bad argument #{arg} to 'date' ({msg})"))
                }
            });
        }
        // os.time with fields out of their ranges
        let field = |rng: &mut Rng, lo: i64, hi: i64| -> (Field, String) {
            match rng.below(12) {
                0 => (Field::Absent, "nil".into()),
                1 => (Field::NotInteger, "'x'".into()),
                2 => (Field::Int(1 << 31), "2^31|0".into()),
                _ => {
                    let v = lo + rng.below((hi - lo) as u64) as i64;
                    (Field::Int(v), v.to_string())
                }
            }
        };
        let (year, ly) = field(&mut rng, 1900, 2100);
        let (month, lm) = field(&mut rng, -20, 30);
        let (day, ld) = field(&mut rng, -40, 70);
        let (hour, lh) = field(&mut rng, -30, 50);
        let (min, lmi) = field(&mut rng, -100, 100);
        let (sec, ls) = field(&mut rng, -100, 100);
        let isdst = match rng.below(3) {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        };
        let lisdst = isdst.map_or("nil".to_owned(), |b| b.to_string());
        script.push_str(&format!(
            "print(run(T, {{year={ly}, month={lm}, day={ld}, hour={lh}, min={lmi}, sec={ls}, isdst={lisdst}}}))\n"
        ));
        let f = DateFields {
            year,
            month,
            day,
            hour,
            min,
            sec,
            isdst,
        };
        want.push(match mktime(&f) {
            Ok((dt, Some(t))) => {
                let mut v = vec![Enc::Int(t)];
                v.extend(enc_dt(&dt));
                ok_line(&v)
            }
            Ok((_, None)) => err_line(TIME_UNREPRESENTABLE),
            Err(TimeError::Msg(m)) => err_line(&m),
            Err(e) => panic!("{e:?}"),
        });
    }
    let got = run_lua(&script);
    assert_eq!(got.len(), want.len());
    let lines: Vec<&str> = script.lines().skip(3).collect();
    let mut failures = 0;
    for (i, (lua, ours)) in got.iter().zip(&want).enumerate() {
        if lua != ours {
            failures += 1;
            if failures < 10 {
                eprintln!("case {}\n  lua:  {lua}\n  ours: {ours}", lines[i]);
            }
        }
    }
    assert_eq!(failures, 0, "{failures} differences from lua5.4");
}
