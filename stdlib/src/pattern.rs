//! Lua 5.4 pattern matching over byte strings: the engine of `string.find`, `match`,
//! `gmatch` and `gsub`.
//!
//! The matcher is a backtracking interpreter that walks the pattern text directly, as
//! PUC-Lua's does, so its results (including which error a malformed pattern raises, and
//! when) are the same: a pattern is only checked as far as matching reaches into it.
//!
//! Invariants:
//! - Recursion is bounded: every nested attempt (captures, `?`, `*`, `+`, `-`) costs one unit
//!   of a budget of [`MAX_DEPTH`] (Lua's `MAXCCALLS`), and running out is the error
//!   "pattern too complex". Plain sequences of single-character items loop instead of
//!   recursing, so long literal patterns cost nothing.
//! - A match attempt allocates nothing: captures live in a fixed array of [`MAX_CAPTURES`].
//! - Positions are byte offsets into the subject (0-based, end exclusive), except position
//!   captures, which hold the 1-based position Lua returns for `()`.
//! - Character classes are those of the C locale (`isalpha`, `isspace`, ... on ASCII; bytes
//!   128-255 belong to no class).

use std::fmt;

/// Most captures one pattern may hold (`LUA_MAXCAPTURES`).
pub const MAX_CAPTURES: usize = 32;

/// Budget of nested matcher calls (`MAXCCALLS` in lstrlib.c).
pub const MAX_DEPTH: usize = 200;

/// Bytes whose presence makes `string.find` use the matcher instead of a substring search.
const SPECIALS: &[u8] = b"^$*+?.([%-";

const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;

/// An error raised by pattern matching; `Display` gives Lua's exact message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// "malformed pattern (ends with '%')"
    EndsWithPercent,
    /// "malformed pattern (missing ']')"
    MissingBracket,
    /// "malformed pattern (missing arguments to '%b')"
    MissingBalanceArgs,
    /// "missing '[' after '%f' in pattern"
    MissingFrontierBracket,
    /// "invalid capture index %N" (N as Lua counts, possibly 0 for `%0` in a pattern)
    InvalidCaptureIndex(i32),
    /// "invalid pattern capture" (a `)` closing nothing)
    InvalidPatternCapture,
    /// "unfinished capture" (reading a capture whose `)` never came)
    UnfinishedCapture,
    /// "too many captures"
    TooManyCaptures,
    /// "pattern too complex"
    TooComplex,
    /// "invalid use of '%' in replacement string"
    InvalidReplacement,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::EndsWithPercent => f.write_str("malformed pattern (ends with '%')"),
            PatternError::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            PatternError::MissingBalanceArgs => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            PatternError::MissingFrontierBracket => {
                f.write_str("missing '[' after '%f' in pattern")
            }
            PatternError::InvalidCaptureIndex(n) => write!(f, "invalid capture index %{n}"),
            PatternError::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            PatternError::UnfinishedCapture => f.write_str("unfinished capture"),
            PatternError::TooManyCaptures => f.write_str("too many captures"),
            PatternError::TooComplex => f.write_str("pattern too complex"),
            PatternError::InvalidReplacement => {
                f.write_str("invalid use of '%' in replacement string")
            }
        }
    }
}

impl std::error::Error for PatternError {}

impl From<PatternError> for String {
    fn from(e: PatternError) -> String {
        e.to_string()
    }
}

type MatchResult = Result<Option<usize>, PatternError>;

/// One capture's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A substring of the subject: `subject[start..end]`.
    Slice { start: usize, end: usize },
    /// A position capture `()`: the 1-based position Lua returns.
    Position(usize),
}

#[derive(Clone, Copy, Debug)]
struct RawCapture {
    start: usize,
    /// Length, or `CAP_UNFINISHED` / `CAP_POSITION`.
    len: isize,
}

const EMPTY_CAPTURE: RawCapture = RawCapture { start: 0, len: 0 };

/// A successful match: the whole match's range and the captures.
#[derive(Clone, Debug)]
pub struct Match {
    start: usize,
    end: usize,
    level: usize,
    caps: [RawCapture; MAX_CAPTURES],
}

impl Match {
    /// Byte offset where the match starts (0-based; Lua's `find` returns `start() + 1`).
    #[inline]
    pub fn start(&self) -> usize {
        self.start
    }

    /// Byte offset just past the match (Lua's `find` returns `end()` as its second result).
    #[inline]
    pub fn end(&self) -> usize {
        self.end
    }

    /// Number of captures in the pattern (`()` pairs, finished or not).
    #[inline]
    pub fn capture_count(&self) -> usize {
        self.level
    }

    /// Number of values `string.match`, `gmatch` and a `gsub` function receive: the
    /// captures, or the whole match when there are none.
    #[inline]
    pub fn value_count(&self) -> usize {
        self.level.max(1)
    }

    /// Capture `i` (0-based), or the whole match for `i == 0` when the pattern has no
    /// captures. Errors: "invalid capture index %N" past the last capture, and "unfinished
    /// capture" for a capture whose `)` was never reached.
    pub fn get(&self, i: usize) -> Result<Capture, PatternError> {
        if i >= self.level {
            if i != 0 {
                return Err(PatternError::InvalidCaptureIndex(
                    i32::try_from(i + 1).unwrap_or(i32::MAX),
                ));
            }
            return Ok(Capture::Slice {
                start: self.start,
                end: self.end,
            });
        }
        let cap = self.caps[i];
        match cap.len {
            CAP_UNFINISHED => Err(PatternError::UnfinishedCapture),
            CAP_POSITION => Ok(Capture::Position(cap.start + 1)),
            len => Ok(Capture::Slice {
                start: cap.start,
                end: cap.start + len as usize,
            }),
        }
    }

    /// The values `string.match` returns, in order (see [`Match::value_count`]).
    pub fn values(&self) -> impl Iterator<Item = Result<Capture, PatternError>> + '_ {
        (0..self.value_count()).map(move |i| self.get(i))
    }
}

/// The matcher's state during one search.
struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    /// Nested calls still allowed.
    depth: usize,
    level: usize,
    caps: [RawCapture; MAX_CAPTURES],
}

/// Whether byte `c` belongs to class letter `cl` (`a`, `D`, ...); any other `cl` stands
/// for itself.
#[inline]
fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => c == b' ' || (b'\t'..=b'\r').contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
    }
}

impl<'a> Matcher<'a> {
    #[inline]
    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Matcher {
            src,
            pat,
            depth: MAX_DEPTH,
            level: 0,
            caps: [EMPTY_CAPTURE; MAX_CAPTURES],
        }
    }

    /// Pattern byte at `i`, or 0 past the end (C reads the terminating NUL there).
    #[inline]
    fn pat_at(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// Subject byte at `i`, or 0 past the end (Lua strings end with a NUL).
    #[inline]
    fn src_at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    #[inline]
    fn to_match(&self, start: usize, end: usize) -> Match {
        Match {
            start,
            end,
            level: self.level,
            caps: self.caps,
        }
    }

    /// Index just past the single-character class starting at `p`.
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let mut p = p;
        let c = self.pat[p];
        p += 1;
        match c {
            b'%' => {
                if p >= self.pat.len() {
                    Err(PatternError::EndsWithPercent)
                } else {
                    Ok(p + 1)
                }
            }
            b'[' => {
                if self.pat_at(p) == b'^' {
                    p += 1;
                }
                // The first byte of a set is never its end, so `[]]` holds `]`.
                loop {
                    if p >= self.pat.len() {
                        return Err(PatternError::MissingBracket);
                    }
                    let c = self.pat[p];
                    p += 1;
                    if c == b'%' && p < self.pat.len() {
                        p += 1;
                    }
                    if self.pat_at(p) == b']' {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Whether `c` is in the set `[...]` spanning `p` (the `[`) to `ec` (the `]`).
    fn match_bracket_class(&self, c: u8, p: usize, ec: usize) -> bool {
        let mut p = p;
        let mut sig = true;
        if self.pat_at(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                return !sig;
            }
            let pc = self.pat[p];
            if pc == b'%' {
                p += 1;
                if match_class(c, self.pat_at(p)) {
                    return sig;
                }
            } else if self.pat_at(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pc <= c && c <= self.pat[p] {
                    return sig;
                }
            } else if pc == c {
                return sig;
            }
        }
    }

    /// Whether the subject byte at `s` matches the single-character class `p..ep`.
    #[inline]
    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            b'%' => match_class(c, self.pat_at(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// `%bxy` at subject position `s`, with `p` at `x`.
    fn match_balance(&self, s: usize, p: usize) -> MatchResult {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::MissingBalanceArgs);
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if s >= self.src.len() || self.src[s] != open {
            return Ok(None);
        }
        let mut depth = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    /// Greedy repetition of the class `p..ep` from `s`, then the rest of the pattern.
    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> MatchResult {
        let mut i = if self.pat[p] == b'.' {
            self.src.len().saturating_sub(s)
        } else {
            let mut i = 0;
            while self.single_match(s + i, p, ep) {
                i += 1;
            }
            i
        };
        loop {
            if let Some(e) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(e));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    /// Lazy repetition of the class `p..ep` from `s`, then the rest of the pattern.
    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> MatchResult {
        loop {
            if let Some(e) = self.do_match(s, ep + 1)? {
                return Ok(Some(e));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> MatchResult {
        if self.level >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.caps[self.level] = RawCapture {
            start: s,
            len: what,
        };
        self.level += 1;
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.level -= 1;
        }
        Ok(res)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> MatchResult {
        let Some(l) = (0..self.level)
            .rev()
            .find(|&l| self.caps[l].len == CAP_UNFINISHED)
        else {
            return Err(PatternError::InvalidPatternCapture);
        };
        self.caps[l].len = (s - self.caps[l].start) as isize;
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.caps[l].len = CAP_UNFINISHED;
        }
        Ok(res)
    }

    /// Back-reference `%d` (`d` the digit byte) at subject position `s`.
    fn match_capture(&self, s: usize, d: u8) -> MatchResult {
        let l = i32::from(d) - i32::from(b'1');
        if l < 0 || l as usize >= self.level || self.caps[l as usize].len == CAP_UNFINISHED {
            return Err(PatternError::InvalidCaptureIndex(l + 1));
        }
        let cap = self.caps[l as usize];
        // A position capture never matches as a back-reference (its length reads as huge).
        if cap.len < 0 {
            return Ok(None);
        }
        let len = cap.len as usize;
        let rest = &self.src[s.min(self.src.len())..];
        if rest.len() >= len && rest[..len] == self.src[cap.start..cap.start + len] {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// Matches the pattern from `p` against the subject from `s`; returns where the match
    /// ends. Each call spends one unit of the depth budget while it runs.
    fn do_match(&mut self, s: usize, p: usize) -> MatchResult {
        if self.depth == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth -= 1;
        let res = self.match_here(s, p);
        self.depth += 1;
        res
    }

    fn match_here(&mut self, mut s: usize, mut p: usize) -> MatchResult {
        loop {
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.pat_at(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                b'%' => match self.pat_at(p + 1) {
                    b'b' => match self.match_balance(s, p + 2)? {
                        Some(e) => {
                            s = e;
                            p += 4;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    b'f' => {
                        p += 2;
                        if self.pat_at(p) != b'[' {
                            return Err(PatternError::MissingFrontierBracket);
                        }
                        let ep = self.class_end(p)?;
                        let prev = if s == 0 { 0 } else { self.src_at(s - 1) };
                        let cur = self.src_at(s);
                        if !self.match_bracket_class(prev, p, ep - 1)
                            && self.match_bracket_class(cur, p, ep - 1)
                        {
                            p = ep;
                            continue;
                        }
                        return Ok(None);
                    }
                    d @ b'0'..=b'9' => match self.match_capture(s, d)? {
                        Some(e) => {
                            s = e;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    _ => {}
                },
                _ => {}
            }
            // A single-character class with an optional repetition suffix.
            let ep = self.class_end(p)?;
            let suffix = self.pat_at(ep);
            if !self.single_match(s, p, ep) {
                if suffix == b'*' || suffix == b'?' || suffix == b'-' {
                    p = ep + 1;
                    continue;
                }
                return Ok(None);
            }
            match suffix {
                b'?' => {
                    if let Some(e) = self.do_match(s + 1, ep + 1)? {
                        return Ok(Some(e));
                    }
                    p = ep + 1;
                }
                b'+' => return self.max_expand(s + 1, p, ep),
                b'*' => return self.max_expand(s, p, ep),
                b'-' => return self.min_expand(s, p, ep),
                _ => {
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    /// One match attempt at `s` from a fresh capture state.
    #[inline]
    fn attempt(&mut self, s: usize) -> MatchResult {
        self.level = 0;
        self.do_match(s, 0)
    }
}

/// The byte every match of `pat` must start with, when its first item is a plain literal
/// that must occur (no `*`, `?` or `-` after it). Lets searches skip ahead with `memchr`;
/// attempts at other positions would fail at the first item without side effects.
#[inline]
fn required_first_byte(pat: &[u8]) -> Option<u8> {
    let &c = pat.first()?;
    if SPECIALS.contains(&c) || c == b')' {
        return None;
    }
    match pat.get(1) {
        Some(b'*' | b'?' | b'-') => None,
        _ => Some(c),
    }
}

/// Lua's `posrelatI`: a 1-based start position from a possibly negative argument.
#[inline]
pub fn start_position(pos: i64, len: usize) -> usize {
    if pos > 0 {
        usize::try_from(pos).unwrap_or(usize::MAX)
    } else if pos == 0 || pos.unsigned_abs() > len as u64 {
        1
    } else {
        len - pos.unsigned_abs() as usize + 1
    }
}

/// Whether `pattern` contains a byte that makes it a pattern rather than plain text.
#[inline]
pub fn has_specials(pattern: &[u8]) -> bool {
    pattern.iter().any(|c| SPECIALS.contains(c))
}

/// Plain substring search from byte offset `init`: the offset of the first occurrence.
#[inline]
pub fn find_plain(subject: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    let hay = subject.get(init..)?;
    memchr::memmem::find(hay, needle).map(|i| init + i)
}

/// Searches `subject` from byte offset `init` for `pattern` (a leading `^` anchors the
/// match at `init`). `Ok(None)` when there is no match or `init > subject.len()`.
pub fn find(subject: &[u8], pattern: &[u8], init: usize) -> Result<Option<Match>, PatternError> {
    if init > subject.len() {
        return Ok(None);
    }
    let anchor = pattern.first() == Some(&b'^');
    let pat = if anchor { &pattern[1..] } else { pattern };
    let mut m = Matcher::new(subject, pat);
    let mut s = init;
    if anchor {
        return Ok(m.attempt(s)?.map(|e| m.to_match(s, e)));
    }
    let first = required_first_byte(pat);
    loop {
        if let Some(c) = first {
            match memchr::memchr(c, &subject[s..]) {
                Some(i) => s += i,
                None => return Ok(None),
            }
        }
        if let Some(e) = m.attempt(s)? {
            return Ok(Some(m.to_match(s, e)));
        }
        s += 1;
        if s > subject.len() {
            return Ok(None);
        }
    }
}

/// `string.find(subject, pattern, init, plain)` with Lua's argument conventions: `init` is
/// the 1-based (possibly negative) start; the search is plain when asked or when the
/// pattern has no special bytes. A plain match has no captures.
pub fn string_find(
    subject: &[u8],
    pattern: &[u8],
    init: i64,
    plain: bool,
) -> Result<Option<Match>, PatternError> {
    let init = start_position(init, subject.len()) - 1;
    if init > subject.len() {
        return Ok(None);
    }
    if plain || !has_specials(pattern) {
        return Ok(find_plain(subject, pattern, init).map(|start| Match {
            start,
            end: start + pattern.len(),
            level: 0,
            caps: [EMPTY_CAPTURE; MAX_CAPTURES],
        }));
    }
    find(subject, pattern, init)
}

/// `string.match(subject, pattern, init)`: the match, whose [`Match::values`] are the
/// results.
pub fn string_match(
    subject: &[u8],
    pattern: &[u8],
    init: i64,
) -> Result<Option<Match>, PatternError> {
    find(subject, pattern, start_position(init, subject.len()) - 1)
}

/// The state of a `string.gmatch` iterator. A `^` in the pattern is an ordinary byte here,
/// as in Lua 5.4. A match may not be empty and end where the previous match ended.
#[derive(Clone, Debug)]
pub struct Gmatch {
    src: usize,
    lastmatch: Option<usize>,
}

impl Gmatch {
    /// An iterator over `subject` (of length `subject_len`) starting at Lua position `init`.
    pub fn new(subject_len: usize, init: i64) -> Gmatch {
        let init = (start_position(init, subject_len) - 1).min(subject_len + 1);
        Gmatch {
            src: init,
            lastmatch: None,
        }
    }

    /// The next match, or `None` when there are no more. Pass the same subject and pattern
    /// on every call.
    pub fn next(&mut self, subject: &[u8], pattern: &[u8]) -> Result<Option<Match>, PatternError> {
        let mut m = Matcher::new(subject, pattern);
        let first = required_first_byte(pattern);
        let mut s = self.src;
        while s <= subject.len() {
            if let Some(c) = first {
                match memchr::memchr(c, &subject[s..]) {
                    Some(i) => s += i,
                    None => break,
                }
            }
            if let Some(e) = m.attempt(s)? {
                if Some(e) != self.lastmatch {
                    self.src = e;
                    self.lastmatch = Some(e);
                    return Ok(Some(m.to_match(s, e)));
                }
            }
            s += 1;
        }
        self.src = subject.len() + 1;
        Ok(None)
    }
}

/// The state of a `string.gsub` in progress. Drive it with [`Gsub::next`]; after each match,
/// append the replacement to the same output buffer.
#[derive(Clone, Debug)]
pub struct Gsub {
    src: usize,
    lastmatch: Option<usize>,
    anchor: bool,
    count: i64,
    max: i64,
    finished: bool,
    stop: bool,
}

impl Gsub {
    /// A substitution of at most `max` matches (`None`: unlimited, Lua's `#s + 1`).
    pub fn new(pattern: &[u8], max: Option<i64>) -> Gsub {
        Gsub {
            src: 0,
            lastmatch: None,
            anchor: pattern.first() == Some(&b'^'),
            count: 0,
            max: max.unwrap_or(i64::MAX),
            finished: false,
            stop: false,
        }
    }

    /// Number of matches so far (gsub's second result).
    pub fn count(&self) -> i64 {
        self.count
    }

    /// Finds the next match, first appending to `out` the subject bytes it passes over.
    /// Returns `None` when done, after appending the rest of the subject. Pass the same
    /// subject and pattern on every call.
    pub fn next(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<Match>, PatternError> {
        if self.finished {
            return Ok(None);
        }
        let pat = if self.anchor { &pattern[1..] } else { pattern };
        if !self.stop {
            let mut m = Matcher::new(subject, pat);
            let first = if self.anchor {
                None
            } else {
                required_first_byte(pat)
            };
            while self.count < self.max {
                if let Some(c) = first {
                    // Attempts before the next `c` fail: copy those bytes in one go.
                    let skip =
                        memchr::memchr(c, &subject[self.src..]).unwrap_or(subject.len() - self.src);
                    out.extend_from_slice(&subject[self.src..self.src + skip]);
                    self.src += skip;
                }
                let s = self.src;
                match m.attempt(s)? {
                    Some(e) if Some(e) != self.lastmatch => {
                        self.count += 1;
                        self.src = e;
                        self.lastmatch = Some(e);
                        self.stop = self.anchor;
                        return Ok(Some(m.to_match(s, e)));
                    }
                    _ if s < subject.len() => {
                        out.push(subject[s]);
                        self.src += 1;
                    }
                    _ => break,
                }
                if self.anchor {
                    break;
                }
            }
        }
        out.extend_from_slice(&subject[self.src..]);
        self.finished = true;
        Ok(None)
    }
}

/// Appends the replacement string `repl` for match `m` of `subject`: `%0` is the whole
/// match, `%1`-`%9` the captures (`%1` is the whole match when there are none; a position
/// capture appends its number), `%%` a percent sign.
pub fn expand_replacement(
    m: &Match,
    subject: &[u8],
    repl: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), PatternError> {
    let mut rest = repl;
    while let Some(i) = memchr::memchr(b'%', rest) {
        out.extend_from_slice(&rest[..i]);
        let c = rest.get(i + 1).copied().unwrap_or(0);
        match c {
            b'%' => out.push(b'%'),
            b'0' => out.extend_from_slice(&subject[m.start..m.end]),
            b'1'..=b'9' => match m.get(usize::from(c - b'1'))? {
                Capture::Slice { start, end } => out.extend_from_slice(&subject[start..end]),
                Capture::Position(pos) => luna_interp::numfmt::lua_integer_to_str(pos as i64, out),
            },
            _ => return Err(PatternError::InvalidReplacement),
        }
        rest = &rest[i + 2..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// `string.gsub` with a string replacement: the new string and the number of matches.
pub fn gsub_str(
    subject: &[u8],
    pattern: &[u8],
    repl: &[u8],
    max: Option<i64>,
) -> Result<(Vec<u8>, i64), PatternError> {
    let mut out = Vec::with_capacity(subject.len());
    let mut g = Gsub::new(pattern, max);
    while let Some(m) = g.next(subject, pattern, &mut out)? {
        expand_replacement(&m, subject, repl, &mut out)?;
    }
    Ok((out, g.count()))
}

#[cfg(test)]
mod tests;
