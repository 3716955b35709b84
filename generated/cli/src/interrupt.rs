//! Ctrl-C: a command stops cleanly. A job being waited on handles the signal itself (it
//! cancels what can be cancelled, then says what goes on at the service); anywhere else the
//! command's work is dropped, which removes any half-written file ([`crate::transfer`]), and
//! `pbi` exits with [`crate::failure::INTERRUPTED`].

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::failure::Failure;

/// How many parts of the command handle Ctrl-C themselves right now.
static HANDLED_INSIDE: AtomicUsize = AtomicUsize::new(0);

/// While alive, Ctrl-C is left to its owner (a job's wait) rather than stopping the command.
#[derive(Debug)]
pub struct HandledInside(());

impl HandledInside {
    /// Takes over Ctrl-C until dropped.
    pub fn new() -> Self {
        HANDLED_INSIDE.fetch_add(1, Ordering::SeqCst);
        HandledInside(())
    }
}

impl Drop for HandledInside {
    fn drop(&mut self) {
        HANDLED_INSIDE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` until it ends or Ctrl-C stops it.
pub async fn run(work: impl Future<Output = Result<(), Failure>>) -> Result<(), Failure> {
    let mut work = std::pin::pin!(work);
    loop {
        tokio::select! {
            result = &mut work => return result,
            signal = tokio::signal::ctrl_c() => {
                if signal.is_err() {
                    // No signal handler could be installed: the default (the process ends).
                    return work.await;
                }
                if HANDLED_INSIDE.load(Ordering::SeqCst) == 0 {
                    return Err(Failure::interrupted("interrupted"));
                }
            }
        }
    }
}
