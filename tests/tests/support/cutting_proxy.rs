//! A TCP proxy for the event-stream tests: it forwards everything, and closes each connection
//! after a random number of response-body bytes, so that a client sees real transport cuts
//! (inside an event, inside a chunk header, between events). Shared with `#[path]`; not a test
//! target of its own.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};

/// A TCP proxy in front of `upstream` that lets each connection carry at most a random number
/// (`1..=max_body`) of response-body bytes, then closes both sides: a cut anywhere, in a chunk
/// header, inside an event, between events.
pub fn cutting_proxy(upstream: SocketAddr, seed: u64, max_body: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut rng = fastrand::Rng::with_seed(seed);
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let budget = rng.usize(1..=max_body);
            std::thread::spawn(move || relay(client, upstream, budget));
        }
    });
    addr
}

fn relay(client: TcpStream, upstream: SocketAddr, budget: usize) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut from_client), Ok(mut to_server)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let mut head = Vec::new();
    let mut body_sent: Option<usize> = None;
    let mut buf = [0_u8; 4096];
    loop {
        let n = match from_server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (out, sent): (&[u8], usize) = match body_sent {
            None => {
                head.extend_from_slice(&buf[..n]);
                let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let body_start = end + 4;
                let body = (head.len() - body_start).min(budget);
                (&head[..body_start + body], body)
            }
            Some(sent) => {
                let body = n.min(budget - sent);
                (&buf[..body], sent + body)
            }
        };
        if to_client.write_all(out).is_err() {
            break;
        }
        if sent >= budget {
            break;
        }
        body_sent = Some(sent);
    }
    let _ = to_client.flush();
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = from_server.shutdown(Shutdown::Both);
}
