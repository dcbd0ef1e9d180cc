//! Reading the server's HTTP monitoring endpoints (`/connz`, `/varz`, ...).
//!
//! A raw HTTP/1.0 GET keeps the harness free of an HTTP client dependency: HTTP/1.0 means
//! the server closes the connection after the body and never uses chunked encoding.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// GETs `path` (e.g. `/connz?subs=1`) from the monitoring port and parses the JSON body.
pub(crate) fn get_json(port: u16, path: &str) -> Result<serde_json::Value, String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let fail = |e: std::io::Error| format!("GET {path} from monitoring port {port}: {e}");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(fail)?;
    parse_response(&response).map_err(|e| format!("GET {path}: {e}"))
}

/// Checks the status line of a raw HTTP response and parses its body as JSON.
fn parse_response(response: &str) -> Result<serde_json::Value, String> {
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("truncated HTTP response: {response:?}"))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("HTTP status {status:?}, body: {body}"));
    }
    serde_json::from_str(body).map_err(|e| format!("body is not JSON ({e}): {body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_json_body() {
        let resp =
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"num_connections\":2}";
        let json = parse_response(resp).expect("a 200 with JSON parses");
        assert_eq!(json["num_connections"], 2);
    }

    #[test]
    fn rejects_errors_and_garbage() {
        let not_found = parse_response("HTTP/1.0 404 Not Found\r\n\r\n404 page not found");
        assert!(not_found.expect_err("404 fails").contains("404"));
        assert!(parse_response("HTTP/1.0 200 OK\r\n").is_err());
        assert!(parse_response("HTTP/1.0 200 OK\r\n\r\nnot json").is_err());
    }
}
