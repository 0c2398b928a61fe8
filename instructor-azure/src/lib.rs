//! Azure OpenAI and OpenAI-compatible transports for instructor.
