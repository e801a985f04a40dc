//! Campaign send counters in the process's Prometheus registry, served at `/metrics` by the
//! API and by `kartei worker`.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, Opts};

use crate::send::Handled;

pub const CHANNELS: [&str; 4] = ["email", "letter", "phone", "social"];
pub const RESULTS: [&str; 4] = ["sent", "skipped", "failed", "task"];

static SENDS: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let c = IntCounterVec::new(
        Opts::new(
            "kartei_campaign_sends_total",
            "Campaign recipients handled, by step channel and result",
        ),
        &["channel", "result"],
    )
    .ok()?;
    prometheus::register(Box::new(c.clone())).ok()?;
    for ch in CHANNELS {
        for r in RESULTS {
            c.with_label_values(&[ch, r]);
        }
    }
    Some(c)
});

/// Registers the counters (every channel and result at zero), so that they are exported
/// before the first send.
pub fn register() {
    LazyLock::force(&SENDS);
}

pub(crate) fn sent(channel: &str, handled: Handled) {
    let result = match handled {
        Handled::Sent => "sent",
        Handled::Skipped => "skipped",
        Handled::Failed => "failed",
        Handled::Task => "task",
    };
    let channel = CHANNELS
        .iter()
        .find(|c| **c == channel)
        .copied()
        .unwrap_or("social");
    if let Some(c) = SENDS.as_ref() {
        c.with_label_values(&[channel, result]).inc();
    }
}
