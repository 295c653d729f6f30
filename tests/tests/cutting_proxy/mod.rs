//! A TCP proxy in front of a server, for cutting event streams the way a network does: on
//! [`CuttingProxy::cut`] every open connection is closed mid-response, so a client reading a
//! chunked body sees it end before its last chunk (a transport error, not a clean end), and
//! has to reconnect. It also keeps the request heads it forwarded, so a test can check what a
//! reconnect asked for (`Last-Event-ID`, `?after=`).

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// See the module documentation.
#[derive(Debug)]
pub struct CuttingProxy {
    /// `http://127.0.0.1:<port>`: the base URL to give a client.
    pub url: String,
    cuts: watch::Sender<u64>,
    /// What clients sent, per connection, in order.
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl CuttingProxy {
    /// A proxy to the server at `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("an http://ip:port upstream");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (cuts, _) = watch::channel(0_u64);
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (accept_cuts, accept_sent) = (cuts.subscribe(), Arc::clone(&sent));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let log = {
                    let mut sent = accept_sent.lock().unwrap();
                    sent.push(Vec::new());
                    sent.len() - 1
                };
                let mut cut = accept_cuts.clone();
                cut.borrow_and_update();
                let sent = Arc::clone(&accept_sent);
                tokio::spawn(async move {
                    tokio::select! {
                        _ = pump(&client, &server, Some((&sent, log))) => {}
                        _ = pump(&server, &client, None) => {}
                        _ = cut.changed() => {}
                    }
                    // Both sockets close here, in the middle of whatever was in flight.
                });
            }
        });
        CuttingProxy { url, cuts, sent }
    }

    /// Closes every connection open now; later connections go through.
    pub fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The head (request line and headers, lower-cased) of every request forwarded so far.
    pub fn request_heads(&self) -> Vec<String> {
        let sent = self.sent.lock().unwrap();
        sent.iter()
            .flat_map(|bytes| {
                String::from_utf8_lossy(bytes)
                    .split("\r\n\r\n")
                    .filter(|part| {
                        ["GET ", "POST ", "PUT ", "PATCH ", "DELETE "]
                            .iter()
                            .any(|m| part.starts_with(m))
                    })
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Copies `from` to `to` until either side closes, logging what passes if asked.
async fn pump(
    from: &TcpStream,
    to: &TcpStream,
    log: Option<(&Mutex<Vec<Vec<u8>>>, usize)>,
) -> std::io::Result<()> {
    let mut buf = vec![0_u8; 16 * 1024];
    loop {
        from.readable().await?;
        let n = match from.try_read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        };
        if let Some((sent, index)) = log {
            sent.lock().unwrap()[index].extend_from_slice(&buf[..n]);
        }
        let mut written = 0;
        while written < n {
            to.writable().await?;
            match to.try_write(&buf[written..n]) {
                Ok(k) => written += k,
                Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                Err(err) => return Err(err),
            }
        }
    }
}
