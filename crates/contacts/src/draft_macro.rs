//! The shape shared by person and organization drafts: text fields addressable by name
//! (for import mappings, exports and per-field merge choices), tags and custom values.

macro_rules! draft_fields {
    ($name:ident { $($f:ident),* $(,)? }) => {
        /// Raw input: text as the user or the file gave it. Every write path builds one and
        /// sends it through `validate`.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            $(pub $f: Option<String>,)*
            pub tags: Vec<String>,
            pub custom: BTreeMap<String, serde_json::Value>,
        }

        impl $name {
            /// Names of the text fields, as import mappings, exports and merges use them.
            pub const TEXT_FIELDS: &'static [&'static str] = &[$(stringify!($f)),*];

            pub fn get(&self, field: &str) -> Option<Option<&str>> {
                match field {
                    $(stringify!($f) => Some(self.$f.as_deref()),)*
                    _ => None,
                }
            }

            /// Sets a field by name (`custom.<key>` and `tags` included); false if unknown.
            pub fn set(&mut self, field: &str, value: Option<String>) -> bool {
                match field {
                    $(stringify!($f) => { self.$f = value; true })*
                    "tags" => {
                        self.tags = value.map(|v| crate::persons::split_tags(&v)).unwrap_or_default();
                        true
                    }
                    _ => match field.strip_prefix("custom.") {
                        Some(key) if !key.is_empty() => {
                            match value {
                                Some(v) => self.custom.insert(key.to_owned(), v.into()),
                                None => self.custom.remove(key),
                            };
                            true
                        }
                        _ => false,
                    },
                }
            }
        }
    };
}
