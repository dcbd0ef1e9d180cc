//! Object stores (ADR-20): chunked puts and gets, overwrite, delete, list, corruption, and
//! interop with nats-py's object store (including links natbus made).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use natbus::Runtime;
use natbus::jetstream::{
    JetStream, JetStreamError, ObjectMeta, ObjectStore, ObjectStoreConfig, PublishOptions,
};
use natbus::proto::jetstream::base64;
use natbus::proto::jetstream::object::{self as layout, ObjectError};
use natbus::{HeaderMap, jetstream};
use natbus_tests::NatsServer;

use super::python::{nats_py, run_python};
use super::{WAIT, connect, options, within};

const CHUNK: usize = 128 * 1024;

/// Deterministic test data that differs per seed (the nats-py script makes the same).
/// The whole of object `name`, read and checked.
pub(super) async fn read_object(obs: &ObjectStore, name: &str) -> bytes::Bytes {
    let object = obs.get(name).await.expect("get");
    object.bytes().await.expect("the object's bytes")
}

/// The names `obs` lists, sorted.
pub(super) async fn sorted_names(obs: &ObjectStore) -> Vec<String> {
    let mut names: Vec<String> = obs
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|i| i.name)
        .collect();
    names.sort();
    names
}

pub(super) fn data(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

/// A reader that hands out at most 1000 bytes per read, as a socket or pipe might.
struct Trickle<'a>(&'a [u8]);

impl futures::io::AsyncRead for Trickle<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(self.0.len()).min(1000);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

/// A reader that fails after handing out `0.len()` bytes.
struct FailsAfter<'a>(&'a [u8]);

impl futures::io::AsyncRead for FailsAfter<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.0.is_empty() {
            return Poll::Ready(Err(std::io::Error::other("disk on fire")));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

pub(super) async fn store(
    rt: &Arc<dyn Runtime>,
    server: &NatsServer,
    bucket: &str,
) -> (JetStream, ObjectStore) {
    let js = connect(rt, options(&server.url())).await.jetstream();
    let obs = js
        .create_object_store(ObjectStoreConfig::new(bucket))
        .await
        .expect("create the object store");
    (js, obs)
}

async fn stored_messages(js: &JetStream, bucket: &str) -> u64 {
    js.stream_info(&layout::stream_name(bucket))
        .await
        .expect("stream info")
        .state
        .messages
}

fn is_not_found(e: &JetStreamError) -> bool {
    matches!(e, JetStreamError::ObjectNotFound { .. })
}

pub async fn obj_put_get_round_trip_spans_chunks(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "files").await;
    let big = data((1 << 20) + 123, 1);
    let info = within(&rt, WAIT, "put", obs.put("dir/big file.bin", Trickle(&big)))
        .await
        .expect("put");
    assert_eq!(info.size, big.len() as u64);
    assert_eq!(info.chunks as usize, big.len().div_ceil(CHUNK));
    let digest = info
        .digest
        .strip_prefix("SHA-256=")
        .expect("SHA-256 digest");
    assert_eq!(base64::decode_url(digest).expect("base64url").len(), 32);
    assert_eq!(
        (info.name.as_str(), info.bucket.as_str()),
        ("dir/big file.bin", "files")
    );
    // 9 chunks and one description.
    assert_eq!(stored_messages(&js, "files").await, info.chunks as u64 + 1);

    let stored = obs.info("dir/big file.bin").await.expect("info");
    assert_eq!(
        (&stored.nuid, stored.size, stored.chunks, &stored.digest),
        (&info.nuid, info.size, info.chunks, &info.digest)
    );
    let age = SystemTime::now()
        .duration_since(stored.mtime)
        .unwrap_or_default();
    assert!(
        age < Duration::from_secs(60),
        "mtime is the meta message's time: {age:?}"
    );

    let mut object = obs.get("dir/big file.bin").await.expect("get");
    assert_eq!(object.info().size, big.len() as u64);
    let mut read = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = within(&rt, WAIT, "a chunk", object.next()).await {
        let chunk = chunk.expect("chunk");
        assert!(chunk.len() <= CHUNK);
        read.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert_eq!(chunks, info.chunks);
    assert!(read == big, "the object read back differs");

    let small = data(2500, 2);
    let meta = ObjectMeta::new("small")
        .chunk_size(1000)
        .description("three chunks")
        .header("Content-Type", "application/octet-stream");
    let info = obs.put_bytes(meta, small.clone()).await.expect("put small");
    assert_eq!((info.size, info.chunks), (2500, 3));
    let object = obs.get("small").await.expect("get small");
    assert_eq!(object.info().description.as_deref(), Some("three chunks"));
    assert_eq!(
        object.info().headers["Content-Type"],
        ["application/octet-stream"]
    );
    assert_eq!(
        within(&rt, WAIT, "bytes", object.bytes())
            .await
            .expect("bytes"),
        small
    );

    let empty = obs.put_bytes("empty", "").await.expect("put empty");
    assert_eq!((empty.size, empty.chunks), (0, 0));
    let bytes = read_object(&obs, "empty").await;
    assert!(bytes.is_empty());

    let e = obs.put_bytes("", "x").await.expect_err("empty name");
    assert!(
        matches!(e, JetStreamError::Object(ObjectError::EmptyName)),
        "{e:?}"
    );
    let e = js
        .object_store("missing")
        .await
        .expect_err("no such bucket");
    assert!(matches!(e, JetStreamError::ObjectStoreNotFound(_)), "{e:?}");
    let status = js
        .object_store("files")
        .await
        .expect("bind")
        .status()
        .await
        .expect("status");
    assert_eq!(status.bucket, "files");
    assert!(status.size > big.len() as u64 && !status.sealed);
}

pub async fn obj_overwrite_purges_old_chunks_and_delete_hides(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "ow").await;
    let first = obs.put_bytes("a", data(300_000, 3)).await.expect("put");
    assert_eq!(first.chunks, 3);
    assert_eq!(stored_messages(&js, "ow").await, 4);

    let second = obs.put_bytes("a", data(100, 4)).await.expect("overwrite");
    assert_ne!(first.nuid, second.nuid);
    // The old chunks are purged and the rollup left one description.
    assert_eq!(stored_messages(&js, "ow").await, 2);
    let bytes = read_object(&obs, "a").await;
    assert_eq!(bytes, data(100, 4));

    // A put whose data fails midway leaves neither chunks nor a changed object behind.
    let partial = data(3 * CHUNK + 10, 6);
    let e = obs
        .put("a", FailsAfter(&partial))
        .await
        .expect_err("the reader fails");
    assert!(
        matches!(&e, JetStreamError::ReadData(io) if io.to_string() == "disk on fire"),
        "{e:?}"
    );
    assert_eq!(stored_messages(&js, "ow").await, 2);
    assert_eq!(obs.info("a").await.expect("still there").nuid, second.nuid);

    obs.delete("a").await.expect("delete");
    // Only the "deleted" description is left.
    assert_eq!(stored_messages(&js, "ow").await, 1);
    assert!(is_not_found(&obs.info("a").await.expect_err("deleted")));
    assert!(is_not_found(&obs.get("a").await.expect_err("deleted")));
    assert!(is_not_found(
        &obs.delete("a").await.expect_err("deleted twice")
    ));
    assert!(is_not_found(&obs.get("never").await.expect_err("absent")));

    // A put after a delete works, and leaves no trace of the delete.
    obs.put_bytes("a", "again").await.expect("put after delete");
    assert_eq!(stored_messages(&js, "ow").await, 2);
    assert!(js.delete_object_store("ow").await.expect("delete bucket"));
    let e = js.delete_object_store("ow").await.expect_err("gone");
    assert!(matches!(e, JetStreamError::ObjectStoreNotFound(_)), "{e:?}");
}

pub async fn obj_list_shows_exactly_the_live_objects(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (_js, obs) = store(&rt, &server, "ls").await;
    assert!(obs.list().await.expect("list empty").is_empty());
    for name in ["x", "y", "z z", "ü/1"] {
        obs.put_bytes(name, name.to_owned()).await.expect("put");
    }
    obs.delete("y").await.expect("delete");
    obs.put_bytes("z z", "newer").await.expect("overwrite");
    let mut listed: Vec<(String, u64)> = within(&rt, WAIT, "list", obs.list())
        .await
        .expect("list")
        .into_iter()
        .map(|i| (i.name, i.size))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![("x".into(), 1), ("z z".into(), 5), ("ü/1".into(), 4)]
    );
}

/// Publishes a hand-made description, as a faulty writer would.
async fn publish_description(js: &JetStream, info: &jetstream::ObjectInfo) {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Rollup", "sub");
    let subject = layout::meta_subject(&info.bucket, &info.name).expect("valid name");
    js.publish_with(
        subject,
        Some(headers),
        &PublishOptions::default(),
        serde_json::to_vec(info).expect("json"),
    )
    .await
    .expect("publish a description");
}

pub async fn obj_corrupt_digest_and_size_are_detected(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "bad").await;
    let good = obs.put_bytes("c", data(200_000, 5)).await.expect("put");

    let mut wrong_digest = good.clone();
    wrong_digest.digest = obs.put_bytes("other", "x").await.expect("put").digest;
    publish_description(&js, &wrong_digest).await;
    let e = within(&rt, WAIT, "read", obs.get("c").await.expect("get").bytes())
        .await
        .expect_err("digest mismatch");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::DigestMismatch { name, .. }) if name == "c"),
        "{e:?}"
    );

    let mut wrong_size = good.clone();
    wrong_size.size += 1;
    publish_description(&js, &wrong_size).await;
    let e = within(&rt, WAIT, "read", obs.get("c").await.expect("get").bytes())
        .await
        .expect_err("size mismatch");
    assert!(
        matches!(e, JetStreamError::Object(ObjectError::SizeMismatch { expected, actual, .. })
            if expected == actual + 1),
        "{e:?}"
    );

    // The original description reads fine again.
    publish_description(&js, &good).await;
    let bytes = read_object(&obs, "c").await;
    assert_eq!(bytes, data(200_000, 5));
}

const PY_SCRIPT: &str = r#"
import asyncio, base64, hashlib, sys
import nats

def data(n, seed):
    return bytes((i * 31 + seed) % 251 for i in range(n))

async def main(url):
    nc = await nats.connect(url)
    js = nc.jetstream()
    obs = await js.object_store("interop")
    got = await obs.get("from natbus/ü")
    expected = data(300000, 7)
    assert got.data == expected, (len(got.data), len(expected))
    digest = "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(expected).digest()).decode()
    assert got.info.digest == digest, (got.info.digest, digest)
    assert (got.info.size, got.info.chunks) == (300000, 3), got.info
    # Links natbus made: nats-py follows them, in this bucket and into another.
    linked = await obs.get("link to natbus")
    assert linked.data == expected, len(linked.data)
    other = await (await js.object_store("interop-other")).get("far")
    far = await obs.get("link elsewhere")
    assert far.data == other.data == data(1000, 8), len(far.data)
    await obs.put("from py/ü", data(200000, 9))
    await nc.close()
    print("nats-py object store interop OK")

asyncio.run(main(sys.argv[1]))
"#;

pub async fn obj_interop_with_nats_py(rt: Arc<dyn Runtime>) {
    let Some(python) = nats_py("obj_interop_with_nats_py") else {
        return;
    };
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "interop").await;
    let info = obs
        .put_bytes("from natbus/ü", data(300_000, 7))
        .await
        .expect("put");
    obs.add_link("link to natbus", &info).await.expect("link");
    let other = js
        .create_object_store(ObjectStoreConfig::new("interop-other"))
        .await
        .expect("create the second store");
    let far = other.put_bytes("far", data(1000, 8)).await.expect("put");
    obs.add_link("link elsewhere", &far).await.expect("link");
    let ok = "nats-py object store interop OK";
    run_python(&rt, python, "objstore", PY_SCRIPT, server.url(), ok).await;
    let object = obs.get("from py/ü").await.expect("nats-py's object");
    assert_eq!((object.info().size, object.info().chunks), (200_000, 2));
    let bytes = within(&rt, WAIT, "read", object.bytes())
        .await
        .expect("read and digest verified");
    assert!(bytes == data(200_000, 9), "nats-py's object differs");
    let names = sorted_names(&obs).await;
    assert_eq!(names.len(), 4, "{names:?}");
}
