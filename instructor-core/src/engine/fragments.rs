//! What an assembler hands the watches: the new JSON text one stream event added.

/// New JSON text from one event, per tool call index (0 for content and function modes).
pub(crate) type Fragments = Vec<(u32, String)>;
