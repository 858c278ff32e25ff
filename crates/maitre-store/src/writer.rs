//! Write transactions, and group commit for SQLite's one writer connection (DESIGN: the single SQLite writer takes
//! the writes waiting into one `BEGIN IMMEDIATE … COMMIT`).
//!
//! On SQLite every write transaction runs as a savepoint inside a group transaction, which stays open while other
//! writers are queued for it; the last of them commits for all. A caller's `commit` returns only after the commit
//! that holds its writes, so nothing is acknowledged before it is on disk, yet concurrent writers share one commit
//! (one WAL append of the pages they all touched, one lock round) instead of paying one each. Between groups the
//! connection goes back to its pool, where single statements outside a transaction get their turn. Ordinary
//! writers (jobs, staff) queue one at a time behind the holder; a webhook's acceptance goes past that queue.
//! On PostgreSQL, whose connections write in parallel, a write transaction is a plain pool transaction.
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, Semaphore, watch};

use crate::batch::{Batch, Done};
use crate::{Result, StoreError};

/// Most transactions in one group: bounds how long the writer is kept from single statements waiting in the pool.
const MOST_IN_GROUP: usize = 64;
/// Once an urgent writer (a webhook's acceptance) is in the group, at most this many more join before it commits.
const MORE_AFTER_URGENT: usize = 8;

/// How a group's commit went, as its members learn it (`None` until then).
type Outcome = Option<std::result::Result<(), Arc<str>>>;

/// The group committer of SQLite's writer pool (a pool of one connection).
pub(crate) struct Group {
    pool: AnyPool,
    state: Arc<Mutex<State>>,
    /// Writers waiting for `state`. While any are, a finished transaction leaves the commit to them.
    queued: AtomicUsize,
    /// Ordinary writers queue here first, one at a time for `state`, so that a webhook's write waits for at most
    /// the holder and one other writer, not for every job in the queue.
    lane: Semaphore,
    /// Asks the flusher task to commit the open group once the writers queued before it are done.
    flush: Notify,
}

struct State {
    /// The writer connection while a group transaction is open.
    conn: Option<PoolConnection<Any>>,
    /// Transactions released into the open group, waiting for its commit.
    members: usize,
    /// The group commits when this many members are in.
    most: usize,
    /// Tells this group's members how its commit went.
    outcome: watch::Sender<Outcome>,
    /// The last holder went away inside its savepoint: roll that back before anything else.
    abandoned: bool,
    /// A finished member's savepoint is still open: the next savepoint releases it in the same call, or the
    /// group's COMMIT does (each statement is a round trip to the connection's thread, the writer's main cost).
    unreleased: bool,
    flush_asked: bool,
}

impl Group {
    pub(crate) fn start(pool: AnyPool) -> Arc<Self> {
        let state = State {
            conn: None,
            members: 0,
            most: MOST_IN_GROUP,
            outcome: watch::Sender::new(None),
            abandoned: false,
            unreleased: false,
            flush_asked: false,
        };
        let group = Arc::new(Group {
            pool,
            state: Arc::new(Mutex::new(state)),
            queued: AtomicUsize::new(0),
            lane: Semaphore::new(1),
            flush: Notify::new(),
        });
        tokio::spawn(flusher(group.clone()));
        group
    }

    /// Joins the open group (or opens one), running `batch` in the same call as the opening. `savepoint`: the
    /// transaction may run several statements and must be undone alone if it fails; a single statement is atomic
    /// by itself and needs none.
    async fn begin(self: &Arc<Self>, savepoint: bool, urgent: bool, batch: Batch) -> Result<(GroupTx, Vec<Done>)> {
        // Runs to its end even if the caller goes away (a request cancelled by its client): a group half opened
        // or half committed would stall every writer after it. The same holds for `GroupTx::commit`.
        let group = self.clone();
        tokio::spawn(async move { group.open_member(savepoint, urgent, batch).await }).await.map_err(stopped)?
    }

    async fn open_member(self: Arc<Self>, savepoint: bool, urgent: bool, batch: Batch) -> Result<(GroupTx, Vec<Done>)> {
        let mut state = self.lock(urgent).await;
        self.settle(&mut state).await;
        if urgent {
            state.most = state.most.min(state.members + 1 + MORE_AFTER_URGENT);
        }
        // A failed join leaves no group open (`join` ends it), so nobody waits on this one.
        let done = self.join(&mut state, savepoint, batch).await?;
        let tx = GroupTx { state: Some(state), group: self, savepoint };
        // The batch failed inside the member's savepoint: dropping the member undoes it alone.
        Ok((tx, done?))
    }

    /// Opens the group if needed and the member's savepoint, then runs `batch`, all in one call. The outer error:
    /// the opening failed and the group is ended; the inner one: a statement of `batch` failed.
    async fn join(&self, state: &mut State, savepoint: bool, batch: Batch) -> Result<Result<Vec<Done>>> {
        let opening = state.conn.is_none();
        if opening {
            state.conn = Some(self.pool.acquire().await?);
        }
        let opening_sql: &[&str] = match (opening, savepoint, state.unreleased) {
            (true, true, _) => &["BEGIN IMMEDIATE", "SAVEPOINT member"],
            (true, false, _) => &["BEGIN IMMEDIATE"],
            (false, true, true) => &["RELEASE member", "SAVEPOINT member"],
            (false, true, false) => &["SAVEPOINT member"],
            (false, false, _) => &[],
        };
        let (done, failed) = batch.run_after(opening_sql, open(state)).await;
        let opened = done.len() >= opening_sql.len();
        match failed {
            None => {
                state.unreleased &= !savepoint;
                Ok(Ok(done.into_iter().skip(opening_sql.len()).collect()))
            }
            Some(e) if opened => {
                state.unreleased &= !savepoint;
                Ok(Err(e))
            }
            // Which of the statements ran is unknown: the connection is not reused, the open group not committed.
            Some(e) if opening => {
                open(state).close_on_drop();
                state.conn = None;
                Err(e)
            }
            Some(e) => abort(state, e).await.map(|()| Ok(Vec::new())), // always the error: the group ends
        }
    }

    /// `urgent` writers go past the ordinary ones queued in the lane.
    async fn lock(&self, urgent: bool) -> OwnedMutexGuard<State> {
        /// Counts a writer as queued until it holds the lock or gives up waiting.
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.queued.fetch_add(1, Ordering::SeqCst);
        let _queued = Queued(&self.queued);
        let _lane = match urgent {
            true => None,
            false => Some(self.lane.acquire().await.expect("the lane is never closed")),
        };
        self.state.clone().lock_owned().await
    }

    /// Undoes what an abandoned holder left; if even that fails, the whole group fails.
    async fn settle(&self, state: &mut State) {
        if !std::mem::take(&mut state.abandoned) {
            return;
        }
        if let Err(e) = open(state).execute("ROLLBACK TO member; RELEASE member").await {
            let _ = abort(state, e.into()).await;
        }
    }

    /// Commits the open group (if any) for all its members; returns its outcome.
    async fn commit(&self, state: &mut State) -> Result<()> {
        let Some(conn) = state.conn.as_mut() else { return Ok(()) };
        match conn.execute("COMMIT").await {
            Ok(_) => finish(state, Ok(())),
            Err(e) => abort(state, e.into()).await,
        }
    }
}

/// Ends the open group without its writes: rolled back, its connection closed (its state is unknown), the error
/// told to every member.
async fn abort(state: &mut State, error: StoreError) -> Result<()> {
    let conn = open(state);
    let _ = conn.execute("ROLLBACK").await;
    conn.close_on_drop();
    finish(state, Err(error))
}

fn open(state: &mut State) -> &mut PoolConnection<Any> {
    state.conn.as_mut().expect("a group is open while it has a holder")
}

/// Ends the open group: the connection back to its pool, the outcome to every member.
fn finish(state: &mut State, result: Result<()>) -> Result<()> {
    state.conn = None;
    state.members = 0;
    state.most = MOST_IN_GROUP;
    state.unreleased = false;
    state.flush_asked = false;
    let outcome = result.as_ref().map(drop).map_err(|e| Arc::from(e.to_string()));
    std::mem::replace(&mut state.outcome, watch::Sender::new(None)).send_replace(Some(outcome));
    result
}

/// Commits a group whose members left it waiting, once the writers queued before this task have joined it.
async fn flusher(group: Arc<Group>) {
    loop {
        group.flush.notified().await;
        let mut state = group.lock(false).await;
        group.settle(&mut state).await;
        let _ = group.commit(&mut state).await;
    }
}

/// A transaction on SQLite's writer, inside a group.
pub(crate) struct GroupTx {
    state: Option<OwnedMutexGuard<State>>,
    group: Arc<Group>,
    savepoint: bool,
}

impl GroupTx {
    fn conn(&self) -> &AnyConnection {
        self.state.as_ref().and_then(|s| s.conn.as_deref()).expect("a group is open while it has a holder")
    }

    fn conn_mut(&mut self) -> &mut AnyConnection {
        open(self.state.as_mut().expect("held until committed"))
    }

    async fn commit(mut self) -> Result<()> {
        let state = self.state.take().expect("held until committed");
        let waiting = tokio::spawn(release(self.group.clone(), state, self.savepoint)).await.map_err(stopped)??;
        let Some(mut outcome) = waiting else { return Ok(()) };
        let committed = outcome.wait_for(Option::is_some).await.map_err(stopped)?;
        match committed.as_ref() {
            Some(Err(e)) => Err(StoreError::Unavailable(format!("the group commit failed: {e}"))),
            _ => Ok(()),
        }
    }
}

/// Releases a transaction into its group and commits the group when nobody else will; otherwise returns where
/// the group's outcome will be told.
async fn release(
    group: Arc<Group>,
    mut state: OwnedMutexGuard<State>,
    savepoint: bool,
) -> Result<Option<watch::Receiver<Outcome>>> {
    state.unreleased |= savepoint;
    state.members += 1;
    if state.members >= state.most || group.queued.load(Ordering::SeqCst) == 0 {
        return group.commit(&mut state).await.map(|()| None);
    }
    let outcome = state.outcome.subscribe();
    ask_flush(&mut state, &group);
    Ok(Some(outcome))
}

fn stopped(_: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable("the store is shutting down".into())
}

fn ask_flush(state: &mut State, group: &Group) {
    if !std::mem::replace(&mut state.flush_asked, true) {
        group.flush.notify_one();
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            state.abandoned = self.savepoint;
            // Whoever comes next settles it; if nobody does, the flusher ends the group and frees the connection.
            ask_flush(&mut state, &self.group);
        }
    }
}

/// An open write: commit it, or drop it to roll it back.
pub(crate) enum WriteTx {
    Pool(Transaction<'static, Any>),
    /// One statement on PostgreSQL, committed by itself.
    Autocommit(PoolConnection<Any>),
    Group(GroupTx),
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            WriteTx::Pool(tx) => Ok(tx.commit().await?),
            WriteTx::Autocommit(_) => Ok(()),
            WriteTx::Group(tx) => tx.commit().await,
        }
    }

    /// Undoes the writes now (a group member's are undone before the group goes on).
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            WriteTx::Pool(tx) => Ok(tx.rollback().await?),
            WriteTx::Autocommit(_) | WriteTx::Group(_) => Ok(()),
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            WriteTx::Pool(tx) => tx,
            WriteTx::Autocommit(conn) => conn,
            WriteTx::Group(tx) => tx.conn(),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Pool(tx) => tx,
            WriteTx::Autocommit(conn) => conn,
            WriteTx::Group(tx) => tx.conn_mut(),
        }
    }
}

/// Where writes go: the pools, and on SQLite the group committer in front of the writer.
#[derive(Clone)]
pub(crate) struct Writes {
    write: AnyPool,
    relaxed: AnyPool,
    group: Option<Arc<Group>>,
}

impl Writes {
    pub(crate) fn new(write: AnyPool, relaxed: AnyPool, grouped: bool) -> Self {
        let group = grouped.then(|| Group::start(write.clone()));
        Writes { write, relaxed, group }
    }

    /// A write transaction whose commit waits for the disk.
    pub(crate) async fn begin(&self) -> Result<WriteTx> {
        self.transaction(&self.write, false).await
    }

    /// Like `begin`, for a write a client is waiting on (a webhook's acknowledgement): on SQLite it goes before
    /// the queued job work. Only one such writer should wait at a time, or ordinary writers could starve.
    pub(crate) async fn begin_urgent(&self) -> Result<WriteTx> {
        self.transaction(&self.write, true).await
    }

    /// A write transaction of redoable bookkeeping (see `Store::relaxed`).
    pub(crate) async fn begin_relaxed(&self) -> Result<WriteTx> {
        self.transaction(&self.relaxed, false).await
    }

    /// Like `begin_relaxed`, starting with `batch`: on SQLite the transaction's opening goes in the same call.
    /// A failing statement of `batch` undoes the transaction.
    pub(crate) async fn begin_relaxed_with(&self, batch: Batch) -> Result<(WriteTx, Vec<Done>)> {
        self.transaction_with(&self.relaxed, false, batch).await
    }

    /// In the group on SQLite, else a transaction of `pool`.
    async fn transaction(&self, pool: &AnyPool, urgent: bool) -> Result<WriteTx> {
        Ok(self.transaction_with(pool, urgent, Batch::new(self.group.is_some())).await?.0)
    }

    /// Like `transaction`, running `batch` first (with the opening, in one call, on SQLite).
    async fn transaction_with(&self, pool: &AnyPool, urgent: bool, batch: Batch) -> Result<(WriteTx, Vec<Done>)> {
        match &self.group {
            Some(group) => group.begin(true, urgent, batch).await.map(|(tx, done)| (WriteTx::Group(tx), done)),
            None => {
                let mut tx = WriteTx::Pool(pool.begin().await?);
                let done = batch.run(&mut tx).await?;
                Ok((tx, done))
            }
        }
    }

    /// For one statement whose commit waits for the disk: on PostgreSQL committed by itself, on SQLite in the
    /// group without a savepoint of its own (a failing statement undoes only itself).
    pub(crate) async fn statement(&self) -> Result<WriteTx> {
        self.single(&self.write).await
    }

    /// For one statement of redoable bookkeeping (see `statement`).
    pub(crate) async fn relaxed_statement(&self) -> Result<WriteTx> {
        self.single(&self.relaxed).await
    }

    async fn single(&self, pool: &AnyPool) -> Result<WriteTx> {
        match &self.group {
            Some(group) => Ok(WriteTx::Group(group.begin(false, false, Batch::new(true)).await?.0)),
            None => Ok(WriteTx::Autocommit(pool.acquire().await?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Clock, Store, StoreError};

    async fn store() -> (maitre_testkit::TestDb, Store) {
        let db = maitre_testkit::TestDb::new().await;
        let store = Store::open(&db.url, Clock::system()).await.unwrap();
        (db, store)
    }

    /// Inserts an ignored-event row (a table without foreign keys) inside `tx`.
    async fn insert(tx: &mut sqlx::AnyConnection, id: &str) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ($1, 'x', 'r', 'l', 0)",
        )
        .bind(id)
        .execute(tx)
        .await?;
        Ok(())
    }

    async fn ids(store: &Store) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM ignored_events ORDER BY id").fetch_all(&store.read).await.unwrap()
    }

    /// Many writers at once: each sees its rows committed (readable from another connection) when `commit`
    /// returns, and single statements outside any transaction still get the writer between groups.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_transactions_are_each_committed_when_commit_returns() {
        let (_db, store) = store().await;
        let writers = (0..200).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.writes.begin().await.unwrap();
                insert(&mut tx, &format!("a{i:03}")).await.unwrap();
                insert(&mut tx, &format!("b{i:03}")).await.unwrap();
                tx.commit().await.unwrap();
                let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ignored_events WHERE id IN ($1, $2)")
                    .bind(format!("a{i:03}"))
                    .bind(format!("b{i:03}"))
                    .fetch_one(&store.read)
                    .await
                    .unwrap();
                assert_eq!(seen, 2, "writer {i} returned before its commit");
            })
        });
        let single = (0..20).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                sqlx::query("INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ($1, 'x', 'r', 'l', 0)")
                    .bind(format!("s{i:03}"))
                    .execute(&store.write)
                    .await
                    .unwrap();
            })
        });
        for task in writers.chain(single).collect::<Vec<_>>() {
            task.await.unwrap();
        }
        assert_eq!(ids(&store).await.len(), 420);
    }

    /// A transaction that fails or is dropped half-way leaves nothing behind, and the writers grouped with it
    /// keep their rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_or_abandoned_transaction_undoes_only_itself() {
        let (_db, store) = store().await;
        let mut tx = store.writes.begin().await.unwrap();
        insert(&mut tx, "taken").await.unwrap();
        tx.commit().await.unwrap();

        let tasks = (0..30).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.writes.begin().await.unwrap();
                insert(&mut tx, &format!("w{i:02}")).await.unwrap();
                match i % 3 {
                    // The second insert collides: the caller gives up, its first insert must go too.
                    0 => {
                        let err = insert(&mut tx, "taken").await.unwrap_err();
                        assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
                    }
                    1 => drop(tx),
                    _ => tx.commit().await.unwrap(),
                }
            })
        });
        // Transactions opened with a batch in the same call: one whose second statement collides gets the error
        // and loses its first; the others commit.
        let batches = (30..40).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut b = store.batch();
                let sql = "INSERT INTO ignored_events (id, platform, reason, location, received_at) \
                           VALUES ($1, 'x', 'r', 'l', 0)";
                b.add(sql).bind(format!("w{i:02}"));
                if i % 2 == 0 {
                    b.add(sql).bind("taken");
                }
                match store.writes.begin_relaxed_with(b).await {
                    Ok((tx, _)) => tx.commit().await.unwrap(),
                    Err(err) => assert!(i % 2 == 0 && matches!(err, StoreError::Conflict { .. }), "{i}: {err}"),
                }
            })
        });
        for task in tasks.chain(batches).collect::<Vec<_>>() {
            task.await.unwrap();
        }
        // The next writer settles what the last abandoned one left and commits.
        let mut tx = store.writes.begin().await.unwrap();
        insert(&mut tx, "zz").await.unwrap();
        tx.commit().await.unwrap();

        let committed = (0..30).filter(|i| i % 3 == 2).chain((30..40).filter(|i| i % 2 == 1));
        let mut want: Vec<String> = committed.map(|i| format!("w{i:02}")).collect();
        want.insert(0, "taken".into());
        want.push("zz".into());
        assert_eq!(ids(&store).await, want);
    }

    /// A single statement that fails inside a group (no savepoint of its own) undoes only itself; the transactions
    /// grouped with it keep their rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_single_statement_undoes_only_itself() {
        let (_db, store) = store().await;
        let mut tx = store.writes.statement().await.unwrap();
        insert(&mut tx, "taken").await.unwrap();
        tx.commit().await.unwrap();

        let tasks = (0..40).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let mut tx = store.writes.statement().await.unwrap();
                    let err = insert(&mut tx, "taken").await.unwrap_err();
                    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
                } else {
                    let mut tx = store.writes.begin().await.unwrap();
                    insert(&mut tx, &format!("w{i:02}")).await.unwrap();
                    insert(&mut tx, &format!("x{i:02}")).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        });
        for task in tasks.collect::<Vec<_>>() {
            task.await.unwrap();
        }
        let mut want: Vec<String> = (0..40).filter(|i| i % 2 == 1).map(|i| format!("w{i:02}")).collect();
        want.insert(0, "taken".into());
        want.extend((0..40).filter(|i| i % 2 == 1).map(|i| format!("x{i:02}")));
        assert_eq!(ids(&store).await, want);
    }

    /// Writers whose callers go away at any point (a request cancelled by its client) neither stall the writers
    /// after them nor lose the rows of those whose commit returned.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_writers_do_not_stall_or_undo_others() {
        let (_db, store) = store().await;
        let (done, mut committed) = tokio::sync::mpsc::unbounded_channel();
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let (store, done) = (store.clone(), done.clone());
                tokio::spawn(async move {
                    let mut tx = store.writes.begin().await.unwrap();
                    insert(&mut tx, &format!("c{i:02}")).await.unwrap();
                    insert(&mut tx, &format!("d{i:02}")).await.unwrap();
                    tx.commit().await.unwrap();
                    done.send(i).unwrap();
                })
            })
            .collect();
        drop(done);
        for (i, task) in tasks.iter().enumerate() {
            if i % 2 == 0 {
                tokio::time::sleep(std::time::Duration::from_micros(50 * i as u64)).await;
                task.abort();
            }
        }
        for task in tasks {
            let _ = task.await;
        }
        let after = async {
            let mut tx = store.writes.begin().await.unwrap();
            insert(&mut tx, "after").await.unwrap();
            tx.commit().await.unwrap();
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), after).await.expect("the writer is free");
        let stored = ids(&store).await;
        while let Some(i) = committed.recv().await {
            assert!(stored.contains(&format!("c{i:02}")) && stored.contains(&format!("d{i:02}")), "{i} lost");
        }
        // Each transaction is all or nothing.
        for i in 0..60 {
            assert_eq!(stored.contains(&format!("c{i:02}")), stored.contains(&format!("d{i:02}")), "{i} half stored");
        }
    }

    /// An abandoned transaction with nobody after it does not keep the writer: the pool gets it back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_transaction_frees_the_writer() {
        let (_db, store) = store().await;
        let mut tx = store.writes.begin().await.unwrap();
        insert(&mut tx, "gone").await.unwrap();
        drop(tx);
        let statement = sqlx::query("INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ('kept', 'x', 'r', 'l', 0)")
            .execute(&store.write);
        tokio::time::timeout(std::time::Duration::from_secs(5), statement).await.expect("writer freed").unwrap();
        assert_eq!(ids(&store).await, vec!["kept".to_owned()]);
    }
}
