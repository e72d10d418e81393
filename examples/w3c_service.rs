//! A service for the official W3C Trace Context test suite (Level 2). Each request
//! it gets is a server span whose parent is the caller's trace context; each call
//! the request asks for is a client span, whose context goes out with the call.
//!
//! The suite posts a JSON list of calls, `[{"url": ..., "arguments": [...]}]`; the
//! service posts each call's `arguments` to its `url`, and the suite checks the
//! `traceparent` and `tracestate` headers those calls carry.
//!
//! Run the suite against it (the suite's harness is Python, with `aiohttp`):
//!
//! ```sh
//! git clone https://github.com/w3c/trace-context /tmp/trace-context
//! python3 -m venv /tmp/w3c-venv && /tmp/w3c-venv/bin/pip install aiohttp
//! OTEL_TRACES_EXPORTER=none cargo run --example w3c_service &
//! cd /tmp/trace-context/test
//! STRICT_LEVEL=2 SPEC_LEVEL=2 /tmp/w3c-venv/bin/python test.py http://127.0.0.1:5000/test
//! ```
//!
//! and again with the service started with `OTEL_TRACES_SAMPLER=always_off`:
//! nothing is sampled, and the trace context must go through all the same. The
//! service listens on `127.0.0.1:5000`, or on the address given as its argument.
//! It speaks just enough HTTP/1.1 for the suite: one request per connection, a
//! body of `Content-Length` bytes.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A request head and body larger than this is refused.
const MAX_REQUEST: u64 = 1 << 20;

fn main() -> io::Result<()> {
    let _tracing = traced_sdk::init!();
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5000".to_owned());
    let listener = TcpListener::bind(&address)?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(io::Error::other)?;
    eprintln!("w3c_service: listening on http://{address}/test");
    for stream in listener.incoming() {
        let (stream, client) = (stream?, client.clone());
        std::thread::spawn(move || {
            if let Err(error) = serve(&stream, &client) {
                eprintln!("w3c_service: {error}");
            }
        });
    }
    Ok(())
}

/// Answers the one request on `stream`, after making the calls it lists.
fn serve(mut stream: &TcpStream, client: &reqwest::blocking::Client) -> io::Result<()> {
    let (headers, body) = read_request(stream)?;
    let status = match calls(&body) {
        Some(calls) => {
            handle(&headers, &calls, client);
            "200 OK"
        }
        None => "400 Bad Request",
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]"
    )
}

/// A request of the suite: a server span in the caller's trace, making `calls`.
#[traced::traced(kind = server, skip_all, parent = traced::propagation::extract(headers))]
fn handle(headers: &HeaderMap, calls: &[Call<'_>], client: &reqwest::blocking::Client) {
    for call in calls {
        // The suite reads the headers the call carried; its answer does not matter.
        let _ = call_back(client, &call.url, call.arguments);
    }
}

/// A call the suite asked for: a client span, whose context the call carries.
#[traced::traced(kind = client, skip_all, record_err, attrs(url.full = url))]
fn call_back(client: &reqwest::blocking::Client, url: &str, body: &str) -> reqwest::Result<()> {
    let mut headers = HeaderMap::new();
    traced::propagation::inject(&mut headers);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    client
        .post(url)
        .headers(headers)
        .body(body.to_owned())
        .send()?;
    Ok(())
}

/// The headers (each line kept, repeated names too) and body of the request on
/// `stream`.
fn read_request(stream: &TcpStream) -> io::Result<(HeaderMap, String)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut reader = BufReader::new(stream.take(MAX_REQUEST));
    let mut line = Vec::new();
    // The request line: every request is a list of calls, whatever its target.
    reader.read_until(b'\n', &mut line)?;
    let mut headers = HeaderMap::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(invalid("the request ended in its headers"));
        }
        let field = line.strip_suffix(b"\n").unwrap_or(&line);
        let field = field.strip_suffix(b"\r").unwrap_or(field);
        if field.is_empty() {
            break;
        }
        let colon = field
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| invalid("a header line without a colon"))?;
        // A field value does not include the whitespace around it (RFC 9110).
        let (name, value) = (&field[..colon], trim_ows(&field[colon + 1..]));
        let name = HeaderName::from_bytes(name).map_err(|_| invalid("a header name"))?;
        let value = HeaderValue::from_bytes(value).map_err(|_| invalid("a header value"))?;
        headers.append(name, value);
    }
    let length: usize = match headers.get(CONTENT_LENGTH) {
        Some(length) => length
            .to_str()
            .ok()
            .and_then(|length| length.parse().ok())
            .ok_or_else(|| invalid("content-length"))?,
        None => 0,
    };
    let mut body = Vec::new();
    reader.take(length as u64).read_to_end(&mut body)?;
    if body.len() != length {
        return Err(invalid("the request ended in its body"));
    }
    let body = String::from_utf8(body).map_err(|_| invalid("a body that is not UTF-8"))?;
    Ok((headers, body))
}

/// `value` without the spaces and tabs around it.
fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

/// A call the suite asks for: post `arguments` (JSON, passed on as written) to
/// `url`.
struct Call<'a> {
    url: String,
    arguments: &'a str,
}

/// The calls listed in `body`, a JSON array of `{"url": ..., "arguments": ...}`;
/// `None` for anything else.
fn calls(body: &str) -> Option<Vec<Call<'_>>> {
    let mut json = Json { text: body, at: 0 };
    let mut calls = Vec::new();
    json.list(b'[', b']', |json| {
        let (mut url, mut arguments) = (None, "[]");
        json.list(b'{', b'}', |json| {
            let key = json.string()?;
            json.expect(b':')?;
            match key.as_str() {
                "url" => url = Some(json.string()?),
                "arguments" => arguments = json.value()?,
                _ => drop(json.value()?),
            }
            Some(())
        })?;
        calls.push(Call {
            url: url?,
            arguments,
        });
        Some(())
    })?;
    (json.peek().is_none()).then_some(calls)
}

/// A reader of JSON text, as much of JSON as the suite writes.
struct Json<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Json<'a> {
    /// The next byte that is not whitespace, left unread.
    fn peek(&mut self) -> Option<u8> {
        let rest = &self.text.as_bytes()[self.at..];
        let blank = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        self.at += blank;
        rest.get(blank).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// `open`, items separated by commas, `close`; each item read by `item`.
    fn list(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.expect(open)?;
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string, its escapes decoded.
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut string = String::new();
        let mut chars = self.text[self.at..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += i + 1;
                    return Some(string);
                }
                '\\' => string.push(match chars.next()?.1 {
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let hex: String = (0..4)
                            .map(|_| chars.next().map(|(_, c)| c))
                            .collect::<Option<_>>()?;
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}')
                    }
                    escaped => escaped,
                }),
                c => string.push(c),
            }
        }
        None
    }

    /// Any value, read past: its JSON text.
    fn value(&mut self) -> Option<&'a str> {
        let first = self.peek()?;
        let start = self.at;
        match first {
            b'"' => drop(self.string()?),
            b'[' => self.list(b'[', b']', |json| json.value().map(drop))?,
            b'{' => self.list(b'{', b'}', |json| {
                json.string()?;
                json.expect(b':')?;
                json.value().map(drop)
            })?,
            // A number, `true`, `false` or `null`.
            _ => {
                let rest = &self.text[self.at..];
                let len = rest
                    .find(|c: char| matches!(c, ',' | ']' | '}') || c.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                if len == 0 {
                    return None;
                }
                self.at += len;
            }
        }
        Some(&self.text[start..self.at])
    }
}
