//! A small partial-JSON completion for tests: closes a prefix of a JSON text at its last safe point.
//!
//! Safe points are right after `{` or `[`, right after a complete value, and inside a string value
//! (which is closed). A dangling key, a trailing comma and an unfinished number or literal are cut
//! off, as the streaming parser does (a number is shown only once complete).

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    /// In an object, expecting a key (true) or a value (false).
    Object {
        expect_key: bool,
    },
    Array,
}

fn closers(stack: &[Frame]) -> String {
    stack
        .iter()
        .rev()
        .map(|f| match f {
            Frame::Object { .. } => '}',
            Frame::Array => ']',
        })
        .collect()
}

/// The prefix closed into valid JSON, or `None` when nothing complete is there yet.
pub fn close(prefix: &str) -> Option<String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut best: Option<String> = None;
    let mut in_string = false;
    let mut string_is_key = false;
    let mut escape = false;
    let mut unicode_left = 0u8;
    let mut scalar_start: Option<usize> = None;
    let mut top_done = false;

    let value_done = |stack: &mut Vec<Frame>| {
        if let Some(Frame::Object { expect_key }) = stack.last_mut() {
            *expect_key = true;
        }
    };

    for (i, c) in prefix.char_indices() {
        let end = i + c.len_utf8();
        if in_string {
            if unicode_left > 0 {
                unicode_left -= 1;
            } else if escape {
                escape = false;
                if c == 'u' {
                    unicode_left = 4;
                }
            } else if c == '\\' {
                escape = true;
            } else if c == '"' {
                in_string = false;
                if !string_is_key {
                    value_done(&mut stack);
                    best = Some(format!("{}{}", &prefix[..end], closers(&stack)));
                    if stack.is_empty() {
                        top_done = true;
                    }
                }
                continue;
            }
            if !string_is_key && !escape && unicode_left == 0 {
                best = Some(format!("{}\"{}", &prefix[..end], closers(&stack)));
            }
            continue;
        }
        if let Some(start) = scalar_start {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+' {
                continue;
            }
            // The number or literal ended just before `c`.
            let _ = start;
            scalar_start = None;
            value_done(&mut stack);
            best = Some(format!("{}{}", &prefix[..i], closers(&stack)));
            if stack.is_empty() {
                top_done = true;
            }
        }
        match c {
            '{' => {
                stack.push(Frame::Object { expect_key: true });
                best = Some(format!("{}{}", &prefix[..end], closers(&stack)));
            }
            '[' => {
                stack.push(Frame::Array);
                best = Some(format!("{}{}", &prefix[..end], closers(&stack)));
            }
            '}' | ']' => {
                stack.pop();
                value_done(&mut stack);
                best = Some(format!("{}{}", &prefix[..end], closers(&stack)));
                if stack.is_empty() {
                    top_done = true;
                }
            }
            '"' => {
                in_string = true;
                string_is_key = matches!(stack.last(), Some(Frame::Object { expect_key: true }));
                if string_is_key {
                    if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                        *expect_key = false;
                    }
                } else {
                    best = Some(format!("{}\"{}", &prefix[..end], closers(&stack)));
                }
            }
            ',' | ':' => {}
            c if c.is_whitespace() => {}
            _ => scalar_start = Some(i),
        }
    }
    // A scalar running to the very end of a complete document is complete.
    if scalar_start.is_some()
        && stack.is_empty()
        && !top_done
        && serde_json::from_str::<serde_json::Value>(prefix).is_ok()
    {
        return Some(prefix.to_owned());
    }
    best
}

#[test]
fn closes_prefixes() {
    assert_eq!(close(""), None);
    assert_eq!(close("{"), Some("{}".into()));
    assert_eq!(close(r#"{"na"#), Some("{}".into()));
    assert_eq!(close(r#"{"name": "Jo"#), Some(r#"{"name": "Jo"}"#.into()));
    assert_eq!(close(r#"{"name": "Jo\"#), Some(r#"{"name": "Jo"}"#.into()));
    assert_eq!(close(r#"{"a": 12"#), Some("{}".into()));
    assert_eq!(close(r#"{"a": 12,"#), Some(r#"{"a": 12}"#.into()));
    assert_eq!(
        close(r#"{"a": [1, {"b": tr"#),
        Some(r#"{"a": [1, {}]}"#.into())
    );
    assert_eq!(close("[1, 2"), Some("[1]".into()));
    assert_eq!(close("42"), Some("42".into()));
    assert_eq!(close(r#""ab"#), Some(r#""ab""#.into()));
}
