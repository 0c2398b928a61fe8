//! Input lines written to temporary files on disk, a new file whenever the next line would pass
//! a limit of one file, so that no input is ever held in memory whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use instructor_core::{Error, Result};
use reqwest::multipart::{Form, Part};
use tempfile::TempPath;

use crate::batch::BatchLimits;

/// A finished input file: deleted from disk when the last handle to it is dropped.
#[derive(Clone)]
pub(crate) struct SpoolFile {
    path: Arc<TempPath>,
    pub bytes: u64,
}

impl SpoolFile {
    /// The multipart form that uploads it with purpose `batch`, reading it from disk afresh.
    pub(crate) fn form(&self, name: &str) -> Result<Form> {
        let file = File::open(self.path.as_ref() as &Path)
            .map_err(|e| Error::transport("could not reopen a batch input file", e))?;
        let body = reqwest::Body::from(tokio::fs::File::from_std(file));
        let part = Part::stream_with_length(body, self.bytes)
            .file_name(name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(|e| Error::transport("could not describe the batch input file", e))?;
        Ok(Form::new().text("purpose", "batch").part("file", part))
    }
}

struct Open {
    file: BufWriter<File>,
    path: TempPath,
    bytes: u64,
    lines: u64,
}

/// Writes lines into files within `limits`.
pub(crate) struct Spool {
    limits: BatchLimits,
    open: Option<Open>,
    done: Vec<SpoolFile>,
}

fn io_error(e: std::io::Error) -> Error {
    Error::transport(
        "could not write a batch input file to the temporary directory (TMPDIR)",
        e,
    )
}

impl Spool {
    pub(crate) fn new(limits: BatchLimits) -> Self {
        Spool {
            limits,
            open: None,
            done: Vec::new(),
        }
    }

    /// Adds one line (with its newline), in a new file if it would not fit in the open one.
    pub(crate) fn push(&mut self, line: &[u8]) -> Result<()> {
        let len = line.len() as u64;
        if len > self.limits.max_bytes_per_file {
            return Err(Error::Configuration(format!(
                "one batch line is {len} bytes, more than the {} bytes of one input file \
                 (BatchLimits::max_bytes_per_file); shorten the request",
                self.limits.max_bytes_per_file
            )));
        }
        let fits = self.open.as_ref().is_some_and(|o| {
            o.lines < self.limits.max_requests_per_file
                && o.bytes + len <= self.limits.max_bytes_per_file
        });
        if !fits {
            self.close()?;
            let (file, path) = tempfile::Builder::new()
                .prefix("instructor-batch-")
                .suffix(".jsonl")
                .tempfile()
                .map_err(io_error)?
                .into_parts();
            self.open = Some(Open {
                file: BufWriter::with_capacity(64 * 1024, file),
                path,
                bytes: 0,
                lines: 0,
            });
        }
        if let Some(open) = &mut self.open {
            open.file.write_all(line).map_err(io_error)?;
            open.bytes += len;
            open.lines += 1;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some(mut open) = self.open.take() {
            open.file.flush().map_err(io_error)?;
            self.done.push(SpoolFile {
                path: Arc::new(open.path),
                bytes: open.bytes,
            });
        }
        Ok(())
    }

    /// The files written, in order.
    pub(crate) fn finish(mut self) -> Result<Vec<SpoolFile>> {
        self.close()?;
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_when_the_next_line_would_pass_a_limit() {
        let limits = BatchLimits {
            max_requests_per_file: 3,
            max_bytes_per_file: 10,
        };
        let mut spool = Spool::new(limits);
        for line in ["aa\n", "bb\n", "cc\n", "dd\n", "eeeeeeeee\n", "f\n"] {
            spool.push(line.as_bytes()).unwrap();
        }
        let files = spool.finish().unwrap();
        let read = |f: &SpoolFile| std::fs::read_to_string(f.path.as_ref() as &Path).unwrap();
        let contents: Vec<String> = files.iter().map(read).collect();
        assert_eq!(contents, ["aa\nbb\ncc\n", "dd\n", "eeeeeeeee\n", "f\n"]);
        assert_eq!(files[2].bytes, 10);
        let mut spool = Spool::new(limits);
        assert!(spool.push(b"0123456789\n").is_err());
    }
}
