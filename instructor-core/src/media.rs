//! Media for multimodal messages: what kind of image, audio or document some bytes are (by
//! their magic bytes, not a file name that may lie), and their base64 `data:` URL form.

use std::path::Path;

use base64::Engine as _;

use crate::error::{Error, Result};
use crate::message::{AudioFormat, ContentPart, FileData};

/// Parts from bytes and files (here, beside the detection they need).
impl ContentPart {
    /// An image part from its bytes, sent as a base64 `data:` URL. The media type is read from
    /// the bytes (PNG, JPEG, GIF or WEBP); other bytes are an
    /// [`Error::Configuration`].
    pub fn image_bytes(bytes: &[u8]) -> Result<Self> {
        let kind = ImageType::sniff(bytes)
            .ok_or_else(|| unrecognised("image", "PNG, JPEG, GIF or WEBP", bytes))?;
        Ok(Self::image_url(data_url(kind.media_type(), bytes)))
    }

    /// An image part from a file, as [`image_bytes`](Self::image_bytes) (the type comes from the
    /// content, not the extension).
    pub fn image_file(path: impl AsRef<Path>) -> Result<Self> {
        Self::image_bytes(&read(path.as_ref(), "image")?)
    }

    /// An audio part from its bytes: WAV or MP3, read from the bytes.
    pub fn audio_bytes(bytes: &[u8]) -> Result<Self> {
        let format = match sniff_audio(bytes) {
            Some("wav") => AudioFormat::Wav,
            Some(_) => AudioFormat::Mp3,
            None => return Err(unrecognised("audio", "WAV or MP3", bytes)),
        };
        Ok(Self::input_audio(base64(bytes), format))
    }

    /// An audio part from a WAV or MP3 file.
    pub fn audio_file(path: impl AsRef<Path>) -> Result<Self> {
        Self::audio_bytes(&read(path.as_ref(), "audio file")?)
    }

    /// A PDF document from its bytes, sent inline as a base64 `data:` URL with its file name.
    pub fn pdf_bytes(filename: impl Into<String>, bytes: &[u8]) -> Result<Self> {
        if !is_pdf(bytes) {
            return Err(unrecognised("document", "a PDF", bytes));
        }
        Ok(ContentPart::File {
            file: FileData {
                filename: Some(filename.into()),
                file_data: Some(data_url("application/pdf", bytes)),
                file_id: None,
            },
        })
    }

    /// A PDF document from a file; its name is sent with it.
    pub fn pdf_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "document.pdf".to_owned());
        Self::pdf_bytes(name, &read(path, "document")?)
    }
}

/// An image type the chat-completions API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageType {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageType {
    /// Recognises PNG, JPEG, GIF and WEBP by their signatures.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
            Some(ImageType::Webp)
        } else {
            None
        }
    }

    pub(crate) fn media_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Webp => "image/webp",
        }
    }
}

/// Recognises WAV (`RIFF....WAVE`) and MP3 (an ID3 tag, or an MPEG audio frame header).
pub(crate) fn sniff_audio(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE".as_slice()) {
        Some("wav")
    } else if bytes.starts_with(b"ID3") || is_mpeg_frame(bytes) {
        Some("mp3")
    } else {
        None
    }
}

/// An MPEG audio frame header: 11 sync bits, then a layer that is not "reserved" (00).
fn is_mpeg_frame(bytes: &[u8]) -> bool {
    match bytes {
        [0xFF, second, ..] => second & 0xE0 == 0xE0 && second & 0x06 != 0,
        _ => false,
    }
}

/// True for a PDF document (`%PDF-`).
pub(crate) fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `data:{media_type};base64,{bytes}`.
pub(crate) fn data_url(media_type: &str, bytes: &[u8]) -> String {
    format!("data:{media_type};base64,{}", base64(bytes))
}

/// Reads a file for a message part, with an error naming the path.
pub(crate) fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::Configuration(format!(
            "could not read the {what} {}: {e}. Check the path and its permissions",
            path.display()
        ))
    })
}

/// The error for bytes that are none of the accepted kinds.
pub(crate) fn unrecognised(what: &str, accepted: &str, bytes: &[u8]) -> Error {
    let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Error::Configuration(format!(
        "the {what} is not {accepted} (it starts with bytes {}); convert it to one of those first",
        if head.is_empty() {
            "none: it is empty".to_owned()
        } else {
            head.join(" ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_signatures() {
        assert_eq!(
            ImageType::sniff(b"\x89PNG\r\n\x1a\n rest"),
            Some(ImageType::Png)
        );
        assert_eq!(
            ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::sniff(b"GIF89a..."), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"GIF87a..."), Some(ImageType::Gif));
        assert_eq!(
            ImageType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageType::Webp)
        );
        // A WAV is RIFF too, and a PNG cut short is nothing.
        assert_eq!(ImageType::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(ImageType::sniff(b"\x89PNG"), None);
        assert_eq!(ImageType::sniff(b""), None);
    }

    #[test]
    fn audio_is_known_by_its_signature() {
        assert_eq!(sniff_audio(b"RIFF\x10\0\0\0WAVEfmt "), Some("wav"));
        assert_eq!(sniff_audio(b"ID3\x04\0\0\0\0"), Some("mp3"));
        assert_eq!(sniff_audio(&[0xFF, 0xFB, 0x90, 0x64]), Some("mp3"));
        // Sync bits with the reserved layer, and a JPEG's 0xFF 0xD8, are not MP3.
        assert_eq!(sniff_audio(&[0xFF, 0xE0, 0, 0]), None);
        assert_eq!(sniff_audio(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(sniff_audio(b"OggS"), None);
    }

    #[test]
    fn unrecognised_bytes_are_named_in_the_error() {
        let e = unrecognised("image", "PNG, JPEG, GIF or WEBP", b"BM\x36\x00").to_string();
        assert!(e.contains("42 4d 36 00"), "{e}");
        let e = unrecognised("image", "PNG", b"").to_string();
        assert!(e.contains("empty"), "{e}");
    }
}
