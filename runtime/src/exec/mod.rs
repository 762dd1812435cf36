//! Execution (layer 3): the C `main`, tasks and their scheduler, stacks and
//! stack overflow, running out of memory, timers, failures and their
//! propagation, program output,
//! and the futures, forms and channels built on tasks.

pub mod catch;
pub mod channels;
pub mod effects;
pub mod entry;
pub mod errors;
pub mod forms;
pub mod futures;
pub mod memory;
pub mod output;
pub mod overflow;
pub mod scheduler;
pub mod shared_stack;
pub mod stack;
pub mod timers;
pub mod valgrind;
