//! Futures (async.md §1–§3): the state a task settles exactly once, the
//! exports for `spawn`, `await` (plain, through collections, `try await`,
//! the `match await` outcome), `future.state` and `cancel()`.
//!
//! A [`FutureCell`] is shared (`Rc`) by the task computing it and by every
//! `Future[T]` handle object ([`crate::handle`]). Awaiters register a
//! [`WaitToken`] and are woken in the order they began waiting when the
//! future settles. Each settlement takes a number from one counter, so the
//! forms can tell which failure happened first or last in time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lumen_abi::{SourceLoc, TypeDesc, TypeKind, CLOSURE_CODE_OFFSET};

use crate::errors::{raise, Failure};
use crate::handle::{self, HandleObj};
use crate::objects::{fields, lm_enum_new, new_list, release_slot, retain_slot};
use crate::rc::lm_release;
use crate::scheduler::{self, TaskRef, WaitToken};
use crate::strings::new_string;
use crate::typedesc::Ty;
use lumen_abi::ObjectHeader;

pub use crate::objects::Slot;

enum State {
    Pending,
    Completed(Slot),
    Failed(Rc<Failure>),
}

/// One future's state, awaiters and task.
pub struct FutureCell {
    state: RefCell<State>,
    /// The type of the value (to retain and release it).
    value_ty: Ty,
    /// Tasks awaiting it and forms counting its settlement, in the order
    /// they registered. One list rather than two keeps the cell with its
    /// counts in 104 bytes (a 112-byte `malloc` chunk, not 160): a program
    /// with 100,000 futures touches each cell several times, and each cache
    /// line is a miss.
    waiters: RefCell<Vec<Waiter>>,
    /// The task settling it, while it runs.
    task: Cell<Option<TaskRef>>,
    /// When it settled, in settlement order (0 while pending).
    settled_at: Cell<u64>,
}

/// Who waits for a future to settle.
enum Waiter {
    /// A task suspended in `await`.
    Task(WaitToken),
    /// A form counting its branches' settlements (registered once per form).
    Form(Rc<Watch>),
}

/// A form's one registration on all its branches: counts settlements and
/// failures and wakes the form's current suspension, so a form with n
/// branches registers n times in all instead of n times per wake-up.
#[derive(Default)]
pub struct Watch {
    pub token: Cell<Option<WaitToken>>,
    pub settled: Cell<usize>,
    pub failed: Cell<bool>,
}

impl Watch {
    fn notify(&self, failed: bool) {
        self.settled.set(self.settled.get() + 1);
        if failed {
            self.failed.set(true);
        }
        if let Some(t) = self.token.take() {
            scheduler::wake(t);
        }
    }
}

thread_local! {
    static SETTLEMENTS: Cell<u64> = const { Cell::new(0) };
}

impl FutureCell {
    pub fn new_pending(value_ty: Ty) -> Rc<FutureCell> {
        Rc::new(FutureCell {
            state: RefCell::new(State::Pending),
            value_ty,
            waiters: RefCell::new(Vec::new()),
            task: Cell::new(None),
            settled_at: Cell::new(0),
        })
    }

    pub fn set_task(&self, task: TaskRef) {
        self.task.set(Some(task));
    }

    /// Settles with `value` (an owned reference).
    pub fn complete(&self, value: Slot) {
        self.settle(State::Completed(value));
    }

    pub fn fail(&self, failure: Rc<Failure>) {
        self.settle(State::Failed(failure));
    }

    fn settle(&self, new: State) {
        {
            let mut state = self.state.borrow_mut();
            if !matches!(*state, State::Pending) {
                // Settles once; a second outcome is dropped.
                drop(state);
                if let State::Completed(v) = new {
                    // SAFETY: an owned reference of this future's type.
                    unsafe { release_slot(v, self.value_ty) };
                }
                return;
            }
            *state = new;
        }
        self.task.set(None);
        let n = SETTLEMENTS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        self.settled_at.set(n);
        // Awaiting tasks are woken first, then the forms are told (async.md
        // §9 fixes the order of wake-ups).
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in &waiters {
            if let Waiter::Task(token) = w {
                scheduler::wake(*token);
            }
        }
        let failed = self.is_failed();
        for w in waiters {
            if let Waiter::Form(watch) = w {
                watch.notify(failed);
            }
        }
    }

    /// Counts this future in `w`: now if settled, else when it settles.
    pub fn watch(&self, w: &Rc<Watch>) {
        if self.is_pending() {
            self.waiters.borrow_mut().push(Waiter::Form(w.clone()));
        } else {
            w.notify(self.is_failed());
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(*self.state.borrow(), State::Pending)
    }

    pub fn is_failed(&self) -> bool {
        matches!(*self.state.borrow(), State::Failed(_))
    }

    /// Settlement order (0 while pending).
    pub fn settled_at(&self) -> u64 {
        self.settled_at.get()
    }

    /// The failure, when failed.
    pub fn failure(&self) -> Option<Rc<Failure>> {
        match &*self.state.borrow() {
            State::Failed(f) => Some(f.clone()),
            _ => None,
        }
    }

    /// A new reference to the value, when completed.
    pub fn value(&self) -> Option<Slot> {
        match &*self.state.borrow() {
            State::Completed(v) => {
                // SAFETY: a live value of this future's type.
                unsafe { retain_slot(*v, self.value_ty) };
                Some(*v)
            }
            _ => None,
        }
    }

    /// The value without a new reference (valid while the future lives).
    pub fn peek(&self) -> Option<Slot> {
        match &*self.state.borrow() {
            State::Completed(v) => Some(*v),
            _ => None,
        }
    }

    /// Registers `token` to be woken when this future settles.
    pub fn add_awaiter(&self, token: WaitToken) {
        self.waiters.borrow_mut().push(Waiter::Task(token));
    }

    /// `cancel()`: cancels the task if the future is pending (async.md §6).
    pub fn cancel(&self) {
        if let Some(task) = self.task.get() {
            if self.is_pending() {
                scheduler::cancel(task);
            }
        }
    }

    /// Suspends the running task until this future settles; the value (a
    /// new reference) or the failure.
    pub fn wait(&self) -> Result<Slot, Rc<Failure>> {
        self.wait_at(std::ptr::null())
    }

    /// [`FutureCell::wait`] at the `await` at `loc` (null if unknown), where
    /// a deadlock is reported.
    pub fn wait_at(&self, loc: *const SourceLoc) -> Result<Slot, Rc<Failure>> {
        loop {
            if let Some(v) = self.value() {
                return Ok(v);
            }
            if let Some(f) = self.failure() {
                return Err(f);
            }
            self.add_awaiter(scheduler::prepare_wait());
            scheduler::suspend_at(loc);
        }
    }
}

impl Drop for FutureCell {
    fn drop(&mut self) {
        if let State::Completed(v) = *self.state.borrow() {
            // SAFETY: the reference the cell owned.
            unsafe { release_slot(v, self.value_ty) };
        }
    }
}

/// Calls a closure taking no arguments whose result has type `ty` and
/// returns the result in the slot encoding (a Float's bits, a Bool as 0/1).
///
/// # Safety
/// `closure` must be a live closure object of type `fn() -> ty`.
pub unsafe fn call_thunk(closure: *mut ObjectHeader, ty: Ty) -> Slot {
    // SAFETY: caller's contract: the code pointer follows the closure's
    // layout and takes the closure as its one (hidden) argument.
    unsafe {
        let code = closure
            .cast::<u8>()
            .add(CLOSURE_CODE_OFFSET)
            .cast::<*const ()>()
            .read();
        match ty.kind() {
            TypeKind::Float => {
                let f: extern "C" fn(*mut ObjectHeader) -> f64 = std::mem::transmute(code);
                f(closure).to_bits() as Slot
            }
            TypeKind::Bool => {
                let f: extern "C" fn(*mut ObjectHeader) -> u8 = std::mem::transmute(code);
                Slot::from(f(closure) & 1)
            }
            TypeKind::Null => {
                let f: extern "C" fn(*mut ObjectHeader) -> u8 = std::mem::transmute(code);
                f(closure);
                0
            }
            _ => {
                let f: extern "C" fn(*mut ObjectHeader) -> Slot = std::mem::transmute(code);
                f(closure)
            }
        }
    }
}

/// Spawns `closure` (`fn() -> ty`, borrowed) as a task; its future.
///
/// # Safety
/// As [`call_thunk`].
pub unsafe fn spawn_thunk(closure: *mut ObjectHeader, ty: Ty) -> Rc<FutureCell> {
    let cell = FutureCell::new_pending(ty);
    // SAFETY: the task holds its own reference to the closure, released
    // when the body is dropped: after it ran, or unrun when the task is
    // cancelled before it started.
    let owned = unsafe { OwnedClosure::retain(closure) };
    let settles = cell.clone();
    let body = Box::new(move || {
        // SAFETY: caller's contract.
        let value = unsafe { call_thunk(owned.0, ty) };
        settle_with(owned, &settles, value);
    });
    scheduler::spawn(body, cell.clone());
    cell
}

/// The end of a spawned task's body: releases its closure and settles its
/// future with `value` or with the failure that left the body's frames.
///
/// Out of line because this frame stays on the stack under every suspension
/// of the task, and is copied out and back with it (`crate::shared_stack`):
/// inlined, the failure built here made the body's frame 336 bytes, two
/// fifths of a suspended task's stack.
#[inline(never)]
fn settle_with(owned: OwnedClosure, settles: &FutureCell, value: Slot) {
    drop(owned);
    if crate::errors::is_failing() {
        // The body left its frames through their cleanup; `value` is the
        // dummy a failing cell returns.
        settles.fail(Rc::new(crate::errors::take_pending_failure()));
    } else {
        settles.complete(value);
    }
}

/// A counted reference to a closure object, released on drop.
pub(crate) struct OwnedClosure(pub(crate) *mut ObjectHeader);

impl OwnedClosure {
    /// # Safety
    /// `closure` must be a live object.
    pub(crate) unsafe fn retain(closure: *mut ObjectHeader) -> OwnedClosure {
        // SAFETY: caller's contract.
        unsafe { crate::rc::lm_retain(closure) };
        OwnedClosure(closure)
    }
}

impl Drop for OwnedClosure {
    fn drop(&mut self) {
        // SAFETY: the reference `retain` took.
        unsafe { lm_release(self.0) };
    }
}

impl handle::HandleState for FutureCell {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// semantics.md §7.
    fn describe(&self) -> &'static str {
        if self.is_pending() {
            "<future pending>"
        } else if self.is_failed() {
            "<future error>"
        } else {
            "<future completed>"
        }
    }
}

/// The cell of a `Future[T]` handle.
///
/// # Safety
/// `fut` must be a live future handle.
pub unsafe fn cell_of<'a>(fut: *const HandleObj) -> &'a FutureCell {
    // SAFETY: caller's contract.
    unsafe { handle::state::<FutureCell>(fut) }
}

/// A counted reference to the cell of a `Future[T]` handle.
///
/// # Safety
/// `fut` must be a live future handle.
pub unsafe fn cell_rc(fut: *const HandleObj) -> Rc<FutureCell> {
    // SAFETY: caller's contract.
    unsafe { handle::state_rc::<FutureCell>(fut) }
}

/// A new `Future[T]` handle (descriptor `future_desc`) for `cell`.
pub fn future_handle(future_desc: *const TypeDesc, cell: Rc<FutureCell>) -> *mut HandleObj {
    handle::new_handle(future_desc, cell)
}

/// `spawn(…)`: runs the closure `fn() -> T` as a new task.
///
/// # Safety
/// `closure` must be a live closure of type `fn() -> T`, `future_desc` the
/// descriptor of `Future[T]`.
#[no_mangle]
pub unsafe extern "C" fn lm_spawn(
    closure: *mut ObjectHeader,
    future_desc: *const TypeDesc,
) -> *mut HandleObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let ty = unsafe { Ty::new(future_desc) }.child(0);
        // SAFETY: caller's contract.
        let cell = unsafe { spawn_thunk(closure, ty) };
        future_handle(future_desc, cell)
    })
}

/// `await f` on a `Future[T]`: the value (owned), or the failure raised in
/// the awaiting task with this `await` added to its report.
///
/// # Safety
/// `fut` must be a live future handle; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_await(fut: *const HandleObj, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let cell = unsafe { cell_rc(fut) };
        match cell.wait_at(loc) {
            Ok(v) => v,
            Err(f) => {
                drop(cell);
                // SAFETY: caller's contract on `loc`.
                raise(unsafe { f.awaited_at(loc) })
            }
        }
    })
}

/// Awaits every future inside `slot` (of type `from`), giving a value of
/// type `to` (owned) or the first failure in element order, after every
/// element has settled (async.md §3, §9).
unsafe fn await_deep(slot: Slot, from: Ty, to: Ty) -> Result<Slot, Rc<Failure>> {
    // SAFETY (whole body): `slot` is a live value of type `from`; `to` is
    // `from` with futures replaced by their value types.
    unsafe {
        match from.kind() {
            TypeKind::Future => {
                let cell = cell_rc(crate::objects::slot_obj(slot).cast());
                let v = cell.wait()?;
                let inner = from.child(0);
                if contains_future(inner) {
                    let r = await_deep(v, inner, to);
                    release_slot(v, inner);
                    r
                } else {
                    Ok(v)
                }
            }
            TypeKind::List if contains_future(from) => {
                let list = crate::objects::slot_obj(slot).cast::<crate::objects::ListObj>();
                let (elems, _) = crate::objects::elems(list);
                let elems = elems.to_vec();
                let (ef, et) = (from.child(0), to.child(0));
                let results: Vec<_> = elems.iter().map(|&e| await_deep(e, ef, et)).collect();
                collect(results, et, |vals| list_from_owned(et, vals))
            }
            TypeKind::Tuple if contains_future(from) => {
                let (slots, _) = fields(crate::objects::slot_obj(slot));
                let results: Vec<_> = (0..from.count())
                    .map(|i| await_deep(slots.add(i).read(), from.child(i), to.child(i)))
                    .collect();
                let tys: Vec<Ty> = (0..to.count()).map(|i| to.child(i)).collect();
                collect_mixed(results, &tys, |vals| tuple_from_owned(to, vals))
            }
            TypeKind::Map if contains_future(from) => {
                let map = crate::objects::slot_obj(slot).cast();
                let n = crate::map::lm_map_len(map);
                let keys: Vec<Slot> = (0..n).map(|i| crate::map::lm_map_key_at(map, i)).collect();
                let results: Vec<_> = (0..n)
                    .map(|i| {
                        // `lm_map_value_at` gives an owned reference.
                        let v = crate::map::lm_map_value_at(map, i);
                        let r = await_deep(v, from.child(1), to.child(1));
                        release_slot(v, from.child(1));
                        r
                    })
                    .collect();
                let result = collect(results, to.child(1), |vals| {
                    let mut m = crate::map::lm_map_new(to.as_ptr());
                    for (k, v) in keys.iter().zip(vals) {
                        m = crate::map::lm_map_set(m, *k, *v);
                    }
                    for v in vals {
                        release_slot(*v, to.child(1));
                    }
                    m as Slot
                });
                // The keys from `lm_map_key_at` are owned too.
                for k in keys {
                    release_slot(k, from.child(0));
                }
                result
            }
            TypeKind::Union if contains_future(from) => {
                let Some((value, member)) = crate::objects::union_member(slot, from) else {
                    // Null is 0 in every union's representation.
                    return Ok(0);
                };
                let settled = settled_type(member);
                // What the member becomes: its settled type when that holds
                // no future (a union `to` takes it as that member), else the
                // member of `to` a collection of futures awaits to.
                let target = if !contains_future(settled) {
                    settled
                } else if to.kind() != TypeKind::Union {
                    to
                } else {
                    (0..to.count())
                        .map(|i| to.child(i))
                        .find(|&c| awaits_to(settled, c))
                        .unwrap_or_else(|| {
                            crate::errors::internal_error("await: no member of the result fits")
                        })
                };
                let awaited = if contains_future(member) {
                    await_deep(value, member, target)?
                } else {
                    retain_slot(value, member);
                    value
                };
                Ok(inject(awaited, target, to))
            }
            _ => {
                retain_slot(slot, from);
                Ok(slot)
            }
        }
    }
}

/// A new `list[elem]` of owned `values` (their references move in).
///
/// # Safety
/// `values` must be owned values of type `elem`.
pub(crate) unsafe fn list_from_owned(elem: Ty, values: &[Slot]) -> Slot {
    // SAFETY: caller's contract; the list retains its elements, so the
    // owned references are released after.
    unsafe {
        let list = new_list(elem.as_ptr(), values, values.len());
        values.iter().for_each(|v| release_slot(*v, elem));
        list as Slot
    }
}

/// A new tuple of the tuple type `ty` holding owned `values` (their
/// references move in).
///
/// # Safety
/// `values` must be owned values of `ty`'s element types, one per element.
pub(crate) unsafe fn tuple_from_owned(ty: Ty, values: &[Slot]) -> Slot {
    // SAFETY: caller's contract; a fresh tuple has a slot per element.
    unsafe {
        let tuple = crate::tuple::lm_tuple_new(ty.as_ptr());
        let (slots, _) = fields(tuple.cast());
        for (i, v) in values.iter().enumerate() {
            slots.add(i).write(*v);
        }
        tuple as Slot
    }
}

/// The values of `results` built into one value, or the first failure
/// (releasing the values that did arrive). `build` receives owned slots
/// and takes them over (lists retain, so they are released after).
unsafe fn collect(
    results: Vec<Result<Slot, Rc<Failure>>>,
    ty: Ty,
    build: impl FnOnce(&[Slot]) -> Slot,
) -> Result<Slot, Rc<Failure>> {
    let tys = vec![ty; results.len()];
    // SAFETY: caller's contract.
    unsafe { collect_mixed(results, &tys, build) }
}

unsafe fn collect_mixed(
    results: Vec<Result<Slot, Rc<Failure>>>,
    tys: &[Ty],
    build: impl FnOnce(&[Slot]) -> Slot,
) -> Result<Slot, Rc<Failure>> {
    let failure = results.iter().find_map(|r| r.as_ref().err().cloned());
    let values: Vec<Slot> = results.iter().map(|r| *r.as_ref().unwrap_or(&0)).collect();
    if let Some(f) = failure {
        for (v, t) in values.iter().zip(tys) {
            // SAFETY: owned values of their types (0 for the failed ones).
            unsafe { release_slot(*v, *t) };
        }
        return Err(f);
    }
    Ok(build(&values))
}

/// Whether values of `ty` can hold a future (so `await` has work to do).
pub fn contains_future(ty: Ty) -> bool {
    match ty.kind() {
        TypeKind::Future => true,
        TypeKind::List => contains_future(ty.child(0)),
        TypeKind::Map => contains_future(ty.child(1)),
        TypeKind::Tuple | TypeKind::Union => (0..ty.count()).any(|i| contains_future(ty.child(i))),
        _ => false,
    }
}

/// The type a value of `ty` has once the futures around it have settled
/// (`Future[Future[T]]` gives `T`).
fn settled_type(ty: Ty) -> Ty {
    if ty.kind() == TypeKind::Future {
        settled_type(ty.child(0))
    } else {
        ty
    }
}

/// Whether awaiting a value of type `from` gives a value of type `to`.
fn awaits_to(from: Ty, to: Ty) -> bool {
    use crate::objects::same_type;
    match from.kind() {
        TypeKind::Future => awaits_to(from.child(0), to),
        TypeKind::List => to.kind() == TypeKind::List && awaits_to(from.child(0), to.child(0)),
        TypeKind::Map => {
            to.kind() == TypeKind::Map
                && same_type(from.child(0), to.child(0))
                && awaits_to(from.child(1), to.child(1))
        }
        TypeKind::Tuple => {
            to.kind() == TypeKind::Tuple
                && to.count() == from.count()
                && (0..from.count()).all(|i| awaits_to(from.child(i), to.child(i)))
        }
        _ => same_type(from, to),
    }
}

/// `await v` where futures are nested in lists, tuples and maps (or a
/// future's value is a future): `v` of type `from` (borrowed) becomes a
/// value of type `to` (owned).
///
/// # Safety
/// `slot` must be a live value of type `from`; `to` as described.
#[no_mangle]
pub unsafe extern "C" fn lm_await_deep(
    slot: Slot,
    from: *const TypeDesc,
    to: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        match unsafe { await_deep(slot, Ty::new(from), Ty::new(to)) } {
            Ok(v) => v,
            // SAFETY: caller's contract on `loc`.
            Err(f) => raise(unsafe { f.awaited_at(loc) }),
        }
    })
}

/// `try await f`: `ok(value)` or `err(message)` of the result type `desc`;
/// never raises (async.md §3).
///
/// # Safety
/// `fut` must be a live future handle, `desc` the `result[T, String]` descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_await_try(
    fut: *const HandleObj,
    from: *const TypeDesc,
    desc: *const TypeDesc,
) -> *mut ObjectHeader {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let from = Ty::new(from);
            let result_ty = Ty::new(desc);
            let ok_ty = result_ty.variant(0).child(0);
            // A future, or a list, tuple or map holding futures: each
            // awaited, the first failure in element order observed.
            let outcome = if contains_future(from) {
                await_deep(fut as Slot, from, ok_ty)
            } else {
                retain_slot(fut as Slot, from);
                Ok(fut as Slot)
            };
            let (tag, payload) = match outcome {
                Ok(v) => (0, v),
                Err(f) => (1, new_string(&f.message) as Slot),
            };
            let obj = lm_enum_new(desc, tag).cast::<ObjectHeader>();
            let (slots, _) = fields(obj);
            slots.write(payload);
            obj
        }
    })
}

/// Injects an owned `slot` of type `member` into the union `union`.
///
/// # Safety
/// `slot` must be an owned value of type `member`, a member of `union`.
pub unsafe fn inject(slot: Slot, member: Ty, union: Ty) -> Slot {
    if union.kind() != TypeKind::Union {
        return slot;
    }
    if member.kind() == TypeKind::Null {
        return 0;
    }
    if member.kind() == TypeKind::Union {
        // Unions are flat: a value of the union `T` goes into `T | String`
        // (or `T?`) as the member it holds, not as a `T`.
        // SAFETY: caller's contract: a live value of the union `member`.
        return unsafe {
            match crate::objects::union_member(slot, member) {
                None => 0,
                Some((inner, inner_ty)) => {
                    let obj = crate::objects::slot_obj(slot);
                    if crate::objects::kind_of(obj) == lumen_abi::ObjectKind::Box {
                        // Take the member out of its box.
                        retain_slot(inner, inner_ty);
                        release_slot(slot, member);
                    }
                    inject(inner, inner_ty, union)
                }
            }
        };
    }
    let mut members = (0..union.count()).map(|i| union.child(i));
    // The other side of `objects::union_member`: an optional of a heap type
    // is the value itself; any other union boxes it under its member type.
    let nullable_pointer = union.count() == 2
        && members.clone().any(|c| c.kind() == TypeKind::Null)
        && members.clone().any(|c| c.is_heap());
    if nullable_pointer {
        return slot;
    }
    let desc = members
        .find(|c| crate::objects::same_type(*c, member))
        .unwrap_or(member);
    // SAFETY: caller's contract: an owned value of the member type.
    unsafe { crate::json_value::boxed(desc, slot) }
}

/// `match await f` with an `e: String` arm: the value, or the failure's
/// message, as a value of the union `T | String` (async.md §3).
///
/// # Safety
/// `fut` must be a live future handle of type `from`; `union` the
/// descriptor of `T | String`.
#[no_mangle]
pub unsafe extern "C" fn lm_await_outcome(
    fut: *const HandleObj,
    from: *const TypeDesc,
    union: *const TypeDesc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let from = Ty::new(from);
            let union = Ty::new(union);
            let value_ty = from.child(0);
            match await_deep(fut as Slot, from, value_ty) {
                Ok(v) => inject(v, value_ty, union),
                Err(f) => {
                    let string = (0..union.count())
                        .map(|i| union.child(i))
                        .find(|c| c.kind() == TypeKind::String)
                        .unwrap_or(value_ty);
                    inject(new_string(&f.message) as Slot, string, union)
                }
            }
        }
    })
}

/// `future.state` support: 0 pending, 1 completed, 2 failed.
///
/// # Safety
/// `fut` must be a live future handle.
#[no_mangle]
pub unsafe extern "C" fn lm_future_status(fut: *const HandleObj) -> i64 {
    // SAFETY: caller's contract.
    let cell = unsafe { cell_of(fut) };
    if cell.is_pending() {
        0
    } else if cell.is_failed() {
        2
    } else {
        1
    }
}

/// The failure message of a failed future ("" otherwise).
///
/// # Safety
/// `fut` must be a live future handle.
#[no_mangle]
pub unsafe extern "C" fn lm_future_error(fut: *const HandleObj) -> *mut ObjectHeader {
    // SAFETY: caller's contract.
    let cell = unsafe { cell_of(fut) };
    let message = cell
        .failure()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    new_string(&message).cast()
}

/// `future.cancel()`.
///
/// # Safety
/// `fut` must be a live future handle.
#[no_mangle]
pub unsafe extern "C" fn lm_future_cancel(fut: *const HandleObj) {
    // SAFETY: caller's contract.
    let cell = unsafe { cell_rc(fut) };
    cell.cancel();
}

/// `sleep(ms)`: suspends for `ms` milliseconds (virtual time under
/// `@deterministic`); `sleep(0)` and negative values yield (async.md §9).
#[no_mangle]
pub extern "C" fn lm_sleep(ms: i64) {
    crate::errors::guard(|| {
        if ms <= 0 {
            scheduler::yield_now();
            return;
        }
        let token = scheduler::prepare_wait();
        let timer = crate::timers::add(ms, crate::timers::Kind::Sleep, token);
        scheduler::set_cleanup(scheduler::WaitCleanup {
            timer: Some(timer),
            ..Default::default()
        });
        scheduler::suspend();
    })
}

/// `@deterministic true` (or `--deterministic`): called first by `main`.
#[no_mangle]
pub extern "C" fn lm_set_deterministic() {
    scheduler::set_deterministic(true);
}

#[cfg(test)]
mod layout_tests {
    #[test]
    fn a_future_cell_takes_104_bytes() {
        // With the `Rc` counts (see `FutureCell::waiters`).
        assert!(std::mem::size_of::<super::FutureCell>() + 16 <= 104);
    }
}
