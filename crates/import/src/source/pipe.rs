//! Reading a sheet on a second thread while this one checks the rows already read.
//!
//! Parsing a sheet (unzipping, XML, shared strings; or CSV fields) and checking its rows cost
//! about the same; done one after the other on a laptop's two or more cores, half of them
//! waits. [`pipelined`] runs the reader on a scoped thread and hands its rows over in batches
//! through a small bounded channel, so at most [`BATCHES_AHEAD`] × [`BATCH_ROWS`] rows are in
//! flight and memory stays flat whatever the sheet's size. Rows arrive in the order they were
//! read; a reader error comes after every row read before it, as it would without the thread.

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

use crate::values::Cell;

/// Rows handed over at a time: enough that the channel costs nothing per row, few enough
/// that the checking thread starts at once.
const BATCH_ROWS: usize = 512;

/// Batches the reader may run ahead of the checker.
const BATCHES_AHEAD: usize = 8;

type Row = (u32, Vec<Cell>);

/// Where a reader puts each row it reads: `Break` asks it to stop.
pub(super) type RowSink<'a> = dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()> + 'a;

/// Runs `read` on a second thread, feeding each row it gives to `each` on this one.
///
/// `read` is handed a row sink that answers `Break` once `each` has stopped the walk, so
/// the reader stops soon after. A panic on the reader's thread is carried over to this one,
/// unless `each` had stopped the walk before: the rows the reader went on to were never
/// wanted, as they would not have been read without the thread. When no thread can be
/// started, `read` runs here.
pub(super) fn pipelined<R>(
    read: R,
    each: &mut impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
) -> Result<(), String>
where
    R: FnOnce(&mut RowSink<'_>) -> Result<(), String> + Send,
{
    // Where the reader waits to be taken by its thread, or by this one if none starts.
    let waiting = Mutex::new(Some(read));
    let spawned = std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel::<Vec<Row>>(BATCHES_AHEAD);
        let waiting = &waiting;
        let reader = std::thread::Builder::new()
            .name("sheet-reader".to_owned())
            .spawn_scoped(scope, move || {
                let Some(read) = waiting.lock().ok().and_then(|mut slot| slot.take()) else {
                    return Ok(());
                };
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let mut stopped = false;
                let result = read(&mut |row, cells| {
                    batch.push((row, cells));
                    if batch.len() == BATCH_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        if sender.send(full).is_err() {
                            stopped = true;
                            return ControlFlow::Break(());
                        }
                    }
                    ControlFlow::Continue(())
                });
                if !stopped && !batch.is_empty() {
                    // The checker may have stopped meanwhile; then nobody wants these rows.
                    let _ = sender.send(batch);
                }
                result
            });
        let Ok(reader) = reader else {
            return None;
        };
        let mut stopped = false;
        'batches: for batch in receiver.iter() {
            for (row, cells) in batch {
                if each(row, cells).is_break() {
                    stopped = true;
                    break 'batches;
                }
            }
        }
        // Dropping the receiver makes the reader's next hand-over fail, which stops it.
        drop(receiver);
        Some(match reader.join() {
            Ok(_) | Err(_) if stopped => Ok(()),
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    });
    match spawned {
        Some(result) => result,
        None => match waiting.into_inner().ok().flatten() {
            Some(read) => read(&mut |row, cells| each(row, cells)),
            None => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u32) -> impl FnOnce(&mut RowSink<'_>) -> Result<(), String> {
        move |each| {
            for row in 0..n {
                if each(row, vec![Cell::Number(f64::from(row))]).is_break() {
                    return Ok(());
                }
            }
            Ok(())
        }
    }

    #[test]
    fn every_row_arrives_once_and_in_order() {
        let total = (BATCH_ROWS * 3 + 7) as u32;
        let mut seen = Vec::new();
        pipelined(rows(total), &mut |row, cells| {
            assert_eq!(cells, vec![Cell::Number(f64::from(row))]);
            seen.push(row);
            ControlFlow::Continue(())
        })
        .expect("read");
        assert_eq!(seen, (0..total).collect::<Vec<_>>());
    }

    #[test]
    fn stopping_stops_the_reader() {
        // The reader would give a billion rows; it must stop within the batches in flight.
        let given = std::sync::atomic::AtomicU64::new(0);
        let mut seen = 0;
        pipelined(
            |each| {
                for row in 0..1_000_000_000u32 {
                    given.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if each(row, Vec::new()).is_break() {
                        return Ok(());
                    }
                }
                Ok(())
            },
            &mut |_, _| {
                seen += 1;
                if seen == 10 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .expect("stopped");
        assert_eq!(seen, 10);
        let given = given.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            given <= ((BATCHES_AHEAD + 3) * BATCH_ROWS) as u64,
            "{given} rows read"
        );
    }

    #[test]
    fn a_reader_error_comes_after_the_rows_read_before_it() {
        let mut seen = 0;
        let result = pipelined(
            |each| {
                for row in 0..(BATCH_ROWS as u32 + 3) {
                    let _ = each(row, Vec::new());
                }
                Err("bad XML at row 516".to_owned())
            },
            &mut |_, _| {
                seen += 1;
                ControlFlow::Continue(())
            },
        );
        assert_eq!(result, Err("bad XML at row 516".to_owned()));
        assert_eq!(seen, BATCH_ROWS + 3);
    }

    #[test]
    fn what_the_reader_meets_after_the_walk_stopped_is_not_reported() {
        // An error, or a panic, in rows read ahead after `each` had stopped: nobody asked
        // for those rows.
        for panics in [false, true] {
            let mut seen = 0;
            let result = pipelined(
                |each| {
                    for row in 0..(BATCH_ROWS as u32 * 2) {
                        if each(row, Vec::new()).is_break() {
                            break;
                        }
                    }
                    if panics {
                        panic!("broke after the stop");
                    }
                    Err("broke after the stop".to_owned())
                },
                &mut |_, _| {
                    seen += 1;
                    ControlFlow::Break(())
                },
            );
            assert_eq!(result, Ok(()), "panics: {panics}");
            assert_eq!(seen, 1);
        }
    }

    #[test]
    fn a_panic_on_the_reader_thread_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            let _ = pipelined(|_| panic!("reader broke"), &mut |_, _| {
                ControlFlow::Continue(())
            });
        });
        assert!(caught.is_err());
    }
}
