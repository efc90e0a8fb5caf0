//! Mode `serve`: a native echo server, the backend behind the proxy under test.
//!
//! In the proxy scenarios the process being measured is the proxy; whatever stands
//! behind it must be cheap and predictable, the same for every implementation, and
//! must not be billed to the proxy. So it is this separate process, not a Node script
//! (whose cost would vary with the runtime) and not the load generator's own thread
//! (which would then compete with the load it generates). It does not verify: the
//! load generator checks every byte end to end, through the proxy and back.
//!
//! It listens on 127.0.0.1, port 0, prints `{"port": P, "pid": PID}` once listening,
//! and exits when its stdin closes, like the benchmark's Node servers.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::args::{self, Flags};
use crate::failure::EXIT_FAILURE;
use crate::stdin_watch;

pub struct Options {
    buffer: usize,
}

pub fn options(flags: &mut Flags) -> Result<Options, String> {
    Ok(Options {
        buffer: args::positive(flags, "--buffer", 65536)?,
    })
}

pub async fn run(options: Options) -> ExitCode {
    let listener = match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("rsnet-loadgen serve: cannot listen on 127.0.0.1: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(err) => {
            eprintln!("rsnet-loadgen serve: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    println!("{{\"port\": {port}, \"pid\": {}}}", std::process::id());

    let closed = stdin_watch::closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            _ = &mut closed => return ExitCode::SUCCESS,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(echo(stream, options.buffer));
                }
                Err(err) => {
                    // Out of descriptors or similar: say so, and give the system a
                    // moment instead of spinning on the same error.
                    eprintln!("rsnet-loadgen serve: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

/// Echoes until the peer half-closes, then half-closes in turn. Errors end the
/// connection quietly: the proxy may reset it when a run is cut short, and the load
/// generator, not this process, decides whether a run failed.
async fn echo(mut stream: TcpStream, buffer: usize) {
    // The replies of the ping-pong runs are single small writes: send them now.
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; buffer];
    let result: io::Result<()> = async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return stream.shutdown().await;
            }
            stream.write_all(&buf[..n]).await?;
        }
    }
    .await;
    drop(result);
}
