//! Tools (tools.md, tools-details.md): the runtime half of tool calls —
//! `lm_tool_call` for `llm.*`, `http.*` and other tools, `lm_fetch` for the
//! builtin `fetch(url)`.
//!
//! A call goes through these steps, each in its own module:
//!
//! 1. [`site`]: the tool, alias and grants the compiler fixed for the call
//!    site; [`args`]: the named arguments and the cell's conversation.
//! 2. A provider prepares the request in the calling task ([`openai`],
//!    [`http_tool`], [`json_http`]), checking [`grants`] and reading
//!    `lumen.toml` ([`config`]) first, so a policy violation fails before
//!    anything leaves the process; the `response_format` comes from
//!    [`schema`].
//! 3. [`call::perform`] answers it from a replay file or over the network
//!    ([`record`]); the exchange ([`transport`], `ureq` + rustls) and its
//!    [`retry`]s run on an I/O worker thread while the task waits.
//! 4. The provider turns the answer into the value the context expects
//!    ([`reply`]), or the call fails with a message from [`failures`].
//!
//! A program that calls no tool links none of this: the two exports are
//! its only roots, and the linker's `--gc-sections` drops the rest.

pub mod args;
pub mod call;
pub mod config;
pub mod failures;
pub mod grants;
pub mod http_tool;
pub mod json_http;
pub mod openai;
pub mod record;
pub mod reply;
pub mod retry;
pub mod schema;
pub mod site;
pub mod transport;

use crate::json_decode::{hooks_from_raw, Hook};
use std::rc::Rc;

use lumen_abi::{ObjectHeader, SourceLoc, TypeDesc};

use crate::errors::{fail_current_task, internal_error, Failure, Location};
use crate::futures::{future_handle, FutureCell};
use crate::handle::HandleObj;
use crate::objects::Slot;
use crate::strings::{as_str, LmString};
use crate::typedesc::Ty;

use self::args::{Args, Message};
use self::site::Site;

/// The site string the compiler emitted.
///
/// # Safety
/// `site` must be a live string object.
unsafe fn read_site(site: *const LmString) -> Site {
    // SAFETY: caller's contract.
    let text = unsafe { as_str(site) };
    Site::parse(text).unwrap_or_else(|e| internal_error(&format!("malformed tool call site: {e}")))
}

/// Which provider family a tool id belongs to.
enum Family {
    Llm,
    Http,
    Other,
}

fn family(tool: &str) -> Family {
    if tool.starts_with("llm.") {
        Family::Llm
    } else if tool.starts_with("http.") || tool == "fetch" {
        Family::Http
    } else {
        Family::Other
    }
}

/// A whole call: prepare, perform, turn into a value of `expected`.
///
/// # Safety
/// `expected` must be a valid descriptor.
unsafe fn tool_call(
    site: &Site,
    args: &Args,
    conversation: &[Message],
    expected: Ty,
    hooks: &[Hook],
) -> Result<Slot, String> {
    // SAFETY (each `finish`): caller's contract on `expected`.
    match family(&site.tool) {
        Family::Llm => {
            let (prepared, ctx) = openai::prepare(site, args, conversation, expected)?;
            let answer = call::perform(prepared)?;
            unsafe { openai::finish(&ctx, answer, expected, hooks) }
        }
        Family::Http => {
            let (prepared, ctx) = http_tool::prepare(site, args, None)?;
            let answer = call::perform(prepared)?;
            unsafe { http_tool::finish(&ctx, answer, expected, hooks) }
        }
        Family::Other => {
            let (prepared, ctx) = json_http::prepare(site, args)?;
            let answer = call::perform(prepared)?;
            unsafe { json_http::finish(&ctx, answer, expected, hooks) }
        }
    }
}

/// A tool call (tools.md §1): the value of type `expected` as an owned
/// slot, or the call fails the task at `loc`.
///
/// # Safety
/// `site` must be a live string; `args` null or a live record of type
/// `args_desc`; `conversation` null or a live `list[Message]`; `expected`
/// a valid descriptor; `hooks` `hook_count` hooks of the records in
/// `expected` (as for `lm_from_json`: their field defaults and `where`
/// checks); `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_tool_call(
    site: *const LmString,
    args: *const ObjectHeader,
    args_desc: *const TypeDesc,
    conversation: *const ObjectHeader,
    expected: *const TypeDesc,
    hooks: *const u64,
    hook_count: i64,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let site = read_site(site);
            let args = args::read_args(args, args_desc, loc);
            let conversation = args::read_conversation(conversation, loc);
            let hooks = hooks_from_raw(hooks, hook_count);
            match tool_call(&site, &args, &conversation, Ty::new(expected), hooks) {
                Ok(slot) => slot,
                Err(message) => fail_current_task(&message, loc),
            }
        }
    })
}

/// `fetch(url)`: a `Future[String]` that settles with the body of a GET
/// (tools.md §4). The request starts at once, in a task of its own, and
/// `fetch` itself never fails: a policy violation, a non-2xx status or a
/// transport failure fails the future (tools-details §26, §56).
///
/// # Safety
/// `url` and `site` must be live strings; `future_desc` the descriptor of
/// `Future[String]`; `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_fetch(
    url: *const LmString,
    site: *const LmString,
    future_desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut HandleObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let (url, site, location, string_ty) = unsafe {
            (
                as_str(url).to_string(),
                read_site(site),
                Location::read(loc),
                Ty::new(future_desc).child(0),
            )
        };
        let cell = FutureCell::new_pending(string_ty);
        let settles = cell.clone();
        let body = Box::new(move || {
            // A task with a Rust body: its suspensions (and a cancellation
            // raised there) need a guard of their own.
            let outcome = crate::errors::guard(|| {
                // SAFETY: `string_ty` is the String descriptor.
                unsafe { fetch(&site, &url, string_ty) }.map_err(Some)
            });
            if crate::errors::is_failing() {
                settles.fail(Rc::new(crate::errors::take_pending_failure()));
                return;
            }
            match outcome {
                Ok(slot) => settles.complete(slot),
                Err(message) => {
                    settles.fail(Rc::new(Failure::new(message.unwrap_or_default(), location)))
                }
            }
        });
        crate::scheduler::spawn(body, cell.clone());
        future_handle(future_desc, cell)
    })
}

impl crate::errors::FailValue for Result<Slot, Option<String>> {
    fn failed() -> Self {
        Err(None)
    }
}

/// The body of `url` as a string (owned), or the failure.
///
/// # Safety
/// `string_ty` must be the String descriptor.
unsafe fn fetch(site: &Site, url: &str, string_ty: Ty) -> Result<Slot, String> {
    let (prepared, ctx) = http_tool::prepare(site, &Args::default(), Some(url))?;
    let answer = call::perform(prepared)?;
    // SAFETY: caller's contract.
    unsafe { http_tool::finish(&ctx, answer, string_ty, &[]) }
}
