//! An actix-web app served over TLS on 127.0.0.1 with client certificates read on
//! connect (`portcullis::actix::tls_on_connect`), as a service would run it: its own
//! thread and actix system, one worker.

use std::net::SocketAddr;
use std::sync::Arc;

/// Serves the app `configure` makes with `config` on an ephemeral port.
pub fn serve_actix_tls<F>(config: Arc<rustls::ServerConfig>, configure: F) -> SocketAddr
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
                .workers(1)
                .on_connect(portcullis::actix::tls_on_connect)
                .bind_rustls_0_23(("127.0.0.1", 0), (*config).clone())
                .expect("bind");
            sender.send(server.addrs()[0]).expect("address");
            server.run().await.expect("serve");
        });
    });
    receiver.recv().expect("server address")
}
