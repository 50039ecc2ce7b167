//! The collector's algorithms: marking, the atomic phase (weak tables, ephemerons,
//! finalizer separation), sweeping, finalizers and pacing. See `gc/mod.rs` for the invariants.

use std::ptr::NonNull;

use super::*;
use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
use crate::opcodes::TagMethod;
use crate::state::{header_of, State};
use crate::string::LuaStr;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;
use crate::value::Value;

/// Objects swept per sweep step.
const SWEEP_MAX: usize = 100;
/// Work charged per swept object, and per finalizer call.
const SWEEP_COST: usize = 1;
/// Bytes of allocation debt per unit of work (a value's size, as in Lua).
const WORK_TO_MEM: isize = 16;
const FINALIZER_COST: usize = 50;
/// Finalizers run per step while finalizers are pending.
const FINALIZERS_PER_STEP: usize = 10;

/// The weakness of a table as its metatable's `__mode` says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Weakness {
    Strong,
    Keys,
    Values,
    Both,
}

#[inline(always)]
fn as_obj<T: GcObject>(h: NonNull<GcHeader>) -> Gc<T> {
    // SAFETY: callers dispatch on the header's kind before converting.
    unsafe { Gc::from_ptr(h.cast()) }
}

impl Heap {
    /// Moves an object from `allgc` to the `fixed` list (never collected).
    pub(crate) fn fix_object(&mut self, h: NonNull<GcHeader>) {
        if self.unlink_from(&self.young as *const _, h) || self.unlink_from(&self.allgc as *const _, h) {
            // SAFETY: `h` is live.
            let hdr = unsafe { h.as_ref() };
            hdr.marked.set(hdr.marked.get() | FIXED);
            hdr.next.set(self.fixed.get());
            self.fixed.set(Some(h));
        }
    }

    /// Removes `h` from the list starting at `head`; keeps the sweep cursor valid.
    fn unlink_from(&mut self, head: *const Cell<Option<NonNull<GcHeader>>>, h: NonNull<GcHeader>) -> bool {
        let mut link = head;
        // SAFETY: walking a list of live objects; `link` always points at a live link cell.
        unsafe {
            while let Some(cur) = (*link).get() {
                if cur == h {
                    let own_next = &h.as_ref().next as *const _;
                    (*link).set(h.as_ref().next.get());
                    if self.sweep_cursor == own_next {
                        self.sweep_cursor = link;
                    }
                    return true;
                }
                link = &cur.as_ref().next as *const _;
            }
        }
        false
    }

    /// Marks a gray-able object (not strings): gray and queued.
    #[inline]
    fn mark_header(&mut self, h: NonNull<GcHeader>) {
        // SAFETY: live object.
        let hdr = unsafe { h.as_ref() };
        if !hdr.is_white() {
            return;
        }
        match hdr.kind {
            ObjKind::Str => hdr.set_black(),
            ObjKind::UpVal => {
                let uv = as_obj::<UpVal>(h);
                if uv.is_open() {
                    hdr.set_gray();
                } else {
                    hdr.set_black();
                }
                let v = uv.get();
                self.mark_value(v);
            }
            _ => {
                hdr.set_gray();
                self.gray.push(h);
            }
        }
    }

    #[inline]
    pub(crate) fn mark_value(&mut self, v: Value) {
        if let Some(h) = header_of(v) {
            self.mark_header(h);
        }
    }

    #[inline]
    fn mark_obj<T: GcObject>(&mut self, o: Gc<T>) {
        self.mark_header(o.header_ptr());
    }
}

impl State {
    // ------------------------------------------------------------------ barriers

    /// The barrier for a black object (not a table) that now refers to `v`.
    #[inline]
    pub(crate) fn barrier_forward(&mut self, obj: NonNull<GcHeader>, v: Value) {
        // SAFETY: callers pass a live object.
        let h = unsafe { obj.as_ref() };
        if h.is_black() && crate::state::is_white(v) {
            if self.heap.mode == GcMode::Generational {
                // Remember the old object; the next minor collection traverses it.
                h.set_gray();
                self.heap.gray_again.push(obj);
            } else if self.heap.phase == Phase::Propagate {
                self.heap.mark_value(v);
            } else {
                h.set_white(self.heap.current_white);
            }
        }
    }

    /// The barrier for a closed upvalue that received `v`.
    #[inline]
    pub(crate) fn barrier_upval(&mut self, uv: Gc<UpVal>, v: Value) {
        if uv.header().is_black() && crate::state::is_white(v) {
            self.barrier_forward(uv.header_ptr(), v);
        }
    }

    // ------------------------------------------------------------------ finalizers

    /// Moves an object whose new metatable has `__gc` to the `finobj` list.
    pub(crate) fn check_finalizer(&mut self, obj: Value, mt: Gc<Table>) {
        let Some(h) = header_of(obj) else { return };
        // SAFETY: live object.
        let hdr = unsafe { h.as_ref() };
        if hdr.marked.get() & FINALIZED != 0 || self.gc_finalizing_all() {
            return;
        }
        let gc_name = self.tm_name(TagMethod::Gc);
        if mt.get_short_str(gc_name).is_nil() {
            return;
        }
        if matches!(self.heap.phase, Phase::SweepAllGc | Phase::SweepFinObj | Phase::SweepToBeFnz) {
            hdr.set_white(self.heap.current_white);
        }
        let heap = &mut self.heap;
        if heap.unlink_from(&heap.young as *const _, h) || heap.unlink_from(&heap.allgc as *const _, h) {
            hdr.next.set(heap.finobj.get());
            heap.finobj.set(Some(h));
            hdr.marked.set(hdr.marked.get() | FINALIZED);
        }
    }

    fn gc_finalizing_all(&self) -> bool {
        self.gc_finalizing
    }

    // ------------------------------------------------------------------ entry points

    /// One incremental step (paced by the allocation debt).
    pub(crate) fn gc_step(&mut self) {
        if self.heap.busy {
            return;
        }
        self.heap.created = false;
        if !self.heap.running {
            self.heap.debt = -(1 << self.heap.step_size_log2);
            return;
        }
        if self.stress {
            if self.heap.mode == GcMode::Generational {
                // Mostly minor collections (survivors, promotions and the remembered set are
                // what needs exercising), a major one every eighth time.
                self.heap.stress_steps = self.heap.stress_steps.wrapping_add(1);
                if self.heap.stress_steps % 8 == 0 {
                    self.major_collection();
                } else {
                    self.minor_collection();
                }
            } else {
                self.full_gc();
            }
            self.heap.debt = 0;
            return;
        }
        if self.heap.mode == GcMode::Generational {
            self.gen_step();
            self.check_memory_limit();
            return;
        }
        let step_mul = (self.heap.step_mul as isize).max(1) | 1;
        let step_size = ((1isize << self.heap.step_size_log2) / WORK_TO_MEM).max(1) * step_mul;
        let mut debt = (self.heap.debt / WORK_TO_MEM) * step_mul;
        loop {
            let work = self.single_step() as isize;
            debt -= work;
            if debt <= -step_size || self.heap.phase == Phase::Pause {
                break;
            }
        }
        if self.heap.phase == Phase::Pause {
            self.set_pause();
        } else {
            self.heap.debt = (debt / step_mul) * WORK_TO_MEM;
        }
        self.check_memory_limit();
    }

    /// With a heap limit set: when the heap is over it, collect everything and, if it is
    /// still over, make the VM raise the (uncatchable) memory limit error.
    fn check_memory_limit(&mut self) {
        let limit = self.heap.limit_bytes;
        if limit > 0 && self.heap.total_bytes > limit && !self.memory_exceeded {
            self.full_gc();
            if self.heap.total_bytes > limit {
                self.memory_exceeded = true;
                self.trap = true;
            }
        }
    }

    /// A full collection (`collectgarbage()`): finishes any cycle in progress and runs a whole
    /// new one, finalizers included.
    pub fn full_gc(&mut self) {
        if self.heap.busy {
            return;
        }
        if self.heap.mode == GcMode::Generational {
            self.major_collection();
            self.set_minor_debt();
            return;
        }
        if self.heap.phase == Phase::Propagate {
            // Abandon the current marking: sweep everything to white first.
            self.enter_sweep_without_atomic();
        }
        self.run_until(|p| p == Phase::Pause);
        self.run_until(|p| p == Phase::CallFin);
        self.run_until(|p| p == Phase::Pause);
        self.set_pause();
    }

    /// `collectgarbage("step", kb)`: returns true when a cycle finished.
    pub fn gc_step_kb(&mut self, kb: i64) -> bool {
        if self.heap.busy {
            return false;
        }
        let old_running = self.heap.running;
        self.heap.running = true;
        let mut finished = false;
        if self.heap.mode == GcMode::Generational {
            // A minor (or major) collection; generational steps do not end "cycles".
            self.gen_step();
            self.heap.running = old_running;
            return false;
        }
        if kb == 0 {
            self.heap.debt = 0;
            self.gc_step();
            finished = self.heap.phase == Phase::Pause;
        } else {
            let mut debt = kb.saturating_mul(1024) as isize + self.heap.debt;
            self.heap.debt = debt;
            while self.heap.debt > 0 || debt > 0 {
                self.gc_step();
                if self.heap.phase == Phase::Pause {
                    finished = true;
                    break;
                }
                debt -= 1 << self.heap.step_size_log2;
                if debt <= 0 {
                    break;
                }
                self.heap.debt = debt;
            }
        }
        self.heap.running = old_running;
        finished
    }

    /// True while a finalizer runs: the collector cannot be driven from there.
    pub fn gc_in_finalizer(&self) -> bool {
        self.heap.busy
    }

    pub fn gc_is_running(&self) -> bool {
        self.heap.running
    }

    pub fn gc_stop(&mut self) {
        self.heap.running = false;
    }

    pub fn gc_restart(&mut self) {
        self.heap.running = true;
        self.heap.debt = 0;
    }

    /// Sets the incremental parameters; zero keeps a value. Returns the previous mode.
    pub fn gc_incremental(&mut self, pause: u32, step_mul: u32, step_size_log2: u32) -> GcMode {
        let old = self.heap.mode;
        if pause != 0 {
            self.heap.pause = pause;
        }
        if step_mul != 0 {
            self.heap.step_mul = step_mul;
        }
        if step_size_log2 != 0 {
            self.heap.step_size_log2 = step_size_log2.min(40);
        }
        if old == GcMode::Generational && !self.heap.busy {
            self.leave_generational();
        }
        old
    }

    /// Switches to the generational tuning. Returns the previous mode.
    pub fn gc_generational(&mut self, minor_mul: u32, major_mul: u32) -> GcMode {
        let old = self.heap.mode;
        if minor_mul != 0 {
            self.heap.gen_minor_mul = minor_mul;
        }
        if major_mul != 0 {
            self.heap.gen_major_mul = major_mul;
        }
        if old == GcMode::Incremental && !self.heap.busy {
            self.enter_generational();
        }
        old
    }

    // ------------------------------------------------------------------ generational mode

    /// Finishes any incremental cycle, then makes every live object old.
    fn enter_generational(&mut self) {
        self.full_gc();
        self.heap.mode = GcMode::Generational;
        self.major_collection();
        self.set_minor_debt();
    }

    /// Back to incremental: every object white again, no remembered set, no young list.
    fn leave_generational(&mut self) {
        self.heap.gen_promoted.clear();
        self.heap.gen_touched.clear();
        self.merge_young();
        self.whiten_all();
        self.heap.gray_again.clear();
        self.heap.mode = GcMode::Incremental;
        self.heap.phase = Phase::Pause;
        self.heap.estimate = self.heap.total_bytes;
        self.set_pause();
    }

    fn set_minor_debt(&mut self) {
        let minor = (self.heap.total_bytes / 100).saturating_mul(self.heap.gen_minor_mul as usize);
        self.heap.debt = -(minor.max(64 * 1024) as isize);
    }

    /// A generational step: a minor collection, or a major one when the heap has grown
    /// enough since the last.
    fn gen_step(&mut self) {
        let base = self.heap.gen_base.max(1);
        let major_at = base + base / 100 * self.heap.gen_major_mul as usize;
        if self.heap.total_bytes > major_at {
            self.major_collection();
        } else {
            self.minor_collection();
        }
        self.set_minor_debt();
    }

    /// Moves the young list onto the old one.
    fn merge_young(&mut self) {
        let heap = &mut self.heap;
        let mut p = heap.young.take();
        while let Some(o) = p {
            // SAFETY: list of live objects.
            let hdr = unsafe { o.as_ref() };
            p = hdr.next.get();
            hdr.next.set(heap.allgc.get());
            heap.allgc.set(Some(o));
        }
    }

    /// Makes every collectable object the current white.
    fn whiten_all(&mut self) {
        let white = self.heap.current_white;
        for head in [&self.heap.allgc, &self.heap.young, &self.heap.finobj, &self.heap.tobefnz] {
            let mut p = head.get();
            while let Some(o) = p {
                // SAFETY: list of live objects.
                let hdr = unsafe { o.as_ref() };
                hdr.set_white(white);
                p = hdr.next.get();
            }
        }
    }

    /// Blackens every object of a list (they are old from now on).
    fn blacken_list(&self, head: &Cell<Option<NonNull<GcHeader>>>) {
        let mut p = head.get();
        while let Some(o) = p {
            // SAFETY: list of live objects.
            let hdr = unsafe { o.as_ref() };
            hdr.set_black();
            p = hdr.next.get();
        }
    }

    /// A minor collection: marks from the roots, every thread and the remembered set, then
    /// sweeps the young objects, promoting the survivors.
    fn minor_collection(&mut self) {
        let h = &mut self.heap;
        // The remembered set as it stands: traversed now and again in the next minor.
        let remembered = h.gray_again.clone();
        // What the last minor collection promoted or found remembered may refer to survivors.
        for o in h.gen_promoted.drain(..).chain(h.gen_touched.drain(..)) {
            // SAFETY: old objects, freed only by a major collection, which empties both lists.
            let hdr = unsafe { o.as_ref() };
            if hdr.is_black() {
                hdr.set_gray();
                h.gray_again.push(o);
            }
        }
        h.gray.clear();
        h.weak_values.clear();
        h.ephemerons.clear();
        h.all_weak.clear();
        h.phase = Phase::Atomic;
        // Thread stacks are written without barriers: traverse every thread.
        for j in 0..self.heap.threads.len() {
            let t = self.heap.threads[j];
            // SAFETY: live thread.
            unsafe { t.as_ref() }.set_gray();
            self.heap.gray.push(t);
        }
        // Objects waiting for their finalizers stay alive.
        let mut p = self.heap.tobefnz.get();
        while let Some(o) = p {
            // SAFETY: list of live objects.
            p = unsafe { o.as_ref() }.next.get();
            self.heap.mark_header(o);
        }
        self.atomic_with(false);
        // Sweep the young objects: the dead are freed; the marked survivors of an earlier
        // minor collection become old, the other marked ones survivors (white again, still
        // young).
        let white = self.heap.current_white;
        let mut survivors: Option<NonNull<GcHeader>> = None;
        let mut p = self.heap.young.take();
        while let Some(o) = p {
            // SAFETY: list of live objects; each dead one is freed exactly once after being
            // unlinked (the young list was detached).
            unsafe {
                let hdr = o.as_ref();
                p = hdr.next.get();
                if hdr.is_white() && hdr.marked.get() & FIXED == 0 {
                    let before = self.heap.total_bytes;
                    self.free_object(o);
                    let freed = before - self.heap.total_bytes;
                    self.heap.estimate = self.heap.estimate.saturating_sub(freed);
                } else if hdr.marked.get() & SURVIVAL != 0 {
                    hdr.marked.set(hdr.marked.get() & !SURVIVAL);
                    hdr.set_black();
                    hdr.next.set(self.heap.allgc.get());
                    self.heap.allgc.set(Some(o));
                    self.heap.gen_promoted.push(o);
                } else {
                    hdr.marked.set(hdr.marked.get() | SURVIVAL);
                    hdr.set_white(white);
                    hdr.next.set(survivors);
                    survivors = Some(o);
                }
            }
        }
        self.heap.young.set(survivors);
        self.heap.gen_touched = remembered;
        self.blacken_list(&self.heap.finobj);
        self.blacken_list(&self.heap.tobefnz);
        self.heap.phase = Phase::Pause;
        self.finish_gen_cycle();
    }

    /// A major collection: everything is marked and swept at once; survivors are old.
    fn major_collection(&mut self) {
        self.heap.gen_promoted.clear();
        self.heap.gen_touched.clear();
        self.merge_young();
        self.whiten_all();
        self.heap.gray_again.clear();
        self.restart_collection();
        self.atomic_with(false);
        // Sweep everything.
        // SAFETY: walking the detached old list; dead objects are freed once.
        unsafe {
            let mut p = self.heap.allgc.take();
            while let Some(o) = p {
                let hdr = o.as_ref();
                p = hdr.next.get();
                if hdr.is_white() && hdr.marked.get() & FIXED == 0 {
                    self.free_object(o);
                } else {
                    hdr.set_black();
                    hdr.next.set(self.heap.allgc.get());
                    self.heap.allgc.set(Some(o));
                }
            }
        }
        self.blacken_list(&self.heap.finobj);
        self.blacken_list(&self.heap.tobefnz);
        self.heap.phase = Phase::Pause;
        self.shrink_thread_stacks();
        self.strings.maybe_shrink();
        self.heap.gen_base = self.heap.total_bytes;
        self.heap.estimate = self.heap.total_bytes;
        self.finish_gen_cycle();
    }

    /// Runs the finalizers the collection found due.
    fn finish_gen_cycle(&mut self) {
        if !self.heap.busy {
            while self.heap.tobefnz.get().is_some() {
                self.run_finalizers(FINALIZERS_PER_STEP);
            }
        }
    }

    /// Old-style `setpause`/`setstepmul`: returns the previous value.
    pub fn gc_set_pause(&mut self, pause: u32) -> u32 {
        std::mem::replace(&mut self.heap.pause, pause)
    }

    pub fn gc_set_step_mul(&mut self, mul: u32) -> u32 {
        std::mem::replace(&mut self.heap.step_mul, mul)
    }

    fn run_until(&mut self, stop: impl Fn(Phase) -> bool) {
        let mut guard = 0u64;
        while !stop(self.heap.phase) {
            self.single_step();
            guard += 1;
            debug_assert!(guard < u64::MAX);
        }
    }

    fn set_pause(&mut self) {
        let estimate = self.heap.estimate.max(1);
        // Both modes run the same incremental collector; the generational parameters are
        // kept for `collectgarbage` but do not shorten the pause (a full marking per minor
        // collection would cost more than it saves).
        let pause = self.heap.pause as usize;
        let threshold = estimate.saturating_mul(pause) / 100;
        let debt = self.heap.total_bytes as isize - threshold as isize;
        self.heap.debt = debt.min(0);
    }

    /// One unit of collector work; returns the work done.
    fn single_step(&mut self) -> usize {
        match self.heap.phase {
            Phase::Pause => {
                self.restart_collection();
                self.heap.phase = Phase::Propagate;
                1
            }
            Phase::Propagate => {
                if let Some(h) = self.heap.gray.pop() {
                    // Work is counted in value-sized units of traversed memory.
                    1 + self.propagate(h) / WORK_TO_MEM as usize
                } else {
                    let work = self.atomic();
                    self.enter_sweep();
                    self.heap.estimate = self.heap.total_bytes;
                    work
                }
            }
            Phase::Atomic => unreachable!("the atomic phase runs to completion"),
            Phase::SweepAllGc => self.sweep_step(Phase::SweepFinObj),
            Phase::SweepFinObj => self.sweep_step(Phase::SweepToBeFnz),
            Phase::SweepToBeFnz => self.sweep_step(Phase::CallFin),
            Phase::CallFin => {
                if self.heap.tobefnz.get().is_some() && !self.heap.busy {
                    let n = self.run_finalizers(FINALIZERS_PER_STEP);
                    n * FINALIZER_COST
                } else {
                    self.strings.maybe_shrink();
                    self.heap.phase = Phase::Pause;
                    0
                }
            }
        }
    }

    fn restart_collection(&mut self) {
        self.heap.gray.clear();
        self.heap.gray_again.clear();
        self.heap.weak_values.clear();
        self.heap.ephemerons.clear();
        self.heap.all_weak.clear();
        self.mark_roots();
    }

    fn mark_roots(&mut self) {
        let h = &mut self.heap;
        h.mark_obj(self.main_thread);
        h.mark_obj(self.cur);
        h.mark_obj(self.registry);
        h.mark_obj(self.globals);
        for mt in self.type_mt.iter().flatten() {
            h.mark_obj(*mt);
        }
        h.mark_value(self.error_value);
        // Objects waiting for their finalizers stay alive until finalized.
        let mut p = h.tobefnz.get();
        while let Some(o) = p {
            // SAFETY: list of live objects.
            p = unsafe { o.as_ref() }.next.get();
            h.mark_header(o);
        }
    }

    // ------------------------------------------------------------------ traversal

    /// Traverses one gray object, making it black (threads and weak tables stay gray and are
    /// revisited in the atomic phase). Returns an estimate of the work.
    fn propagate(&mut self, h: NonNull<GcHeader>) -> usize {
        // SAFETY: gray objects are live.
        let hdr = unsafe { h.as_ref() };
        match hdr.kind {
            ObjKind::Table => self.traverse_table(as_obj::<Table>(h)),
            ObjKind::LuaClosure => {
                hdr.set_black();
                let c = as_obj::<LuaClosure>(h);
                self.heap.mark_obj(c.proto);
                for uv in c.upvals.iter() {
                    self.heap.mark_obj(*uv);
                }
                std::mem::size_of::<LuaClosure>() + 8 * c.upvals.len()
            }
            ObjKind::NativeClosure => {
                hdr.set_black();
                let c = as_obj::<NativeClosure>(h);
                for v in c.upvals.iter() {
                    self.heap.mark_value(*v);
                }
                std::mem::size_of::<NativeClosure>() + 16 * c.upvals.len()
            }
            ObjKind::Proto => {
                hdr.set_black();
                let p = as_obj::<Proto>(h);
                for v in p.constants.iter() {
                    self.heap.mark_value(*v);
                }
                for sub in p.protos.iter() {
                    self.heap.mark_obj(*sub);
                }
                if let Some(s) = p.source {
                    self.heap.mark_obj(s);
                }
                std::mem::size_of::<Proto>() + 16 * p.constants.len() + 4 * p.plain.code.len()
            }
            ObjKind::UserData => {
                hdr.set_black();
                let u = as_obj::<UserData>(h);
                if let Some(mt) = u.metatable {
                    self.heap.mark_obj(mt);
                }
                for v in u.user_values.iter() {
                    self.heap.mark_value(*v);
                }
                std::mem::size_of::<UserData>() + 16 * u.user_values.len()
            }
            ObjKind::Thread => self.traverse_thread(as_obj::<Thread>(h)),
            ObjKind::UpVal => {
                // Open upvalues stay gray; their value is marked with the thread stack. A
                // closed one (reached here from the remembered set) turns black, or later
                // writes of young values would skip the barrier that remembers it again.
                let uv = as_obj::<UpVal>(h);
                if !uv.is_open() {
                    hdr.set_black();
                }
                self.heap.mark_value(uv.get());
                std::mem::size_of::<UpVal>()
            }
            ObjKind::Str => {
                hdr.set_black();
                0
            }
        }
    }

    fn propagate_all(&mut self) -> usize {
        let mut work = 0;
        while let Some(h) = self.heap.gray.pop() {
            work += self.propagate(h);
        }
        work
    }

    fn weakness(&self, t: Gc<Table>) -> Weakness {
        let Some(mt) = t.metatable else { return Weakness::Strong };
        let mode = mt.get_short_str(self.tm_name(TagMethod::Mode));
        let Value::Str(s) = mode else { return Weakness::Strong };
        let b = s.as_bytes();
        match (b.contains(&b'k'), b.contains(&b'v')) {
            (false, false) => Weakness::Strong,
            (true, false) => Weakness::Keys,
            (false, true) => Weakness::Values,
            (true, true) => Weakness::Both,
        }
    }

    fn traverse_table(&mut self, t: Gc<Table>) -> usize {
        let hdr = t.header();
        if let Some(mt) = t.metatable {
            self.heap.mark_obj(mt);
        }
        let work = std::mem::size_of::<Table>() + t.buffer_bytes();
        match self.weakness(t) {
            Weakness::Strong => {
                hdr.set_black();
                for v in t.array.iter() {
                    self.heap.mark_value(*v);
                }
                for n in t.nodes.iter() {
                    if !n.val.is_nil() {
                        self.heap.mark_value(n.key());
                        self.heap.mark_value(n.val);
                    }
                }
            }
            Weakness::Values => {
                hdr.set_black();
                for n in t.nodes.iter() {
                    if !n.val.is_nil() {
                        self.heap.mark_value(n.key());
                    }
                }
                if self.heap.phase == Phase::Propagate {
                    hdr.set_gray();
                    self.heap.gray_again.push(t.header_ptr());
                } else {
                    self.heap.weak_values.push(t.header_ptr());
                }
            }
            Weakness::Keys => {
                hdr.set_black();
                self.traverse_ephemeron(t, false);
            }
            Weakness::Both => {
                hdr.set_black();
                if self.heap.phase == Phase::Propagate {
                    hdr.set_gray();
                    self.heap.gray_again.push(t.header_ptr());
                } else {
                    self.heap.all_weak.push(t.header_ptr());
                }
            }
        }
        work
    }

    /// Marks the values of an ephemeron table whose keys are marked; returns whether anything
    /// was marked. Queues the table where the atomic phase will look at it again.
    fn traverse_ephemeron(&mut self, t: Gc<Table>, reverse: bool) -> bool {
        let mut marked = false;
        let mut has_clears = false;
        let mut white_white = false;
        for v in t.array.iter() {
            if crate::state::is_white(*v) {
                marked = true;
                self.heap.mark_value(*v);
            }
        }
        let n = t.nodes.len();
        for i in 0..n {
            let node = &t.nodes[if reverse { n - 1 - i } else { i }];
            if node.val.is_nil() {
                continue;
            }
            let key = node.key();
            if self.is_cleared(key) {
                has_clears = true;
                if crate::state::is_white(node.val) {
                    white_white = true;
                }
            } else if crate::state::is_white(node.val) {
                marked = true;
                self.heap.mark_value(node.val);
            }
        }
        let hdr = t.header();
        if self.heap.phase == Phase::Propagate {
            hdr.set_gray();
            self.heap.gray_again.push(t.header_ptr());
        } else if white_white {
            self.heap.ephemerons.push(t.header_ptr());
        } else if has_clears {
            self.heap.all_weak.push(t.header_ptr());
        }
        marked
    }

    /// A weak reference that the clearing step would drop: an unmarked object. Strings are
    /// values, never cleared: they get marked instead.
    fn is_cleared(&mut self, v: Value) -> bool {
        match v {
            Value::Str(s) => {
                self.heap.mark_obj(s);
                false
            }
            other => crate::state::is_white(other),
        }
    }

    fn traverse_thread(&mut self, th: Gc<Thread>) -> usize {
        // SAFETY: the collector runs at safepoints; nothing else borrows the thread now.
        let t = unsafe { th.get_mut() };
        let top = t.top.min(t.stack.len());
        for v in &t.stack[..top] {
            self.heap.mark_value(*v);
        }
        for uv in &t.open_upvals {
            self.heap.mark_obj(*uv);
        }
        self.heap.mark_value(t.hook);
        if let Some(e) = t.dead_error {
            self.heap.mark_value(e);
        }
        if self.heap.phase == Phase::Propagate {
            // Threads are revisited in the atomic phase: stack writes have no barrier.
            th.header().set_gray();
            self.heap.gray_again.push(th.header_ptr());
        } else {
            // Atomic: clear the dead part of the stack so stale values are never roots later.
            for v in &mut t.stack[top..] {
                *v = Value::Nil;
            }
            th.header().set_black();
        }
        std::mem::size_of::<Thread>() + 16 * top
    }

    // ------------------------------------------------------------------ the atomic phase

    fn atomic(&mut self) -> usize {
        self.atomic_with(true)
    }

    /// The atomic phase; `flip`: the whites exchange meaning (incremental mode).
    fn atomic_with(&mut self, flip: bool) -> usize {
        self.heap.phase = Phase::Atomic;
        let mut work = 0;
        let cur = self.cur;
        // The roots may have changed since the cycle began.
        self.heap.mark_obj(cur);
        self.heap.mark_obj(self.main_thread);
        self.heap.mark_obj(self.registry);
        self.heap.mark_obj(self.globals);
        for mt in self.type_mt.iter().flatten() {
            self.heap.mark_obj(*mt);
        }
        self.heap.mark_value(self.error_value);
        work += self.propagate_all();
        // Revisit what was left gray on purpose (threads, weak tables, barrier-touched tables).
        let again = std::mem::take(&mut self.heap.gray_again);
        for h in again {
            // SAFETY: live objects.
            let hdr = unsafe { h.as_ref() };
            if hdr.is_gray() || hdr.is_black() {
                self.heap.gray.push(h);
            }
        }
        work += self.propagate_all();
        work += self.remark_upvalues();
        work += self.propagate_all();
        self.converge_ephemerons();
        // All strongly reachable objects are marked.
        self.clear_by_values(false);
        let orig_weak = self.heap.weak_values.len();
        let orig_all = self.heap.all_weak.len();
        self.separate_to_be_finalized(false);
        self.mark_being_finalized();
        work += self.propagate_all();
        self.converge_ephemerons();
        // Resurrected objects are marked too: now drop dead entries.
        self.clear_by_keys();
        self.clear_by_values_from(orig_weak, orig_all);
        if flip {
            self.heap.current_white = self.heap.other_white();
        }
        work
    }

    /// Marks the values of open upvalues of threads that were not marked (those threads die,
    /// closing their upvalues, but the upvalues may still be reachable).
    fn remark_upvalues(&mut self) -> usize {
        let mut work = 0;
        for j in 0..self.heap.threads.len() {
            let h = self.heap.threads[j];
            // SAFETY: the list holds live threads.
            let hdr = unsafe { h.as_ref() };
            if hdr.is_white() {
                let th = as_obj::<Thread>(h);
                for uv in th.open_upvals.iter() {
                    work += 1;
                    if !uv.header().is_white() {
                        self.heap.mark_value(uv.get());
                    }
                }
            }
        }
        work
    }

    fn converge_ephemerons(&mut self) {
        let mut reverse = false;
        loop {
            let list = std::mem::take(&mut self.heap.ephemerons);
            let mut changed = false;
            for h in list {
                let t = as_obj::<Table>(h);
                t.header().set_black();
                if self.traverse_ephemeron(t, reverse) {
                    self.propagate_all();
                    changed = true;
                }
            }
            reverse = !reverse;
            if !changed {
                break;
            }
        }
    }

    fn clear_by_values(&mut self, _resurrected_only: bool) {
        let lists: Vec<NonNull<GcHeader>> =
            self.heap.weak_values.iter().chain(self.heap.all_weak.iter()).copied().collect();
        for h in lists {
            self.clear_values_of(as_obj::<Table>(h));
        }
    }

    fn clear_by_values_from(&mut self, orig_weak: usize, orig_all: usize) {
        let lists: Vec<NonNull<GcHeader>> = self.heap.weak_values[orig_weak.min(self.heap.weak_values.len())..]
            .iter()
            .chain(self.heap.all_weak[orig_all.min(self.heap.all_weak.len())..].iter())
            .copied()
            .collect();
        for h in lists {
            self.clear_values_of(as_obj::<Table>(h));
        }
    }

    fn clear_values_of(&mut self, t: Gc<Table>) {
        // SAFETY: atomic phase; nothing else borrows the table.
        let tm = unsafe { t.get_mut() };
        for i in 0..tm.array.len() {
            let v = tm.array[i];
            if self.is_cleared(v) {
                tm.array[i] = Value::Nil;
            }
        }
        for i in 0..tm.nodes.len() {
            let v = tm.nodes[i].val;
            if !v.is_nil() && self.is_cleared(v) {
                tm.nodes[i].val = Value::Nil;
            }
            if tm.nodes[i].val.is_nil() {
                Table::kill_key(&mut tm.nodes[i]);
            }
        }
    }

    fn clear_by_keys(&mut self) {
        let lists: Vec<NonNull<GcHeader>> =
            self.heap.ephemerons.iter().chain(self.heap.all_weak.iter()).copied().collect();
        for h in lists {
            let t = as_obj::<Table>(h);
            // SAFETY: atomic phase; nothing else borrows the table.
            let tm = unsafe { t.get_mut() };
            for i in 0..tm.nodes.len() {
                let key = tm.nodes[i].key();
                if !tm.nodes[i].val.is_nil() && self.is_cleared(key) {
                    tm.nodes[i].val = Value::Nil;
                }
                if tm.nodes[i].val.is_nil() {
                    Table::kill_key(&mut tm.nodes[i]);
                }
            }
        }
    }

    /// Moves unreachable objects with finalizers (all of them when `all`) from `finobj` to the
    /// end of `tobefnz`, keeping their order.
    fn separate_to_be_finalized(&mut self, all: bool) {
        let heap = &mut self.heap;
        // Find the end of tobefnz.
        let mut last: *const Cell<Option<NonNull<GcHeader>>> = &heap.tobefnz;
        // SAFETY: walking lists of live objects; links are valid cells.
        unsafe {
            while let Some(o) = (*last).get() {
                last = &o.as_ref().next;
            }
            let mut p: *const Cell<Option<NonNull<GcHeader>>> = &heap.finobj;
            while let Some(cur) = (*p).get() {
                let hdr = cur.as_ref();
                if !(hdr.is_white() || all) {
                    p = &hdr.next;
                } else {
                    (*p).set(hdr.next.get());
                    hdr.next.set(None);
                    (*last).set(Some(cur));
                    last = &hdr.next;
                }
            }
        }
    }

    fn mark_being_finalized(&mut self) {
        let mut p = self.heap.tobefnz.get();
        while let Some(o) = p {
            // SAFETY: list of live objects.
            p = unsafe { o.as_ref() }.next.get();
            self.heap.mark_header(o);
        }
    }

    // ------------------------------------------------------------------ sweeping

    fn enter_sweep(&mut self) {
        self.heap.phase = Phase::SweepAllGc;
        self.heap.sweep_cursor = &self.heap.allgc;
    }

    /// Starts sweeping without finishing the marking: everything is turned white (nothing is
    /// freed this cycle, as the collector had not finished deciding what is garbage).
    fn enter_sweep_without_atomic(&mut self) {
        // Make every object the current white: a sweep that frees nothing.
        for head in [&self.heap.allgc, &self.heap.young, &self.heap.finobj, &self.heap.tobefnz] {
            let mut p = head.get();
            while let Some(o) = p {
                // SAFETY: list of live objects.
                let hdr = unsafe { o.as_ref() };
                hdr.set_white(self.heap.current_white);
                p = hdr.next.get();
            }
        }
        self.heap.gray.clear();
        self.heap.gray_again.clear();
        self.heap.weak_values.clear();
        self.heap.ephemerons.clear();
        self.heap.all_weak.clear();
        self.heap.phase = Phase::CallFin;
    }

    /// Sweeps up to `SWEEP_MAX` objects of the current list; moves to `next` when done.
    fn sweep_step(&mut self, next: Phase) -> usize {
        let mut count = 0;
        let white = self.heap.current_white;
        // SAFETY: the cursor points at a valid link of the list being swept; freed objects are
        // unlinked before being freed.
        unsafe {
            while count < SWEEP_MAX {
                let link = self.heap.sweep_cursor;
                let Some(cur) = (*link).get() else { break };
                let hdr = cur.as_ref();
                if self.heap.is_dead(hdr) {
                    (*link).set(hdr.next.get());
                    let before = self.heap.total_bytes;
                    self.free_object(cur);
                    let freed = before - self.heap.total_bytes;
                    self.heap.estimate = self.heap.estimate.saturating_sub(freed);
                } else {
                    hdr.set_white(white);
                    self.heap.sweep_cursor = &hdr.next;
                }
                count += 1;
            }
            if (*self.heap.sweep_cursor).get().is_none() {
                self.heap.phase = next;
                self.heap.sweep_cursor = match next {
                    Phase::SweepFinObj => &self.heap.finobj,
                    Phase::SweepToBeFnz => &self.heap.tobefnz,
                    _ => std::ptr::null(),
                };
                if next == Phase::CallFin {
                    self.shrink_thread_stacks();
                    // The estimate of live memory: what the heap held after marking,
                    // less what the sweep freed (allocation during the sweep does not count).
                }
            }
        }
        count * SWEEP_COST
    }

    fn shrink_thread_stacks(&mut self) {
        for j in 0..self.heap.threads.len() {
            let th = as_obj::<Thread>(self.heap.threads[j]);
            // SAFETY: collector at a safepoint; nothing else borrows the thread.
            unsafe { th.get_mut() }.shrink_stack(&mut self.heap);
        }
    }

    /// Frees an unlinked object.
    ///
    /// # Safety
    /// `h` must be dead and already unlinked from its list.
    unsafe fn free_object(&mut self, h: NonNull<GcHeader>) {
        // SAFETY: dispatching on the kind written at allocation; each box is reconstituted with
        // its own type, exactly once.
        unsafe {
            match h.as_ref().kind {
                ObjKind::Str => {
                    let s = h.cast::<LuaStr>();
                    let size = s.as_ref().alloc_size();
                    if s.as_ref().is_short() {
                        self.strings.remove(s.as_ptr());
                    }
                    LuaStr::free(s);
                    self.heap.sub_bytes(size);
                }
                ObjKind::Table => {
                    let t = Box::from_raw(h.cast::<Table>().as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<Table>() + t.buffer_bytes());
                }
                ObjKind::LuaClosure => {
                    let c = Box::from_raw(h.cast::<LuaClosure>().as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<LuaClosure>() + 8 * c.upvals.len());
                }
                ObjKind::NativeClosure => {
                    let c = Box::from_raw(h.cast::<NativeClosure>().as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<NativeClosure>() + 16 * c.upvals.len());
                }
                ObjKind::UpVal => {
                    let uv = h.cast::<UpVal>();
                    if uv.as_ref().is_open() {
                        // Unlink from its thread so the thread never sees a freed upvalue.
                        let th = uv.as_ref().owner.get();
                        if !th.is_null() {
                            let list = &mut (*th).open_upvals;
                            if let Some(pos) = list.iter().rposition(|u| u.as_ptr() == uv.as_ptr()) {
                                list.remove(pos);
                            }
                        }
                    }
                    drop(Box::from_raw(uv.as_ptr()));
                    self.heap.sub_bytes(std::mem::size_of::<UpVal>());
                }
                ObjKind::Proto => {
                    let p = Box::from_raw(h.cast::<Proto>().as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<Proto>() + p.extra_bytes());
                }
                ObjKind::UserData => {
                    let u = Box::from_raw(h.cast::<UserData>().as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<UserData>() + 16 * u.user_values.len() + 32);
                }
                ObjKind::Thread => {
                    let th = h.cast::<Thread>();
                    // Close its open upvalues: live closures may still refer to them.
                    for uv in (*th.as_ptr()).open_upvals.drain(..) {
                        uv.close();
                        uv.owner.set(std::ptr::null_mut());
                    }
                    let idx = (*th.as_ptr()).list_index.get();
                    if idx < self.heap.threads.len() {
                        self.heap.threads.swap_remove(idx);
                        if let Some(&moved) = self.heap.threads.get(idx) {
                            as_obj::<Thread>(moved).list_index.set(idx);
                        }
                    }
                    let t = Box::from_raw(th.as_ptr());
                    self.heap.sub_bytes(std::mem::size_of::<Thread>() + t.buffer_bytes());
                }
            }
        }
    }

    // ------------------------------------------------------------------ finalizers

    /// Runs up to `max` pending finalizers; returns how many ran.
    pub(crate) fn run_finalizers(&mut self, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            let Some(o) = self.heap.tobefnz.get() else { break };
            // SAFETY: live object at the head of `tobefnz`.
            let hdr = unsafe { o.as_ref() };
            self.heap.tobefnz.set(hdr.next.get());
            // Back to an ordinary object; a new `setmetatable` may register it again. In
            // generational mode it stays old (black, on `allgc`): weak tables may still hold
            // it (resurrected keys are not cleared), and only a major collection, which
            // traverses every reachable weak table, can free it and clear those entries.
            if self.heap.mode == GcMode::Generational {
                hdr.set_black();
                hdr.next.set(self.heap.allgc.get());
                self.heap.allgc.set(Some(o));
            } else {
                hdr.next.set(self.heap.allgc.get());
                self.heap.allgc.set(Some(o));
            }
            hdr.marked.set(hdr.marked.get() & !FINALIZED);
            if matches!(self.heap.phase, Phase::SweepAllGc | Phase::SweepFinObj | Phase::SweepToBeFnz) {
                hdr.set_white(self.heap.current_white);
            }
            let v = match hdr.kind {
                ObjKind::Table => Value::Table(as_obj(o)),
                ObjKind::UserData => Value::UserData(as_obj(o)),
                _ => continue,
            };
            self.call_finalizer(v);
            n += 1;
        }
        n
    }

    fn call_finalizer(&mut self, v: Value) {
        let tm = self.get_metamethod(v, TagMethod::Gc);
        if tm.is_nil() {
            return;
        }
        let was_busy = self.heap.busy;
        let was_running = self.heap.running;
        self.heap.busy = true;
        self.heap.running = false;
        // As Lua's GCTM: the calling frame is marked so debug information names the callee
        // "__gc", and hooks stay off while the finalizer runs.
        let th = self.thread();
        let fi = th.frames.len() - 1;
        let had_fin = th.frames[fi].flags & crate::thread::flags::FIN != 0;
        th.frames[fi].flags |= crate::thread::flags::FIN;
        let old_allow_hook = th.allow_hook;
        th.allow_hook = false;
        let r = self.protected_call_values(tm, &[v], 0);
        let th = self.thread();
        if !had_fin {
            if let Some(f) = th.frames.get_mut(fi) {
                f.flags &= !crate::thread::flags::FIN;
            }
        }
        th.allow_hook = old_allow_hook;
        self.heap.busy = was_busy;
        self.heap.running = was_running;
        if let Err(e) = r {
            if e == crate::error::LuaError::Limit(crate::error::LimitKind::Interrupted) {
                // A finalizer cannot stop the script: re-arm the interrupt for the code it
                // interrupted.
                self.interrupt.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            if e.is_catchable() {
                let err = std::mem::replace(&mut self.error_value, Value::Nil);
                let msg = match err {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    _ => b"error object is not a string".to_vec(),
                };
                self.warning(b"error in ", true);
                self.warning(b"__gc", true);
                self.warning(b" (", true);
                self.warning(&msg, true);
                self.warning(b")", false);
            }
        }
    }

    /// Finalizes everything and frees every object (the state is being dropped).
    /// While the state closes: runs the finalizers of every object still marked for
    /// finalization. Also what `os.exit(status, true)` does from a finalizer that runs while
    /// the state closes: the remaining finalizers still run before the process ends.
    pub(crate) fn run_closing_finalizers(&mut self) {
        self.separate_to_be_finalized(true);
        while self.heap.tobefnz.get().is_some() {
            self.run_finalizers(usize::MAX);
            self.separate_to_be_finalized(true);
        }
    }

    pub(crate) fn close_state(&mut self) {
        // Close the main thread's pending to-be-closed variables and upvalues.
        self.cur = self.main_thread;
        let _ = self.close_all_on_exit();
        // Run every pending finalizer, then those of all objects with finalizers.
        self.heap.busy = false;
        if self.heap.phase != Phase::Pause {
            self.enter_sweep_without_atomic();
            self.heap.phase = Phase::Pause;
        }
        self.gc_finalizing = true;
        self.run_closing_finalizers();
        // Free everything.
        for &t in &self.heap.threads {
            as_obj::<Thread>(t).list_index.set(usize::MAX);
        }
        self.heap.threads.clear();
        for list in [
            self.heap.allgc.take(),
            self.heap.young.take(),
            self.heap.finobj.take(),
            self.heap.tobefnz.take(),
            self.heap.fixed.take(),
        ] {
            let mut p = list;
            while let Some(o) = p {
                // SAFETY: every object is freed exactly once; lists are detached first.
                unsafe {
                    p = o.as_ref().next.get();
                    if o.as_ref().kind == ObjKind::Thread {
                        // Upvalues may already be freed: forget them without touching them.
                        (*o.cast::<Thread>().as_ptr()).open_upvals.clear();
                    }
                    if o.as_ref().kind == ObjKind::UpVal {
                        o.cast::<UpVal>().as_ref().owner.set(std::ptr::null_mut());
                        o.cast::<UpVal>().as_ref().open.set(false);
                    }
                    self.free_object_unlinked_final(o);
                }
            }
        }
    }

    /// Frees an object during `close_state` (interner entries are dropped wholesale).
    unsafe fn free_object_unlinked_final(&mut self, o: NonNull<GcHeader>) {
        // SAFETY: forwarded; strings are not removed from the interner one by one here.
        unsafe {
            if o.as_ref().kind == ObjKind::Str {
                LuaStr::free(o.cast());
            } else {
                self.free_object(o);
            }
        }
    }
}
