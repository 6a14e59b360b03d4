//! The one command path: every aggregate's commands go through [`Commands::execute`], which
//! asks the policy, runs the checks that span aggregates, executes the command on the event
//! store at its effective time with the request's actor, id and reason in the metadata, and
//! waits until the read models show it. Performance records have their batch path beside it
//! ([`Commands::records`]), checked by the same domain code.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::case::{CaseInput, CaseRejection};
use dutyledger_domain::concerns::Concerns;
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::performance::{RecordInput, RecordRejection};
use dutyledger_domain::refusal::Refusal;
use dutyledger_domain::timeline::{Decide, Temporal};
use dutyledger_domain::values::{CreditCode, EntityId, Text};
use dutyledger_projections::cases::{CaseBatchOutcome, CaseIngestor};
use dutyledger_projections::event_log::{EventStore, Executed};
use dutyledger_projections::performance::{self, BatchOutcome, Ingestor};
use dutyledger_projections::projector::ProjectionWatch;
use dutyledger_projections::Cursor;
use sqlx::PgPool;

use super::error::AppError;
use super::policy::{authorize, Access};
use crate::context::RequestContext;

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
    /// The client's command id: a command with an id already applied to the same stream returns
    /// the original outcome and writes nothing.
    pub command_id: Option<String>,
}

/// Which read models show an aggregate's commands (what a writer waits for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadModels {
    /// The structure and list projections (duty list, boundary list).
    Lists,
    /// The performance rollups.
    Records,
    /// The cases read model.
    Cases,
}

/// An aggregate the application executes commands of: what its commands need from the policy,
/// and the checks they need from other aggregates. Adding an aggregate = one impl of this
/// (in `service/aggregates.rs`).
#[async_trait::async_trait]
pub trait Executable:
    Aggregate
    + Decide<
        Command = <Self as Aggregate>::Command,
        Event = <Self as Aggregate>::Event,
        Error = <Self as Aggregate>::Error,
    > + Temporal
    + Concerns
    + Send
    + Sync
    + 'static
where
    <Self as Aggregate>::Command: Clone + std::fmt::Debug + Send + Sync,
    <Self as Aggregate>::Error: Refusal,
{
    /// The read models that show this aggregate's commands.
    const READ_MODELS: ReadModels;

    /// Asks the policy whether the request's actor may execute `command` on the stream `id`
    /// (may read the read models, e.g. a matter's parties).
    async fn authorize(
        commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        command: &<Self as Aggregate>::Command,
    ) -> Result<(), AppError>;

    /// The rules that span aggregates (e.g. a boundary matter's parties exist), checked against
    /// the read models in force at `at` before the command is executed.
    async fn check(
        _commands: &Commands,
        _ctx: &RequestContext,
        _command: &<Self as Aggregate>::Command,
        _at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        Ok(())
    }
}

/// Executes commands on behalf of a request and waits until the read models show them.
#[derive(Debug, Clone)]
pub struct Commands {
    store: EventStore,
    ingestor: Ingestor,
    /// Follows the structure and list projections.
    lists: ProjectionWatch,
    /// Follows the performance rollups.
    records: ProjectionWatch,
    /// Writes workflow case events.
    case_ingestor: CaseIngestor,
    /// Follows the cases read model.
    cases: ProjectionWatch,
    wait: Duration,
}

impl Commands {
    /// A command service over `store`, waiting at most `wait` for the projector: `lists`
    /// follows the projections structure and boundary commands change, `records` the rollups,
    /// `cases` the cases read model.
    pub fn new(
        store: EventStore,
        lists: ProjectionWatch,
        records: ProjectionWatch,
        cases: ProjectionWatch,
        wait: Duration,
    ) -> Self {
        let ingestor = Ingestor::new(store.pool().clone());
        let case_ingestor = CaseIngestor::new(store.pool().clone());
        Self {
            store,
            ingestor,
            lists,
            records,
            case_ingestor,
            cases,
            wait,
        }
    }

    /// The database (for the checks that read the read models).
    pub fn pool(&self) -> &PgPool {
        self.store.pool()
    }

    /// Executes `command` on the stream `id` of aggregate `A`: the policy, the checks that span
    /// aggregates, the command at its effective time (`when`), then the wait for the read
    /// models. A refusal is [`AppError::Refused`], typed.
    #[tracing::instrument(skip_all, fields(aggregate = A::TYPE, id, request_id = %ctx.request_id))]
    pub async fn execute<A>(
        &self,
        ctx: &RequestContext,
        id: &str,
        command: <A as Aggregate>::Command,
        when: When,
    ) -> Result<CommandOutcome, AppError>
    where
        A: Executable,
        <A as Aggregate>::Command: Clone + std::fmt::Debug + Send + Sync,
        <A as Aggregate>::Error: Refusal,
    {
        A::authorize(self, ctx, id, &command).await?;
        let at = when.effective_at.unwrap_or_else(Utc::now);
        A::check(self, ctx, &command, at).await?;
        let mut metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        metadata.reason = when.reason;
        metadata.effective_at = when.effective_at;
        metadata.command_id = when.command_id;
        let executed = self
            .store
            .execute::<A>(id, command, &metadata)
            .await
            .map_err(|e| AppError::from_command(e, &ctx.request_id))?;
        Ok(self.outcome(executed, A::READ_MODELS).await)
    }

    /// Checks and stores a batch of performance records in one transaction (see
    /// [`Ingestor::ingest`]); returns once the rollups show them (or the wait ran out). The
    /// caller has asked the policy for each record's department.
    #[tracing::instrument(skip_all, fields(records = batch.len(), request_id = %ctx.request_id))]
    pub async fn records(
        &self,
        ctx: &RequestContext,
        batch: Vec<(Option<String>, Result<RecordInput, RecordRejection>)>,
    ) -> Result<(BatchOutcome, bool), AppError> {
        authorize(&ctx.actor, Access::WriteAnyRecords)?;
        let metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        let outcome = self
            .ingestor
            .ingest(batch, &metadata)
            .await
            .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
        let projected = self.projected(outcome.cursor, ReadModels::Records).await;
        Ok((outcome, projected))
    }

    /// Checks and stores a batch of workflow case events in one transaction (see
    /// [`CaseIngestor::ingest`]); returns once the cases read model shows them (or the wait ran
    /// out). The caller has asked the policy for each event's department.
    #[tracing::instrument(skip_all, fields(events = batch.len(), request_id = %ctx.request_id))]
    pub async fn cases(
        &self,
        ctx: &RequestContext,
        batch: Vec<Result<CaseInput, CaseRejection>>,
    ) -> Result<(CaseBatchOutcome, bool), AppError> {
        authorize(&ctx.actor, Access::WriteAnyCases)?;
        let metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        let outcome = self
            .case_ingestor
            .ingest(batch, &metadata)
            .await
            .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
        let projected = self.projected(outcome.cursor, ReadModels::Cases).await;
        Ok((outcome, projected))
    }

    /// Corrects a stored record (checked like a new one), with a reason.
    pub async fn correct_record(
        &self,
        ctx: &RequestContext,
        input: RecordInput,
        reason: Text,
        command_id: Option<String>,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::WriteRecords(&input.department_id))?;
        let mut metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        metadata.command_id = command_id;
        let executed = performance::correct(
            &self.store,
            self.ingestor.structures(),
            input,
            reason,
            &metadata,
        )
        .await
        .map_err(|e| AppError::from_amend(e, &ctx.request_id))?;
        Ok(self.outcome(executed, ReadModels::Records).await)
    }

    /// Voids a stored record, with a reason.
    pub async fn void_record(
        &self,
        ctx: &RequestContext,
        department: &CreditCode,
        record_id: &EntityId,
        reason: Text,
        command_id: Option<String>,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::WriteRecords(department))?;
        let mut metadata = CommandMetadata::new(ctx.actor.id(), ctx.request_id.clone());
        metadata.command_id = command_id;
        let executed = performance::void(&self.store, department, record_id, reason, &metadata)
            .await
            .map_err(|e| AppError::from_amend(e, &ctx.request_id))?;
        Ok(self.outcome(executed, ReadModels::Records).await)
    }

    async fn outcome(&self, executed: Executed, read_models: ReadModels) -> CommandOutcome {
        let projected = self.projected(executed.cursor, read_models).await;
        CommandOutcome {
            events: executed.events,
            cursor: executed.cursor,
            effective_at: executed.effective_at,
            projected,
        }
    }

    /// Waits at most `wait` until the read models show the event at `cursor` (none: nothing
    /// to wait for).
    pub(crate) async fn wait_for(
        &self,
        cursor: Option<Cursor>,
        read_models: ReadModels,
        wait: Duration,
    ) -> bool {
        let Some(cursor) = cursor else {
            return true;
        };
        let watch = match read_models {
            ReadModels::Lists => &self.lists,
            ReadModels::Records => &self.records,
            ReadModels::Cases => &self.cases,
        };
        watch.wait_for(cursor, wait).await
    }

    /// Waits until the read models show the event at `cursor` (at most the configured wait).
    async fn projected(&self, cursor: Option<Cursor>, read_models: ReadModels) -> bool {
        let Some(cursor) = cursor else {
            return true;
        };
        let watch = match read_models {
            ReadModels::Lists => &self.lists,
            ReadModels::Records => &self.records,
            ReadModels::Cases => &self.cases,
        };
        let projected = watch.wait_for(cursor, self.wait).await;
        if !projected {
            tracing::warn!(wait = ?self.wait, ?read_models, "read models did not catch up within the wait");
        }
        projected
    }
}
