//! Stop signals of `apimcap run`: SIGTERM or Ctrl-C turn a channel true, and the controller
//! stops taking new work when it does.

use tokio::sync::watch;

/// A channel that turns true on SIGTERM or Ctrl-C, and the task that watches for them.
pub fn stop_on_signal() -> (tokio::task::JoinHandle<()>, watch::Receiver<bool>) {
    let (stop_tx, stop) = watch::channel(false);
    let terminate = tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    (terminate, stop)
}

/// Resolves on a stop signal (SIGTERM): stop taking new work, let running reconciles end.
pub async fn stopping(mut stop: watch::Receiver<bool>) {
    // A sender that is gone (the signal task ended) never resolves.
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
    tracing::info!("stopping: finishing running reconciles");
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    tracing::info!("received a stop signal");
}
