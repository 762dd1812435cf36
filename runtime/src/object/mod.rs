//! The object model (layer 1): reference counting, the allocation pool,
//! object layouts and the collections built on them (strings, bytes,
//! lists, maps, sets, tuples), type descriptors, and handles (objects that
//! carry runtime state, such as a future's cell or a channel, dropped
//! through one path whatever the state's type: `handle::drop_state`).
//! Nothing here knows about tasks or failures beyond raising one.

pub mod bytes;
pub mod handle;
pub mod list;
pub mod map;
pub mod objects;
pub(crate) mod pool;
pub mod rc;
pub mod set;
pub mod sorted;
pub mod strings;
pub mod tuple;
pub mod typedesc;
