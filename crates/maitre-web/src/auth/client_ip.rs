//! The client's address. Behind proxies the operator runs, each proxy appends the address it received the
//! request from to `X-Forwarded-For`; what is left of those entries the client may have written itself. So with
//! `trusted_proxies` proxies in front of maitre, the client is the `trusted_proxies`-th entry from the right.
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

use crate::AppState;

/// The socket peer, or with `auth.trust_forwarded_for` the address the outermost trusted proxy saw.
pub fn client_ip(parts: &Parts, state: &AppState) -> String {
    let auth = &state.settings.auth;
    let forwarded = auth.trust_forwarded_for.then(|| {
        let values = parts.headers.get_all("x-forwarded-for").into_iter().filter_map(|v| v.to_str().ok());
        forwarded_client(values, auth.trusted_proxies)
    });
    if let Some(Some(ip)) = forwarded {
        return ip.to_string();
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The entry `proxies` (at least 1) places from the right of the header lines taken in order. None when there
/// are fewer entries (a request that did not pass every proxy) or that entry is not an address.
fn forwarded_client<'a>(values: impl Iterator<Item = &'a str>, proxies: u32) -> Option<IpAddr> {
    let hops: Vec<&str> = values.flat_map(|v| v.split(',')).map(str::trim).collect();
    let from_right = usize::try_from(proxies.max(1)).ok()?;
    let hop = hops.len().checked_sub(from_right).map(|i| hops[i])?;
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(lines: &[&str], proxies: u32) -> Option<String> {
        forwarded_client(lines.iter().copied(), proxies).map(|ip| ip.to_string())
    }

    #[test]
    fn one_proxy_means_the_right_most_entry() {
        assert_eq!(client(&["203.0.113.7"], 1).as_deref(), Some("203.0.113.7"));
        // The client wrote "1.1.1.1" itself; the proxy appended the address it really came from.
        assert_eq!(client(&["1.1.1.1, 203.0.113.7"], 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(client(&["1.1.1.1", "203.0.113.7"], 1).as_deref(), Some("203.0.113.7"), "header lines in order");
        assert_eq!(client(&["1.1.1.1, 203.0.113.7"], 0).as_deref(), Some("203.0.113.7"), "0 counts as 1");
    }

    #[test]
    fn more_proxies_count_from_the_right() {
        let chain = ["spoofed, 203.0.113.7, 10.0.0.2"];
        assert_eq!(client(&chain, 2).as_deref(), Some("203.0.113.7"));
        assert_eq!(client(&chain, 3), None, "the client's own entry is not an address");
        assert_eq!(client(&["203.0.113.7"], 2), None, "fewer entries than proxies: not trusted");
    }

    #[test]
    fn addresses_with_ports_and_ipv6_are_read_and_junk_is_not() {
        assert_eq!(client(&["[2001:db8::1]:443"], 1).as_deref(), Some("2001:db8::1"));
        assert_eq!(client(&["2001:db8::1"], 1).as_deref(), Some("2001:db8::1"));
        assert_eq!(client(&["203.0.113.7:5678"], 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(client(&["1.1.1.1, not-an-ip"], 1), None);
        assert_eq!(client(&["1.1.1.1,"], 1), None);
        assert_eq!(client(&[], 1), None);
    }
}
