//! The stream and consumer of `bench --js`: made before the run, removed after it.

use natbus_tokio::jetstream::{
    AckPolicy, ConsumerConfig, DeliverPolicy, JetStream, JetStreamError, StreamConfig,
};

use super::BenchArgs;
use super::jetstream::CONSUMER;
use crate::error::CliResult;
use crate::jetstream::{consumer_error, stream_error};

/// Creates the stream unless it exists; returns whether it was created and how many
/// messages it holds.
pub async fn ensure_stream(js: &JetStream, name: &str, args: &BenchArgs) -> CliResult<(bool, u64)> {
    match js.stream_info(name).await {
        Ok(info) => Ok((false, info.state.messages)),
        Err(JetStreamError::Api(e)) if e.is_stream_not_found() => {
            let config = StreamConfig::new(name)
                .subjects([args.subject.clone()])
                .storage(args.storage.into());
            js.create_stream(config)
                .await
                .map_err(stream_error(name, "create"))?;
            Ok((true, 0))
        }
        Err(e) => Err(stream_error(name, "check")(e)),
    }
}

/// A fresh shared pull consumer: new messages when there are publishers, else all.
pub async fn prepare_consumer(js: &JetStream, stream: &str, args: &BenchArgs) -> CliResult {
    match js.delete_consumer(stream, CONSUMER).await {
        Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {}
        other => {
            other.map_err(consumer_error(stream, CONSUMER, "reset"))?;
        }
    }
    let deliver = if args.publishers > 0 {
        DeliverPolicy::New
    } else {
        DeliverPolicy::All
    };
    let config = ConsumerConfig::durable(CONSUMER)
        .filter(args.subject.clone())
        .deliver(deliver)
        .ack(AckPolicy::Explicit);
    js.create_consumer(stream, config)
        .await
        .map_err(consumer_error(stream, CONSUMER, "create"))?;
    Ok(())
}

/// Removes the bench consumer, and the stream when the benchmark created it and `--keep`
/// is off. Returns whether the stream was removed.
pub async fn clean_up(
    js: &JetStream,
    stream: &str,
    args: &BenchArgs,
    created: bool,
) -> CliResult<bool> {
    if created && !args.keep {
        js.delete_stream(stream)
            .await
            .map_err(stream_error(stream, "remove"))?;
        return Ok(true);
    }
    if args.subscribers > 0 {
        js.delete_consumer(stream, CONSUMER)
            .await
            .map_err(consumer_error(stream, CONSUMER, "remove"))?;
    }
    Ok(false)
}
