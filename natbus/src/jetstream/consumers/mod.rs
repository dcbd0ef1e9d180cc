//! Consumer administration: create, update, info, delete, names and list.

mod control;
pub(crate) mod fetch;
pub(crate) mod ordered;
pub(crate) mod pull;
pub(crate) mod pull_messages;
pub(crate) mod push;
mod push_watch;
mod unfold;
mod wait_loop;

use natbus_proto::jetstream::consumer::{ConsumerConfig, CreateAction, CreateConsumerRequest};
use natbus_proto::jetstream::consumer_info::{
    ConsumerInfo, ConsumerListResponse, ConsumerNamesResponse,
};
use natbus_proto::jetstream::features::consumer_features;
use natbus_proto::jetstream::response::{PagedRequest, Pager, SuccessResponse};

use crate::jetstream::context::{JetStream, random_name};
use crate::jetstream::error::JetStreamError;

impl JetStream {
    /// Creates a consumer on `stream`; fails if one with the same name but a different
    /// config exists (an identical one is fine). Without `durable_name` or `name`, an
    /// ephemeral consumer with a random name is created.
    ///
    /// # Errors
    /// An invalid config, or an API error (`is_consumer_already_exists`, …).
    pub async fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.upsert_consumer(stream, config, CreateAction::Create)
            .await
    }

    /// Creates the consumer, or updates it to `config` if it exists.
    ///
    /// # Errors
    /// An invalid config, or a change the server refuses.
    pub async fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.upsert_consumer(stream, config, CreateAction::CreateOrUpdate)
            .await
    }

    /// Updates an existing consumer.
    ///
    /// # Errors
    /// The consumer does not exist (err_code 10149), or a refused change.
    pub async fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        self.upsert_consumer(stream, config, CreateAction::Update)
            .await
    }

    async fn upsert_consumer(
        &self,
        stream: &str,
        mut config: ConsumerConfig,
        action: CreateAction,
    ) -> Result<ConsumerInfo, JetStreamError> {
        if config.consumer_name().is_none() {
            config.name = Some(random_name(&self.client));
        }
        config.validate()?;
        // A filter with wildcards cannot go into the subject (it would be a publish to a
        // wildcard), so such creates use the unfiltered form.
        let wildcard = config
            .filter_subject
            .as_deref()
            .is_some_and(|f| f.split('.').any(|t| t == "*" || t == ">"));
        let subject = match config.consumer_name() {
            Some(name) if wildcard => self.prefix.consumer_create(stream, name)?,
            _ => config.create_subject(&self.prefix, stream)?,
        };
        let features = consumer_features(&config);
        let request = CreateConsumerRequest {
            stream_name: stream.to_owned(),
            config,
            action,
        };
        let body = serde_json::to_vec(&request)?;
        self.api_request_requiring(&features, &subject, body).await
    }

    /// The consumer's config and state.
    ///
    /// # Errors
    /// Consumer or stream not found (`is_consumer_not_found`, `is_stream_not_found`).
    pub async fn consumer_info(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<ConsumerInfo, JetStreamError> {
        let subject = self.prefix.consumer_info(stream, consumer)?;
        self.api_request(&subject, Vec::new()).await
    }

    /// Deletes a consumer.
    ///
    /// # Errors
    /// Consumer or stream not found.
    pub async fn delete_consumer(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<bool, JetStreamError> {
        let subject = self.prefix.consumer_delete(stream, consumer)?;
        let r: SuccessResponse = self.api_request(&subject, Vec::new()).await?;
        Ok(r.success)
    }

    /// Names of all consumers of `stream` (every page).
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn consumer_names(&self, stream: &str) -> Result<Vec<String>, JetStreamError> {
        let subject = self.prefix.consumer_names(stream)?;
        let mut pager = Pager::new();
        let mut names = Vec::new();
        while let Some(offset) = pager.next_offset() {
            let req = PagedRequest {
                offset,
                subject: None,
            };
            let page: ConsumerNamesResponse = self.api_json(&subject, &req).await?;
            pager.on_page(page.consumers.len(), page.page);
            names.extend(page.consumers);
        }
        Ok(names)
    }

    /// Info of all consumers of `stream` (every page).
    ///
    /// # Errors
    /// Stream not found, or JetStream unavailable.
    pub async fn consumers(&self, stream: &str) -> Result<Vec<ConsumerInfo>, JetStreamError> {
        let subject = self.prefix.consumer_list(stream)?;
        let mut pager = Pager::new();
        let mut all = Vec::new();
        while let Some(offset) = pager.next_offset() {
            let req = PagedRequest {
                offset,
                subject: None,
            };
            let page: ConsumerListResponse = self.api_json(&subject, &req).await?;
            pager.on_page(page.consumers.len(), page.page);
            all.extend(crate::jetstream::streams::readable(
                "consumer",
                page.consumers,
            ));
        }
        Ok(all)
    }

    /// The existing consumer named like `config`, unchanged, or a new one from `config`
    /// (restart-safe: a second process start reuses the durable and its position).
    pub(crate) async fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        if let Some(name) = config.consumer_name() {
            match self.consumer_info(stream, name).await {
                Err(JetStreamError::Api(e)) if e.is_consumer_not_found() => {}
                other => return other,
            }
        }
        let name = config.consumer_name().map(str::to_owned);
        match self.create_consumer(stream, config).await {
            // Created by someone else meanwhile: use theirs.
            Err(JetStreamError::Api(e)) if e.is_consumer_already_exists() => match name {
                Some(name) => self.consumer_info(stream, &name).await,
                None => Err(JetStreamError::Api(e)),
            },
            other => other,
        }
    }
}
