//! Chat messages as the chat-completions API takes them.

use serde::{Deserialize, Serialize};

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    /// Instructions from the application.
    System {
        /// The instructions.
        content: Content,
        /// An optional participant name.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        name: Option<String>,
    },
    /// Instructions for reasoning models, which replace `system` there.
    Developer {
        /// The instructions.
        content: Content,
    },
    /// What the user says: text, or text and images.
    User {
        /// The text or parts.
        content: Content,
        /// An optional participant name.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        name: Option<String>,
    },
    /// What the model said before, kept to continue the conversation.
    Assistant {
        /// The text of the reply, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        /// The tool calls the model made, if any.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        tool_calls: Vec<ToolCall>,
        /// The legacy function call the model made, if any.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        function_call: Option<FunctionCall>,
    },
    /// The answer to a tool call.
    Tool {
        /// The answer.
        content: String,
        /// The id of the call answered.
        tool_call_id: String,
    },
    /// The answer to a legacy function call.
    Function {
        /// The function's name.
        name: String,
        /// The answer.
        content: String,
    },
    /// An item of the Responses API's `input`, sent as it is: the model's own output items
    /// (reasoning, messages, function calls) when a Responses mode re-asks. Chat completions
    /// take no such message, and it has no chat-completions JSON form.
    #[serde(skip)]
    ResponseItem(serde_json::Value),
}

impl Message {
    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Message::System {
            content: Content::Text(text.into()),
            name: None,
        }
    }

    /// A developer message (reasoning models).
    pub fn developer(text: impl Into<String>) -> Self {
        Message::Developer {
            content: Content::Text(text.into()),
        }
    }

    /// A user message with text only.
    pub fn user(text: impl Into<String>) -> Self {
        Message::User {
            content: Content::Text(text.into()),
            name: None,
        }
    }

    /// A user message made of parts: text, images, audio and documents.
    pub fn user_parts(parts: Vec<ContentPart>) -> Self {
        Message::User {
            content: Content::Parts(parts),
            name: None,
        }
    }

    /// An assistant message with text.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message::Assistant {
            content: Some(text.into()),
            tool_calls: Vec::new(),
            function_call: None,
        }
    }

    /// A tool message answering the call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, text: impl Into<String>) -> Self {
        Message::Tool {
            content: text.into(),
            tool_call_id: tool_call_id.into(),
        }
    }
}

/// The content of a system, developer or user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Text and image parts.
    Parts(Vec<ContentPart>),
}

impl Content {
    /// Appends text: to the string, or as a new text part.
    pub fn append_text(&mut self, text: &str) {
        match self {
            Content::Text(s) => {
                if !s.is_empty() {
                    s.push_str("\n\n");
                }
                s.push_str(text);
            }
            Content::Parts(parts) => parts.push(ContentPart::text(text)),
        }
    }

    /// The text it holds, its text parts joined by newlines (other parts have none).
    pub fn joined_text(&self) -> String {
        match self {
            Content::Text(t) => t.clone(),
            Content::Parts(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    ContentPart::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

impl From<String> for Content {
    fn from(s: String) -> Self {
        Content::Text(s)
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content::Text(s.to_owned())
    }
}

/// One part of a multi-part user message.
///
/// ```
/// use instructor_core::message::{ContentPart, ImageDetail};
/// # fn main() -> instructor_core::Result<()> {
/// # let png: &[u8] = b"\x89PNG\r\n\x1a\n....";
/// let parts = vec![
///     ContentPart::text("What is on this receipt?"),
///     // The media type comes from the bytes: PNG, JPEG, GIF or WEBP.
///     ContentPart::image_bytes(png)?.with_detail(ImageDetail::High),
///     ContentPart::image_url("https://example.com/receipt.jpg"),
/// ];
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// A piece of text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, by URL or `data:` URL.
    ImageUrl {
        /// The image.
        image_url: ImageUrl,
    },
    /// Audio for audio-capable deployments (`gpt-4o-audio-preview` and the like).
    InputAudio {
        /// The audio.
        input_audio: InputAudio,
    },
    /// A document, such as a PDF, inline or by the id of an uploaded file.
    File {
        /// The file.
        file: FileData,
    },
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }

    /// An image part from a URL or a `data:` URL.
    pub fn image_url(url: impl Into<String>) -> Self {
        ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: url.into(),
                detail: None,
            },
        }
    }

    /// Sets how closely an image part is looked at; other parts are returned unchanged.
    pub fn with_detail(mut self, detail: ImageDetail) -> Self {
        if let ContentPart::ImageUrl { image_url } = &mut self {
            image_url.detail = Some(detail);
        }
        self
    }

    /// An audio part from base64 data you already have.
    pub fn input_audio(base64_data: impl Into<String>, format: AudioFormat) -> Self {
        ContentPart::InputAudio {
            input_audio: InputAudio {
                data: base64_data.into(),
                format,
            },
        }
    }

    /// A file already uploaded to the service, by its id.
    pub fn file_id(id: impl Into<String>) -> Self {
        ContentPart::File {
            file: FileData {
                filename: None,
                file_data: None,
                file_id: Some(id.into()),
            },
        }
    }
}

/// An image reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// `https://…` or `data:image/png;base64,…`.
    pub url: String,
    /// How closely the model looks: more detail costs more tokens.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<ImageDetail>,
}

/// How closely the model looks at an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageDetail {
    /// The service decides by the image's size.
    Auto,
    /// A 512x512 look, a fixed small number of tokens.
    Low,
    /// The image in tiles, for fine print.
    High,
}

/// Audio in a user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputAudio {
    /// The audio, base64-encoded.
    pub data: String,
    /// Its encoding.
    pub format: AudioFormat,
}

/// An audio encoding the chat-completions API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// WAV.
    Wav,
    /// MP3.
    Mp3,
}

/// A document in a user message: inline data with a file name, or an uploaded file's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileData {
    /// The file's name, sent with inline data.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filename: Option<String>,
    /// `data:application/pdf;base64,…`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_data: Option<String>,
    /// The id of a file uploaded to the service.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_id: Option<String>,
}

/// A tool call made by the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id, answered by a tool message.
    #[serde(default)]
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    /// Which function, with which arguments.
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_owned()
}

/// A function name and its JSON arguments, as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The function's name.
    #[serde(default)]
    pub name: String,
    /// The arguments: JSON text as the model wrote it.
    #[serde(default)]
    pub arguments: String,
}
