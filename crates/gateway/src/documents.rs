//! Parsed GraphQL documents, remembered by their text. Clients send the same few operations
//! over and over, and parsing (a PEG parser) is the costliest step of a small request: a
//! document seen before is handed to the request already parsed. Validation still runs for
//! every request, against the schema, as before.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many documents are remembered (the least recently used go first).
const REMEMBERED: NonZeroUsize = NonZeroUsize::new(512).expect("non-zero");
/// Longer documents are parsed every time: real operations are far smaller, and no client
/// can fill the memory with large ones.
const LONGEST: usize = 16 * 1024;

pub struct Documents {
    parsed: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: Mutex::new(LruCache::new(REMEMBERED)),
        }
    }
}

impl Documents {
    /// Gives `request` its parsed document: the remembered one for its text, or a new parse
    /// (remembered when it parsed and is short). A document that does not parse is left to
    /// the schema, which answers its syntax error as always.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > LONGEST {
            return;
        }
        let remembered = self.lock().get(request.query.as_str()).cloned();
        if let Some(doc) = remembered {
            request.set_parsed_query(doc);
            return;
        }
        if let Ok(doc) = request.parsed_query() {
            let doc = doc.clone();
            self.lock().put(request.query.clone(), doc);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        // Losing remembered documents is harmless: a poisoned lock is taken over.
        self.parsed.lock().unwrap_or_else(|p| p.into_inner())
    }
}
