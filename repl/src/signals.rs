//! Ctrl-C while code runs: the SIGINT handler sets the state's interrupt flag, which the VM
//! checks at calls and backward jumps.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Arc;

static FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(std::ptr::null_mut());
static KEEP: std::sync::Mutex<Option<Arc<AtomicBool>>> = std::sync::Mutex::new(None);

extern "C" fn on_sigint(_sig: libc::c_int) {
    let p = FLAG.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: `p` points into an `Arc` kept alive in `KEEP` while the handler is installed.
        unsafe { (*p).store(true, Ordering::SeqCst) };
    }
}

/// Routes SIGINT to `flag` until `uninstall`.
pub fn install(flag: Arc<AtomicBool>) {
    FLAG.store(Arc::as_ptr(&flag) as *mut AtomicBool, Ordering::SeqCst);
    if let Ok(mut k) = KEEP.lock() {
        *k = Some(flag);
    }
    // SAFETY: installing an async-signal-safe handler (it only stores to an atomic).
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as usize);
    }
}

/// Restores the default SIGINT action.
pub fn uninstall() {
    // SAFETY: restoring the default action.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
    FLAG.store(std::ptr::null_mut(), Ordering::SeqCst);
}
