//! Field checks shared by person and organization drafts: trimmed text with limits, the
//! lifecycle stage, the owner id, tags, and custom values read back from storage.

use std::collections::BTreeMap;

use kartei_core::validate::FieldErrors;
use uuid::Uuid;

pub const LIFECYCLE_STAGES: &[&str] = &["lead", "prospect", "customer", "ex_customer"];

/// Trimmed text or `None` when blank; over `max` characters or with control characters it is
/// an error on `field`.
pub fn text(e: &mut FieldErrors, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let t = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if t.chars().count() > max {
        e.add(field, format!("must be at most {max} characters"));
    } else if t.chars().any(char::is_control) {
        e.add(field, "must not contain control characters");
    }
    Some(t.to_owned())
}

/// One of [`LIFECYCLE_STAGES`], `lead` when not given.
pub fn lifecycle_stage(e: &mut FieldErrors, v: &Option<String>) -> String {
    let stage = text(e, "lifecycleStage", v, 20)
        .map(|s| s.to_lowercase())
        .unwrap_or_else(|| "lead".to_owned());
    if !LIFECYCLE_STAGES.contains(&stage.as_str()) {
        e.add(
            "lifecycleStage",
            "must be one of lead, prospect, customer, ex_customer",
        );
    }
    stage
}

pub fn owner_id(e: &mut FieldErrors, v: &Option<String>) -> Option<Uuid> {
    text(e, "ownerId", v, 40).and_then(|s| {
        Uuid::parse_str(&s)
            .map_err(|_| e.add("ownerId", "is not an id"))
            .ok()
    })
}

/// Trimmed, case-insensitively unique tags: each 1 to 50 characters, at most 50.
pub fn tags(e: &mut FieldErrors, input: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for t in input.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > 50 || t.chars().any(char::is_control) {
            e.add("tags", "each tag must be 1 to 50 characters");
        } else if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            tags.push(t.to_owned());
        }
    }
    if tags.len() > 50 {
        e.add("tags", "at most 50 tags");
    }
    tags
}

/// Stored custom values (a JSON object) as a draft holds them.
pub fn custom_of(stored: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    match stored {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => BTreeMap::new(),
    }
}
