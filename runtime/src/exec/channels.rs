//! Channels (async.md §5.4, §9): `channel()` unbounded, `channel(n)`
//! bounded (`n = 0` a rendezvous), `send`, `receive`, `close`, `len`.
//!
//! Waiting receivers and senders are served in the order they began
//! waiting. A `send` with a receiver waiting hands the value straight to
//! it (so `len()` does not count it); if that receiver is cancelled before
//! it runs, the value goes back to the front of the channel. A cancelled
//! `receive` consumes nothing; a cancelled `send` takes its value back.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use lumen_abi::{SourceLoc, TypeDesc};

use crate::errors::fail_current_task;
use crate::futures::{inject, Slot};
use crate::handle::{self, HandleObj};
use crate::objects::{release_slot, retain_slot};
use crate::scheduler::{self, Undo, WaitCleanup, WaitToken};
use crate::typedesc::Ty;

/// A receiver waiting on a channel: where a sender hands it a value, and
/// (as its [`Undo`]) what its cancellation does with a value handed to it
/// before it ran: one allocation per suspended `receive`.
struct Mailbox {
    /// Weak: the channel's queue of receivers holds the mailbox.
    channel: Weak<RefCell<Channel>>,
    /// The element type (to release a value nobody can take any more).
    elem: Ty,
    value: RefCell<Option<Slot>>,
}

impl Undo for Mailbox {
    /// A value handed to a receiver cancelled before it ran goes back to
    /// the front of the channel (async.md §9), and the receiver that has
    /// waited longest since is woken to take it: without that it would wait
    /// for a send that may never come, with the value sitting in the
    /// channel.
    fn undo(&self) {
        let Some(v) = self.value.borrow_mut().take() else {
            return;
        };
        let Some(shared) = self.channel.upgrade() else {
            // (The suspended receiver holds the channel, so this is only
            // for safety.)
            // SAFETY: the reference the sender took for this receiver.
            unsafe { release_slot(v, self.elem) };
            return;
        };
        let mut c = shared.borrow_mut();
        c.values.push_front(v);
        if let Some((next, _)) = next_receiver(&mut c) {
            scheduler::wake(next);
        }
    }
}

struct Sender {
    token: WaitToken,
    value: Slot,
    /// Set when a receiver took the value.
    taken: Rc<RefCell<bool>>,
}

pub struct Channel {
    elem: Ty,
    /// `None`: unbounded.
    capacity: Option<usize>,
    values: VecDeque<Slot>,
    closed: bool,
    receivers: VecDeque<(WaitToken, Rc<Mailbox>)>,
    senders: VecDeque<Sender>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        for v in self.values.drain(..) {
            // SAFETY: the channel owned these references.
            unsafe { release_slot(v, self.elem) };
        }
    }
}

type Shared = Rc<RefCell<Channel>>;

impl handle::HandleState for Shared {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn describe(&self) -> &'static str {
        "<channel>"
    }
}

/// # Safety
/// `ch` must be a live channel handle.
unsafe fn channel_of<'a>(ch: *const HandleObj) -> &'a Shared {
    // SAFETY: caller's contract.
    unsafe { handle::state::<Shared>(ch) }
}

fn new_channel(desc: *const TypeDesc, capacity: Option<usize>) -> *mut HandleObj {
    // SAFETY: the compiler passes a `Channel[T]` descriptor.
    let elem = unsafe { Ty::new(desc) }.child(0);
    let channel: Shared = Rc::new(RefCell::new(Channel {
        elem,
        capacity,
        values: VecDeque::new(),
        closed: false,
        receivers: VecDeque::new(),
        senders: VecDeque::new(),
    }));
    handle::new_handle(desc, Rc::new(channel))
}

/// `channel()`: an unbounded channel of the `Channel[T]` type `desc`.
///
/// # Safety
/// `desc` must be a `Channel[T]` descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_new(desc: *const TypeDesc) -> *mut HandleObj {
    new_channel(desc, None)
}

/// `channel(n)`: bounded; `n < 0` is a runtime error.
///
/// # Safety
/// `desc` must be a `Channel[T]` descriptor, `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_bounded(
    n: i64,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut HandleObj {
    crate::errors::guard(|| {
        if n < 0 {
            // SAFETY: caller's contract.
            unsafe {
                fail_current_task(
                    &format!("channel capacity must not be negative, got {n}"),
                    loc,
                )
            }
        }
        new_channel(desc, Some(n as usize))
    })
}

/// The first receiver still waiting (cancelled ones are dropped).
fn next_receiver(c: &mut Channel) -> Option<(WaitToken, Rc<Mailbox>)> {
    while let Some((token, mailbox)) = c.receivers.pop_front() {
        if scheduler::is_waiting(token) {
            return Some((token, mailbox));
        }
    }
    None
}

/// `ch.send(v)`: `v` borrowed.
///
/// # Safety
/// `ch` must be a live channel handle and `v` a live value of its type.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_send(ch: *const HandleObj, v: Slot, loc: *const SourceLoc) {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let shared = unsafe { channel_of(ch) }.clone();
        let mut c = shared.borrow_mut();
        if c.closed {
            drop(c);
            drop(shared);
            // SAFETY: caller's contract.
            unsafe { fail_current_task("send on a closed channel", loc) }
        }
        // SAFETY: the channel (or the receiver) takes its own reference.
        unsafe { retain_slot(v, c.elem) };
        if let Some((token, mailbox)) = next_receiver(&mut c) {
            *mailbox.value.borrow_mut() = Some(v);
            scheduler::wake(token);
            return;
        }
        let room = match c.capacity {
            None => true,
            Some(cap) => c.values.len() < cap,
        };
        if room {
            c.values.push_back(v);
            return;
        }
        // Full (or a rendezvous): wait until a receiver takes the value.
        let token = scheduler::prepare_wait();
        let taken = Rc::new(RefCell::new(false));
        c.senders.push_back(Sender {
            token,
            value: v,
            taken: taken.clone(),
        });
        drop(c);
        let undo_shared = shared.clone();
        let undo_taken = taken.clone();
        scheduler::set_cleanup(WaitCleanup {
            on_cancel: Some(scheduler::undo_with(move || {
                if !*undo_taken.borrow() {
                    let mut c = undo_shared.borrow_mut();
                    let elem = c.elem;
                    if let Some(i) = c.senders.iter().position(|s| s.token == token) {
                        let s = c.senders.remove(i).expect("found above");
                        // SAFETY: the reference taken for the send.
                        unsafe { release_slot(s.value, elem) };
                    }
                }
            })),
            ..Default::default()
        });
        drop(shared);
        scheduler::suspend_at(loc);
    })
}

/// Moves the longest-waiting sender's value into the channel (a bounded
/// channel just made room) and wakes that sender.
fn admit_sender(c: &mut Channel) {
    // Cancelled senders have already removed themselves (their `on_cancel`),
    // so the front one is waiting.
    if let Some(s) = c.senders.pop_front() {
        *s.taken.borrow_mut() = true;
        c.values.push_back(s.value);
        scheduler::wake(s.token);
    }
}

/// `ch.receive()`: the next value as `T?` (descriptor `opt`), suspending
/// while the channel is empty; `null` once closed and drained.
///
/// # Safety
/// `ch` must be a live channel handle; `opt` the descriptor of `T?`; `loc`
/// null or the call's location.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_receive(
    ch: *const HandleObj,
    opt: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let shared = unsafe { channel_of(ch) }.clone();
        // SAFETY: caller's contract.
        let opt = unsafe { Ty::new(opt) };
        let elem = shared.borrow().elem;
        loop {
            let mut c = shared.borrow_mut();
            if let Some(v) = c.values.pop_front() {
                if c.capacity.is_some() {
                    admit_sender(&mut c);
                }
                drop(c);
                // SAFETY: an owned value of the element type.
                return unsafe { inject(v, elem, opt) };
            }
            if let Some(s) = c.senders.pop_front() {
                // A rendezvous: take the value straight from the sender.
                *s.taken.borrow_mut() = true;
                scheduler::wake(s.token);
                drop(c);
                // SAFETY: the reference taken for the send is now ours.
                return unsafe { inject(s.value, elem, opt) };
            }
            if c.closed {
                return 0;
            }
            let token = scheduler::prepare_wait();
            let mailbox = Rc::new(Mailbox {
                channel: Rc::downgrade(&shared),
                elem,
                value: RefCell::new(None),
            });
            c.receivers.push_back((token, mailbox.clone()));
            drop(c);
            scheduler::set_cleanup(WaitCleanup {
                on_cancel: Some(mailbox.clone()),
                ..Default::default()
            });
            scheduler::suspend_at(loc);
            let handed = mailbox.value.borrow_mut().take();
            if let Some(v) = handed {
                // SAFETY: an owned value of the element type.
                return unsafe { inject(v, elem, opt) };
            }
            // Woken by `close()` (or spuriously): look again.
        }
    })
}

/// `ch.close()`: wakes every waiting receiver, oldest first; they get
/// `null` once the values already sent are drained.
///
/// # Safety
/// `ch` must be a live channel handle.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_close(ch: *const HandleObj) {
    // SAFETY: caller's contract.
    let shared = unsafe { channel_of(ch) }.clone();
    let receivers: Vec<_> = {
        let mut c = shared.borrow_mut();
        c.closed = true;
        c.receivers.drain(..).collect()
    };
    for (token, _) in receivers {
        scheduler::wake(token);
    }
}

/// `ch.len()`: values waiting in the channel (not counting handed ones).
///
/// # Safety
/// `ch` must be a live channel handle.
#[no_mangle]
pub unsafe extern "C" fn lm_channel_len(ch: *const HandleObj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { channel_of(ch) }.borrow().values.len() as i64
}
