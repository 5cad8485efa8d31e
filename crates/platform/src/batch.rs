//! Group commit's collecting half: writers share one queue, and each takes whatever is
//! waiting (at least one job, at most `max`) while the other writers collect the next batch.
//! Used by intake's creates and messaging's lookup log.

use tokio::sync::{Mutex, mpsc};

/// The next batch from the shared queue: waits for one job, then takes what else is already
/// queued, up to `max`. `None` once every sender is gone.
pub async fn next_batch<T>(rx: &Mutex<mpsc::Receiver<T>>, max: usize) -> Option<Vec<T>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn takes_what_waits_up_to_the_bound_and_ends_with_the_senders() {
        let (tx, rx) = mpsc::channel(16);
        let rx = Mutex::new(rx);
        for n in 0..5 {
            tx.send(n).await.expect("send");
        }
        assert_eq!(next_batch(&rx, 3).await, Some(vec![0, 1, 2]));
        assert_eq!(next_batch(&rx, 3).await, Some(vec![3, 4]));
        drop(tx);
        assert_eq!(next_batch(&rx, 3).await, None);
    }
}
