//! Value operations (layer 2): what the runtime does with any value given
//! its type descriptor — compare, display and format, arithmetic not worth
//! inlining, JSON encoding, parsing and decoding, `result` support.

pub mod arith;
pub mod compare;
pub mod display;
pub mod format;
pub mod json;
pub mod json_decode;
pub mod json_parse;
pub mod json_value;
pub mod results;
pub mod value;
