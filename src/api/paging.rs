//! Offset paging as a stream the caller consumes, with a loop guard: the offset
//! advances by what actually came back (a server may cap the page size), the stream
//! stops at `total` or on an empty page (a server's total may be wrong), and a server
//! that ignores the offset and repeats a page is an error, never an endless loop.

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};

/// One page as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The server's count of all items, when it gives one.
    pub total: Option<u64>,
    pub items: Vec<T>,
}

/// Why paging stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    #[error(
        "the server sent the same page again for offset {offset} (it ignores the offset?); stopped"
    )]
    Repeated { offset: u64 },
    #[error("the server's next link leads back to {url}, a page already read; stopped")]
    LinkLoop { url: String },
}

/// What comes after a page of `got` items fetched at `offset`.
pub fn next_offset(offset: u64, got: usize, total: Option<u64>) -> Option<u64> {
    if got == 0 {
        return None;
    }
    let next = offset + got as u64;
    match total {
        Some(total) if next >= total => None,
        _ => Some(next),
    }
}

/// Streams every item of an offset-paged list. `fetch(offset, size)` gets one page.
pub fn offset_stream<T, E, F, Fut>(page_size: u32, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    T: Clone + PartialEq,
    E: From<PagingError>,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    struct State<T, F> {
        fetch: F,
        offset: Option<u64>,
        previous: Option<Vec<T>>,
    }
    let state = State {
        fetch,
        offset: Some(0),
        previous: None,
    };
    stream::try_unfold(state, move |mut state| async move {
        let Some(offset) = state.offset else {
            return Ok::<_, E>(None);
        };
        let page = (state.fetch)(offset, page_size).await?;
        if !page.items.is_empty() && state.previous.as_ref() == Some(&page.items) {
            return Err(E::from(PagingError::Repeated { offset }));
        }
        state.offset = next_offset(offset, page.items.len(), page.total);
        // A copy of this page, only to compare with the next one.
        state.previous = Some(page.items.clone());
        Ok::<_, E>(Some((page.items, state)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// Streams every item of a list whose pages link to the next one (Tastypie's
/// `meta.next`): `fetch(url)` gets a page's items and the next page's URL. Stops
/// when there is no next page or a page is empty (whatever the link says); a link
/// back to a page already read is an error, never a loop.
pub fn link_stream<T, E, F, Fut>(first: String, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    E: From<PagingError>,
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), E>>,
{
    struct State<F> {
        fetch: F,
        next: Option<String>,
        seen: std::collections::HashSet<String>,
    }
    let state = State {
        fetch,
        next: Some(first),
        seen: std::collections::HashSet::new(),
    };
    stream::try_unfold(state, move |mut state| async move {
        let Some(url) = state.next.take() else {
            return Ok::<_, E>(None);
        };
        if !state.seen.insert(url.clone()) {
            return Err(E::from(PagingError::LinkLoop { url }));
        }
        let (items, next) = (state.fetch)(url).await?;
        state.next = next.filter(|_| !items.is_empty());
        Ok::<_, E>(Some((items, state)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[derive(Debug, PartialEq)]
    enum TestError {
        Paging(PagingError),
    }

    impl From<PagingError> for TestError {
        fn from(e: PagingError) -> TestError {
            TestError::Paging(e)
        }
    }

    /// A server holding `n` items that reports `total`, caps pages at `cap`, and
    /// (if `ignore_offset`) always answers with the first page.
    fn server(
        n: u64,
        total: Option<u64>,
        cap: u32,
        ignore_offset: bool,
    ) -> impl FnMut(u64, u32) -> futures::future::Ready<Result<Page<u64>, TestError>> {
        move |offset, size| {
            let start = if ignore_offset { 0 } else { offset };
            let end = (start + u64::from(size.min(cap))).min(n);
            let items = (start.min(n)..end).collect();
            futures::future::ready(Ok(Page { total, items }))
        }
    }

    fn all(stream: impl Stream<Item = Result<u64, TestError>>) -> Result<Vec<u64>, TestError> {
        block_on(stream.try_collect())
    }

    #[test]
    fn exact_total() {
        assert_eq!(
            all(offset_stream(10, server(25, Some(25), 100, false))),
            Ok((0..25).collect())
        );
        assert_eq!(
            all(offset_stream(5, server(10, Some(10), 100, false))),
            Ok((0..10).collect())
        );
    }

    #[test]
    fn empty_list() {
        assert_eq!(
            all(offset_stream(10, server(0, Some(0), 100, false))),
            Ok(vec![])
        );
        assert_eq!(
            all(offset_stream(10, server(0, None, 100, false))),
            Ok(vec![])
        );
    }

    #[test]
    fn a_total_too_large_stops_on_the_empty_page() {
        assert_eq!(
            all(offset_stream(10, server(25, Some(1000), 100, false))),
            Ok((0..25).collect())
        );
        assert_eq!(
            all(offset_stream(10, server(25, None, 100, false))),
            Ok((0..25).collect())
        );
    }

    #[test]
    fn a_server_that_caps_the_page_size() {
        // Asked for 250, it sends 7 at a time: the offset advances by 7.
        assert_eq!(
            all(offset_stream(250, server(30, Some(30), 7, false))),
            Ok((0..30).collect())
        );
    }

    type LinkedPage = futures::future::Ready<Result<(Vec<u64>, Option<String>), TestError>>;

    /// A Tastypie-like server of `n` items that caps `limit` at `cap`.
    fn linked(n: u64, cap: u64) -> impl FnMut(String) -> LinkedPage {
        move |url| {
            let offset: u64 = url.rsplit('=').next().unwrap().parse().unwrap();
            let end = (offset + cap).min(n);
            let next = (end < n).then(|| format!("/list/?limit={cap}&offset={end}"));
            futures::future::ready(Ok(((offset..end).collect(), next)))
        }
    }

    #[test]
    fn links_are_followed_whatever_the_limit_asked() {
        assert_eq!(
            all(link_stream(
                "/list/?limit=1000&offset=0".into(),
                linked(57, 20)
            )),
            Ok((0..57).collect())
        );
        assert_eq!(
            all(link_stream(
                "/list/?limit=1000&offset=0".into(),
                linked(0, 20)
            )),
            Ok(vec![])
        );
        // A next link on an empty page is not followed.
        let empty_with_link = |_url: String| {
            futures::future::ready(Ok::<_, TestError>((
                Vec::<u64>::new(),
                Some("/list/?offset=99".to_owned()),
            )))
        };
        assert_eq!(
            all(link_stream("/list/".into(), empty_with_link)),
            Ok(vec![])
        );
        // A link back to a page already read is caught.
        let looping = |_url: String| {
            futures::future::ready(Ok::<_, TestError>((vec![1u64], Some("/list/".to_owned()))))
        };
        assert_eq!(
            all(link_stream("/list/".into(), looping)),
            Err(TestError::Paging(PagingError::LinkLoop {
                url: "/list/".into()
            }))
        );
    }

    #[test]
    fn a_server_that_ignores_the_offset_is_caught() {
        assert_eq!(
            all(offset_stream(10, server(25, Some(25), 100, true))),
            Err(TestError::Paging(PagingError::Repeated { offset: 10 }))
        );
    }
}
