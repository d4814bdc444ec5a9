//! Serving an axum router over TLS with client certificates: the accept loop axum
//! itself does not have (axum #2697, axum-server #162).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::TokioIo;

use crate::tls::{IdentitySource, PeerIdentity};

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` over TLS with `config` (see
/// [`tls::server_config`](crate::tls::server_config)), HTTP/1.1, until the listener
/// fails. Each connection's client certificate, when it presented one, is read once
/// into a [`PeerIdentity`] and put into every request's extensions as
/// `Arc<PeerIdentity>`, beside `ConnectInfo<SocketAddr>`: the [`AuthLayer`](super::AuthLayer)
/// and the extractors find it there. A handshake that fails or takes longer than
/// [`HANDSHAKE_TIMEOUT`] closes its connection and nothing else.
///
/// ```no_run
/// use portcullis::tls::{ClientAuth, server_config};
///
/// # async fn run(cert: &[u8], key: &[u8], ca: &[u8], app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
/// let config = server_config(cert, key, Some(ca), ClientAuth::Optional)?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
/// portcullis::axum::serve_tls(listener, config, app).await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The listener's, when accepting fails for another reason than one connection's
/// (those are logged and the loop goes on).
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: axum::Router,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) if is_per_connection(&err) => continue,
            Err(err) => {
                // Out of descriptors and the like: wait, then go on.
                tracing::warn!(target: "portcullis::audit", event = "accept_failed", error = %err);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await else {
                return;
            };
            let identity = connection_identity(tls.get_ref().1.peer_certificates(), peer);
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                if let Some(identity) = &identity {
                    request.extensions_mut().insert(identity.clone());
                }
                let mut app = app.clone();
                async move { tower_service::Service::call(&mut app, request).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// The identity of a connection's verified client certificate (its leaf).
fn connection_identity(
    certificates: Option<&[rustls::pki_types::CertificateDer<'_>]>,
    peer: SocketAddr,
) -> Option<Arc<PeerIdentity>> {
    let leaf = certificates?.first()?;
    match PeerIdentity::from_der(leaf, IdentitySource::Direct) {
        Ok(identity) => Some(Arc::new(identity)),
        Err(err) => {
            // Verified by webpki, yet unreadable here: no identity, and say so.
            tracing::warn!(target: "portcullis::audit", event = "client_certificate_unread", code = err.code(), peer = %peer.ip());
            None
        }
    }
}

fn is_per_connection(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::Interrupted
    )
}
