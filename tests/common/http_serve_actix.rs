//! An actix-web app served on 127.0.0.1.

use std::net::SocketAddr;

/// Serves an actix-web app made by `configure` on 127.0.0.1 (an ephemeral port),
/// as `HttpServer` runs in production: its own thread and actix system, here with
/// one worker.
pub fn serve_actix<F>(configure: F) -> SocketAddr
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("bind");
            sender.send(server.addrs()[0]).expect("address");
            server.run().await.expect("serve");
        });
    });
    receiver.recv().expect("server address")
}
