//! The response envelope every JetStream API reply shares, and paging.
//!
//! Every reply is a JSON object that, on failure, carries `"error": {code, err_code,
//! description}` next to fields that may be absent or zero. [`parse_response`] therefore
//! looks at `error` before it tries to read the success shape, so a failure is never
//! misreported as a JSON error about a missing field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// An error the JetStream API returned in its `error` field.
///
/// Match on [`err_code`](Self::err_code) (see [`errors`](super::errors)), not on the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{description} (status {code}, err_code {err_code})")]
pub struct ApiError {
    /// HTTP-like status (400, 404, 500, 503, …).
    #[serde(default)]
    pub code: u16,
    /// The server's specific error code, e.g. 10059 for "stream not found".
    #[serde(default)]
    pub err_code: u16,
    /// Human-readable reason; for config errors it says which rule was broken.
    #[serde(default)]
    pub description: String,
}

/// Why a JetStream API response could not be turned into the expected value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The server answered with an error.
    #[error("JetStream API error: {0}")]
    Api(#[from] ApiError),
    /// The reply was not the JSON we expected (a server/client version mismatch or a bug).
    #[error("invalid JetStream API response: {0}")]
    Json(#[from] serde_json::Error),
}

impl ResponseError {
    /// The API error, when the server sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            Self::Json(_) => None,
        }
    }

    /// The server's `err_code`, when the server sent an error.
    pub fn err_code(&self) -> Option<u16> {
        self.api_error().map(|e| e.err_code)
    }
}

#[derive(Deserialize)]
struct ErrorProbe {
    #[serde(default)]
    error: Option<ApiError>,
}

/// Parses a JetStream API reply, checking the `error` field first.
///
/// # Errors
/// [`ResponseError::Api`] when the reply carries an `error`; [`ResponseError::Json`] when
/// it is not valid JSON or lacks the fields of `T`.
pub fn parse_response<T: DeserializeOwned>(json: &[u8]) -> Result<T, ResponseError> {
    let probe: ErrorProbe = serde_json::from_slice(json)?;
    if let Some(error) = probe.error {
        return Err(ResponseError::Api(error));
    }
    Ok(serde_json::from_slice(json)?)
}

/// The reply of delete-style calls: `{"success": true}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessResponse {
    /// Whether the operation happened.
    #[serde(default)]
    pub success: bool,
}

/// The paging fields of list and names replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Items in the whole listing.
    #[serde(default)]
    pub total: u64,
    /// Offset of this page's first item.
    #[serde(default)]
    pub offset: u64,
    /// Largest page the server sends.
    #[serde(default)]
    pub limit: u64,
}

/// Walks a paged listing: tells the offset of the next request, or that the listing is done.
///
/// Keep requesting with `offset` = items received so far while that is below `total`, and
/// stop on an empty page too (the listing may shrink while it is read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pager {
    received: u64,
    done: bool,
}

impl Pager {
    /// A pager that starts at offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The offset to request next, or `None` when the listing is complete.
    pub fn next_offset(&self) -> Option<u64> {
        (!self.done).then_some(self.received)
    }

    /// Records a received page with `items` entries and the reply's paging fields.
    pub fn on_page(&mut self, items: usize, page: Page) {
        self.received += items as u64;
        if items == 0 || self.received >= page.total {
            self.done = true;
        }
    }
}

/// The items of one listing page, parsed one by one.
///
/// An item the server lists may hold what another client configured in a shape this
/// version cannot read (a value a newer server accepts, say); it is set aside in `skipped`
/// instead of failing the whole page, so one such stream or consumer never hides the rest.
/// Serializes as the array of parsed items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItems<T> {
    /// The items that parsed, in the server's order.
    pub items: Vec<T>,
    /// The items that did not parse.
    pub skipped: Vec<SkippedItem>,
}

/// An item of a listing that could not be read (see [`ListItems`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    /// Its name (`name`, or else `config.name`), when that much can be read.
    pub name: Option<String>,
    /// Why it could not be read.
    pub error: String,
}

impl<T> ListItems<T> {
    /// Every item of the page, read or skipped: what a [`Pager`] counts.
    pub fn len(&self) -> usize {
        self.items.len() + self.skipped.len()
    }

    /// True when the page had no items at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for ListItems<T> {
    fn default() -> Self {
        ListItems {
            items: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListItems<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default();
        let mut list = ListItems::default();
        for value in raw {
            let name = value
                .get("name")
                .or_else(|| value.get("config").and_then(|c| c.get("name")))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            match T::deserialize(value) {
                Ok(item) => list.items.push(item),
                Err(e) => list.skipped.push(SkippedItem {
                    name,
                    error: e.to_string(),
                }),
            }
        }
        Ok(list)
    }
}

impl<T: Serialize> Serialize for ListItems<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(s)
    }
}

/// The body of a paged request: `{"offset": n}` plus, for stream listings, a subject filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagedRequest {
    /// Items to skip.
    #[serde(default, skip_serializing_if = "super::json::is_zero")]
    pub offset: u64,
    /// Only streams that capture this subject (STREAM.NAMES/LIST only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Named {
        name: String,
    }

    #[test]
    fn error_is_checked_first() {
        let json = br#"{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0}"#;
        let err = parse_response::<Named>(json).expect_err("the reply carries an error");
        let api = err.api_error().expect("an API error, not a JSON one");
        assert_eq!(
            api,
            &ApiError {
                code: 404,
                err_code: 10059,
                description: "stream not found".into()
            }
        );
        assert_eq!(
            api.to_string(),
            "stream not found (status 404, err_code 10059)"
        );
    }

    #[test]
    fn success_and_json_errors() {
        let ok: Named = parse_response(br#"{"type":"x","name":"a"}"#).expect("valid");
        assert_eq!(ok.name, "a");
        assert!(matches!(
            parse_response::<Named>(br#"{"type":"x"}"#),
            Err(ResponseError::Json(_))
        ));
        assert!(matches!(
            parse_response::<Named>(b"not json"),
            Err(ResponseError::Json(_))
        ));
        let s: SuccessResponse = parse_response(
            br#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","success":true}"#,
        )
        .expect("valid");
        assert!(s.success);
    }

    #[test]
    fn pager_walks_pages_and_stops_on_empty() {
        let mut p = Pager::new();
        assert_eq!(p.next_offset(), Some(0));
        p.on_page(
            2,
            Page {
                total: 5,
                offset: 0,
                limit: 2,
            },
        );
        assert_eq!(p.next_offset(), Some(2));
        p.on_page(
            2,
            Page {
                total: 5,
                offset: 2,
                limit: 2,
            },
        );
        assert_eq!(p.next_offset(), Some(4));
        p.on_page(
            1,
            Page {
                total: 5,
                offset: 4,
                limit: 2,
            },
        );
        assert_eq!(p.next_offset(), None);

        let mut shrinking = Pager::new();
        shrinking.on_page(
            0,
            Page {
                total: 9,
                offset: 0,
                limit: 2,
            },
        );
        assert_eq!(shrinking.next_offset(), None);
    }

    #[test]
    fn paged_request_omits_unset() {
        assert_eq!(
            serde_json::to_string(&PagedRequest::default()).expect("serializes"),
            "{}"
        );
        let r = PagedRequest {
            offset: 3,
            subject: Some("a.>".into()),
        };
        assert_eq!(
            serde_json::to_string(&r).expect("serializes"),
            r#"{"offset":3,"subject":"a.>"}"#
        );
    }
}
