//! Entry points the embedding API (the `luna` facade crate) needs beyond the native API.
//!
//! The embedding API runs every call into Lua as a protected call. Catchable errors are
//! unwound by `pcall_k` itself; an uncatchable one (a limit, an interrupt) leaves the frames
//! of the interrupted code in place. At the host's top level `reset_after_uncatchable`
//! clears them; a call made from inside a native function (a Rust callback calling back into
//! Lua) must instead unwind only what lies above its own frame, so that the callback can
//! return to its caller normally.

use crate::state::State;

impl State {
    /// After an uncatchable error reached a call made from inside a native function: drops
    /// the running thread's frames beyond the first `nframes` (the count before the call),
    /// closes upvalues and to-be-closed variables from stack slot `level` up (ignoring their
    /// errors, as `reset_after_uncatchable` does) and sets the top to `level`.
    pub fn unwind_after_uncatchable(&mut self, nframes: usize, level: usize) {
        let th = self.thread();
        if th.frames.len() > nframes && nframes >= 1 {
            th.frames.truncate(nframes);
        }
        let saved = self.error_value;
        let _ = self.close_level(level, None);
        let th = self.thread();
        // A closing method that failed leaves its own frames behind.
        if th.frames.len() > nframes && nframes >= 1 {
            th.frames.truncate(nframes);
        }
        th.tbc.retain(|&s| s < level);
        th.top = level;
        self.error_value = saved;
    }
}
