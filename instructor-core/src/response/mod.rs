//! The response stage: reading a completion (stop conditions), finding the mode's JSON in it,
//! parsing and validating it, and decoding one value, a list, or one value per parallel tool call.

pub(crate) mod decode;
pub(crate) mod json_text;
pub(crate) mod parse;
pub(crate) mod reply;
pub(crate) mod responses_reply;
