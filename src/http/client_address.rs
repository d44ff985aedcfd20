//! The client's network address, also behind reverse proxies.
//!
//! Without configuration it is the TCP peer, and `X-Forwarded-For` is ignored (anyone can
//! send one). With `http.trusted_proxies` (`THILUAT_HTTP_TRUSTED_PROXIES`, addresses or
//! networks such as `127.0.0.1,10.0.0.0/8`), a request from one of them is attributed to the
//! address its proxies recorded: `X-Forwarded-For` is read from the right (each proxy appends
//! the address it received from), skipping trusted hops, and the first address that is not a
//! trusted proxy is the client. What a client wrote to the left of that is never believed, so
//! a forged header buys nothing. The address keys the per-address limits (registration, the
//! proof-of-work soft limit, organiser login failures), the abuse rules and the audit log.

use std::net::{IpAddr, SocketAddr};

pub use crate::domain::network::{canonical, InvalidNetwork, Network};

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>().ok().or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip())).map(canonical)
}

/// The client of a request from `peer` carrying the `X-Forwarded-For` values `forwarded`
/// (every such header, in order), given the trusted proxies.
pub fn client_ip<'a>(
    peer: Option<IpAddr>,
    forwarded: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[Network],
) -> Option<IpAddr> {
    let mut ip = canonical(peer?);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(ip) {
        return Some(ip);
    }
    for value in forwarded.rev() {
        for hop in value.rsplit(',') {
            // Garbage from here leftwards is not an address anyone vouched for: the last
            // trusted hop is the best we know.
            let Some(hop) = entry(hop) else { return Some(ip) };
            ip = hop;
            if !is_trusted(ip) {
                return Some(ip);
            }
        }
    }
    Some(ip)
}

/// The request's client address under `trusted`, as text (None without a peer, e.g. in tests
/// that call handlers directly).
pub fn of(req: &actix_web::HttpRequest, trusted: &[Network]) -> Option<String> {
    let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    client_ip(req.peer_addr().map(|a| a.ip()), forwarded.into_iter(), trusted).map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|s| s.parse().expect("network")).collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn networks_parse_and_contain() {
        let n: Network = "10.0.0.0/8".parse().expect("v4");
        assert!(n.contains("10.255.1.2".parse().expect("ip")));
        assert!(!n.contains("11.0.0.1".parse().expect("ip")));
        assert!(n.contains("::ffff:10.1.2.3".parse().expect("mapped")), "IPv4-mapped IPv6 is IPv4");
        let one: Network = "127.0.0.1".parse().expect("address");
        assert!(one.contains("127.0.0.1".parse().expect("ip")) && !one.contains("127.0.0.2".parse().expect("ip")));
        let v6: Network = "2001:db8::/32".parse().expect("v6");
        assert!(v6.contains("2001:db8:1::5".parse().expect("ip")) && !v6.contains("2001:db9::1".parse().expect("ip")));
        let all: Network = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains("203.0.113.9".parse().expect("ip")));
        for bad in ["", "10.0.0.0/33", "10.0.0/8", "example.org", "::/129", "10.0.0.0/x"] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        // No proxy configured, or a direct client: the header is ignored.
        assert_eq!(client_ip(ip("198.51.100.7"), ["1.2.3.4"].into_iter(), &[]), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("198.51.100.7"), ["1.2.3.4"].into_iter(), &trusted), ip("198.51.100.7"));
        // One proxy.
        assert_eq!(client_ip(ip("127.0.0.1"), ["203.0.113.5"].into_iter(), &trusted), ip("203.0.113.5"));
        // Two proxies, the inner one trusted too.
        assert_eq!(client_ip(ip("127.0.0.1"), ["203.0.113.5, 10.1.2.3"].into_iter(), &trusted), ip("203.0.113.5"));
        // A client that forges an entry: its own address (appended by the proxy) wins.
        assert_eq!(client_ip(ip("127.0.0.1"), ["6.6.6.6, 203.0.113.5"].into_iter(), &trusted), ip("203.0.113.5"));
        // Several headers count as one list, in order.
        assert_eq!(client_ip(ip("127.0.0.1"), ["6.6.6.6", "203.0.113.5"].into_iter(), &trusted), ip("203.0.113.5"));
        // Ports and IPv6.
        assert_eq!(client_ip(ip("127.0.0.1"), ["203.0.113.5:4711"].into_iter(), &trusted), ip("203.0.113.5"));
        assert_eq!(client_ip(ip("127.0.0.1"), ["[2001:db8::7]:4711"].into_iter(), &trusted), ip("2001:db8::7"));
        // A trusted proxy without the header, or with garbage: the proxy itself.
        assert_eq!(client_ip(ip("127.0.0.1"), std::iter::empty(), &trusted), ip("127.0.0.1"));
        assert_eq!(client_ip(ip("127.0.0.1"), ["unknown, 10.0.0.9"].into_iter(), &trusted), ip("10.0.0.9"));
        // Only trusted hops: the leftmost of them.
        assert_eq!(client_ip(ip("127.0.0.1"), ["10.0.0.2, 10.0.0.1"].into_iter(), &trusted), ip("10.0.0.2"));
        assert_eq!(client_ip(None, ["203.0.113.5"].into_iter(), &trusted), None);
    }
}
