//! The OTLP endpoint URL, checked at setup: what the transports would refuse (or
//! could not reach) is found here, with a warning that names where it came from.

/// Whether `url` is an endpoint the OTLP transports take: `http://` or `https://`,
/// a host (a name, an IPv4 address or a bracketed IPv6 one), a port from 1 to
/// 65535 if any, then a path; no spaces or control characters anywhere. The
/// error says what is wrong.
pub(crate) fn check(url: &str) -> Result<(), String> {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err("expected an http:// or https:// URL".into());
    };
    if let Some(c) = url
        .chars()
        .find(|c| !c.is_ascii_graphic() || "\"<>\\^`{|}".contains(*c))
    {
        return Err(format!("{c:?} cannot be in a URL"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err("a user name or password in the URL is not supported".into());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((address, after)) = v6.split_once(']') else {
            return Err("the IPv6 address has no closing ]".into());
        };
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{address:?} is not an IPv6 address"));
        }
        match after {
            "" => (address, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (address, Some(port)),
                None => return Err("expected a port after the IPv6 address".into()),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_char = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if !authority.starts_with('[') && !host.bytes().all(host_char) {
        return Err(format!("{host:?} is not a host name"));
    }
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err(format!("the port {port:?} is not from 1 to 65535")),
        }
    }
    Ok(())
}

/// The warning for an `https://` endpoint: this build has no TLS.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn no_tls(source: &str, url: &str) -> String {
    format!(
        "{source}={url:?} needs TLS, which this build of traced-sdk does not have, so \
         spans are not exported over OTLP; use an http:// endpoint (a collector or agent \
         on the same host or network, which can forward over TLS)"
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn endpoints_the_transports_take_pass() {
        for url in [
            "http://localhost:4317",
            "https://collector.example.com",
            "http://127.0.0.1:4318/v1/traces",
            "http://[::1]:4317",
            "http://[::1]",
            "http://otel_collector:65535/",
        ] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn endpoints_the_transports_refuse_are_caught() {
        for (url, why) in [
            ("collector:4317", "http://"),
            ("http://bad host:4317", "' '"),
            ("http://[::1", "closing ]"),
            ("http://[::g]:4317", "IPv6"),
            ("http://localhost:99999", "1 to 65535"),
            ("http://localhost:0", "1 to 65535"),
            ("http://localhost:", "1 to 65535"),
            ("http://localhost:+80", "1 to 65535"),
            ("http://:4317", "no host"),
            ("http:///v1/traces", "no host"),
            ("http://user:pw@host:4317", "password"),
            ("http://host\r\n:4317", "'\\r'"),
            ("http://host/{x}", "'{'"),
        ] {
            let error = check(url).expect_err(url);
            assert!(error.contains(why), "{url}: {error}");
        }
    }
}
