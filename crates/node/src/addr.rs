//! Socket addresses between JS and the reactor.

use std::net::IpAddr;

use napi_derive::napi;
use rsnet_reactor::SockAddr;

/// What `address()` returns in node:net, before JS adds anything.
#[napi(object)]
pub struct AddressInfo {
    pub address: String,
    /// 'IPv4', 'IPv6', or 'unix' for a path.
    pub family: String,
    pub port: u32,
}

pub fn parse_ip(host: &str) -> napi::Result<IpAddr> {
    host.parse().map_err(|_| napi::Error::new(napi::Status::InvalidArg, format!("rsnet: not an IP address: {host}")))
}

/// Match node:net: IPv6 addresses print in their compressed form (`::1`,
/// `::ffff:127.0.0.1`), as inet_ntop writes them.
pub fn to_js(addr: SockAddr) -> AddressInfo {
    match addr {
        SockAddr::Ip(sa) => AddressInfo {
            address: sa.ip().to_string(),
            family: if sa.is_ipv4() { "IPv4" } else { "IPv6" }.to_string(),
            port: sa.port() as u32,
        },
        SockAddr::Unix(path) => AddressInfo { address: path, family: "unix".to_string(), port: 0 },
    }
}
