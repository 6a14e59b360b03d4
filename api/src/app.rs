//! The application state shared by every request, and the command service.

use std::time::Duration;

use chrono::{DateTime, Utc};

use cqrs_es::Aggregate;
use dutyledger_domain::boundary::{BoundaryCommand, BoundaryMatter};
use dutyledger_domain::department::{Department, DepartmentCommand};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::performance::{PerformanceRecord, RecordInput, RecordRejection};
use dutyledger_domain::values::Text;
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::boundary_list::BoundaryList;
use dutyledger_projections::duty_list::DutyList;
use dutyledger_projections::event_log::{EventNotifier, EventStore, Executed};
use dutyledger_projections::performance::{self, BatchOutcome, Ingestor, Rollups};
use dutyledger_projections::projector::{Projection, ProjectionWatch, Projector};
use dutyledger_projections::Cursor;
use sqlx::PgPool;
use std::sync::Arc;

use crate::context::RequestContext;
use crate::graphql::error::ApiError;

/// What a command did, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// Events appended (0: the command changed nothing).
    pub events: usize,
    /// The cursor of its last event, if it appended any.
    pub cursor: Option<Cursor>,
    /// When its events take effect (valid time), if it appended any.
    pub effective_at: Option<DateTime<Utc>>,
    /// Whether the read models already show its effect.
    pub projected: bool,
}

/// Why and from when a command holds: stored in its events' metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    /// The reason given.
    pub reason: Option<String>,
    /// When the change takes effect (valid time); `None`: when it is recorded.
    pub effective_at: Option<DateTime<Utc>>,
}

/// Executes commands on behalf of a request and waits until the read models show them.
#[derive(Debug, Clone)]
pub struct Commands {
    store: EventStore,
    ingestor: Ingestor,
    /// Follows the structure and list projections (what department and boundary commands
    /// change).
    watch: ProjectionWatch,
    /// Follows the performance rollups (what record writes change).
    records_watch: ProjectionWatch,
    wait: Duration,
}

impl Commands {
    /// A command service over `store`, waiting at most `wait` for the projector: `watch`
    /// follows the projections structure commands change, `records_watch` the rollups.
    pub fn new(
        store: EventStore,
        watch: ProjectionWatch,
        records_watch: ProjectionWatch,
        wait: Duration,
    ) -> Self {
        let ingestor = Ingestor::new(store.pool().clone());
        Self {
            store,
            ingestor,
            watch,
            records_watch,
            wait,
        }
    }

    async fn projected(&self, cursor: Option<Cursor>) -> bool {
        match cursor {
            Some(cursor) => {
                let projected = self.records_watch.wait_for(cursor, self.wait).await;
                if !projected {
                    tracing::warn!(wait = ?self.wait, "read models did not catch up within the wait");
                }
                projected
            }
            None => true,
        }
    }

    /// Checks and stores a batch of performance records in one transaction (see
    /// [`Ingestor::ingest`]); returns once the rollups show them (or the wait ran out).
    #[tracing::instrument(skip_all, fields(records = batch.len(), request_id = %ctx.request_id))]
    pub async fn records(
        &self,
        ctx: &RequestContext,
        batch: Vec<(Option<String>, Result<RecordInput, RecordRejection>)>,
    ) -> Result<(BatchOutcome, bool), ApiError> {
        let metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        let outcome = self
            .ingestor
            .ingest(batch, &metadata)
            .await
            .map_err(|e| ApiError::from_store(e, &ctx.request_id))?;
        let projected = self.projected(outcome.cursor).await;
        Ok((outcome, projected))
    }

    /// Corrects a stored record (checked like a new one), with a reason.
    pub async fn correct_record(
        &self,
        ctx: &RequestContext,
        input: RecordInput,
        reason: Text,
    ) -> Result<CommandOutcome, ApiError> {
        let metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        let executed = performance::correct(
            &self.store,
            self.ingestor.structures(),
            input,
            reason,
            &metadata,
        )
        .await
        .map_err(|e| ApiError::from_amend(e, &ctx.request_id))?;
        Ok(self.outcome(executed).await)
    }

    /// Voids a stored record, with a reason.
    pub async fn void_record(
        &self,
        ctx: &RequestContext,
        department: &CreditCode,
        record_id: &EntityId,
        reason: Text,
    ) -> Result<CommandOutcome, ApiError> {
        let metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        let executed = performance::void(&self.store, department, record_id, reason, &metadata)
            .await
            .map_err(|e| ApiError::from_amend(e, &ctx.request_id))?;
        Ok(self.outcome(executed).await)
    }

    async fn outcome(&self, executed: Executed) -> CommandOutcome {
        let projected = self.projected(executed.cursor).await;
        CommandOutcome {
            events: executed.events,
            cursor: executed.cursor,
            effective_at: executed.effective_at,
            projected,
        }
    }

    /// Executes a department command with the request's actor and id (and a reason, if given)
    /// in the metadata; returns once the read models show the result (or the wait ran out).
    #[tracing::instrument(skip_all, fields(department = %department, request_id = %ctx.request_id))]
    pub async fn department(
        &self,
        ctx: &RequestContext,
        department: &CreditCode,
        command: DepartmentCommand,
        when: When,
    ) -> Result<CommandOutcome, ApiError> {
        let mut metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        metadata.reason = when.reason;
        metadata.effective_at = when.effective_at;
        let executed = self
            .store
            .execute::<Department>(department.as_str(), command, &metadata)
            .await
            .map_err(|e| ApiError::from_department(e, &ctx.request_id))?;
        let projected = match executed.cursor {
            Some(cursor) => self.watch.wait_for(cursor, self.wait).await,
            None => true,
        };
        if !projected {
            tracing::warn!(wait = ?self.wait, "read models did not catch up within the wait");
        }
        Ok(CommandOutcome {
            events: executed.events,
            cursor: executed.cursor,
            effective_at: executed.effective_at,
            projected,
        })
    }
}

impl Commands {
    /// Executes a boundary-matter command (see [`Commands::department`]).
    #[tracing::instrument(skip_all, fields(matter = %matter, request_id = %ctx.request_id))]
    pub async fn boundary(
        &self,
        ctx: &RequestContext,
        matter: &EntityId,
        command: BoundaryCommand,
        when: When,
    ) -> Result<CommandOutcome, ApiError> {
        let mut metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        metadata.reason = when.reason;
        metadata.effective_at = when.effective_at;
        let executed = self
            .store
            .execute::<BoundaryMatter>(matter.as_str(), command, &metadata)
            .await
            .map_err(|e| ApiError::from_command(e, &ctx.request_id))?;
        let projected = match executed.cursor {
            Some(cursor) => self.watch.wait_for(cursor, self.wait).await,
            None => true,
        };
        Ok(CommandOutcome {
            events: executed.events,
            cursor: executed.cursor,
            effective_at: executed.effective_at,
            projected,
        })
    }
}

/// Everything a request handler needs.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
    /// The command service.
    pub commands: Commands,
    /// Wakes feed subscriptions when events commit.
    pub notifier: EventNotifier,
}

/// The projections this build maintains.
pub fn projections() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(DutyList::default()),
        Arc::new(BoundaryList),
        Arc::new(Rollups),
    ]
}

/// The aggregate types this build writes (for diagnostics).
pub const AGGREGATE_TYPES: [&str; 3] = [
    Department::TYPE,
    BoundaryMatter::TYPE,
    PerformanceRecord::TYPE,
];

impl AppState {
    /// Builds the state: the event store, and a watch on the projector's progress. Does not
    /// start a projector (see [`AppState::spawn_projector`]).
    pub fn new(pool: PgPool, wait: Duration) -> Self {
        let (records, structure): (Vec<&'static str>, Vec<&'static str>) = projections()
            .iter()
            .map(|p| p.name())
            .partition(|name| *name == performance::NAME);
        let watch = ProjectionWatch::spawn(pool.clone(), structure);
        let records_watch = ProjectionWatch::spawn(pool.clone(), records);
        let commands = Commands::new(EventStore::new(pool.clone()), watch, records_watch, wait);
        let notifier = EventNotifier::spawn(pool.clone());
        Self {
            pool,
            commands,
            notifier,
        }
    }

    /// Starts a projector in this process. It becomes active if no other instance holds the
    /// projector lock, and stands by otherwise.
    pub fn spawn_projector(&self) -> tokio::task::JoinHandle<()> {
        let projector = Projector::new(self.pool.clone(), projections());
        tokio::spawn(projector.run())
    }
}
