//! The baseline for Heard's benchmarks: an actix-web server whose handlers return a constant,
//! run on the same machine in the same benchmark so that figures can be compared as ratios.
//!
//! `cargo run --release --example constant_server -- 127.0.0.1:8099`

use actix_web::{App, HttpResponse, HttpServer, web};

async fn constant() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    HttpServer::new(|| App::new().default_service(web::to(constant)))
        .bind(bind)?
        .run()
        .await
}
