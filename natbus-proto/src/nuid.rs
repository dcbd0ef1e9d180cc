//! Unique ids (NUID-style) for inboxes and service instances.
