//! Object store changes besides puts: watching, sealing, and updating or renaming an
//! object's description without rewriting its data.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{JetStreamError, ObjectMeta, ObjectWatch, ObjectWatchOptions};
use natbus::proto::jetstream::object::{self as layout, ObjectError, ObjectInfo};
use natbus_tests::NatsServer;

use super::object_store::{data, read_object, sorted_names, store};
use super::{WAIT, within};

async fn next(rt: &Arc<dyn Runtime>, watch: &mut ObjectWatch) -> ObjectInfo {
    within(rt, WAIT, "a watched change", watch.next())
        .await
        .expect("the watch goes on")
        .expect("a description")
}

pub async fn obj_watch_sees_puts_updates_and_deletes_in_order(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (_js, obs) = store(&rt, &server, "w").await;
    obs.put_bytes("before", "old").await.expect("put");
    let mut watch = obs.watch().await.expect("watch");

    let put = obs
        .put_bytes(ObjectMeta::new("a").description("v1"), data(300, 1))
        .await
        .expect("put");
    obs.update_meta("a", ObjectMeta::new("a").description("v2"))
        .await
        .expect("update");
    obs.delete("a").await.expect("delete");

    // The object stored before the watch is not delivered: it starts with the changes.
    let seen = next(&rt, &mut watch).await;
    assert_eq!(
        (
            seen.name.as_str(),
            seen.description.as_deref(),
            seen.deleted
        ),
        ("a", Some("v1"), false)
    );
    assert_eq!(
        (seen.size, &seen.nuid, &seen.digest),
        (300, &put.nuid, &put.digest)
    );
    let seen = next(&rt, &mut watch).await;
    assert_eq!(
        (seen.description.as_deref(), seen.deleted, seen.size),
        (Some("v2"), false, 300)
    );
    let seen = next(&rt, &mut watch).await;
    assert_eq!(
        (seen.name.as_str(), seen.deleted, seen.size),
        ("a", true, 0)
    );

    // With history: the newest description of each object first, deletes left out on
    // request; then the changes.
    let mut all = obs
        .watch_with(
            ObjectWatchOptions::default()
                .include_history()
                .ignore_deletes(),
        )
        .await
        .expect("watch with history");
    let seen = next(&rt, &mut all).await;
    assert_eq!((seen.name.as_str(), seen.deleted), ("before", false));
    obs.put_bytes("b", "x").await.expect("put");
    let seen = next(&rt, &mut all).await;
    assert_eq!((seen.name.as_str(), seen.size), ("b", 1));
}

pub async fn obj_seal_makes_the_store_read_only(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "s").await;
    obs.put_bytes("kept", data(1000, 3)).await.expect("put");
    assert!(!obs.status().await.expect("status").sealed);

    let status = obs.seal().await.expect("seal");
    assert!(status.sealed);
    assert!(obs.status().await.expect("status").sealed);
    assert!(
        js.stream_info(&layout::stream_name("s"))
            .await
            .expect("stream info")
            .config
            .sealed
    );
    assert!(obs.seal().await.expect("seal again").sealed);

    let sealed = |e: &JetStreamError| matches!(e, JetStreamError::ObjectStoreSealed(b) if b == "s");
    let e = obs
        .put_bytes("new", "x")
        .await
        .expect_err("put when sealed");
    assert!(sealed(&e), "{e:?}");
    let e = obs.put_bytes("kept", "x").await.expect_err("overwrite");
    assert!(sealed(&e), "{e:?}");
    let e = obs.delete("kept").await.expect_err("delete when sealed");
    assert!(sealed(&e), "{e:?}");
    let e = obs
        .update_meta("kept", ObjectMeta::new("kept").description("d"))
        .await
        .expect_err("update when sealed");
    assert!(sealed(&e), "{e:?}");

    // Reading still works, and nothing changed.
    let bytes = within(&rt, WAIT, "read", read_object(&obs, "kept")).await;
    assert_eq!(bytes, data(1000, 3));
    assert_eq!(obs.list().await.expect("list").len(), 1);
}

pub async fn obj_update_meta_and_rename_keep_the_data(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, obs) = store(&rt, &server, "u").await;
    let meta = ObjectMeta::new("a").chunk_size(1000).header("k", "v");
    let put = obs.put_bytes(meta, data(2500, 4)).await.expect("put");
    obs.put_bytes("other", "o").await.expect("put");
    let stored = || async {
        js.stream_info(&layout::stream_name("u"))
            .await
            .expect("stream info")
            .state
            .messages
    };
    // 3 + 1 chunks, 2 descriptions.
    assert_eq!(stored().await, 6);

    let meta = ObjectMeta::new("a")
        .description("described")
        .metadata("owner", "ops");
    let updated = obs.update_meta("a", meta).await.expect("update");
    let info = obs.info("a").await.expect("info");
    assert_eq!(info.description.as_deref(), Some("described"));
    assert_eq!(info.metadata["owner"], "ops");
    assert!(info.headers.is_empty(), "the meta replaces the headers");
    assert_eq!(
        (&info.nuid, info.size, info.chunks, &info.digest),
        (&put.nuid, put.size, put.chunks, &put.digest)
    );
    assert_eq!(updated.nuid, put.nuid);
    // The rollup replaced the description; no chunk was written again.
    assert_eq!(stored().await, 6);

    let e = obs
        .update_meta("a", "other")
        .await
        .expect_err("rename onto an object");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::NameInUse { name }) if name == "other"),
        "{e:?}"
    );
    let renamed = obs
        .update_meta("a", ObjectMeta::new("dir/b").description("moved"))
        .await
        .expect("rename");
    assert_eq!((renamed.name.as_str(), &renamed.nuid), ("dir/b", &put.nuid));
    assert!(matches!(
        obs.info("a").await,
        Err(JetStreamError::ObjectNotFound { .. })
    ));
    assert!(matches!(
        obs.get("a").await,
        Err(JetStreamError::ObjectNotFound { .. })
    ));
    let object = obs.get("dir/b").await.expect("get under the new name");
    assert_eq!(object.info().description.as_deref(), Some("moved"));
    let bytes = within(&rt, WAIT, "read", object.bytes())
        .await
        .expect("bytes");
    assert_eq!(bytes, data(2500, 4));
    let names = sorted_names(&obs).await;
    assert_eq!(names, ["dir/b", "other"]);
    assert_eq!(stored().await, 6, "the old name's description is gone");

    // A rename may take a deleted object's name; a deleted object cannot be updated.
    obs.delete("other").await.expect("delete");
    obs.update_meta("dir/b", "other")
        .await
        .expect("rename onto a deleted name");
    assert_eq!(
        obs.get("other")
            .await
            .expect("get")
            .bytes()
            .await
            .expect("bytes"),
        data(2500, 4)
    );
    let e = obs
        .update_meta("dir/b", "c")
        .await
        .expect_err("renamed away");
    assert!(matches!(e, JetStreamError::ObjectNotFound { .. }), "{e:?}");
}
