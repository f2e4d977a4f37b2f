//! The client's address: the peer, or — when the peer is a trusted proxy — the right-most
//! address in `X-Forwarded-For` that is not itself a trusted proxy. An IPv4 address reached
//! through an IPv6 socket (`::ffff:10.0.0.2`, what a `[::]` bind reports) counts as IPv4,
//! so a `[::]` bind trusts its IPv4 proxies as any other bind does.

use std::convert::Infallible;
use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::app::AppState;
use crate::config::Settings;

/// The client's address, `None` only where the connection has no peer address (tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address of the client that sent `req`, believing only the configured proxies.
    pub fn of(req: &HttpRequest) -> Self {
        let settings = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.settings.clone());
        let trusted = |ip: IpAddr| settings.as_deref().is_some_and(|s| trusted_proxy(s, ip));
        Self(client_ip(req, trusted))
    }

    /// The address as the audit log writes it.
    pub fn text(self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

impl FromRequest for ClientIp {
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

/// Whether `ip` is one of the proxies whose `X-Forwarded-For` is believed
/// (`HEARD_TRUSTED_PROXIES`). The only place that reads that setting.
fn trusted_proxy(settings: &Settings, ip: IpAddr) -> bool {
    settings.trusted_proxies.iter().any(|net| net.contains(&ip))
}

fn client_ip(req: &HttpRequest, trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let peer = unmapped(req.peer_addr()?.ip());
    if !trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .map(unmapped)
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted(*ip))
            .unwrap_or(peer),
    )
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    /// Trusts 10.0.0.0/8, as `HEARD_TRUSTED_PROXIES=10.0.0.0/8` would.
    fn ten(ip: IpAddr) -> bool {
        matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 10)
    }

    fn request(peer: &str, forwarded: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr(peer.parse().unwrap())
            .insert_header(("X-Forwarded-For", forwarded))
            .to_http_request()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let direct = request("203.0.113.7:5000", "1.2.3.4");
        assert_eq!(client_ip(&direct, ten), "203.0.113.7".parse().ok());
        let proxied = request("10.0.0.2:5000", "6.6.6.6, 198.51.100.9, 10.0.0.3");
        assert_eq!(client_ip(&proxied, ten), "198.51.100.9".parse().ok());
        assert_eq!(client_ip(&proxied, |_| false), "10.0.0.2".parse().ok());
        let no_peer = TestRequest::default().to_http_request();
        assert_eq!(client_ip(&no_peer, ten), None);
    }

    #[test]
    fn an_ipv4_proxy_behind_an_ipv6_bind_is_still_trusted() {
        // A `[::]` bind reports an IPv4 peer as ::ffff:10.0.0.2.
        let mapped = request("[::ffff:10.0.0.2]:5000", "198.51.100.9");
        assert_eq!(client_ip(&mapped, ten), "198.51.100.9".parse().ok());
        // The client itself is reported as IPv4 too, and so is a mapped forwarded address.
        let direct = request("[::ffff:203.0.113.7]:5000", "1.2.3.4");
        assert_eq!(client_ip(&direct, ten), "203.0.113.7".parse().ok());
        let forwarded = request("[::ffff:10.0.0.2]:5000", "::ffff:198.51.100.9, 10.0.0.3");
        assert_eq!(client_ip(&forwarded, ten), "198.51.100.9".parse().ok());
        // A real IPv6 peer stays IPv6 (and is not in 10.0.0.0/8).
        let v6 = request("[2001:db8::1]:5000", "198.51.100.9");
        assert_eq!(client_ip(&v6, ten), "2001:db8::1".parse().ok());
    }
}
