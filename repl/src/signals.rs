//! Ctrl-C while Lua code runs, as `lua.c` handles it: while a chunk runs, SIGINT sets the
//! state's interrupt flag (the VM checks it at calls and backward jumps) and puts back the
//! default action, so a second Ctrl-C ends a process stuck where the flag is never checked
//! (a long pattern match, a blocking read). Between chunks SIGINT has its idle action: the
//! default one, except in the terminal REPL, which ignores it (a Ctrl-C pressed just after
//! Enter must not end the session; at the prompt the line editor reads Ctrl-C as a key).
//!
//! The handler only stores to an atomic and calls `sigaction`, both async-signal-safe. The
//! flag it stores to is kept alive in `KEEP` for as long as the handler may use it.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(std::ptr::null_mut());
/// Marks the interrupt as Ctrl-C's: an ordinary error a script's `pcall` can catch, as in lua.
static SOFT: AtomicPtr<AtomicBool> = AtomicPtr::new(std::ptr::null_mut());
static KEEP: Mutex<Option<(Arc<AtomicBool>, Arc<AtomicBool>)>> = Mutex::new(None);
/// The action between chunks (`SIG_DFL` or `SIG_IGN`).
static IDLE: AtomicUsize = AtomicUsize::new(libc::SIG_DFL);

extern "C" fn on_sigint(_sig: libc::c_int) {
    set_action(libc::SIG_DFL);
    let s = SOFT.load(Ordering::SeqCst);
    if !s.is_null() {
        // SAFETY: as for `FLAG` below.
        unsafe { (*s).store(true, Ordering::SeqCst) };
    }
    let p = FLAG.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: `p` comes from an `Arc` that `KEEP` holds until after `FLAG` is cleared.
        unsafe { (*p).store(true, Ordering::SeqCst) };
    }
}

fn set_action(handler: libc::sighandler_t) {
    // SAFETY: a zeroed `sigaction` is a valid value; we set the handler, an empty mask and no
    // flags, as lua.c's `setsignal` does. `sigaction` is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler;
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}

/// From now on SIGINT sets `flag` (once; the next one has the default action).
pub fn catch_interrupts(flag: Arc<AtomicBool>, soft: Arc<AtomicBool>) {
    let p = Arc::as_ptr(&flag) as *mut AtomicBool;
    let s = Arc::as_ptr(&soft) as *mut AtomicBool;
    if let Ok(mut k) = KEEP.lock() {
        *k = Some((flag, soft));
    }
    SOFT.store(s, Ordering::SeqCst);
    FLAG.store(p, Ordering::SeqCst);
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    set_action(handler as libc::sighandler_t);
}

/// Whether SIGINT is ignored between chunks (see the module comment); applies at once.
pub fn ignore_when_idle(ignore: bool) {
    IDLE.store(
        if ignore { libc::SIG_IGN } else { libc::SIG_DFL },
        Ordering::SeqCst,
    );
    set_action(IDLE.load(Ordering::SeqCst));
}

/// Puts back SIGINT's action between chunks.
pub fn default_interrupts() {
    set_action(IDLE.load(Ordering::SeqCst));
    FLAG.store(std::ptr::null_mut(), Ordering::SeqCst);
    SOFT.store(std::ptr::null_mut(), Ordering::SeqCst);
    if let Ok(mut k) = KEEP.lock() {
        *k = None;
    }
}

/// Gives SIGPIPE its default action back (Rust's runtime ignores it): as under `lua`, a
/// script writing to a closed pipe (`luna script | head -1`) ends instead of running on.
pub fn default_sigpipe() {
    // SAFETY: setting the default action of a signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
