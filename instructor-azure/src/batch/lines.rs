//! A downloaded JSONL file, read line by line as it arrives: at most one line (and one network
//! read) is held, whatever the file's size.

use instructor_core::{Error, Result};

use crate::http::Download;

/// The lines of a file being downloaded.
pub(crate) struct Lines {
    download: Download,
    file_id: String,
    buf: Vec<u8>,
    /// Where the next line starts in `buf`.
    start: usize,
    /// How far `buf` has been searched for a newline.
    scanned: usize,
    eof: bool,
    /// The longest line accepted.
    cap: usize,
}

impl Lines {
    pub(crate) fn new(download: Download, file_id: &str, cap: usize) -> Self {
        Lines {
            download,
            file_id: file_id.to_owned(),
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            eof: false,
            cap,
        }
    }

    /// The next non-blank line, without its line ending; `None` at the end of the file.
    pub(crate) async fn next_line(&mut self) -> Result<Option<String>> {
        loop {
            if let Some(line) = self.take_line() {
                if line.trim().is_empty() {
                    continue;
                }
                return Ok(Some(line));
            }
            if self.eof {
                return Ok(None);
            }
            if self.buf.len() - self.start > self.cap {
                return Err(Error::Api {
                    status: 200,
                    code: None,
                    message: format!(
                        "a line of file {} from {} is longer than the {}-byte cap on one reply; \
                         raise max_response_bytes if that is expected",
                        self.file_id,
                        self.download.endpoint(),
                        self.cap
                    ),
                    request_id: None,
                });
            }
            self.compact();
            match self.download.chunk().await? {
                Some(bytes) => self.buf.extend_from_slice(&bytes),
                None => self.eof = true,
            }
        }
    }

    /// The next complete line in the buffer (at the end of the file, the last one even without
    /// a newline).
    fn take_line(&mut self) -> Option<String> {
        let rest = self.buf.get(self.scanned..)?;
        let end = match rest.iter().position(|&b| b == b'\n') {
            Some(at) => self.scanned + at,
            None if self.eof && self.start < self.buf.len() => self.buf.len(),
            None => {
                self.scanned = self.buf.len();
                return None;
            }
        };
        let line = self.buf.get(self.start..end)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // Not UTF-8: the line is kept (replacement characters) and fails as JSON with its excerpt.
        let text = String::from_utf8_lossy(line).into_owned();
        self.start = (end + 1).min(self.buf.len());
        self.scanned = self.start;
        Some(text)
    }

    /// Drops the lines already read once they fill half the buffer, so it holds about one line
    /// and one read.
    fn compact(&mut self) {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
    }
}
