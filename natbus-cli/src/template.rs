//! Body templates of `pub` and `reply`, as in the `nats` CLI: `{{Count}}` is the 1-based
//! message number.

/// `body` with every `{{Count}}` (spaces inside the braces allowed) replaced by `count`.
pub fn render(body: &[u8], count: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = find(rest, b"{{") {
        out.extend_from_slice(&rest[..start]);
        let after = &rest[start + 2..];
        match find(after, b"}}") {
            Some(end) if after[..end].trim_ascii() == b"Count" => {
                out.extend_from_slice(count.to_string().as_bytes());
                rest = &after[end + 2..];
            }
            _ => {
                out.extend_from_slice(b"{{");
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

/// True when `body` uses a template, so it must be rendered per message.
pub fn has_count(body: &[u8]) -> bool {
    render(body, 0) != body
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_count() {
        assert_eq!(render(b"msg {{Count}}", 3), b"msg 3");
        assert_eq!(render(b"{{ Count }}/{{Count}}", 12), b"12/12");
        assert_eq!(render(b"{{Other}} {{", 1), b"{{Other}} {{");
        assert_eq!(render(b"plain", 1), b"plain");
        assert!(has_count(b"a{{Count}}"));
        assert!(!has_count(b"a{{Counts}}"));
    }
}
