//! An axum router served on 127.0.0.1.

use std::net::SocketAddr;

/// Serves `app` on 127.0.0.1 (an ephemeral port), with the client address known to
/// handlers and the audit log.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("serve");
    });
    addr
}
