//! Object store links (ADR-20): links to objects in the same and another bucket are read
//! through, bucket links and links to links are not, and links are refused where they
//! would hide data or point at nothing.

use std::sync::Arc;

use natbus::Runtime;
use natbus::jetstream::{JetStreamError, ObjectStoreConfig};
use natbus::proto::jetstream::object::ObjectError;
use natbus_tests::NatsServer;

use super::object_store::{data, read_object, sorted_names, store};
use super::{WAIT, within};

pub async fn obj_links_read_the_target_in_this_or_another_bucket(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, docs) = store(&rt, &server, "docs").await;
    let other = js
        .create_object_store(ObjectStoreConfig::new("other"))
        .await
        .expect("create the second store");
    let here = docs
        .put_bytes("report", data(300_000, 11))
        .await
        .expect("put");
    let there = other
        .put_bytes("remote/ü", data(1000, 12))
        .await
        .expect("put in the other store");

    let link = docs.add_link("latest", &here).await.expect("link");
    let link_info = docs.info("latest").await.expect("info of the link");
    let target = link_info.link().expect("info returns the link itself");
    assert_eq!(
        (target.bucket.as_str(), target.name.as_deref()),
        ("docs", Some("report"))
    );
    assert_eq!((link_info.size, link_info.chunks), (0, 0));
    assert_eq!(link.nuid, link_info.nuid);
    let object = docs.get("latest").await.expect("get through the link");
    assert_eq!(object.info().name, "report");
    let bytes = within(&rt, WAIT, "read", object.bytes())
        .await
        .expect("bytes");
    assert!(bytes == data(300_000, 11), "the link read other bytes");

    docs.add_link("elsewhere", &there)
        .await
        .expect("cross-bucket link");
    let bytes = within(&rt, WAIT, "read", read_object(&docs, "elsewhere")).await;
    assert_eq!(bytes, data(1000, 12));

    // The link follows the name: an overwrite of the target is what a get then reads.
    docs.put_bytes("report", "v2").await.expect("overwrite");
    let bytes = read_object(&docs, "latest").await;
    assert_eq!(&bytes[..], b"v2");

    // Links are listed like objects, and a link may replace a link.
    let names = sorted_names(&docs).await;
    assert_eq!(names, ["elsewhere", "latest", "report"]);
    docs.add_link("latest", &there).await.expect("relink");
    let bytes = read_object(&docs, "latest").await;
    assert_eq!(bytes, data(1000, 12));

    // A target deleted after the link was made reads as not found, in its bucket.
    other.delete("remote/ü").await.expect("delete the target");
    let e = docs.get("latest").await.expect_err("dangling link");
    assert!(
        matches!(&e, JetStreamError::ObjectNotFound { bucket, name }
            if bucket == "other" && name == "remote/ü"),
        "{e:?}"
    );
}

pub async fn obj_bucket_links_and_bad_links_fail_clearly(rt: Arc<dyn Runtime>) {
    let server = NatsServer::start();
    let (js, docs) = store(&rt, &server, "docs").await;
    let other = js
        .create_object_store(ObjectStoreConfig::new("other"))
        .await
        .expect("create the second store");

    let dir = docs
        .add_bucket_link("shared", &other)
        .await
        .expect("bucket link");
    let link = docs.info("shared").await.expect("info").link().cloned();
    assert_eq!(link, dir.link().cloned());
    assert_eq!(
        link.map(|l| (l.bucket, l.name)),
        Some(("other".to_owned(), None))
    );
    let e = docs.get("shared").await.expect_err("a bucket has no data");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::BucketLink { name, bucket })
            if name == "shared" && bucket == "other"),
        "{e:?}"
    );

    let gone = docs.put_bytes("gone", "x").await.expect("put");
    docs.delete("gone").await.expect("delete");
    // The info returned by the put is stale: the link checks the object as it is now.
    let e = docs.add_link("to-gone", &gone).await.expect_err("deleted");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::LinkToDeleted { name, .. }) if name == "gone"),
        "{e:?}"
    );
    assert!(matches!(
        docs.info("to-gone").await,
        Err(JetStreamError::ObjectNotFound { .. })
    ));

    let real = docs.put_bytes("real", "data").await.expect("put");
    let link = docs.add_link("alias", &real).await.expect("link");
    let e = docs
        .add_link("alias2", &link)
        .await
        .expect_err("link to a link");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::LinkToLink { .. })),
        "{e:?}"
    );
    let e = docs
        .add_link("real", &other.put_bytes("o", "1").await.expect("put"))
        .await
        .expect_err("a link must not hide an object with data");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::NameInUse { name }) if name == "real"),
        "{e:?}"
    );
    assert_eq!(&read_object(&docs, "real").await[..], b"data");

    // A link that has come to point at a link (another client wrote it) is not followed.
    let outer = docs.add_link("outer", &real).await.expect("link");
    docs.delete("real").await.expect("delete");
    docs.add_link("real", &other.info("o").await.expect("info"))
        .await
        .expect("a link may take a deleted object's name");
    let e = docs.get("outer").await.expect_err("a link to a link");
    assert!(
        matches!(&e, JetStreamError::Object(ObjectError::LinkToLink { name, target })
            if name == &outer.name && target == "docs/real"),
        "{e:?}"
    );
}
