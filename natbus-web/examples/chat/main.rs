//! A chat in the browser over natbus: the page shows every message of the `CHAT` stream
//! (subjects `chat.>`), those sent before it opened and those that arrive while it is
//! open, and sends what is typed to `chat.room`. A native client writes into it with
//! `natbus pub chat.room 'hello'`.
//!
//! `./scripts/web-example` builds it (`wasm32-unknown-unknown`, then `wasm-bindgen
//! --target web`), starts a nats-server with WebSocket unless `NATS_URL` names one, and
//! serves the page. The server's WebSocket URL is the page's `?server=` parameter.
//!
//! It is the same natbus code as on tokio: connect, JetStream, an ordered consumer, publish.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use std::time::Duration;

use natbus_web::jetstream::{OrderedOptions, StorageType, StreamConfig};
use natbus_web::{Client, ClientEvent};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, wasm_bindgen};
use web_sys::{Document, Event, HtmlInputElement};

/// Where the page connects when its URL has no `?server=`.
const DEFAULT_SERVER: &str = "ws://127.0.0.1:9222";

/// Runs when the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = run().await {
            set_status(&format!("error: {e}"), true);
        }
    });
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = server_url();
    set_status(&format!("connecting to {server}…"), false);
    let client = natbus_web::connect(&server).await?;
    let js = client.jetstream();
    let mut config = StreamConfig::new("CHAT")
        .subjects(["chat.>"])
        .storage(StorageType::Memory)
        .max_age(Duration::from_secs(24 * 3600));
    config.max_msgs = 1000;
    js.ensure_stream(config).await?;
    let mut messages = js
        .ordered_consumer("CHAT", OrderedOptions::default())
        .await?;
    set_status(&format!("connected to {server}"), false);
    watch_connection(&client);
    send_on_submit(client.clone())?;
    while let Some(msg) = messages.next().await {
        let msg = msg?;
        let text = String::from_utf8_lossy(&msg.message.payload);
        append_message(msg.message.subject.as_str(), &text);
    }
    Ok(())
}

/// The `?server=` parameter of the page's URL.
fn server_url() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("server="))
        .and_then(|v| js_sys::decode_uri_component(v).ok())
        .map(String::from)
        .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
}

/// Shows disconnects and reconnects in the status line.
fn watch_connection(client: &Client) {
    let mut events = client.events();
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(event) = events.next().await {
            match event {
                ClientEvent::Disconnected { reason, .. } => {
                    set_status(&format!("disconnected ({reason}); reconnecting…"), true);
                }
                ClientEvent::Reconnected { server } => {
                    set_status(&format!("reconnected to {server}"), false);
                }
                _ => {}
            }
        }
    });
}

/// Publishes the input's text to `chat.room` when the form is submitted.
fn send_on_submit(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    let document = document()?;
    let form = document.get_element_by_id("send").ok_or("no #send form")?;
    let on_submit = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        event.prevent_default();
        let Some(input) = document
            .get_element_by_id("text")
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let text = input.value();
        input.set_value("");
        if text.trim().is_empty() {
            return;
        }
        let client = client.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = client.publish("chat.room", text).await {
                set_status(&format!("not sent: {e}"), true);
            }
        });
    });
    form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref())
        .map_err(|_| "cannot listen to the form")?;
    // The page keeps the form for its whole life, so the callback lives as long.
    on_submit.forget();
    Ok(())
}

fn document() -> Result<Document, &'static str> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")
}

fn append_message(subject: &str, text: &str) {
    let Ok(document) = document() else { return };
    let (Some(list), Ok(item), Ok(label)) = (
        document.get_element_by_id("messages"),
        document.create_element("li"),
        document.create_element("span"),
    ) else {
        return;
    };
    label.set_class_name("subject");
    label.set_text_content(Some(subject));
    let _ = item.append_child(&label);
    let _ = item.append_with_str_1(text);
    let _ = list.append_child(&item);
}

fn set_status(text: &str, error: bool) {
    let Some(status) = document().ok().and_then(|d| d.get_element_by_id("status")) else {
        return;
    };
    status.set_text_content(Some(text));
    status.set_class_name(if error { "error" } else { "" });
}
