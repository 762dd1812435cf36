//! One HTTP exchange with the `ureq` client (rustls for HTTPS; no
//! hand-written HTTP or TLS): the request as given, redirects followed by
//! hand so every hop's host is checked against the grants (tools-details
//! §22), the response with lower-case header names and a lossily decoded
//! body (§50, §52).
//!
//! The client adds `Host`, `Content-Length` and `User-Agent: lumen/VERSION`
//! and nothing else (§53: no `Accept`, no `Accept-Encoding`, no default
//! `Content-Type`). Proxies come from `HTTP(S)_PROXY`/`NO_PROXY` (ureq reads
//! them as curl does); trusted roots are the system's, Mozilla's, and the
//! file `SSL_CERT_FILE` names (§55). One agent, so connections are pooled
//! and reused across calls (§77).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ureq::http::{self, Method, Uri};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

/// A request as a tool sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// Absolute.
    pub url: String,
    /// As given: names as written, in order.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A response, whatever its status.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpReply {
    pub status: u16,
    /// Lower-case names, sorted; repeated headers joined with `, `
    /// (`set-cookie` with a newline).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why an exchange produced no response.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportError {
    /// No connection (or it broke before a reply): `target` is `host:port`,
    /// `reason` like `connection refused`. `transient` per §41.
    Connect {
        target: String,
        reason: String,
        transient: bool,
    },
    /// The deadline passed.
    Timeout,
    /// A redirect left the granted hosts: the policy message.
    Policy(String),
    /// Anything else (TLS, protocol, a malformed URL): not transient.
    Other(String),
}

impl TransportError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Connect {
                transient: true,
                ..
            }
        )
    }
}

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("lumen/", env!("CARGO_PKG_VERSION"));

/// Redirects followed at most (§22).
const MAX_REDIRECTS: usize = 5;

/// The largest response body read.
const MAX_BODY: u64 = 1 << 30;

fn agent() -> &'static Agent {
    static AGENT: OnceLock<Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(USER_AGENT)
            .accept(ureq::config::AutoHeaderValue::None)
            .accept_encoding(ureq::config::AutoHeaderValue::None)
            .tls_config(TlsConfig::builder().root_certs(root_certs()).build())
            .build()
            .new_agent()
    })
}

/// The system's roots (`rustls-native-certs`, which reads `SSL_CERT_FILE`
/// instead of them when it is set), Mozilla's, and `SSL_CERT_FILE`'s.
fn root_certs() -> RootCerts {
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let native = rustls_native_certs::load_native_certs();
    certs.extend(
        native
            .certs
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
    );
    if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
        if let Ok(pem) = std::fs::read(file) {
            for item in ureq::tls::parse_pem(&pem).flatten() {
                if let PemItem::Certificate(c) = item {
                    certs.push(c);
                }
            }
        }
    }
    RootCerts::new_with_certs(&certs)
}

/// The host of `url` as grants see it (§23), or why there is none.
pub fn host_of(url: &str) -> Result<String, String> {
    let uri: Uri = url.parse().map_err(|e| format!("invalid URL {url}: {e}"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) => Ok(super::grants::normalise_host(host)),
        _ => Err(format!(
            "invalid URL {url}: it needs http:// or https:// and a host"
        )),
    }
}

/// `url` with only the characters that may not appear in a URL (spaces,
/// control characters, non-ASCII) percent-encoded (§53).
pub fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b <= b' '
            || b >= 0x7f
            || matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The URL a `Location` header points to, from the URL that answered.
pub fn resolve_location(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if let Some(net) = location.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = &rest[authority_end..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    format!("{scheme}://{authority}{dir}{location}")
}

/// Sends `request` and reads the response, following redirects; each
/// hop's host must pass `allow_host` (which returns the policy message
/// otherwise). Gives up at `deadline`.
pub fn exchange(
    request: &HttpRequest,
    deadline: Instant,
    allow_host: &dyn Fn(&str) -> Result<(), String>,
) -> Result<HttpReply, TransportError> {
    let mut method = request.method.clone();
    let mut url = encode_url(&request.url);
    let mut body = request.body.clone();
    let mut hops = 0;
    loop {
        let reply = send_once(&method, &url, &request.headers, body.as_deref(), deadline)?;
        let location = reply.header("location").map(str::to_string);
        let redirect = matches!(reply.status, 301 | 302 | 303 | 307 | 308);
        let Some(location) = location.filter(|_| redirect && hops < MAX_REDIRECTS) else {
            return Ok(reply);
        };
        hops += 1;
        let next = encode_url(&resolve_location(&url, &location));
        let host = host_of(&next).map_err(TransportError::Other)?;
        allow_host(&host).map_err(TransportError::Policy)?;
        if reply.status == 303 {
            method = "GET".into();
            body = None;
        }
        url = next;
    }
}

fn send_once(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    deadline: Instant,
) -> Result<HttpReply, TransportError> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(TransportError::Timeout);
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| TransportError::Other(format!("invalid method {method}")))?;
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let target = target_of(url);
    let result = match body {
        Some(b) => {
            let req = builder
                .body(b.to_string())
                .map_err(|e| TransportError::Other(e.to_string()))?;
            let req = agent()
                .configure_request(req)
                .timeout_global(Some(remaining))
                .build();
            agent().run(req)
        }
        None => {
            let req = builder
                .body(())
                .map_err(|e| TransportError::Other(e.to_string()))?;
            let req = agent()
                .configure_request(req)
                .timeout_global(Some(remaining))
                .build();
            agent().run(req)
        }
    };
    let mut response = result.map_err(|e| classify(e, &target))?;
    let status = response.status().as_u16();
    let mut names: Vec<String> = response
        .headers()
        .keys()
        .map(|k| k.as_str().to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let headers = names
        .into_iter()
        .map(|name| {
            let values: Vec<String> = response
                .headers()
                .get_all(name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            let sep = if name == "set-cookie" { "\n" } else { ", " };
            (name, values.join(sep))
        })
        .collect();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| classify(e, &target))?;
    Ok(HttpReply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// `host:port` of `url`, for connection messages.
fn target_of(url: &str) -> String {
    match url.parse::<Uri>() {
        Ok(uri) => {
            let host = uri.host().unwrap_or("?").to_string();
            let port = uri
                .port_u16()
                .unwrap_or(if uri.scheme_str() == Some("https") {
                    443
                } else {
                    80
                });
            format!("{host}:{port}")
        }
        Err(_) => url.to_string(),
    }
}

fn classify(e: ureq::Error, target: &str) -> TransportError {
    use std::io::ErrorKind;
    let connect = |reason: &str, transient: bool| TransportError::Connect {
        target: target.to_string(),
        reason: reason.to_string(),
        transient,
    };
    match e {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        ureq::Error::HostNotFound => connect("no such host", false),
        ureq::Error::ConnectionFailed => connect("connection failed", true),
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => connect("connection refused", true),
            ErrorKind::ConnectionReset => connect("connection reset", true),
            ErrorKind::ConnectionAborted => connect("connection aborted", true),
            ErrorKind::BrokenPipe => connect("connection closed", true),
            ErrorKind::UnexpectedEof => connect("connection closed before a reply", true),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportError::Timeout,
            _ => connect(&io.to_string(), false),
        },
        other => TransportError::Other(other.to_string()),
    }
}

/// The reason phrase of a status code (`Not Found`).
pub fn reason_phrase(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// `404 Not Found`.
pub fn status_text(status: u16) -> String {
    let reason = reason_phrase(status);
    if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    }
}

/// Time left before `deadline`, for messages and waits.
pub fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_answering_url() {
        let base = "http://a.example:8080/v1/items?x=1";
        assert_eq!(
            resolve_location(base, "https://b.example/z"),
            "https://b.example/z"
        );
        assert_eq!(
            resolve_location(base, "//c.example/y"),
            "http://c.example/y"
        );
        assert_eq!(
            resolve_location(base, "/root"),
            "http://a.example:8080/root"
        );
        assert_eq!(
            resolve_location(base, "other"),
            "http://a.example:8080/v1/other"
        );
        assert_eq!(resolve_location("http://h", "x"), "http://h/x");
    }

    #[test]
    fn urls_keep_their_text_except_what_cannot_appear() {
        assert_eq!(encode_url("http://h/a b?q=é"), "http://h/a%20b?q=%C3%A9");
        assert_eq!(
            encode_url("http://h/a%20b?x=1&y=2"),
            "http://h/a%20b?x=1&y=2"
        );
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://API.example.com:8443/x"),
            Ok("api.example.com".into())
        );
        assert_eq!(host_of("http://[::1]:80/"), Ok("::1".into()));
        assert!(host_of("ftp://x/").is_err());
        assert_eq!(status_text(404), "404 Not Found");
        assert_eq!(status_text(599), "599");
    }
}
