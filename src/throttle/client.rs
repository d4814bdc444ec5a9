//! The client's address: the peer's, or, behind trusted proxies, the first untrusted
//! hop of the forwarding headers read from the right.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;

use super::ThrottleError;
use crate::auth::Headers;

/// The most bytes of forwarding headers read per request; past it, the headers are
/// malformed.
pub const MAX_FORWARDING_BYTES: usize = 16 * 1024;
/// The most hops read from the forwarding headers.
pub const MAX_HOPS: usize = 64;

/// The proxies whose forwarding headers are believed: a list of networks (CIDRs).
/// Empty by default: every request's client is its peer.
///
/// ```
/// use portcullis::throttle::TrustedProxies;
///
/// let proxies = TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32, 127.0.0.1")?;
/// assert!(proxies.trusts("10.1.2.3".parse()?));
/// assert!(!proxies.trusts("192.0.2.1".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.networks.iter().map(ToString::to_string))
            .finish()
    }
}

/// Which header named the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The connection's peer: no trusted proxy in front, or no forwarding header.
    Peer,
    /// `X-Forwarded-For`.
    XForwardedFor,
    /// RFC 7239 `Forwarded`.
    Forwarded,
}

/// The client of a request, as [`TrustedProxies::client`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr {
    ip: IpAddr,
    via: Via,
    malformed: bool,
}

impl ClientAddr {
    /// A client seen directly.
    pub fn peer(ip: IpAddr) -> Self {
        ClientAddr {
            ip: canonical(ip),
            via: Via::Peer,
            malformed: false,
        }
    }

    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// Which header named it.
    pub fn via(&self) -> Via {
        self.via
    }

    /// Whether a trusted proxy forwarded headers that could not be read (an audit
    /// event): the client is then the last trusted hop before them.
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    /// The address counters are kept under: IPv4 as it is, IPv6 by its /64 (a single
    /// subscriber usually holds a whole /64).
    ///
    /// ```
    /// use portcullis::throttle::ClientAddr;
    ///
    /// let a = ClientAddr::peer("2001:db8:1:2:aaaa::1".parse()?);
    /// let b = ClientAddr::peer("2001:db8:1:2:bbbb::9".parse()?);
    /// assert_eq!(a.counting_key(), b.counting_key());
    /// assert_eq!(a.counting_key().to_string(), "2001:db8:1:2::");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn counting_key(&self) -> IpAddr {
        match self.ip {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        }
    }
}

/// The text counters name a client by, written into `buffer` without the
/// formatting machinery (which costs more than the rest of a rate decision): IPv4
/// dotted, IPv6 as eight lowercase hex groups (uncompressed: one spelling per
/// address is all a key needs).
pub(crate) fn counting_text<'b>(client: &ClientAddr, buffer: &'b mut [u8; 39]) -> &'b str {
    let mut length = 0;
    let mut push = |byte: u8| {
        buffer[length] = byte;
        length += 1;
    };
    match client.counting_key() {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    push(b'.');
                }
                if octet >= 100 {
                    push(b'0' + octet / 100);
                }
                if octet >= 10 {
                    push(b'0' + octet / 10 % 10);
                }
                push(b'0' + octet % 10);
            }
        }
        IpAddr::V6(v6) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for (i, group) in v6.segments().into_iter().enumerate() {
                if i > 0 {
                    push(b':');
                }
                for shift in [12, 8, 4, 0] {
                    push(HEX[usize::from((group >> shift) & 0xf)]);
                }
            }
        }
    }
    // Only ASCII digits, dots, colons and hex letters were written.
    std::str::from_utf8(&buffer[..length]).unwrap_or_default()
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl TrustedProxies {
    /// No proxy is trusted (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// The networks given.
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        TrustedProxies {
            networks: networks.into_iter().collect(),
        }
    }

    /// A comma-separated list of CIDRs or single addresses, as
    /// `PORTCULLIS_TRUSTED_PROXIES` holds it.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::InvalidConfig`] for an entry that is neither.
    pub fn parse(list: &str) -> Result<Self, ThrottleError> {
        let mut networks = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let network = IpNet::from_str(entry)
                .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                .map_err(|_| ThrottleError::InvalidConfig("a trusted proxy is not a CIDR or an address"))?;
            networks.push(network.trunc());
        }
        Ok(TrustedProxies { networks })
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks.iter().any(|network| network.contains(&ip))
    }

    /// The client of a request from `peer` with `headers`.
    ///
    /// The peer is the client unless it is a trusted proxy. Then the forwarding
    /// headers are read, every line of them, `Forwarded` (RFC 7239) when present and
    /// `X-Forwarded-For` otherwise, from the right: trusted hops are skipped and the
    /// first untrusted address is the client. An entry that is not an address
    /// (`unknown`, an obfuscated name, garbage) stops the walk: the client is then the
    /// last trusted hop, and the result is marked [`malformed`](ClientAddr::malformed).
    /// The leftmost entry, which the client itself writes, is reached only through
    /// trusted hops.
    ///
    /// ```
    /// use portcullis::throttle::{TrustedProxies, Via};
    ///
    /// let proxies = TrustedProxies::parse("10.0.0.0/8")?;
    /// // The client wrote 1.1.1.1 itself; the proxy 10.0.0.2 saw 203.0.113.9.
    /// let headers: &[(&str, &[u8])] = &[("x-forwarded-for", b"1.1.1.1, 203.0.113.9")];
    /// let client = proxies.client("10.0.0.2".parse()?, headers);
    /// assert_eq!((client.ip().to_string(), client.via()), ("203.0.113.9".into(), Via::XForwardedFor));
    /// // From an untrusted peer, the headers are ignored.
    /// assert_eq!(proxies.client("198.51.100.4".parse()?, headers).ip().to_string(), "198.51.100.4");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client<H: Headers + ?Sized>(&self, peer: IpAddr, headers: &H) -> ClientAddr {
        let peer = ClientAddr::peer(peer);
        if !self.trusts(peer.ip) {
            return peer;
        }
        let (hops, via) = match read_hops(headers.values("forwarded"), forwarded_entries) {
            Some(hops) => (hops, Via::Forwarded),
            None => match read_hops(headers.values("x-forwarded-for"), xff_entries) {
                Some(hops) => (hops, Via::XForwardedFor),
                None => return peer,
            },
        };
        let Ok(hops) = hops else {
            return ClientAddr {
                malformed: true,
                ..peer
            };
        };
        let mut nearest = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => {
                    nearest = ClientAddr {
                        ip: canonical(*ip),
                        via,
                        malformed: false,
                    }
                }
                Some(ip) => {
                    return ClientAddr {
                        ip: canonical(*ip),
                        via,
                        malformed: false,
                    };
                }
                None => {
                    return ClientAddr {
                        malformed: true,
                        ..nearest
                    };
                }
            }
        }
        nearest
    }
}

/// One hop: an address, or an entry that is not one (`None`).
type Hop = Option<IpAddr>;

/// The hops of every line of one header, in order: `None` when the header is absent,
/// `Some(Err(()))` past the limits.
fn read_hops<'a>(
    values: impl Iterator<Item = &'a [u8]>,
    entries: fn(&str, &mut Vec<Hop>) -> Result<(), ()>,
) -> Option<Result<Vec<Hop>, ()>> {
    let mut values = values.peekable();
    values.peek()?;
    let mut hops = Vec::new();
    let mut bytes = 0usize;
    for value in values {
        bytes += value.len();
        if bytes > MAX_FORWARDING_BYTES {
            return Some(Err(()));
        }
        let Ok(text) = std::str::from_utf8(value) else {
            return Some(Err(()));
        };
        if entries(text, &mut hops).is_err() || hops.len() > MAX_HOPS {
            return Some(Err(()));
        }
    }
    Some(Ok(hops))
}

/// `X-Forwarded-For`: addresses separated by commas, each optionally with a port
/// (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn xff_entries(text: &str, hops: &mut Vec<Hop>) -> Result<(), ()> {
    for entry in text.split(',') {
        hops.push(address(entry.trim_matches([' ', '\t'])));
    }
    Ok(())
}

/// RFC 7239 `Forwarded`: elements separated by commas, pairs by semicolons, values
/// tokens or quoted strings; the hop is the `for` parameter of each element.
fn forwarded_entries(text: &str, hops: &mut Vec<Hop>) -> Result<(), ()> {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        // One element: pairs up to an unquoted comma.
        let mut hop: Hop = None;
        loop {
            while at < bytes.len() && matches!(bytes[at], b' ' | b'\t') {
                at += 1;
            }
            let name_start = at;
            while at < bytes.len() && bytes[at] != b'=' && bytes[at] != b';' && bytes[at] != b',' {
                at += 1;
            }
            let name = text[name_start..at].trim_matches([' ', '\t']);
            if at >= bytes.len() || bytes[at] != b'=' {
                // A pair without a value (or an empty element): RFC 7239 has none.
                if !name.is_empty() {
                    return Err(());
                }
            } else {
                at += 1;
                let value = if at < bytes.len() && bytes[at] == b'"' {
                    let (value, end) = quoted(text, at)?;
                    at = end;
                    value
                } else {
                    let start = at;
                    while at < bytes.len() && !matches!(bytes[at], b';' | b',' | b' ' | b'\t') {
                        at += 1;
                    }
                    text[start..at].to_owned()
                };
                if name.eq_ignore_ascii_case("for") {
                    hop = address(&value);
                }
                while at < bytes.len() && matches!(bytes[at], b' ' | b'\t') {
                    at += 1;
                }
            }
            match bytes.get(at) {
                Some(b';') => at += 1,
                Some(b',') | None => break,
                Some(_) => return Err(()),
            }
        }
        hops.push(hop);
        match bytes.get(at) {
            Some(b',') => at += 1,
            _ => return Ok(()),
        }
    }
}

/// A quoted string starting at `start` (the opening quote): its value (escapes
/// removed) and the index after the closing quote.
fn quoted(text: &str, start: usize) -> Result<(String, usize), ()> {
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok((value, start + 1 + offset + 1)),
            '\\' => value.push(chars.next().ok_or(())?.1),
            c => value.push(c),
        }
    }
    Err(())
}

/// An address, with or without a port: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:80`.
fn address(text: &str) -> Hop {
    if let Ok(ip) = IpAddr::from_str(text) {
        return Some(ip);
    }
    if let Ok(socket) = SocketAddr::from_str(text) {
        return Some(socket.ip());
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    Ipv6Addr::from_str(inner).ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(trusted: &str, peer: &str, headers: &[(&str, &[u8])]) -> (String, Via, bool) {
        let found = TrustedProxies::parse(trusted)
            .unwrap()
            .client(peer.parse().unwrap(), headers);
        (found.ip().to_string(), found.via(), found.malformed())
    }

    #[test]
    fn forwarded_is_read_per_rfc_7239() {
        let headers: &[(&str, &[u8])] = &[
            ("forwarded", b"for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\""),
            (
                "forwarded",
                b"for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com",
            ),
        ];
        assert_eq!(
            client("198.51.100.0/24,10.0.0.0/8", "10.0.0.1", headers).0,
            "2001:db8:cafe::17"
        );
        assert_eq!(
            client("198.51.100.0/24,10.0.0.0/8,2001:db8::/32", "10.0.0.1", headers),
            ("192.0.2.43".into(), Via::Forwarded, false)
        );
        // `Forwarded` wins over X-Forwarded-For when both are sent.
        let both: &[(&str, &[u8])] = &[("x-forwarded-for", b"203.0.113.1"), ("forwarded", b"for=192.0.2.9")];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", both).0, "192.0.2.9");
    }

    #[test]
    fn entries_that_are_not_addresses_stop_at_the_last_trusted_hop() {
        for value in [&b"for=unknown"[..], b"for=_hidden", b"for=\"unterminated", b"for"] {
            let headers: &[(&str, &[u8])] = &[("forwarded", value)];
            assert_eq!(
                client("10.0.0.0/8", "10.0.0.1", headers),
                ("10.0.0.1".into(), Via::Peer, true),
                "{value:?}"
            );
        }
        let headers: &[(&str, &[u8])] = &[("x-forwarded-for", b"203.0.113.5, garbage, 10.0.0.7")];
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.1", headers),
            ("10.0.0.7".into(), Via::XForwardedFor, true)
        );
    }

    #[test]
    fn quoted_pairs_and_scopes_read_as_their_address() {
        let headers: &[(&str, &[u8])] = &[("forwarded", br#"for="[2001:db\8::17]:4711""#)];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", headers).0, "2001:db8::17");
        let headers: &[(&str, &[u8])] = &[("x-forwarded-for", b"[fe80::1%9]:1")];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", headers).0, "fe80::1");
    }

    #[test]
    fn every_line_counts_and_ports_are_dropped() {
        let headers: &[(&str, &[u8])] = &[
            ("x-forwarded-for", b"198.51.100.1"),
            ("x-forwarded-for", b"[2001:db8::5]:443, 10.0.0.3:8080"),
        ];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", headers).0, "2001:db8::5");
    }

    #[test]
    fn mapped_addresses_are_ipv4() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert!(proxies.trusts("::ffff:10.0.0.1".parse().unwrap()));
        assert_eq!(
            ClientAddr::peer("::ffff:192.0.2.1".parse().unwrap()).ip().to_string(),
            "192.0.2.1"
        );
    }

    #[test]
    fn counting_text_spells_each_address_one_way() {
        let text = |ip: &str| {
            let mut buffer = [0u8; 39];
            counting_text(&ClientAddr::peer(ip.parse().unwrap()), &mut buffer).to_owned()
        };
        assert_eq!(text("0.0.0.0"), "0.0.0.0");
        assert_eq!(text("192.0.2.255"), "192.0.2.255");
        assert_eq!(text("10.100.9.99"), "10.100.9.99");
        assert_eq!(text("2001:db8:1:2:aaaa::1"), "2001:0db8:0001:0002:0000:0000:0000:0000");
        assert_eq!(text("::ffff:192.0.2.1"), "192.0.2.1");
        for n in 0..=255u8 {
            let ip = std::net::Ipv4Addr::new(n, n, n, n);
            assert_eq!(text(&ip.to_string()), ip.to_string());
        }
    }

    #[test]
    fn limits_hold() {
        let many = vec!["192.0.2.1"; MAX_HOPS + 1].join(",");
        let headers: &[(&str, &[u8])] = &[("x-forwarded-for", many.as_bytes())];
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.1", headers),
            ("10.0.0.1".into(), Via::Peer, true)
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
    }
}
