//! Messages in and out: `-H key:value` flags, and how a received message is printed.

use natbus_tokio::proto::jetstream::base64;
use natbus_tokio::{HeaderMap, Message};
use serde_json::{Map, Value, json};

use crate::error::{CliError, CliResult};

/// Headers from repeated `-H key:value` flags (a key may repeat).
///
/// # Errors
/// [`CliError::Usage`] for a flag without `:`, an empty key, or a name or value NATS
/// headers cannot carry.
pub fn parse_headers(flags: &[String]) -> CliResult<Option<HeaderMap>> {
    if flags.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for flag in flags {
        let (name, value) = flag
            .split_once(':')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| !n.is_empty())
            .ok_or_else(|| {
                CliError::Usage(format!("invalid header '{flag}': expected key:value"))
            })?;
        headers.append(name, value);
    }
    headers
        .validate()
        .map_err(|e| CliError::Usage(format!("invalid header: {e}")))?;
    Ok(Some(headers))
}

/// The text form of a received message, as `nats sub` prints it:
///
/// ```text
/// [#1] Received on "orders.new" with reply "_INBOX.x"
/// Content-Type: application/json
///
/// {"id":1}
/// ```
pub fn render_text(number: u64, msg: &Message) -> Vec<u8> {
    let mut out = match &msg.reply {
        Some(reply) => format!(
            "[#{number}] Received on \"{}\" with reply \"{reply}\"\n",
            msg.subject
        ),
        None => format!("[#{number}] Received on \"{}\"\n", msg.subject),
    }
    .into_bytes();
    if let Some(headers) = &msg.headers {
        out.extend_from_slice(render_headers(headers).as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(&msg.payload);
    out.extend_from_slice(b"\n\n");
    out
}

/// Header lines `Name: value`, a status line first when there is one.
pub fn render_headers(headers: &HeaderMap) -> String {
    let mut out = String::new();
    if let Some(status) = headers.status() {
        let description = headers.description().unwrap_or_default();
        out.push_str(&format!("Status: {status} {description}\n"));
    }
    for (name, value) in headers.iter() {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out
}

/// The JSON form of a received message: subject, reply, headers (name → list of values),
/// size, and the payload as `data` (UTF-8 text) or `data_base64` (anything else).
pub fn to_json(number: Option<u64>, msg: &Message) -> Value {
    let mut object = Map::new();
    if let Some(number) = number {
        object.insert("number".into(), json!(number));
    }
    object.insert("subject".into(), json!(msg.subject.to_string()));
    object.insert(
        "reply".into(),
        json!(msg.reply.as_ref().map(|r| r.to_string())),
    );
    if let Some(headers) = &msg.headers {
        object.insert("headers".into(), headers_json(headers));
        if let Some(status) = headers.status() {
            object.insert("status".into(), json!(status.to_string()));
        }
    }
    insert_payload(&mut object, "data", &msg.payload);
    Value::Object(object)
}

/// Adds `size` and the payload as `<name>` (UTF-8 text) or `<name>_base64` (anything else).
pub fn insert_payload(object: &mut Map<String, Value>, name: &str, payload: &[u8]) {
    object.insert("size".into(), json!(payload.len()));
    match std::str::from_utf8(payload) {
        Ok(text) => object.insert(name.into(), json!(text)),
        Err(_) => object.insert(format!("{name}_base64"), json!(base64::encode(payload))),
    };
}

/// Headers as a JSON object of name → list of values.
pub fn headers_json(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for (name, value) in headers.iter() {
        if let Value::Array(values) = map.entry(name).or_insert_with(|| json!([])) {
            values.push(json!(value));
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_flags() {
        let headers = parse_headers(&["a:1".into(), "B: two words ".into(), "a:3".into()])
            .expect("valid flags")
            .expect("some headers");
        assert_eq!(headers.get_all("a").collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(headers.get("B"), Some("two words"));
        assert!(parse_headers(&["novalue".into()]).is_err());
        assert!(parse_headers(&[":x".into()]).is_err());
        assert!(parse_headers(&[]).expect("no flags").is_none());
    }

    #[test]
    fn binary_payloads_are_base64() {
        let mut object = Map::new();
        insert_payload(&mut object, "data", &[0xff, 0xfe, 0x00, 0x01]);
        assert_eq!(object["data_base64"], "//4AAQ==");
        assert_eq!(object["size"], 4);
        assert!(!object.contains_key("data"));
        let mut object = Map::new();
        insert_payload(&mut object, "data", b"foo");
        assert_eq!(object["data"], "foo");
    }
}
