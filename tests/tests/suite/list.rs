// Every suite test, once. Included by each runtime's test file, which defines `block_on`
// and `rt`.
run_suite!(block_on, rt();
    core::pub_sub_delivers_in_order,
    core::queue_group_splits_the_load,
    core::headers_round_trip,
    core::request_reply_muxes_a_thousand_requests,
    core::no_responders_fails_fast,
    core::request_times_out,
    core::unsubscribe_after_n_messages,
    core::drain_delivers_buffered_messages,
    core::user_password_auth,
    core::max_payload_is_enforced_locally,
    core::invalid_subjects_are_rejected,
    core::slow_consumer_drops_are_counted_and_reported,
    reconnect::reconnects_resubscribes_and_sends_buffered,
    reconnect::pending_request_fails_when_the_connection_drops,
    reconnect::connect_to_nothing_fails_clearly,
    tls::tls_with_a_ca_made_by_the_test,
    tls::mutual_tls_presents_the_client_certificate,
    tls::tls_first_handshake,
);
