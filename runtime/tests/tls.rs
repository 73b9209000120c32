//! TLS: reqwest is built without a rustls crypto provider of its own, so the client installs
//! ring's as the process default when none is installed. A test binary of its own, so that no
//! other test has installed one first: the process starts with none.
#![cfg(feature = "client")]

use graph_runtime::client::reqwest;
use graph_runtime::{BearerToken, Client};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Barrier};
use support::operations::GetStatus;

mod support;

const CA: &[u8] = include_bytes!("tls/ca.der");
const SERVER_CERT: &[u8] = include_bytes!("tls/leaf.der");
const SERVER_KEY: &[u8] = include_bytes!("tls/leaf.key.der");

/// One HTTPS server on 127.0.0.1 (its own rustls server, on a thread) that answers one request
/// with `body`; its certificate is signed by the test CA.
fn https_server(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/beta", listener.local_addr().unwrap());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(SERVER_CERT)], PrivatePkcs8KeyDer::from(SERVER_KEY).into())
        .unwrap();
    std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let connection = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).unwrap();
            assert!(n > 0, "the client closed the connection before its request's end");
            request.extend_from_slice(&buf[..n]);
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(answer.as_bytes()).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
    });
    url
}

#[tokio::test]
async fn clients_built_with_no_crypto_provider_installed_install_ring_and_speak_tls() {
    assert!(CryptoProvider::get_default().is_none(), "nothing in this process installs a provider before the client");

    // Several clients built at once, as a server's threads might: each finds a provider, and
    // whichever installs it, none fails or panics.
    let start = Arc::new(Barrier::new(4));
    let builders: Vec<_> = (0..4)
        .map(|_| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                Client::new(BearerToken::new("t")).is_ok()
            })
        })
        .collect();
    assert!(builders.into_iter().all(|b| b.join().unwrap()));
    let installed = CryptoProvider::get_default().expect("the client installed a provider");
    assert_eq!(format!("{installed:?}"), format!("{:?}", ring::default_provider()), "ring's provider");

    // A request over TLS through a builder of the user's (their root certificate), with the
    // provider installed: the handshake and the certificate check work, and the provider stays.
    let url = https_server(r#"{"id":"s1","installedDeviceCount":3}"#);
    let builder = reqwest::Client::builder().tls_certs_merge([reqwest::Certificate::from_der(CA).unwrap()]);
    let client = Client::with_http_builder(builder, BearerToken::new("t")).unwrap().with_base_url(&url).unwrap();
    let status = client.send(&GetStatus { id: "s1" }).await.unwrap().unwrap();
    assert_eq!(status.installed_device_count, Some(3));
    assert!(std::ptr::eq(installed, CryptoProvider::get_default().unwrap()));
}
