//! Lua tables: an array part and a hash part, in the design of Lua's own `ltable.c`.
//!
//! Invariants:
//! - The array part holds keys `1..=array.len()`; its slots may be nil. An integer key in that
//!   range never lives in the hash part.
//! - The hash part is a power-of-two array of nodes using chained scatter with Brent's
//!   variation: every key is either in its main position (its hash masked) or reachable from it
//!   through `next` offsets, and a node that is not in its own main position is moved away when
//!   a key whose main position it occupies arrives. `next` chains are relative offsets.
//! - Keys are normalised: a float with an integral value is stored as that integer; nil and NaN
//!   are never keys. A key whose value became nil stays in place (so `next` keeps working while
//!   fields are cleared during a traversal) until the next rehash drops it.
//! - `absent_meta` caches which metamethods this table (as a metatable) lacks; any write of a
//!   string key clears it.
//! - The heap is told of every change in the size of the two parts (`Heap::resized`).

use std::cell::Cell;

use crate::gc::{Gc, GcHeader, GcObject, Heap, ObjKind};
use crate::string::LuaStr;
use crate::value::*;

/// A slot of the hash part. The key is stored as (tag, payload) to keep nodes at 32 bytes.
#[derive(Clone, Copy)]
pub(crate) struct Node {
    pub(crate) val: Value,
    pub(crate) key_data: u64,
    pub(crate) key_tag: u8,
    /// Offset to the next node of the chain (0: end of chain).
    pub(crate) next: i32,
}

const EMPTY_NODE: Node = Node { val: Value::Nil, key_data: 0, key_tag: TAG_NIL, next: 0 };

impl Node {
    #[inline(always)]
    fn key_is_nil(&self) -> bool {
        self.key_tag == TAG_NIL
    }

    /// The key as a value. Dead keys read as nil.
    #[inline(always)]
    pub(crate) fn key(&self) -> Value {
        if self.key_tag == TAG_DEADKEY {
            return Value::Nil;
        }
        // SAFETY: a node's key was produced by `raw_parts` of a value that is alive as long as
        // the node holds it (the collector marks keys or turns them into dead keys).
        unsafe { Value::from_raw_parts(self.key_tag, self.key_data) }
    }
}

/// Error from a table write with an invalid key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    Nil,
    NaN,
}

impl KeyError {
    pub fn message(self) -> &'static str {
        match self {
            KeyError::Nil => "table index is nil",
            KeyError::NaN => "table index is NaN",
        }
    }
}

/// The fields are ordered so that the small ones share words: 72 bytes in all (a table is
/// one of the most common objects). Both parts are exact-size boxed slices: their sizes are
/// chosen by the rehash (powers of two), never by amortised growth.
#[repr(C)]
pub struct Table {
    pub(crate) hdr: GcHeader,
    pub(crate) absent_meta: Cell<u32>,
    /// A recent border of the array part, to answer `#` quickly for growing sequences.
    len_hint: Cell<u32>,
    /// Free nodes are searched below this index.
    last_free: u32,
    pub(crate) array: Box<[Value]>,
    pub(crate) nodes: Box<[Node]>,
    pub(crate) metatable: Option<Gc<Table>>,
}

// SAFETY: `Table` is `#[repr(C)]` and starts with a `GcHeader`.
unsafe impl GcObject for Table {
    const KIND: ObjKind = ObjKind::Table;
}

#[inline(always)]
fn mix(h: u64) -> usize {
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

/// Integer value of a float with an exact integer value, for key normalisation.
#[inline]
fn float_key(f: f64) -> Option<i64> {
    if f.fract() == 0.0 && f >= -9.223_372_036_854_776e18 && f < 9.223_372_036_854_776e18 {
        Some(f as i64)
    } else {
        None
    }
}

impl Table {
    pub(crate) fn new_raw(narray: usize, nhash: usize) -> Table {
        let mut t = Table {
            hdr: GcHeader::new(ObjKind::Table, 0),
            absent_meta: Cell::new(0),
            len_hint: Cell::new(0),
            last_free: 0,
            array: Box::default(),
            nodes: Box::default(),
            metatable: None,
        };
        if narray > 0 {
            t.array = vec![Value::Nil; narray].into_boxed_slice();
        }
        if nhash > 0 {
            t.set_node_vec(nhash);
        }
        t
    }

    /// Bytes held by the two parts (for accounting).
    pub(crate) fn buffer_bytes(&self) -> usize {
        self.array.len() * std::mem::size_of::<Value>()
            + self.nodes.len() * std::mem::size_of::<Node>()
    }

    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable
    }

    pub fn array_len(&self) -> usize {
        self.array.len()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn set_node_vec(&mut self, n: usize) {
        if n == 0 {
            self.nodes = Box::default();
            self.last_free = 0;
            return;
        }
        let size = n.next_power_of_two();
        self.nodes = vec![EMPTY_NODE; size].into_boxed_slice();
        self.last_free = size as u32;
    }

    /// Gives the array part exactly `n` slots (new ones nil).
    fn resize_array(&mut self, n: usize) {
        let mut v = std::mem::take(&mut self.array).into_vec();
        if n > v.len() {
            v.reserve_exact(n - v.len());
            v.resize(n, Value::Nil);
        } else {
            v.truncate(n);
        }
        self.array = v.into_boxed_slice();
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.nodes.len().wrapping_sub(1)
    }

    /// Main position of a key given as (tag, data).
    #[inline(always)]
    fn main_position(&self, tag: u8, data: u64) -> usize {
        let h = match tag {
            // SAFETY: a TAG_STR key's data is a live string's address.
            TAG_STR => unsafe { Gc::<LuaStr>::from_addr(data as usize) }.hash() as usize,
            TAG_INT | TAG_FLOAT => mix(data),
            TAG_FALSE | TAG_TRUE => tag as usize,
            _ => mix(data >> 3),
        };
        h & self.mask()
    }

    // ---------------------------------------------------------------- lookups

    /// Raw get with an integer key.
    #[inline(always)]
    pub fn get_int(&self, i: i64) -> Value {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            // SAFETY: bounds checked just above.
            unsafe { *self.array.get_unchecked(idx as usize) }
        } else {
            self.get_int_hash(i)
        }
    }

    /// Where the value of integer key `i` lives (array slot or node), if anywhere. The VM
    /// copies from the slot straight into a register: a value returned by value is moved
    /// through memory piecewise, which stalls the load that reads it back whole.
    #[inline(always)]
    pub(crate) fn int_slot(&self, i: i64) -> Option<&Value> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            // SAFETY: bounds checked just above.
            return Some(unsafe { self.array.get_unchecked(idx as usize) });
        }
        self.find_int_node(i).map(|n| self.node_val(n))
    }

    /// Where the value of interned key `key` lives, if it has a node (see `int_slot`).
    #[inline(always)]
    pub(crate) fn short_str_slot(&self, key: Gc<LuaStr>) -> Option<&Value> {
        self.find_short_str_node(key).map(|n| self.node_val(n))
    }

    /// The node holding integer key `i`, if any.
    #[inline(always)]
    fn find_int_node(&self, i: i64) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut n = mix(i as u64) & self.mask();
        loop {
            // SAFETY: `n` is masked or follows a chain offset, both within `nodes`.
            let node = unsafe { self.nodes.get_unchecked(n) };
            if node.key_tag == TAG_INT && node.key_data == i as u64 {
                return Some(n);
            }
            if node.next == 0 {
                return None;
            }
            n = (n as isize + node.next as isize) as usize;
        }
    }

    /// The node holding interned (short) string `key`, if any: compares pointers.
    #[inline(always)]
    fn find_short_str_node(&self, key: Gc<LuaStr>) -> Option<usize> {
        debug_assert!(key.is_short());
        if self.nodes.is_empty() {
            return None;
        }
        let addr = key.addr() as u64;
        let mut n = key.short_hash() as usize & self.mask();
        loop {
            // SAFETY: as in `find_int_node`.
            let node = unsafe { self.nodes.get_unchecked(n) };
            if node.key_tag == TAG_STR && node.key_data == addr {
                return Some(n);
            }
            if node.next == 0 {
                return None;
            }
            n = (n as isize + node.next as isize) as usize;
        }
    }

    /// The value of node `n`, an index a `find_*` function returned.
    #[inline(always)]
    fn node_val(&self, n: usize) -> &Value {
        // SAFETY: the finders return indices within `nodes`.
        unsafe { &self.nodes.get_unchecked(n).val }
    }

    #[inline]
    fn get_int_hash(&self, i: i64) -> Value {
        match self.find_int_node(i) {
            Some(n) => *self.node_val(n),
            None => Value::Nil,
        }
    }

    /// Raw get with an interned (short) string key: compares pointers.
    #[inline(always)]
    pub fn get_short_str(&self, key: Gc<LuaStr>) -> Value {
        match self.find_short_str_node(key) {
            Some(n) => *self.node_val(n),
            None => Value::Nil,
        }
    }

    /// Raw get with any string key.
    #[inline]
    pub fn get_str(&self, key: Gc<LuaStr>) -> Value {
        if key.is_short() {
            return self.get_short_str(key);
        }
        match self.find_node(TAG_STR, key.addr() as u64) {
            Some(i) => self.nodes[i].val,
            None => Value::Nil,
        }
    }

    /// Raw get with any key.
    #[inline]
    pub fn get(&self, key: Value) -> Value {
        match key {
            Value::Str(s) => self.get_str(s),
            Value::Int(i) => self.get_int(i),
            Value::Nil => Value::Nil,
            Value::Float(f) => match float_key(f) {
                Some(i) => self.get_int(i),
                None => {
                    if f.is_nan() {
                        Value::Nil
                    } else {
                        self.get_generic(key)
                    }
                }
            },
            _ => self.get_generic(key),
        }
    }

    fn get_generic(&self, key: Value) -> Value {
        let (tag, data) = key.raw_parts();
        match self.find_node(tag, data) {
            Some(i) => self.nodes[i].val,
            None => Value::Nil,
        }
    }

    /// Index of the node holding this (normalised, non-array) key. Long strings compare by
    /// contents; dead keys compare by identity (so `next` can continue past a collected key).
    fn find_node(&self, tag: u8, data: u64) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut n = self.main_position(tag, data);
        loop {
            let node = &self.nodes[n];
            if key_matches(node, tag, data) {
                return Some(n);
            }
            if node.next == 0 {
                return None;
            }
            n = (n as isize + node.next as isize) as usize;
        }
    }

    // ---------------------------------------------------------------- writes

    /// A mutable slot for an existing key whose value is not nil: the fast path of assignment
    /// (no new key, so no metamethod check and no rehash).
    #[inline(always)]
    pub(crate) fn existing_slot_int(&mut self, i: i64) -> Option<&mut Value> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            // SAFETY: bounds checked just above.
            let slot = unsafe { self.array.get_unchecked_mut(idx as usize) };
            return if slot.is_nil() { None } else { Some(slot) };
        }
        let n = self.find_int_node(i)?;
        let slot = &mut self.nodes[n].val;
        if slot.is_nil() {
            None
        } else {
            Some(slot)
        }
    }

    /// The value slot of short-string `key` if the key has a node, even with a nil value
    /// (a key whose value was set to nil keeps its node until the next rehash).
    #[inline]
    pub(crate) fn slot_short_str(&mut self, key: Gc<LuaStr>) -> Option<&mut Value> {
        let n = self.find_short_str_node(key)?;
        Some(&mut self.nodes[n].val)
    }

    /// Raw set. The caller applies the write barrier.
    pub(crate) fn set(&mut self, heap: &mut Heap, key: Value, val: Value) -> Result<(), KeyError> {
        match key {
            Value::Int(i) => {
                self.set_int(heap, i, val);
                Ok(())
            }
            Value::Float(f) => {
                if let Some(i) = float_key(f) {
                    self.set_int(heap, i, val);
                    Ok(())
                } else if f.is_nan() {
                    Err(KeyError::NaN)
                } else {
                    self.set_generic(heap, key, val);
                    Ok(())
                }
            }
            Value::Nil => Err(KeyError::Nil),
            Value::Str(_) => {
                self.absent_meta.set(0);
                self.set_generic(heap, key, val);
                Ok(())
            }
            _ => {
                self.set_generic(heap, key, val);
                Ok(())
            }
        }
    }

    /// Raw set with an integer key.
    #[inline]
    pub(crate) fn set_int(&mut self, heap: &mut Heap, i: i64, val: Value) {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.array[idx as usize] = val;
            return;
        }
        if idx == self.array.len() as u64 && self.nodes.is_empty() && !val.is_nil() {
            // Appending to a pure sequence: grow the array part by doubling (what a rehash
            // would choose, as every slot below is in the array), without a hash detour.
            let old_bytes = self.buffer_bytes();
            let new_len = (self.array.len() * 2).max(4);
            self.resize_array(new_len);
            self.array[idx as usize] = val;
            heap.resized(old_bytes, self.buffer_bytes());
            return;
        }
        let data = i as u64;
        if let Some(n) = self.find_int_node(i) {
            self.nodes[n].val = val;
            return;
        }
        if val.is_nil() {
            return;
        }
        self.insert_new(heap, TAG_INT, data, val);
    }

    /// Raw set with a string key.
    pub(crate) fn set_str(&mut self, heap: &mut Heap, key: Gc<LuaStr>, val: Value) {
        self.absent_meta.set(0);
        self.set_generic(heap, Value::Str(key), val);
    }

    /// Set for a normalised key that is not in the array range.
    fn set_generic(&mut self, heap: &mut Heap, key: Value, val: Value) {
        let (tag, data) = key.raw_parts();
        if let Some(n) = self.find_node(tag, data) {
            let node = &mut self.nodes[n];
            if node.key_tag == TAG_DEADKEY {
                // Identity matched a collected key's address: reuse it for the new key.
                node.key_tag = tag;
                node.key_data = data;
            }
            node.val = val;
            return;
        }
        if val.is_nil() {
            return;
        }
        self.insert_new(heap, tag, data, val);
    }

    fn get_free_pos(&mut self) -> Option<usize> {
        while self.last_free > 0 {
            self.last_free -= 1;
            if self.nodes[self.last_free as usize].key_is_nil() {
                return Some(self.last_free as usize);
            }
        }
        None
    }

    /// Inserts a key known to be absent (and not in the array range).
    fn insert_new(&mut self, heap: &mut Heap, tag: u8, data: u64, val: Value) {
        if self.nodes.is_empty() {
            self.rehash(heap, tag, data);
            return self.reinsert_after_rehash(heap, tag, data, val);
        }
        let mut mp = self.main_position(tag, data);
        if !self.nodes[mp].val.is_nil() {
            // Main position taken: find a free node.
            let Some(f) = self.get_free_pos() else {
                self.rehash(heap, tag, data);
                return self.reinsert_after_rehash(heap, tag, data, val);
            };
            let other = self.nodes[mp];
            let other_mp = self.main_position(other.key_tag, other.key_data);
            if other_mp != mp {
                // The colliding node is out of its main position: move it to the free node and
                // give the new key its place.
                let mut prev = other_mp;
                loop {
                    let nx = (prev as isize + self.nodes[prev].next as isize) as usize;
                    if nx == mp {
                        break;
                    }
                    prev = nx;
                }
                self.nodes[prev].next = (f as isize - prev as isize) as i32;
                self.nodes[f] = other;
                if other.next != 0 {
                    self.nodes[f].next = (mp as isize + other.next as isize - f as isize) as i32;
                }
                self.nodes[mp].next = 0;
                self.nodes[mp].val = Value::Nil;
            } else {
                // The colliding node is in its main position: chain the new key after it.
                let mpn = self.nodes[mp].next;
                self.nodes[f].next = if mpn != 0 {
                    (mp as isize + mpn as isize - f as isize) as i32
                } else {
                    0
                };
                self.nodes[mp].next = (f as isize - mp as isize) as i32;
                mp = f;
            }
        }
        let node = &mut self.nodes[mp];
        node.key_tag = tag;
        node.key_data = data;
        node.val = val;
    }

    fn reinsert_after_rehash(&mut self, heap: &mut Heap, tag: u8, data: u64, val: Value) {
        if tag == TAG_INT {
            self.set_int(heap, data as i64, val);
        } else {
            self.insert_new(heap, tag, data, val);
        }
    }

    // ---------------------------------------------------------------- resizing

    /// Recomputes the sizes of both parts for the current keys plus one new key, as Lua does:
    /// the array part gets the largest power of two `n` such that more than half of `1..=n` are
    /// used.
    fn rehash(&mut self, heap: &mut Heap, extra_tag: u8, extra_data: u64) {
        // nums[i] = number of integer keys k with 2^(i-1) < k <= 2^i.
        let mut nums = [0usize; 65];
        let mut total_int = 0usize;
        // Array part.
        let mut lg = 0usize;
        let mut ttlg = 1usize;
        let mut i = 1usize;
        while lg <= 64 && i <= self.array.len() {
            let lim = ttlg.min(self.array.len());
            let mut c = 0;
            while i <= lim {
                if !self.array[i - 1].is_nil() {
                    c += 1;
                }
                i += 1;
            }
            nums[lg] += c;
            total_int += c;
            lg += 1;
            ttlg = ttlg.saturating_mul(2);
        }
        let mut total = total_int;
        for node in &self.nodes {
            if !node.val.is_nil() {
                if node.key_tag == TAG_INT {
                    count_int(node.key_data as i64, &mut nums, &mut total_int);
                }
                total += 1;
            }
        }
        if extra_tag == TAG_INT {
            count_int(extra_data as i64, &mut nums, &mut total_int);
        }
        total += 1;
        let (array_size, in_array) = compute_array_size(&nums, total_int);
        self.resize(heap, array_size, total - in_array);
    }

    /// Resizes both parts, re-inserting every entry.
    pub(crate) fn resize(&mut self, heap: &mut Heap, new_array: usize, new_hash: usize) {
        let old_bytes = self.buffer_bytes();
        let old_nodes = std::mem::take(&mut self.nodes);
        let old_array_len = self.array.len();
        let mut moved: Vec<(i64, Value)> = Vec::new();
        if new_array < old_array_len {
            for (j, &v) in self.array[new_array..].iter().enumerate() {
                if !v.is_nil() {
                    moved.push(((new_array + j + 1) as i64, v));
                }
            }
            self.resize_array(new_array);
        } else if new_array > old_array_len {
            self.resize_array(new_array);
        }
        self.set_node_vec(new_hash);
        for (k, v) in moved {
            self.set_int_fresh(k, v);
        }
        for &node in old_nodes.iter() {
            if !node.val.is_nil() && node.key_tag != TAG_DEADKEY {
                if node.key_tag == TAG_INT {
                    self.set_int_fresh(node.key_data as i64, node.val);
                } else {
                    self.insert_fresh(node.key_tag, node.key_data, node.val);
                }
            }
        }
        heap.resized(old_bytes, self.buffer_bytes());
    }

    fn set_int_fresh(&mut self, i: i64, v: Value) {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.array[idx as usize] = v;
        } else {
            self.insert_fresh(TAG_INT, i as u64, v);
        }
    }

    /// Insert during a resize: the hash part is known to have room.
    fn insert_fresh(&mut self, tag: u8, data: u64, val: Value) {
        let mut mp = self.main_position(tag, data);
        if !self.nodes[mp].val.is_nil() {
            let f = self.get_free_pos().expect("resized hash part has room");
            let other = self.nodes[mp];
            let other_mp = self.main_position(other.key_tag, other.key_data);
            if other_mp != mp {
                let mut prev = other_mp;
                loop {
                    let nx = (prev as isize + self.nodes[prev].next as isize) as usize;
                    if nx == mp {
                        break;
                    }
                    prev = nx;
                }
                self.nodes[prev].next = (f as isize - prev as isize) as i32;
                self.nodes[f] = other;
                if other.next != 0 {
                    self.nodes[f].next = (mp as isize + other.next as isize - f as isize) as i32;
                }
                self.nodes[mp].next = 0;
            } else {
                let mpn = self.nodes[mp].next;
                self.nodes[f].next = if mpn != 0 {
                    (mp as isize + mpn as isize - f as isize) as i32
                } else {
                    0
                };
                self.nodes[mp].next = (f as isize - mp as isize) as i32;
                mp = f;
            }
        }
        let node = &mut self.nodes[mp];
        node.key_tag = tag;
        node.key_data = data;
        node.val = val;
    }

    // ---------------------------------------------------------------- length and traversal

    /// The border `#t` returns for a raw table (no `__len`).
    pub fn border(&self) -> u64 {
        let n = self.array.len();
        if n > 0 && self.array[n - 1].is_nil() {
            // A border lies inside the array part. Try the hint and its neighbours first
            // (sequences grow and shrink by one), then binary search.
            let a = &self.array;
            let h = self.len_hint.get() as usize;
            let is_border = |b: usize| b < n && (b == 0 || !a[b - 1].is_nil()) && a[b].is_nil();
            for b in [h, h + 1, h.wrapping_sub(1)] {
                if is_border(b) {
                    self.len_hint.set(b as u32);
                    return b as u64;
                }
            }
            // Invariant: i == 0 or a[i-1] non-nil; a[j-1] nil.
            let (mut i, mut j) = (0usize, n);
            while j - i > 1 {
                let m = (i + j) / 2;
                if a[m - 1].is_nil() {
                    j = m;
                } else {
                    i = m;
                }
            }
            if i <= u32::MAX as usize {
                self.len_hint.set(i as u32);
            }
            return i as u64;
        }
        if self.nodes.is_empty() || self.get_int_hash(n as i64 + 1).is_nil() {
            return n as u64;
        }
        self.hash_border(n as u64)
    }

    /// Unbounded search for a border beyond the array part (`t[j]` non-nil is known).
    fn hash_border(&self, j0: u64) -> u64 {
        let mut i; // t[i] non-nil or i == array size
        let mut j = j0 + 1; // t[j] non-nil
        loop {
            if j > (i64::MAX as u64) / 2 {
                // Pathological table: linear search.
                let mut k = 1u64;
                while !self.get_int(k as i64).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            i = j;
            j *= 2;
            if self.get_int(j as i64).is_nil() {
                break;
            }
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }

    /// The entry after `key` in traversal order (`next`). `Ok(None)` at the end;
    /// `Err(())` when `key` is not in the table.
    pub fn next(&self, key: Value) -> Result<Option<(Value, Value)>, ()> {
        let mut i = self.traversal_index(key)?;
        let asize = self.array.len();
        while i < asize {
            if !self.array[i].is_nil() {
                return Ok(Some((Value::Int(i as i64 + 1), self.array[i])));
            }
            i += 1;
        }
        let mut n = i - asize;
        while n < self.nodes.len() {
            let node = &self.nodes[n];
            if !node.val.is_nil() {
                return Ok(Some((node.key(), node.val)));
            }
            n += 1;
        }
        Ok(None)
    }

    /// The position after `key`: array slots first, then nodes.
    fn traversal_index(&self, key: Value) -> Result<usize, ()> {
        let key = match key {
            Value::Nil => return Ok(0),
            Value::Float(f) => match float_key(f) {
                Some(i) => Value::Int(i),
                None => key,
            },
            k => k,
        };
        if let Value::Int(i) = key {
            let idx = (i as u64).wrapping_sub(1);
            if idx < self.array.len() as u64 {
                return Ok(idx as usize + 1);
            }
        }
        let (tag, data) = key.raw_parts();
        match self.find_node_for_next(tag, data) {
            Some(n) => Ok(self.array.len() + n + 1),
            None => Err(()),
        }
    }

    fn find_node_for_next(&self, tag: u8, data: u64) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut n = self.main_position(tag, data);
        loop {
            let node = &self.nodes[n];
            if key_matches(node, tag, data)
                || (node.key_tag == TAG_DEADKEY && node.key_data == data && is_collectable_tag(tag))
            {
                return Some(n);
            }
            if node.next == 0 {
                return None;
            }
            n = (n as isize + node.next as isize) as usize;
        }
    }

    /// Number of non-nil entries (used by the collector's weak-table work and by tests).
    pub fn count(&self) -> usize {
        self.array.iter().filter(|v| !v.is_nil()).count()
            + self.nodes.iter().filter(|n| !n.val.is_nil()).count()
    }

    /// Turns the key of an entry whose value was cleared into a dead key (collector only).
    pub(crate) fn kill_key(node: &mut Node) {
        if is_collectable_tag(node.key_tag) {
            node.key_tag = TAG_DEADKEY;
        }
    }
}

#[inline(always)]
fn is_collectable_tag(tag: u8) -> bool {
    matches!(tag, TAG_STR | TAG_TABLE | TAG_LUAFN | TAG_NCLOSURE | TAG_USERDATA | TAG_THREAD)
}

#[inline]
fn key_matches(node: &Node, tag: u8, data: u64) -> bool {
    if node.key_tag != tag {
        return false;
    }
    if node.key_data == data {
        return true;
    }
    if tag == TAG_STR {
        // Long strings compare by contents.
        // SAFETY: both are live strings (the node's key is alive while stored).
        let (a, b) = unsafe { (Gc::<LuaStr>::from_addr(node.key_data as usize), Gc::<LuaStr>::from_addr(data as usize)) };
        return !a.is_short() && !b.is_short() && a.len() == b.len() && a.as_bytes() == b.as_bytes();
    }
    false
}

fn count_int(k: i64, nums: &mut [usize; 65], total_int: &mut usize) {
    if k >= 1 && (k as u64) <= (1u64 << 31) {
        let lg = if k == 1 { 0 } else { 64 - ((k - 1) as u64).leading_zeros() as usize };
        nums[lg] += 1;
        *total_int += 1;
    }
}

/// Chooses the array size: the largest power of two `n` with more than `n/2` integer keys in
/// `1..=n`. Returns (size, keys that go to the array).
fn compute_array_size(nums: &[usize; 65], total_int: usize) -> (usize, usize) {
    let mut a = 0usize;
    let mut na = 0usize;
    let mut optimal = 0usize;
    let mut twotoi = 1usize;
    for &count in nums.iter().take(32) {
        if twotoi / 2 >= total_int {
            break;
        }
        a += count;
        if a > twotoi / 2 {
            optimal = twotoi;
            na = a;
        }
        twotoi *= 2;
    }
    (optimal, na)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn ints_grow_into_the_array_part() {
        let mut heap = Heap::new();
        let mut t = Table::new_raw(0, 0);
        for i in 1..=1000 {
            t.set_int(&mut heap, i, Value::Int(i * 2));
        }
        assert_eq!(t.array_len(), 1024);
        assert_eq!(t.border(), 1000);
        for i in 1..=1000 {
            assert!(matches!(t.get_int(i), Value::Int(v) if v == i * 2));
        }
        t.set_int(&mut heap, 1000, Value::Nil);
        assert_eq!(t.border(), 999);
    }

    #[test]
    fn sparse_and_negative_keys() {
        let mut heap = Heap::new();
        let mut t = Table::new_raw(0, 0);
        for i in (-500..500).step_by(7) {
            t.set_int(&mut heap, i * 1000, Value::Int(i));
        }
        for i in (-500..500).step_by(7) {
            assert!(matches!(t.get_int(i * 1000), Value::Int(v) if v == i));
        }
        assert!(t.get_int(3).is_nil());
        // traversal visits every entry once
        let mut k = Value::Nil;
        let mut n = 0;
        while let Some((nk, _)) = t.next(k).unwrap() {
            n += 1;
            k = nk;
        }
        assert_eq!(n, (-500..500).step_by(7).count());
    }

    #[test]
    fn nil_and_nan_keys_are_rejected() {
        let mut heap = Heap::new();
        let mut t = Table::new_raw(0, 0);
        assert_eq!(t.set(&mut heap, Value::Nil, Value::Int(1)), Err(KeyError::Nil));
        assert_eq!(t.set(&mut heap, Value::Float(f64::NAN), Value::Int(1)), Err(KeyError::NaN));
        t.set(&mut heap, Value::Float(2.0), Value::Int(5)).unwrap();
        assert!(matches!(t.get_int(2), Value::Int(5)));
    }
}
