//! Who is asking: the client address the rate limiter counts, from the TCP peer or, behind a
//! trusted proxy, `X-Forwarded-For` (see the module docs of `limit`).

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

use crate::AppState;

/// The client's address as the rate limiter sees it: the TCP peer, or the right-most
/// `X-Forwarded-For` entry when `trust_forwarded_for` is set. `None` when the app is served
/// without connect info.
///
/// Extract it in a handler and pass it on: `state.limiter().check(&form.id, client.ip())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address, if known.
    pub fn ip(self) -> Option<IpAddr> {
        self.0
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            state.limiter().trusts_forwarded_for(),
        )))
    }
}

/// The client address from the TCP `peer` and, when `trust_forwarded_for`, the last
/// `X-Forwarded-For` entry — the one our proxy appended; entries left of it were written by
/// whoever sent the request. An entry that is not an address falls back to the peer.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if !trust_forwarded_for {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .and_then(|entry| {
            entry
                .parse::<IpAddr>()
                .ok()
                .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        });
    forwarded.or(peer)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use axum::http::HeaderValue;

    use super::*;

    fn v4(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(n))
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let peer = Some(v4(7));
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 1.2.3.4"),
        );
        assert_eq!(client_ip(peer, &h, false), peer);
        assert_eq!(client_ip(peer, &h, true), Some("1.2.3.4".parse().unwrap()));
        // Several headers: the last one was appended last.
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("[2001:db8::1]:443"),
        );
        assert_eq!(
            client_ip(peer, &h, true),
            Some("2001:db8::1".parse().unwrap())
        );
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, unknown"),
        );
        assert_eq!(client_ip(peer, &h, true), peer);
        assert_eq!(client_ip(peer, &HeaderMap::new(), true), peer);
    }
}
