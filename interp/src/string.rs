//! Lua strings: immutable byte strings on the heap.
//!
//! Layout: a `LuaStr` header followed directly by the bytes, in one allocation.
//! Invariants:
//! - Short strings (at most `MAX_SHORT_LEN` bytes) are interned: two short strings with the same
//!   bytes are the same object, so their equality and table lookups compare pointers. The
//!   interner (`StringTable`) holds them weakly; the sweeper unlinks dead ones.
//! - Long strings are not interned; their hash is computed on first use as a table key.
//! - The hash of a string is seeded per state, so table layouts differ between runs.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::ptr::{self, NonNull};

use crate::gc::{Gc, GcHeader, GcObject, Heap, ObjKind};

/// Strings up to this length are interned.
pub const MAX_SHORT_LEN: usize = 40;

#[repr(C)]
pub struct LuaStr {
    pub(crate) hdr: GcHeader,
    hash: Cell<u32>,
    is_short: bool,
    has_hash: Cell<bool>,
    /// For short strings: 1 + index of the reserved word or metamethod name it spells, if any.
    pub(crate) extra: Cell<u8>,
    len: usize,
    /// Next string in the same interner bucket.
    hnext: Cell<*mut LuaStr>,
}

// SAFETY: `LuaStr` is `#[repr(C)]` and starts with a `GcHeader`.
unsafe impl GcObject for LuaStr {
    const KIND: ObjKind = ObjKind::Str;
}

impl LuaStr {
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.is_short
    }

    /// The string's bytes.
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the bytes follow the header in the same allocation (see `layout_for`).
        unsafe {
            let data = (self as *const LuaStr as *const u8).add(std::mem::size_of::<LuaStr>());
            std::slice::from_raw_parts(data, self.len)
        }
    }

    /// The bytes as UTF-8, if they are.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The bytes as text, replacing invalid UTF-8.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }

    /// Hash for table lookup (computed lazily for long strings).
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        if self.has_hash.get() {
            self.hash.get()
        } else {
            self.hash_slow()
        }
    }

    /// The hash of a short string, computed when it was interned.
    #[inline(always)]
    pub(crate) fn short_hash(&self) -> u32 {
        debug_assert!(self.is_short && self.has_hash.get());
        self.hash.get()
    }

    #[cold]
    fn hash_slow(&self) -> u32 {
        let h = hash_bytes(self.as_bytes(), self.hash.get());
        self.hash.set(h);
        self.has_hash.set(true);
        h
    }

    /// String equality: pointer equality for short strings, byte comparison for long ones.
    #[inline(always)]
    pub fn equals(a: Gc<LuaStr>, b: Gc<LuaStr>) -> bool {
        a.ptr_eq(b) || (!a.is_short && !b.is_short && a.len == b.len && a.as_bytes() == b.as_bytes())
    }

    fn layout_for(len: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<LuaStr>() + len, std::mem::align_of::<LuaStr>())
            .expect("string size overflows the address space")
    }

    /// Bytes this string occupies, for accounting.
    pub(crate) fn alloc_size(&self) -> usize {
        std::mem::size_of::<LuaStr>() + self.len
    }

    /// Allocates an unlinked string object.
    fn allocate(bytes: &[u8], hash: u32, is_short: bool, has_hash: bool) -> NonNull<LuaStr> {
        let layout = Self::layout_for(bytes.len());
        // SAFETY: the layout has non-zero size (the header); the header is written in full and
        // the bytes are copied right after it, inside the allocation.
        unsafe {
            let p = alloc::alloc(layout) as *mut LuaStr;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            ptr::write(
                p,
                LuaStr {
                    hdr: GcHeader::new(ObjKind::Str, 0),
                    hash: Cell::new(hash),
                    is_short,
                    has_hash: Cell::new(has_hash),
                    extra: Cell::new(0),
                    len: bytes.len(),
                    hnext: Cell::new(ptr::null_mut()),
                },
            );
            let data = (p as *mut u8).add(std::mem::size_of::<LuaStr>());
            ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            NonNull::new_unchecked(p)
        }
    }

    /// Frees a string object.
    ///
    /// # Safety
    /// `p` must be a string allocated by `allocate`, unlinked from every list, never used again.
    pub(crate) unsafe fn free(p: NonNull<LuaStr>) {
        // SAFETY: forwarded to the caller; the layout is recomputed from the stored length.
        unsafe {
            let layout = Self::layout_for(p.as_ref().len);
            alloc::dealloc(p.as_ptr() as *mut u8, layout);
        }
    }
}

/// The seeded string hash: fast on short strings, reads 8 bytes at a time.
pub fn hash_bytes(bytes: &[u8], seed: u32) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (seed as u64) ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(buf)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    (h >> 32) as u32
}

/// The interner of short strings: a chained hash table threaded through `LuaStr::hnext`.
pub(crate) struct StringTable {
    buckets: Vec<*mut LuaStr>,
    count: usize,
    pub(crate) seed: u32,
}

impl StringTable {
    pub(crate) fn new(seed: u32) -> StringTable {
        StringTable { buckets: vec![ptr::null_mut(); 128], count: 0, seed }
    }

    /// Returns the interned string with these bytes, creating it if needed.
    /// A string found dead-but-not-yet-swept is revived.
    #[inline]
    pub(crate) fn intern(&mut self, heap: &mut Heap, bytes: &[u8]) -> Gc<LuaStr> {
        debug_assert!(bytes.len() <= MAX_SHORT_LEN);
        let h = hash_bytes(bytes, self.seed);
        let idx = h as usize & (self.buckets.len() - 1);
        let mut p = self.buckets[idx];
        while !p.is_null() {
            // SAFETY: bucket chains only hold live (possibly dead-but-unswept) strings.
            let s = unsafe { &*p };
            if s.hash.get() == h && s.len == bytes.len() && s.as_bytes() == bytes {
                if heap.is_dead(&s.hdr) {
                    s.hdr.set_white(heap.current_white);
                }
                // SAFETY: non-null live string.
                return unsafe { Gc::from_ptr(NonNull::new_unchecked(p)) };
            }
            p = s.hnext.get();
        }
        if self.count >= self.buckets.len() {
            self.grow();
        }
        let s = LuaStr::allocate(bytes, h, true, true);
        let idx = h as usize & (self.buckets.len() - 1);
        // SAFETY: fresh allocation.
        unsafe { s.as_ref().hnext.set(self.buckets[idx]) };
        self.buckets[idx] = s.as_ptr();
        self.count += 1;
        heap.link(s.cast(), std::mem::size_of::<LuaStr>() + bytes.len());
        // SAFETY: just allocated.
        unsafe { Gc::from_ptr(s) }
    }

    fn grow(&mut self) {
        let new_len = self.buckets.len() * 2;
        let mut nb: Vec<*mut LuaStr> = vec![ptr::null_mut(); new_len];
        for &head in &self.buckets {
            let mut p = head;
            while !p.is_null() {
                // SAFETY: chains hold live strings.
                let s = unsafe { &*p };
                let next = s.hnext.get();
                let i = s.hash.get() as usize & (new_len - 1);
                s.hnext.set(nb[i]);
                nb[i] = p;
                p = next;
            }
        }
        self.buckets = nb;
    }

    /// Unlinks a short string that is about to be freed.
    pub(crate) fn remove(&mut self, s: *mut LuaStr) {
        // SAFETY: `s` is a live interned string.
        let h = unsafe { (*s).hash.get() };
        let idx = h as usize & (self.buckets.len() - 1);
        let mut link: *mut *mut LuaStr = &mut self.buckets[idx];
        // SAFETY: walking a chain of live strings; `link` always points at a valid link.
        unsafe {
            while !(*link).is_null() {
                if *link == s {
                    *link = (*s).hnext.get();
                    self.count -= 1;
                    return;
                }
                link = (*(*link)).hnext.as_ptr();
            }
        }
        debug_assert!(false, "interned string missing from its bucket");
    }

    /// Shrinks the bucket array when it is mostly empty (called after a collection).
    pub(crate) fn maybe_shrink(&mut self) {
        if self.count < self.buckets.len() / 4 && self.buckets.len() > 128 {
            let mut all = Vec::with_capacity(self.count);
            for &head in &self.buckets {
                let mut p = head;
                while !p.is_null() {
                    all.push(p);
                    // SAFETY: chains hold live strings.
                    p = unsafe { (*p).hnext.get() };
                }
            }
            let new_len = (self.buckets.len() / 2).max(128);
            self.buckets = vec![ptr::null_mut(); new_len];
            for p in all {
                // SAFETY: live strings collected above.
                let s = unsafe { &*p };
                let i = s.hash.get() as usize & (new_len - 1);
                s.hnext.set(self.buckets[i]);
                self.buckets[i] = p;
            }
        }
    }
}

/// Creates a string: interned when short, a fresh object when long.
#[inline]
pub(crate) fn new_string(strings: &mut StringTable, heap: &mut Heap, bytes: &[u8]) -> Gc<LuaStr> {
    if bytes.len() <= MAX_SHORT_LEN {
        strings.intern(heap, bytes)
    } else {
        let s = LuaStr::allocate(bytes, strings.seed, false, false);
        heap.link(s.cast(), std::mem::size_of::<LuaStr>() + bytes.len());
        // SAFETY: just allocated.
        unsafe { Gc::from_ptr(s) }
    }
}
