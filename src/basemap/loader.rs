//! Background tile loading: worker threads read tiles from the archive, decode and tessellate
//! them, and hand finished meshes back over a channel, so the render thread never waits on
//! I/O or tessellation. Requests are served newest first, and requests the view no longer
//! wants can be dropped before a worker picks them up.

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Result;

use super::archive::Archive;
use super::mesh::{MeshBuilder, TileMesh};
use crate::crs::TileId;

/// A finished tile: its mesh, or why it could not be built.
pub type Loaded = (TileId, Result<TileMesh>);

#[derive(Default)]
struct Queue {
    tiles: Vec<TileId>,
    closed: bool,
}

type SharedQueue = Arc<(Mutex<Queue>, Condvar)>;

/// Loads tiles from one archive on background threads.
pub struct TileLoader {
    queue: SharedQueue,
    results: Receiver<Loaded>,
    pending: HashSet<TileId>,
    workers: Vec<JoinHandle<()>>,
}

impl TileLoader {
    /// Starts `threads` workers on the archive at `path` (each maps the file itself).
    pub fn new(path: &Path, threads: usize) -> Result<Self> {
        let queue: SharedQueue = Arc::default();
        let (tx, results) = channel();
        let mut workers = Vec::new();
        for _ in 0..threads.max(1) {
            let archive = Archive::open(path)?;
            let (queue, tx) = (queue.clone(), tx.clone());
            workers.push(std::thread::spawn(move || worker(archive, queue, tx)));
        }
        Ok(Self { queue, results, pending: HashSet::new(), workers })
    }

    /// Asks for a tile unless it is already on its way.
    pub fn request(&mut self, id: TileId) {
        if self.pending.insert(id) {
            let (lock, cvar) = &*self.queue;
            if let Ok(mut q) = lock.lock() {
                q.tiles.push(id);
                cvar.notify_one();
            }
        }
    }

    /// Drops queued (not yet started) requests that `keep` rejects.
    pub fn retain_queued(&mut self, keep: impl Fn(TileId) -> bool) {
        let (lock, _) = &*self.queue;
        if let Ok(mut q) = lock.lock() {
            let pending = &mut self.pending;
            q.tiles.retain(|t| keep(*t) || !pending.remove(t));
        }
    }

    /// Finished tiles, without waiting.
    pub fn poll(&mut self) -> Vec<Loaded> {
        let done: Vec<Loaded> = self.results.try_iter().collect();
        for (id, _) in &done {
            self.pending.remove(id);
        }
        done
    }

    /// Waits up to `timeout` for the next finished tile.
    pub fn wait(&mut self, timeout: Duration) -> Option<Loaded> {
        match self.results.recv_timeout(timeout) {
            Ok(done) => {
                self.pending.remove(&done.0);
                Some(done)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }
}

impl Drop for TileLoader {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.queue;
        if let Ok(mut q) = lock.lock() {
            q.closed = true;
            cvar.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(archive: Archive, queue: SharedQueue, tx: Sender<Loaded>) {
    let mut builder = MeshBuilder::default();
    while let Some(id) = next_request(&queue) {
        let mesh = archive.tile(id).and_then(|bytes| match bytes {
            Some(bytes) => builder.build(id, &bytes),
            None => Ok(TileMesh { id: Some(id), ..Default::default() }),
        });
        if tx.send((id, mesh)).is_err() {
            return;
        }
    }
}

/// The newest request, waiting while there is none; `None` once the loader is dropped.
fn next_request(queue: &SharedQueue) -> Option<TileId> {
    let (lock, cvar) = &**queue;
    let mut q = lock.lock().ok()?;
    loop {
        if q.closed {
            return None;
        }
        if let Some(id) = q.tiles.pop() {
            return Some(id);
        }
        q = cvar.wait(q).ok()?;
    }
}
