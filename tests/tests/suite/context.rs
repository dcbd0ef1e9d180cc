//! Connecting through a `nats` context file: user/password, inbox prefix and JetStream
//! settings reach a real server. The contexts live in a temp configuration directory.

use std::sync::Arc;

use natbus::context::{Context, ContextStore};
use natbus::{ConnectError, Runtime};
use natbus_tests::{NatsServer, TempDir};

use super::{WAIT, within};

pub async fn context_with_user_password_connects(rt: Arc<dyn Runtime>) {
    let server = NatsServer::builder().user_password("ops", "s3cret").start();
    let dir = TempDir::new("natbus-context").expect("temp dir is writable");
    let store = ContextStore::new(dir.path());
    let mut ops = Context::new();
    ops.url = Some(server.url());
    ops.user = Some("ops".to_owned());
    ops.password = Some("s3cret".to_owned());
    ops.inbox_prefix = Some("_INBOX_ops".to_owned());
    store.save("ops", &ops).expect("saved");
    store.select("ops").expect("selected");

    let loaded = store.load_selected().expect("readable").expect("selected");
    let options = loaded.connect_options().expect("a usable context");
    let client = natbus::connect_with(rt.clone(), options)
        .await
        .expect("the context's credentials are accepted");
    let mut requests = client.subscribe("ctx.echo").await.expect("subscribed");
    let responder = client.clone();
    let answered = async move {
        let request = requests.next().await.expect("a request");
        let reply = request.reply.clone().expect("a reply subject");
        responder
            .publish(reply.as_str(), reply.as_str().to_owned())
            .await
            .expect("replied");
    };
    let (reply, ()) = within(
        &rt,
        WAIT,
        "the request through the context",
        futures::future::join(client.request("ctx.echo", "hi"), answered),
    )
    .await;
    let reply = reply.expect("answered");
    let reply_subject = String::from_utf8_lossy(&reply.payload).into_owned();
    assert!(
        reply_subject.starts_with("_INBOX_ops."),
        "the context's inbox prefix is used: {reply_subject}"
    );
    client.close().await;

    let mut wrong = store.load("ops").expect("readable");
    wrong.password = Some("wrong".to_owned());
    store.save("wrong", &wrong).expect("saved");
    let options = store
        .load("wrong")
        .expect("readable")
        .connect_options()
        .expect("usable");
    match natbus::connect_with(rt.clone(), options).await {
        Err(ConnectError::Auth(reason)) => {
            assert!(reason.to_lowercase().contains("authorization"), "{reason}");
        }
        Err(e) => panic!("expected an authorization error, got {e:?}"),
        Ok(_) => panic!("a wrong password must not connect"),
    }
}
