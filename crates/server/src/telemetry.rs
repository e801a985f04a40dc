//! Logging: JSON lines (or pretty for a terminal), every line of a request carrying its
//! request id, tenant id and user id from the request span.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let result = if format == "pretty" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    } else {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .try_init()
    };
    // A second init (tests building several apps) keeps the first subscriber.
    drop(result);
}
