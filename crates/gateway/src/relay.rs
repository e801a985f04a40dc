//! The one Relay connection helper every list uses: bounded `first`/`last`, opaque keyset
//! cursors, `pageInfo` from the domain's [`Page`].

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use kartei_core::paging::{Page, PageRequest};
use serde::de::DeserializeOwned;

use crate::error::api;

pub type Conn<N> = Connection<String, N>;

pub fn request<K: DeserializeOwned>(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageRequest<K>> {
    PageRequest::parse(first, after.as_deref(), last, before.as_deref()).map_err(api)
}

pub fn connection<T, N: OutputType>(page: Page<T>, map: impl Fn(T) -> N) -> Conn<N> {
    let mut conn = Connection::new(page.has_previous_page, page.has_next_page);
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| Edge::new(cursor, map(item))),
    );
    conn
}
