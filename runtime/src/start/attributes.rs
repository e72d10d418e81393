//! The attributes a sampled span starts with, kept compact: a span with a few
//! arguments and short text allocates nothing for them while the call runs. The
//! backend turns them into OpenTelemetry attributes when it exports the span,
//! which can be on another thread.

use crate::record::{kept_len, value_length_limit};
use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER,
};
use smallvec::SmallVec;
use std::fmt;

/// An argument's value as a `#[traced]` call site hands it to its span. Text is
/// borrowed from the call: a span that records copies it (cut to the value length
/// limit), one that does not never does.
#[doc(hidden)]
#[derive(Debug)]
pub enum Arg<'a> {
    /// No attribute (a `None`).
    None,
    /// A value made already.
    Value(Value),
    /// Text borrowed from the call, not yet cut to the limit.
    Str(&'a str),
}

impl From<Option<Value>> for Arg<'_> {
    #[inline]
    fn from(value: Option<Value>) -> Self {
        value.map_or(Arg::None, Arg::Value)
    }
}

/// How many attributes a span starts with before its list moves to the heap: the
/// three code attributes and five arguments.
const INLINE_ATTRIBUTES: usize = 8;

/// How many bytes of text a span starts with before its text moves to the heap.
const INLINE_TEXT: usize = 128;

/// The attributes a sampled span started with, in the order they were written,
/// not yet limited by count (see [`Attributes::truncate`]). Each string argument
/// is copied, cut to the value length limit, into one buffer the list owns. Up to
/// eight attributes and 128 bytes of text, the list needs no allocation of its own.
///
/// [`Attributes::into_key_values`] makes the OpenTelemetry attributes.
#[derive(Clone, Default)]
pub struct Attributes {
    /// The three `code.*` attributes, first, as the call site knows them.
    code: Option<Code>,
    entries: SmallVec<[(Key, Slot); INLINE_ATTRIBUTES]>,
    text: SmallVec<[u8; INLINE_TEXT]>,
}

/// Where the function is: `code.function.name`, `code.file.path`,
/// `code.line.number`.
#[derive(Clone, Copy, Debug)]
struct Code {
    function: &'static str,
    file: &'static str,
    line: u32,
}

impl Code {
    fn key_values(self) -> [KeyValue; 3] {
        code_attributes(self.function, self.file, self.line)
    }
}

/// The code attributes of a function: `code.function.name`, `code.file.path`,
/// `code.line.number`.
pub(crate) fn code_attributes(
    function: &'static str,
    file: &'static str,
    line: u32,
) -> [KeyValue; 3] {
    [
        KeyValue::new(CODE_FUNCTION_NAME, function),
        KeyValue::new(CODE_FILE_PATH, file),
        KeyValue::new(CODE_LINE_NUMBER, i64::from(line)),
    ]
}

#[derive(Clone)]
enum Slot {
    Value(Value),
    /// The text at `start..end` of the list's buffer.
    Text {
        start: u32,
        end: u32,
    },
}

impl Attributes {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Attributes::default()
    }

    /// How many attributes the list holds.
    #[must_use]
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len() + if self.code.is_some() { 3 } else { 0 }
    }

    /// Whether the list holds no attribute.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the code attributes of a function (`code.function.name`,
    /// `code.file.path`, `code.line.number`) at the end, kept as the three
    /// references they are until the attributes are made.
    pub fn push_code(&mut self, function: &'static str, file: &'static str, line: u32) {
        let code = Code {
            function,
            file,
            line,
        };
        if self.is_empty() {
            self.code = Some(code);
        } else {
            for attribute in code.key_values() {
                self.push(attribute);
            }
        }
    }

    /// The code attributes as entries of the list, in front.
    fn spell_code(&mut self) {
        if let Some(code) = self.code.take() {
            let spelled = code.key_values().map(|kv| (kv.key, Slot::Value(kv.value)));
            self.entries.insert_many(0, spelled);
        }
    }

    /// Adds `attribute` at the end.
    pub fn push(&mut self, attribute: KeyValue) {
        self.push_value(attribute.key, attribute.value);
    }

    /// Adds `value` under `key` at the end.
    #[inline]
    pub fn push_value(&mut self, key: Key, value: Value) {
        self.entries.push((key, Slot::Value(value)));
    }

    /// Adds `text`, cut to the value length limit, under `key`.
    pub fn push_str(&mut self, key: Key, text: &str) {
        self.push_within(key, text, value_length_limit());
    }

    /// Adds `text`, cut to `limit` characters, under `key`.
    fn push_within(&mut self, key: Key, text: &str, limit: usize) {
        let text = &text[..kept_len(text, limit)];
        // A buffer past 4 GiB keeps the text as a value of its own.
        let start = u32::try_from(self.text.len()).ok();
        let end = start.and_then(|start| u32::try_from(text.len()).ok()?.checked_add(start));
        match (start, end) {
            (Some(start), Some(end)) => {
                self.text.extend_from_slice(text.as_bytes());
                self.entries.push((key, Slot::Text { start, end }));
            }
            _ => self
                .entries
                .push((key, Slot::Value(Value::from(text.to_owned())))),
        }
    }

    /// Removes every attribute, keeping the room the list had.
    pub fn clear(&mut self) {
        self.code = None;
        self.entries.clear();
        self.text.clear();
    }

    /// Keeps the first `len` attributes; returns how many were dropped.
    #[inline]
    pub fn truncate(&mut self, len: usize) -> u32 {
        if len >= self.len() {
            return 0;
        }
        self.cut(len)
    }

    #[cold]
    fn cut(&mut self, len: usize) -> u32 {
        self.spell_code();
        let dropped = self.entries.len().saturating_sub(len);
        self.entries.truncate(len);
        u32::try_from(dropped).unwrap_or(u32::MAX)
    }

    /// The OpenTelemetry attributes, in the order they were written.
    #[must_use]
    pub fn into_key_values(mut self) -> Vec<KeyValue> {
        self.take_key_values()
    }

    /// The OpenTelemetry attributes, in the order they were written, leaving the
    /// list empty with the room it had (to be filled again).
    pub fn take_key_values(&mut self) -> Vec<KeyValue> {
        let mut out = Vec::with_capacity(self.len());
        if let Some(code) = self.code.take() {
            out.extend(code.key_values());
        }
        let text = &self.text;
        out.extend(self.entries.drain(..).map(|(key, slot)| {
            let value = match slot {
                Slot::Value(value) => value,
                Slot::Text { start, end } => Value::from(text_at(text, start, end).to_owned()),
            };
            KeyValue::new(key, value)
        }));
        self.text.clear();
        out
    }

    /// The value of the first attribute under `key`, made as
    /// [`Attributes::into_key_values`] makes it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Value> {
        let code = self.code.into_iter().flat_map(Code::key_values);
        if let Some(kv) = code.into_iter().find(|kv| kv.key.as_str() == key) {
            return Some(kv.value);
        }
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, slot)| self.value(slot))
    }

    fn value(&self, slot: &Slot) -> Value {
        match slot {
            Slot::Value(value) => value.clone(),
            Slot::Text { start, end } => Value::from(text_at(&self.text, *start, *end).to_owned()),
        }
    }
}

/// The text at `start..end`: whole strings were copied in, so it is valid UTF-8.
fn text_at(text: &[u8], start: u32, end: u32) -> &str {
    text.get(start as usize..end as usize)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or_default()
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code.into_iter().flat_map(Code::key_values);
        f.debug_map()
            .entries(code.map(|kv| (kv.key.as_str().to_owned(), kv.value)))
            .entries(
                self.entries
                    .iter()
                    .map(|(key, slot)| (key.as_str().to_owned(), self.value(slot))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_values_keep_their_order_and_types() {
        let mut list = Attributes::new();
        list.push(KeyValue::new("a", 1_i64));
        list.push_str(Key::from_static_str("b"), "héllo");
        list.push(KeyValue::new("c", true));
        list.push_str(Key::from_static_str("d"), "");
        list.push_str(Key::from_static_str("e"), "wörld");
        assert_eq!(list.len(), 5);
        assert_eq!(list.get("e"), Some(Value::from("wörld")));
        assert_eq!(
            list.into_key_values(),
            vec![
                KeyValue::new("a", 1_i64),
                KeyValue::new("b", "héllo"),
                KeyValue::new("c", true),
                KeyValue::new("d", ""),
                KeyValue::new("e", "wörld"),
            ]
        );
    }

    #[test]
    fn many_attributes_and_long_text_move_to_the_heap_whole() {
        let long = "x".repeat(INLINE_TEXT * 3);
        let mut list = Attributes::new();
        for i in 0..INLINE_ATTRIBUTES * 2 {
            list.push_str(Key::new(format!("k{i}")), &long[..i * 20]);
        }
        let made = list.clone().into_key_values();
        assert_eq!(made.len(), INLINE_ATTRIBUTES * 2);
        for (i, kv) in made.iter().enumerate() {
            assert_eq!(kv.key.as_str(), format!("k{i}"));
            assert_eq!(kv.value, Value::from(long[..i * 20].to_owned()));
        }
        assert_eq!(
            list.truncate(3),
            u32::try_from(INLINE_ATTRIBUTES * 2 - 3).unwrap()
        );
        assert_eq!(list.into_key_values().len(), 3);
    }

    #[test]
    fn code_attributes_come_first_and_count() {
        let mut list = Attributes::new();
        list.push_code("m::f", "src/lib.rs", 7);
        list.push_str(Key::from_static_str("a"), "x");
        assert_eq!(list.len(), 4);
        assert_eq!(list.get(CODE_LINE_NUMBER), Some(Value::I64(7)));
        let made = list.clone().into_key_values();
        let keys: Vec<&str> = made.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            [CODE_FUNCTION_NAME, CODE_FILE_PATH, CODE_LINE_NUMBER, "a"]
        );
        assert_eq!(made[0].value, Value::from("m::f"));
        assert_eq!(list.truncate(4), 0);
        assert_eq!(list.truncate(2), 2);
        let kept = list.take_key_values();
        assert_eq!(kept, made[..2]);
        assert!(
            list.is_empty(),
            "taken, the list is empty and can be filled again"
        );
        list.push_code("m::g", "src/lib.rs", 9);
        list.push_code("m::h", "src/lib.rs", 10);
        assert_eq!(list.len(), 6);
        assert_eq!(list.into_key_values()[3].value, Value::from("m::h"));
    }

    #[test]
    fn text_is_cut_to_the_value_length_limit() {
        let mut list = Attributes::new();
        list.push_within(Key::from_static_str("s"), "héllo", 3);
        assert_eq!(list.get("s"), Some(Value::from("hél")));
    }
}
