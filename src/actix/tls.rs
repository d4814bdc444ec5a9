//! Client certificates under actix-web's rustls server.

use std::any::Any;
use std::sync::Arc;

use actix_web::dev::Extensions;

use crate::tls::{IdentitySource, PeerIdentity};

/// For [`HttpServer::on_connect`](actix_web::HttpServer::on_connect) with
/// `bind_rustls_0_23` (see [`tls::server_config`](crate::tls::server_config)): reads
/// the connection's client certificate, when it presented one, once into a
/// [`PeerIdentity`], kept in the connection's data as `Arc<PeerIdentity>` for every
/// request on it: the [`AuthMiddleware`](super::AuthMiddleware) and the extractors
/// find it there. Plain-TCP connections get nothing.
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use portcullis::tls::{ClientAuth, server_config};
///
/// # async fn run(cert: &[u8], key: &[u8], ca: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// let config = server_config(cert, key, Some(ca), ClientAuth::Optional)?;
/// HttpServer::new(|| App::new())
///     .on_connect(portcullis::actix::tls_on_connect)
///     .bind_rustls_0_23("127.0.0.1:8443", (*config).clone())?
///     .run()
///     .await?;
/// # Ok(())
/// # }
/// ```
pub fn tls_on_connect(connection: &dyn Any, data: &mut Extensions) {
    type Stream = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;
    let Some(stream) = connection.downcast_ref::<Stream>() else {
        return;
    };
    let (tcp, session) = stream.get_ref();
    let Some(leaf) = session
        .peer_certificates()
        .and_then(|certificates| certificates.first())
    else {
        return;
    };
    match PeerIdentity::from_der(leaf, IdentitySource::Direct) {
        Ok(identity) => {
            data.insert(Arc::new(identity));
        }
        Err(err) => {
            let peer = tcp.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_default();
            tracing::warn!(target: "portcullis::audit", event = "client_certificate_unread", code = err.code(), peer);
        }
    }
}
