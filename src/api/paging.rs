//! Paging as a stream the caller consumes, with guards so that a list always ends
//! and never ends silently short.
//!
//! Offset paging: the offset advances by what actually came back (a server may cap
//! the page size); the stream stops at `total` or on an empty page (a server's total
//! may be wrong). A page that repeats any earlier one, or a `total` that keeps
//! growing past what was first announced plus one page, is an error, never an
//! endless loop. Items are de-duplicated by id, and a list that ends with fewer
//! distinct items than its last `total` is reported incomplete. (A list that shrinks
//! while it is read, its last `total` smaller, is fine.)
//!
//! Link paging (Tastypie's `meta.next`): the list is complete when its items reach
//! the first page's `total_count`, whatever `next` says (MailRoute links a next page
//! beside a complete one); a link already followed is an error.

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};

/// One page as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The server's count of all items, when it gives one.
    pub total: Option<u64>,
    pub items: Vec<T>,
}

/// One page of a linked list: its items, the next page's URL, the server's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub total: Option<u64>,
}

/// An item of a list, known by its id.
pub trait Keyed {
    fn key(&self) -> String;
}

impl Keyed for u64 {
    fn key(&self) -> String {
        self.to_string()
    }
}

/// Why paging stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    #[error(
        "the server sent a page already read for offset {offset} (it ignores the offset?); stopped"
    )]
    Repeated { offset: u64 },
    #[error(
        "the list's Total grew from {first} to {now} while it was read (more than a page); stopped"
    )]
    Grew { first: u64, now: u64 },
    #[error("the list ended with {distinct} distinct items but its Total says {total}: incomplete")]
    Incomplete { distinct: u64, total: u64 },
    #[error("the server's next link leads back to {url}, a page already read; stopped")]
    LinkLoop { url: String },
    #[error(
        "the server's next link points to {url}, not the configured base URL's host; not followed (keys go only to that host)"
    )]
    ForeignLink { url: String },
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

/// Streams every item of an offset-paged list, each id once. `fetch(offset, size)`
/// gets one page.
pub fn offset_stream<T, E, F, Fut>(page_size: u32, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    T: Keyed,
    E: From<PagingError>,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    struct State<F> {
        fetch: F,
        offset: Option<u64>,
        /// The ids of every page read, to catch a page served again.
        pages: HashSet<Vec<String>>,
        ids: HashSet<String>,
        first_total: Option<u64>,
    }
    let state = State {
        fetch,
        offset: Some(0),
        pages: HashSet::new(),
        ids: HashSet::new(),
        first_total: None,
    };
    stream::try_unfold(state, move |mut state| async move {
        let Some(offset) = state.offset else {
            return Ok::<_, E>(None);
        };
        let page = (state.fetch)(offset, page_size).await?;
        let keys: Vec<String> = page.items.iter().map(Keyed::key).collect();
        if !keys.is_empty() && !state.pages.insert(keys.clone()) {
            return Err(E::from(PagingError::Repeated { offset }));
        }
        if let Some(now) = page.total {
            let first = *state.first_total.get_or_insert(now);
            if now > first + u64::from(page_size) {
                return Err(E::from(PagingError::Grew { first, now }));
            }
        }
        state.offset = next_offset(offset, page.items.len(), page.total);
        let fresh: Vec<T> = page
            .items
            .into_iter()
            .zip(keys)
            .filter_map(|(item, key)| state.ids.insert(key).then_some(item))
            .collect();
        if state.offset.is_none()
            && let Some(total) = page.total
            && (state.ids.len() as u64) < total
        {
            return Err(E::from(PagingError::Incomplete {
                distinct: state.ids.len() as u64,
                total,
            }));
        }
        Ok::<_, E>(Some((fresh, state)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// Streams every item of a list whose pages link to the next one (Tastypie's
/// `meta.next`): `fetch(url)` gets a page. Stops when there is no next page, a
/// page is empty, or the items read reach the first page's `total_count` (whatever
/// the link says: so fresh links without end stop there too); a link back to a
/// page already read is an error.
pub fn link_stream<T, E, F, Fut>(first: String, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    E: From<PagingError>,
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<LinkedPage<T>, E>>,
{
    struct State<F> {
        fetch: F,
        next: Option<String>,
        seen: HashSet<String>,
        first_total: Option<u64>,
        items: u64,
    }
    let state = State {
        fetch,
        next: Some(first),
        seen: HashSet::new(),
        first_total: None,
        items: 0,
    };
    stream::try_unfold(state, move |mut state| async move {
        let Some(url) = state.next.take() else {
            return Ok::<_, E>(None);
        };
        if !state.seen.insert(url.clone()) {
            return Err(E::from(PagingError::LinkLoop { url }));
        }
        let page = (state.fetch)(url).await?;
        state.first_total = state.first_total.or(page.total);
        state.items += page.items.len() as u64;
        // Complete at total_count: a `next` link beside it is not followed (MailRoute
        // sets one on a filtered list that fits on one page).
        let complete = state.first_total.is_some_and(|total| state.items >= total);
        state.next = page.next.filter(|_| !page.items.is_empty() && !complete);
        Ok::<_, E>(Some((page.items, state)))
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
    fn a_total_too_large_is_an_incomplete_list() {
        assert_eq!(
            all(offset_stream(10, server(25, Some(1000), 100, false))),
            Err(TestError::Paging(PagingError::Incomplete {
                distinct: 25,
                total: 1000
            }))
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

    type Linked = futures::future::Ready<Result<LinkedPage<u64>, TestError>>;

    fn page(items: Vec<u64>, next: Option<String>, total: Option<u64>) -> Linked {
        futures::future::ready(Ok(LinkedPage { items, next, total }))
    }

    /// A Tastypie-like server of `n` items that caps `limit` at `cap`.
    fn linked(n: u64, cap: u64) -> impl FnMut(String) -> Linked {
        move |url| {
            let offset: u64 = url.rsplit('=').next().unwrap().parse().unwrap();
            let end = (offset + cap).min(n);
            let next = (end < n).then(|| format!("/list/?limit={cap}&offset={end}"));
            page((offset..end).collect(), next, Some(n))
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
        let empty_with_link =
            |_url: String| page(Vec::new(), Some("/list/?offset=99".to_owned()), None);
        assert_eq!(
            all(link_stream("/list/".into(), empty_with_link)),
            Ok(vec![])
        );
        // A link back to a page already read is caught.
        let looping = |_url: String| page(vec![1], Some("/list/".to_owned()), None);
        assert_eq!(
            all(link_stream("/list/".into(), looping)),
            Err(TestError::Paging(PagingError::LinkLoop {
                url: "/list/".into()
            }))
        );
    }

    #[test]
    fn a_list_is_complete_at_total_count_whatever_next_says() {
        // Every page links to a new URL and claims 3 items in all: three pages read.
        let asked = std::cell::RefCell::new(Vec::new());
        let endless = |url: String| {
            let n: u64 = url.rsplit('=').next().unwrap().parse().unwrap();
            asked.borrow_mut().push(n);
            page(vec![n], Some(format!("/list/?offset={}", n + 1)), Some(3))
        };
        assert_eq!(
            all(link_stream("/list/?offset=0".into(), endless)),
            Ok(vec![0, 1, 2])
        );
        assert_eq!(*asked.borrow(), [0, 1, 2]);
        // As recorded: 3 items of a limit of 20, `next` set all the same; no second
        // request.
        let asked = std::cell::Cell::new(0);
        let recorded = |_url: String| {
            asked.set(asked.get() + 1);
            page(
                vec![1, 2, 3],
                Some("/api/v1/customer/?limit=20&offset=20".to_owned()),
                Some(3),
            )
        };
        assert_eq!(
            all(link_stream(
                "/api/v1/customer/?limit=20&offset=0".into(),
                recorded
            )),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(asked.get(), 1);
    }

    /// A server whose pages come from `pages` in turn (offsets ignored), each
    /// with its own Total.
    fn scripted(
        pages: Vec<(Vec<u64>, Option<u64>)>,
    ) -> impl FnMut(u64, u32) -> futures::future::Ready<Result<Page<u64>, TestError>> {
        let mut pages = pages.into_iter();
        move |_, _| {
            let (items, total) = pages.next().unwrap_or((Vec::new(), None));
            futures::future::ready(Ok(Page { total, items }))
        }
    }

    #[test]
    fn a_page_repeating_any_earlier_one_is_caught() {
        // Page 3 repeats page 1 (not the one just before it).
        let pages = vec![(vec![0, 1], None), (vec![2, 3], None), (vec![0, 1], None)];
        assert_eq!(
            all(offset_stream(2, scripted(pages))),
            Err(TestError::Paging(PagingError::Repeated { offset: 4 }))
        );
    }

    #[test]
    fn items_are_deduplicated_and_a_short_list_is_incomplete() {
        // An item moved between pages while the list was read: seen twice, counted once;
        // the list ends with 3 distinct items of a Total of 4.
        let pages = vec![
            (vec![0, 1], Some(4)),
            (vec![1, 2], Some(4)),
            (vec![], Some(4)),
        ];
        assert_eq!(
            all(offset_stream(2, scripted(pages))),
            Err(TestError::Paging(PagingError::Incomplete {
                distinct: 3,
                total: 4
            }))
        );
        // The same with nothing lost: the repeat is counted once, 5 distinct of 5.
        let pages = vec![
            (vec![0, 1], Some(5)),
            (vec![1, 2], Some(5)),
            (vec![3, 4], Some(5)),
        ];
        assert_eq!(
            all(offset_stream(2, scripted(pages))),
            Ok(vec![0, 1, 2, 3, 4])
        );
    }

    #[test]
    fn a_list_that_shrinks_is_fine_one_that_keeps_growing_is_not() {
        let shrinking = vec![(vec![0, 1], Some(5)), (vec![2], Some(3))];
        assert_eq!(
            all(offset_stream(2, scripted(shrinking))),
            Ok(vec![0, 1, 2])
        );
        let growing = vec![
            (vec![0, 1], Some(4)),
            (vec![2, 3], Some(6)),
            (vec![4, 5], Some(8)),
        ];
        assert_eq!(
            all(offset_stream(2, scripted(growing))),
            Err(TestError::Paging(PagingError::Grew { first: 4, now: 8 }))
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
