//! Builder methods shared by [`Client`](crate::Client) and [`AsyncClient`](crate::AsyncClient).

/// Implements the settings builder on a client type with a `settings: Arc<Settings>` field.
macro_rules! settings_builder {
    ($client:ident) => {
        impl<T> $client<T> {
            /// Sets how the schema is sent and the reply read (default [`Mode::Tools`](crate::Mode::Tools)).
            pub fn with_mode(mut self, mode: $crate::Mode) -> Self {
                self.settings_mut().mode = mode;
                self
            }

            /// Re-asks after a failed first attempt: `max_retries(2)` sends at most 3 requests.
            /// Only failures the model can fix (bad JSON, schema and validation errors) are re-asked;
            /// rate limits and server errors are retried by the transport.
            pub fn max_retries(mut self, n: u32) -> Self {
                self.settings_mut().max_retries = n;
                self
            }

            /// The bytes of content, tool-call arguments and refusal text one streamed reply may
            /// accumulate before the stream ends with
            /// [`Error::LimitExceeded`](crate::Error::LimitExceeded) (default 16 MiB).
            pub fn max_stream_bytes(mut self, bytes: usize) -> Self {
                self.settings_mut().limits.max_stream_bytes = bytes;
                self
            }

            /// The tool calls one streamed reply may make (default 128).
            pub fn max_tool_calls(mut self, calls: usize) -> Self {
                self.settings_mut().limits.max_tool_calls = calls;
                self
            }

            /// A system message put first in every request that has none.
            pub fn system_prompt(mut self, text: impl Into<String>) -> Self {
                self.settings_mut().system_prompt = Some(text.into());
                self
            }

            /// Records prompts and replies on the `tracing` spans (`gen_ai.input.messages`,
            /// `gen_ai.output.messages`). Off by default: spans then carry names, counts and ids,
            /// never message text.
            pub fn trace_content(mut self, on: bool) -> Self {
                self.settings_mut().trace_content = on;
                self
            }

            /// The model or deployment for requests that name none.
            pub fn default_model(mut self, model: impl Into<String>) -> Self {
                self.settings_mut().default_model = Some(model.into());
                self
            }

            /// Calls `f` with each request body before it is sent.
            pub fn on_request(
                mut self,
                f: impl Fn(&serde_json::Value) + Send + Sync + 'static,
            ) -> Self {
                self.settings_mut()
                    .hooks
                    .request
                    .push(std::sync::Arc::new(f));
                self
            }

            /// Calls `f` with each raw reply (for streams: the completion assembled from the chunks).
            pub fn on_response(
                mut self,
                f: impl Fn(&serde_json::Value) + Send + Sync + 'static,
            ) -> Self {
                self.settings_mut()
                    .hooks
                    .response
                    .push(std::sync::Arc::new(f));
                self
            }

            /// Calls `f` with each parse or validation error.
            pub fn on_error(mut self, f: impl Fn(&$crate::Error) + Send + Sync + 'static) -> Self {
                self.settings_mut().hooks.error.push(std::sync::Arc::new(f));
                self
            }

            /// Calls `f` before each re-ask.
            pub fn on_retry(
                mut self,
                f: impl Fn(&$crate::hooks::RetryEvent<'_>) + Send + Sync + 'static,
            ) -> Self {
                self.settings_mut().hooks.retry.push(std::sync::Arc::new(f));
                self
            }

            /// The client's settings.
            pub fn settings(&self) -> &$crate::settings::Settings {
                &self.settings
            }

            /// The current mode.
            pub fn mode(&self) -> $crate::Mode {
                self.settings.mode
            }

            /// The transport underneath.
            pub fn transport(&self) -> &T {
                &self.transport
            }

            /// The settings to change: shared with clones of this client until the first change.
            fn settings_mut(&mut self) -> &mut $crate::settings::Settings {
                std::sync::Arc::make_mut(&mut self.settings)
            }
        }
    };
}

pub(crate) use settings_builder;
