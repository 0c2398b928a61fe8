//! Azure's content filter verdicts, and the one reading of them: which categories struck.
//!
//! Every path that meets a verdict (a completion's `content_filter_results`, a prompt's
//! `prompt_filter_results`, a stream's chunks, an HTTP or streamed `content_filter` error) names
//! the categories through `Categories`, so the same verdict yields the same categories whichever
//! way it arrived.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// Azure's content filter verdicts, kept as the JSON text the service sent.
///
/// Nearly every reply passes every filter, so the verdicts are not parsed into a tree unless
/// asked: [`filtered`](Self::filtered) names the categories that were filtered, and
/// [`to_value`](Self::to_value) gives the details (severities, detections, citations).
///
/// ```
/// use instructor_core::completion::FilterVerdicts;
/// let v: FilterVerdicts = serde_json::from_str(
///     r#"{"hate": {"filtered": false, "severity": "safe"}, "violence": {"filtered": true, "severity": "high"}}"#,
/// ).unwrap();
/// assert_eq!(v.filtered(), ["violence"]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FilterVerdicts(Box<RawValue>);

impl FilterVerdicts {
    /// Verdicts from a JSON value, e.g. to build a completion in a test.
    pub fn from_value(value: &Value) -> serde_json::Result<Self> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// The verdicts as the service sent them.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The verdicts parsed, with every detail the service sent.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    /// The categories that struck, by name (see [`filtered_categories`]): of a
    /// `content_filter_results` object, or of every prompt in a `prompt_filter_results` array.
    pub fn filtered(&self) -> Vec<String> {
        let mut categories = Categories::default();
        self.add_to(&mut categories);
        categories.into_vec()
    }

    /// The categories marked `"filtered": true` only: what was withheld, not merely annotated.
    /// Empty when the reply passed.
    pub fn blocked(&self) -> Vec<String> {
        let mut categories = Categories::default();
        self.add_to(&mut categories);
        categories.blocked()
    }

    /// Adds the categories that struck to `categories`.
    pub(crate) fn add_to(&self, categories: &mut Categories) {
        // No `true` anywhere, nothing struck: the common case costs one scan and no parse.
        if !self.0.get().contains("true") {
            return;
        }
        match self.to_value() {
            Value::Array(prompts) => prompts
                .iter()
                .filter_map(|p| p.get("content_filter_results"))
                .for_each(|results| categories.add(results)),
            results => categories.add(&results),
        }
    }
}

impl PartialEq for FilterVerdicts {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

/// The categories of one or more verdict objects that struck: those marked `"filtered": true`,
/// or, where none is, those marked `"detected": true` (a verdict that blocked without flagging
/// a category still names what it found).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Categories {
    filtered: BTreeSet<String>,
    detected: BTreeSet<String>,
}

impl Categories {
    /// Takes one `content_filter_results` object (`{"hate": {"filtered": true, ..}, ..}`);
    /// anything that is not an object of objects adds nothing.
    pub fn add(&mut self, results: &Value) {
        let Some(map) = results.as_object() else {
            return;
        };
        for (name, verdict) in map {
            let flag = |key: &str| verdict.get(key).and_then(Value::as_bool) == Some(true);
            if flag("filtered") {
                self.filtered.insert(name.clone());
            } else if flag("detected") {
                self.detected.insert(name.clone());
            }
        }
    }

    /// The categories marked `"filtered": true` only, sorted.
    pub fn blocked(&self) -> Vec<String> {
        self.filtered.iter().cloned().collect()
    }

    /// The categories, sorted: the filtered ones, else the detected ones.
    pub fn into_vec(self) -> Vec<String> {
        let chosen = if self.filtered.is_empty() {
            self.detected
        } else {
            self.filtered
        };
        chosen.into_iter().collect()
    }
}

/// The categories that struck in one Azure `content_filter_results` object, by name, sorted: those
/// marked `"filtered": true`, or, where none is, those marked `"detected": true`.
///
/// ```
/// use serde_json::json;
/// let results = json!({"hate": {"filtered": false}, "violence": {"filtered": true, "severity": "high"}});
/// assert_eq!(instructor_core::filtered_categories(&results), ["violence"]);
/// ```
pub fn filtered_categories(results: &Value) -> Vec<String> {
    let mut categories = Categories::default();
    categories.add(results);
    categories.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_verdicts_without_true_are_not_parsed_and_name_nothing() {
        let v: FilterVerdicts =
            serde_json::from_str(r#"{"hate": {"filtered": false, "severity": "safe"}}"#).unwrap();
        assert!(v.filtered().is_empty());
        let odd: FilterVerdicts =
            serde_json::from_str(r#"{"error": {"code": "x", "message": "true"}}"#).unwrap();
        assert!(odd.filtered().is_empty());
    }

    #[test]
    fn filtered_categories_come_first_then_detected_ones() {
        let both = json!({"jailbreak": {"filtered": true, "detected": true},
                          "protected_material_text": {"filtered": false, "detected": true}});
        assert_eq!(filtered_categories(&both), ["jailbreak"]);
        let detected_only = json!({"protected_material_code": {"filtered": false, "detected": true},
                                   "hate": {"filtered": false, "severity": "safe"}});
        assert_eq!(
            filtered_categories(&detected_only),
            ["protected_material_code"]
        );
        assert!(filtered_categories(&json!("not an object")).is_empty());
        assert!(filtered_categories(&json!({"hate": 1})).is_empty());
    }
}
