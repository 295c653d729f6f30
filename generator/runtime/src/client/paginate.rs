//! Cursor pagination as a `Stream` of items. Tests: `tests/client.rs` (`paginate_*`) and below.

use std::collections::{HashSet, VecDeque};
use std::future::Future;

use futures::Stream;

use super::Error;

/// Turns a page fetcher into a stream of items.
///
/// `fetch(None)` loads the first page; each page returns its items and the cursor of the next
/// page. Fetching continues while a non-empty cursor comes back that has not been seen before,
/// so a server that repeats a cursor ends the stream instead of looping forever. The first
/// error is yielded and ends the stream. Pages are fetched lazily, one at a time, as the
/// stream is polled.
///
/// ```
/// use futures::StreamExt as _;
/// use oagen_rt::client::{Error, paginate};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let pages = paginate(|cursor: Option<String>| async move {
///     Ok::<_, Error<()>>(match cursor.as_deref() {
///         None => (vec![1, 2], Some("p2".to_owned())),
///         Some("p2") => (vec![3], Some(String::new())), // an empty cursor ends it too
///         Some(_) => (vec![], None),
///     })
/// });
/// let items: Vec<u32> = pages.map(|item| item.unwrap()).collect().await;
/// assert_eq!(items, [1, 2, 3]);
/// # });
/// ```
///
/// Generated code wraps an operation, e.g. `list_runs(limit, cursor)`:
///
/// ```ignore
/// pub fn list_runs_stream(&self, limit: Option<u32>) -> impl Stream<Item = Result<Run, rt::client::Error<ListRunsError>>> + '_ {
///     rt::client::paginate(move |cursor| async move {
///         let page = self.list_runs(limit, cursor.as_deref()).await?;
///         Ok((page.items, page.next_cursor))
///     })
/// }
/// ```
pub fn paginate<T, E, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error<E>>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Error<E>>>,
{
    struct State<T, F> {
        fetch: F,
        buffered: VecDeque<T>,
        /// The cursor of the next page to fetch: `Some(None)` is the first page, `None` the end.
        next: Option<Option<String>>,
        seen: HashSet<String>,
    }

    let state = State {
        fetch,
        buffered: VecDeque::new(),
        next: Some(None),
        seen: HashSet::new(),
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffered.pop_front() {
                return Some((Ok(item), state));
            }
            let cursor = state.next.take()?;
            match (state.fetch)(cursor).await {
                Ok((items, next)) => {
                    state.buffered = items.into();
                    state.next = next
                        .filter(|cursor| !cursor.is_empty() && state.seen.insert(cursor.clone()))
                        .map(Some);
                }
                // `state.next` is `None` now, so the stream ends after this.
                Err(err) => return Some((Err(err), state)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;
    use std::cell::RefCell;

    fn run<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn stops_on_a_cursor_cycle_and_after_an_error() {
        let calls = RefCell::new(Vec::new());
        let items: Vec<Result<u8, Error<()>>> = run(paginate(|cursor: Option<String>| {
            calls.borrow_mut().push(cursor.clone());
            async move {
                match cursor.as_deref() {
                    None => Ok((vec![1], Some("a".to_owned()))),
                    Some("a") => Ok((vec![], Some("b".to_owned()))),
                    _ => Ok((vec![2], Some("a".to_owned()))),
                }
            }
        })
        .collect());
        assert_eq!(
            items.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(
            *calls.borrow(),
            [None, Some("a".to_owned()), Some("b".to_owned())]
        );

        let items: Vec<Result<u8, Error<()>>> =
            run(paginate(|cursor: Option<String>| async move {
                match cursor {
                    None => Ok((vec![1], Some("a".to_owned()))),
                    Some(_) => Err(Error::Timeout),
                }
            })
            .collect());
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], Err(Error::Timeout)));
    }
}
