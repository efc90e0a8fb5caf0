//! Socket addresses between JS and the reactor.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

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

/// `host:port` as a socket address. Match node:net (libuv's uv_ip6_addr): an IPv6
/// address may name its zone, `fe80::1%lo` or `fe80::1%2`; an interface name that does
/// not exist is zone 0, and the kernel's error (EADDRNOTAVAIL, ENETUNREACH) follows at
/// bind or connect time, as node:net emits it.
pub fn parse_socket_addr(host: &str, port: u32) -> napi::Result<SocketAddr> {
    if let Some((ip, zone)) = host.split_once('%') {
        if let Ok(ip) = ip.parse::<Ipv6Addr>() {
            return Ok(SocketAddr::V6(SocketAddrV6::new(ip, port as u16, 0, zone_index(zone))));
        }
    }
    Ok(SocketAddr::new(parse_ip(host)?, port as u16))
}

/// The scope id of a zone: a number, or an interface name (`if_nametoindex`).
fn zone_index(zone: &str) -> u32 {
    if let Ok(n) = zone.parse::<u32>() {
        return n;
    }
    #[cfg(unix)]
    {
        let Ok(name) = std::ffi::CString::new(zone) else { return 0 };
        // SAFETY: a NUL-terminated string that outlives the call.
        unsafe { libc::if_nametoindex(name.as_ptr()) }
    }
    #[cfg(not(unix))]
    0
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
