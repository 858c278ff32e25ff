//! Calls to URLs a business types in (the AI step's endpoint): they must not reach maitre's own machine, its
//! private network or a cloud metadata service, whatever the name resolves to. Names are checked by the resolver
//! of the one client used for them (so at connect time, as DNS answers then), IP literals before the request,
//! and redirects are never followed. Hosts the operator allows (a local Ollama) are exempt.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long the check on saving waits for DNS; an unanswered name is checked again at call time.
const SAVE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error("the URL must be an http:// or https:// address with a host")]
    Invalid,
    #[error("this address is not reachable from maitre: private or local network")]
    Private,
}

/// The clients for business-supplied URLs and the operator's allow list.
#[derive(Clone)]
pub struct Egress {
    /// Lower-case `host` or `host:port` entries; IPv6 hosts in brackets.
    allowed: Arc<[String]>,
    /// Public addresses only (checked by [`PublicOnly`]), no proxy, no redirects.
    guarded: reqwest::Client,
    /// For allowed hosts: ordinary resolution, still no redirects.
    direct: reqwest::Client,
}

impl Egress {
    pub fn new(allowed_hosts: &[String]) -> Result<Self, reqwest::Error> {
        let base = || reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        Ok(Egress {
            allowed: allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
            // A proxy would resolve the name itself, out of the resolver's sight.
            guarded: base().no_proxy().dns_resolver(Arc::new(PublicOnly)).build()?,
            direct: base().build()?,
        })
    }

    /// The client to call `url` with, or why it may not be called. Names are left to the guarded client's
    /// resolver; IP literals are decided here, as no resolver sees them.
    pub fn client_for(&self, url: &str) -> Result<&reqwest::Client, EgressError> {
        let target = Target::parse(url)?;
        if self.allows(&target) {
            return Ok(&self.direct);
        }
        match target.ip() {
            Some(ip) if !is_public(ip) => Err(EgressError::Private),
            _ => Ok(&self.guarded),
        }
    }

    /// The check when a business saves `url`: like [`Egress::client_for`], and a name is resolved now for a clear
    /// answer on the page. A name that does not resolve yet passes (the call checks again).
    pub async fn check(&self, url: &str) -> Result<(), EgressError> {
        let target = Target::parse(url)?;
        if self.allows(&target) || target.ip().is_some() {
            return self.client_for(url).map(|_| ());
        }
        let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
        match tokio::time::timeout(SAVE_LOOKUP_TIMEOUT, lookup).await {
            Ok(Ok(addrs)) => public_only(addrs).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn allows(&self, t: &Target) -> bool {
        let with_port = format!("{}:{}", t.host, t.port);
        self.allowed.iter().any(|a| *a == t.host || *a == with_port)
    }
}

/// A URL's host (lower case, IPv6 in brackets) and port.
struct Target {
    host: String,
    port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Self, EgressError> {
        let url = Url::parse(url).map_err(|_| EgressError::Invalid)?;
        let port = url.port_or_known_default().filter(|_| matches!(url.scheme(), "http" | "https"));
        match (url.host_str(), port) {
            (Some(host), Some(port)) => Ok(Target { host: host.to_ascii_lowercase(), port }),
            _ => Err(EgressError::Invalid),
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        self.host.trim_start_matches('[').trim_end_matches(']').parse().ok()
    }
}

/// The guarded client's resolver: a name is refused when any of its addresses is not public, so a mixed answer
/// cannot fall through to the private one.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok::<Addrs, Box<dyn std::error::Error + Send + Sync>>(Box::new(public_only(addrs)?.into_iter()))
        })
    }
}

fn public_only(addrs: impl Iterator<Item = SocketAddr>) -> Result<Vec<SocketAddr>, EgressError> {
    let addrs: Vec<SocketAddr> = addrs.collect();
    match addrs.iter().all(|a| is_public(a.ip())) {
        true => Ok(addrs),
        false => Err(EgressError::Private),
    }
}

/// Whether `ip` is an address on the public internet: not loopback, private, shared (CGNAT), link-local (cloud
/// metadata at 169.254.169.254 included), unspecified, multicast, broadcast, reserved or documentation, including
/// IPv4 addresses written as IPv6 (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", 0.0.0.0 included
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // protocol assignments, documentation
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // Unspecified, loopback and IPv4-compatible (::a.b.c.d) forms.
        [0, 0, 0, 0, 0, 0, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        [0x2002, hi, lo, ..] => is_public_v4(embedded_v4(hi, lo)),
        [first, second, ..] => {
            !(first == 0 // the rest of ::/8 is reserved
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (first & 0xff00) == 0xff00 // multicast
                || (first == 0x2001 && second == 0x0db8) // documentation
                || (first == 0x0100 && s[1..4] == [0, 0, 0])) // discard
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn private_and_local_ipv4_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in
            ["8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "93.184.215.14"]
        {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn private_and_local_ipv6_addresses_are_refused() {
        for ip in [
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in ["2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "fbff::1", "fe7f::1"] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn ipv4_written_as_ipv6_is_judged_as_ipv4() {
        for ip in ["::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.1.2.3", "::127.0.0.1", "64:ff9b::10.0.0.1"]
        {
            assert!(!public(ip), "{ip}");
        }
        assert!(!public("2002:7f00:1::1"), "6to4 of 127.0.0.1");
        for ip in ["::ffff:8.8.8.8", "64:ff9b::1.1.1.1", "2002:808:808::1"] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn ip_literals_are_refused_before_any_request_unless_allowed() {
        let egress = Egress::new(&["[::1]:11434".to_owned(), "LocalHost".to_owned()]).unwrap();
        for url in ["http://127.0.0.1:8080/v1", "http://[::1]:9000", "http://169.254.169.254/", "http://2130706433/"] {
            assert_eq!(egress.client_for(url).err(), Some(EgressError::Private), "{url}");
        }
        assert_eq!(egress.client_for("ftp://example.com/").err(), Some(EgressError::Invalid));
        assert_eq!(egress.client_for("not a url").err(), Some(EgressError::Invalid));
        assert!(egress.client_for("http://[::1]:11434/v1").is_ok(), "allowed host and port");
        assert!(egress.client_for("http://localhost:1234/v1").is_ok(), "allowed host, any port");
        assert!(egress.client_for("https://api.openai.com/v1").is_ok(), "names go to the guarded resolver");
    }
}
