//! The `baggage` header as W3C Baggage defines it, through `BaggagePropagator`
//! alone (no SDK, no global propagator).

mod support;

use std::collections::HashMap;
use support::Headers;
use traced::otel::baggage::{Baggage, BaggageExt, BaggageMetadata, KeyValueMetadata};
use traced::otel::propagation::TextMapPropagator;
use traced::otel::Context;
use traced::propagation::BaggagePropagator;

/// The context extracted from the `baggage` lines.
fn extracted(lines: &[&str]) -> Context {
    let headers = Headers(lines.iter().map(|&line| ("baggage", line)).collect());
    BaggagePropagator::new().extract_with_context(&Context::new(), &headers)
}

/// The entries extracted from the `baggage` lines, as `(key, value, properties)`
/// in key order.
fn entries(lines: &[&str]) -> Vec<(String, String, String)> {
    let cx = extracted(lines);
    let mut entries: Vec<_> = cx
        .baggage()
        .iter()
        .map(|(key, (value, metadata))| (key.to_string(), value.to_string(), metadata.to_string()))
        .collect();
    entries.sort();
    entries
}

fn entry(key: &str, value: &str, properties: &str) -> (String, String, String) {
    (key.to_owned(), value.to_owned(), properties.to_owned())
}

/// The `baggage` header injected for `baggage`, if any.
fn injected(baggage: impl Into<Baggage>) -> Option<String> {
    let mut headers = HashMap::new();
    BaggagePropagator::new().inject_context(&Context::new().with_baggage(baggage), &mut headers);
    headers.remove("baggage")
}

fn plain(key: &str, value: &str) -> KeyValueMetadata {
    KeyValueMetadata::new(key.to_owned(), value.to_owned(), BaggageMetadata::default())
}

#[test]
fn a_member_is_read() {
    assert_eq!(entries(&["userId=alice"]), [entry("userId", "alice", "")]);
}

#[test]
fn values_are_percent_decoded() {
    assert_eq!(
        entries(&["userId=Am%C3%A9lie,serverNode=DF%2028,sign=%25%2c%3b"]),
        [
            entry("serverNode", "DF 28", ""),
            entry("sign", "%,;", ""),
            entry("userId", "Amélie", ""),
        ]
    );
}

#[test]
fn an_escape_that_is_not_utf8_becomes_the_replacement_character() {
    assert_eq!(
        entries(&["k=a%FFb%C3"]),
        [entry("k", "a\u{fffd}b\u{fffd}", "")]
    );
}

#[test]
fn a_percent_sign_without_two_hex_digits_stays_as_it_is() {
    assert_eq!(
        entries(&["k=100%,l=%G1,m=%4"]),
        [
            entry("k", "100%", ""),
            entry("l", "%G1", ""),
            entry("m", "%4", ""),
        ]
    );
}

#[test]
fn whitespace_around_keys_values_and_properties_is_dropped() {
    assert_eq!(
        entries(&["  userId \t=\t alice \t; \t flag \t;\t p \t= \t v \t"]),
        [entry("userId", "alice", "flag;p=v")]
    );
}

#[test]
fn a_value_may_hold_equals_signs() {
    assert_eq!(entries(&["k=a=b="]), [entry("k", "a=b=", "")]);
}

#[test]
fn a_value_may_be_empty() {
    assert_eq!(
        entries(&["k=,l= ;p"]),
        [entry("k", "", ""), entry("l", "", "p")]
    );
}

#[test]
fn properties_are_kept_as_the_entry_metadata() {
    assert_eq!(
        entries(&["key1=value1;property1;property2, key3=value3; propertyKey=propertyValue"]),
        [
            entry("key1", "value1", "property1;property2"),
            entry("key3", "value3", "propertyKey=propertyValue"),
        ]
    );
}

#[test]
fn property_values_stay_percent_encoded() {
    assert_eq!(entries(&["k=v;p=a%20b"]), [entry("k", "v", "p=a%20b")]);
}

#[test]
fn repeated_lines_are_one_list() {
    assert_eq!(
        entries(&["userId=alice", "serverNode=DF%2028,isProduction=false"]),
        [
            entry("isProduction", "false", ""),
            entry("serverNode", "DF 28", ""),
            entry("userId", "alice", ""),
        ]
    );
}

#[test]
fn a_malformed_member_is_skipped_and_the_others_kept() {
    let lines = ["good=1,novalue,=x,k=a b,q=\"x\",bs=a\\b,,  ,also=2"];
    assert_eq!(
        entries(&lines),
        [entry("also", "2", ""), entry("good", "1", "")]
    );
}

#[test]
fn a_key_is_a_token() {
    let lines = ["a(b)=1,a/b=2,a@b=3,\u{e9}=4,a b=5,tok!#$%&'*+-.^_`|~=6"];
    assert_eq!(entries(&lines), [entry("tok!#$%&'*+-.^_`|~", "6", "")]);
}

#[test]
fn a_member_with_a_malformed_property_is_skipped() {
    assert_eq!(
        entries(&["k=v;p=a b,l=v;,m=v;(p),n=v;ok"]),
        [entry("n", "v", "ok")]
    );
}

#[test]
fn a_repeated_key_keeps_its_first_entry() {
    assert_eq!(entries(&["k=1,k=2", "k=3"]), [entry("k", "1", "")]);
}

#[test]
fn at_most_64_members_are_read() {
    let members: Vec<String> = (0..70).map(|n| format!("k{n:02}={n}")).collect();
    let entries = entries(&[&members.join(",")]);
    assert_eq!(entries.len(), 64);
    assert_eq!(entries.last().unwrap().0, "k63", "the first 64 are kept");
}

#[test]
fn members_past_8192_bytes_are_dropped_whole() {
    let value = "v".repeat(3000);
    let header = format!("a={value},b={value},c={value}");
    let keys: Vec<String> = entries(&[&header]).into_iter().map(|e| e.0).collect();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn a_smaller_member_after_one_that_does_not_fit_is_kept() {
    let value = "v".repeat(4000);
    let header = format!("a={value},b={value},c=1");
    let keys: Vec<String> = entries(&[&header]).into_iter().map(|e| e.0).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    let too_long = "v".repeat(4200);
    let header = format!("a={value},b={too_long},c=1");
    let keys: Vec<String> = entries(&[&header]).into_iter().map(|e| e.0).collect();
    assert_eq!(keys, ["a", "c"]);
}

#[test]
fn the_limits_apply_to_all_lines_together() {
    let value = "v".repeat(3000);
    let lines = [
        format!("a={value}"),
        format!("b={value}"),
        format!("c={value}"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(entries(&lines).len(), 2);
}

#[test]
fn without_a_baggage_header_the_context_keeps_its_baggage() {
    let base = Context::new().with_baggage([plain("k", "v")]);
    let cx = BaggagePropagator::new().extract_with_context(&base, &Headers(vec![]));
    assert_eq!(cx.baggage().get("k").map(|v| v.as_str()), Some("v"));
}

#[test]
fn a_baggage_header_replaces_the_context_baggage() {
    let base = Context::new().with_baggage([plain("k", "v")]);
    let headers = Headers(vec![("baggage", "other=1")]);
    let cx = BaggagePropagator::new().extract_with_context(&base, &headers);
    assert_eq!(cx.baggage().get("k"), None);
    assert_eq!(cx.baggage().len(), 1);
}

#[test]
fn traced_baggage_reads_the_extracted_entries() {
    let _attached = extracted(&["tenant.id=acme"]).attach();
    assert_eq!(traced::baggage::get("tenant.id").as_deref(), Some("acme"));
}

#[test]
fn values_are_percent_encoded_on_inject() {
    let header = injected([plain("k", "Amélie DF 28 %,;=\"\\+")]);
    assert_eq!(
        header.as_deref(),
        Some("k=Am%C3%A9lie%20DF%2028%20%25%2C%3B%3D%22%5C%2B")
    );
}

#[test]
fn unreserved_characters_are_written_as_they_are() {
    assert_eq!(
        injected([plain("k", "aZ09-._~")]).as_deref(),
        Some("k=aZ09-._~")
    );
}

#[test]
fn entries_are_written_in_key_order() {
    let header = injected([plain("b", "2"), plain("c", "3"), plain("a", "1")]);
    assert_eq!(header.as_deref(), Some("a=1,b=2,c=3"));
}

#[test]
fn properties_are_written_after_the_value() {
    let entry = KeyValueMetadata::new("k", "v", "flag; p = x ");
    assert_eq!(injected([entry]).as_deref(), Some("k=v;flag;p=x"));
}

#[test]
fn invalid_properties_set_in_code_are_not_written() {
    let entry = KeyValueMetadata::new("k", "v", "ok;bad value;;(x)=1;p=\"q\"");
    assert_eq!(injected([entry]).as_deref(), Some("k=v;ok"));
}

#[test]
fn inject_writes_at_most_64_members() {
    let entries: Vec<_> = (0..64).map(|n| plain(&format!("k{n:02}"), "v")).collect();
    let header = injected(entries).unwrap();
    assert_eq!(header.split(',').count(), 64);
}

#[test]
fn inject_writes_at_most_8192_bytes_of_whole_members() {
    // Each value triples when percent-encoded.
    let value = "\u{7f}".repeat(1000);
    let entries = [plain("a", &value), plain("b", &value), plain("c", &value)];
    let header = injected(entries).unwrap();
    assert!(header.len() <= 8192, "{}", header.len());
    assert_eq!(header.split(',').count(), 2);
    assert!(header.starts_with("a=") && header.contains(",b="));
}

#[test]
fn nothing_is_written_for_empty_baggage() {
    assert_eq!(injected(Baggage::new()), None);
}

#[test]
fn inject_then_extract_gives_the_same_entries() {
    let values = [
        "", " ", "%", "a,b;c=d", "Amélie", "\u{fffd}", "\\\"", "\t\n",
    ];
    let baggage: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(n, value)| plain(&format!("k{n}"), value))
        .collect();
    let header = injected(baggage).unwrap();
    let extracted = entries(&[&header]);
    for (n, value) in values.iter().enumerate() {
        assert_eq!(extracted[n], entry(&format!("k{n}"), value, ""), "{header}");
    }
}

#[test]
fn non_ascii_at_every_byte_position_skips_only_its_member() {
    let header = "a=1;p=2,b=2";
    for wide in ["é", "€", "𝄞"] {
        for at in 0..=header.len() {
            let mut changed = header.to_owned();
            changed.insert_str(at, wide);
            let keys: Vec<String> = entries(&[&changed]).into_iter().map(|e| e.0).collect();
            assert_eq!(keys.len(), 1, "{changed:?}: {keys:?}");
        }
    }
}

#[test]
fn a_header_of_commas_is_read_in_one_pass() {
    let header = format!("{}k=v{}", ",".repeat(1 << 20), ";".repeat(1 << 20));
    assert_eq!(entries(&[&header]), []);
    let header = format!("{}k=v", ", ".repeat(1 << 20));
    assert_eq!(entries(&[&header]), [entry("k", "v", "")]);
}

#[test]
fn the_propagator_names_its_field() {
    let propagator = BaggagePropagator::new();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(fields, ["baggage"]);
}
