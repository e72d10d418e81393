//! Counting the spans of an encoded `ExportTraceServiceRequest` without decoding
//! it: a walk over the protobuf wire format that reads only the three levels of
//! length-delimited fields that lead to spans, so that a counting receiver keeps
//! up with an exporter at full speed.

/// `ExportTraceServiceRequest.resource_spans`, `ResourceSpans.scope_spans` and
/// `ScopeSpans.spans`: field 1, 2 and 2, each a repeated message.
const PATH: [u64; 3] = [1, 2, 2];

/// The number of spans in `request`, or why it is not an encoded request.
pub(crate) fn spans_in(request: &[u8]) -> Result<u64, String> {
    count(request, &PATH)
}

fn count(message: &[u8], path: &[u64]) -> Result<u64, String> {
    let (field, rest) = path.split_first().expect("a path is never empty");
    let mut total = 0;
    let mut at = message;
    while !at.is_empty() {
        let key = varint(&mut at)?;
        let (number, wire_type) = (key >> 3, key & 7);
        match wire_type {
            0 => {
                varint(&mut at)?;
            }
            1 => at = skip(at, 8)?,
            5 => at = skip(at, 4)?,
            2 => {
                let len = usize::try_from(varint(&mut at)?).map_err(|_| "length overflow")?;
                let (inner, after) = at.split_at_checked(len).ok_or("truncated field")?;
                if number == *field {
                    total += if rest.is_empty() {
                        1
                    } else {
                        count(inner, rest)?
                    };
                }
                at = after;
            }
            other => return Err(format!("wire type {other} is not used by OTLP")),
        }
    }
    Ok(total)
}

fn varint(at: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = at.split_first().ok_or("truncated varint")?;
        *at = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint over 10 bytes".to_owned())
}

fn skip(at: &[u8], n: usize) -> Result<&[u8], String> {
    at.get(n..).ok_or_else(|| "truncated field".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message as _;

    fn request(shape: &[&[usize]]) -> Vec<u8> {
        let resource_spans = shape
            .iter()
            .map(|scopes| ResourceSpans {
                scope_spans: scopes
                    .iter()
                    .map(|&n| ScopeSpans {
                        spans: (0..n)
                            .map(|i| Span {
                                name: format!("span {i}"),
                                start_time_unix_nano: 1 << 40,
                                ..Span::default()
                            })
                            .collect(),
                        schema_url: "s".to_owned(),
                        ..ScopeSpans::default()
                    })
                    .collect(),
                ..ResourceSpans::default()
            })
            .collect();
        ExportTraceServiceRequest { resource_spans }.encode_to_vec()
    }

    #[test]
    fn every_span_of_every_scope_and_resource_is_counted() {
        assert_eq!(spans_in(&request(&[&[3, 0, 2], &[], &[5]])), Ok(10));
        assert_eq!(spans_in(&[]), Ok(0));
    }

    #[test]
    fn a_truncated_request_is_refused() {
        let encoded = request(&[&[3]]);
        assert!(spans_in(&encoded[..encoded.len() - 1]).is_err());
        assert!(spans_in(&[0x0a, 0xff]).is_err());
    }
}
