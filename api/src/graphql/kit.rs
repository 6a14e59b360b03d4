//! What every resolver shares: the options every command takes ([`CommandOptions`]), the
//! result fields every command returns ([`Outcome`], merged into each area's result type), and
//! the prologue of a resolver ([`request`]: the application state and the request context) and
//! of a mutation ([`execute`]: one call of the application layer's command path). Errors map to
//! GraphQL once, in [`super::error`].

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::refusal::Refusal;
use dutyledger_domain::values::{EntityId, Text};

use crate::app::AppState;
use crate::context::RequestContext;
use crate::service::policy::{authorize, Access};
use crate::service::{parse_field, AppError, CommandOutcome, Executable, When};

/// Options every command takes.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CommandOptions {
    /// Why the change is made; stored with the event (required by policy for corrections).
    pub reason: Option<String>,
    /// When the change takes effect in the world (valid time). Absent: when it is recorded.
    /// In the past for a late or corrected record (checked against the state in force then,
    /// and refused with `BREAKS_LATER_HISTORY` if a later recorded change would no longer be
    /// valid); in the future for an amendment that takes effect later.
    pub effective_at: Option<DateTime<Utc>>,
    /// The client's id for this command (1 to 60 characters of letters, digits, `.`, `_`, `:`
    /// and `-`), so that it is safe to send again: a command whose id was already applied to
    /// the same department (or matter) returns the original outcome (events, cursor, effective
    /// time) and writes nothing; the same id with a different command is refused
    /// (`CONFLICT`, rule `COMMAND_ID_REUSED`). When the server assigns the new entity's id (none
    /// given), it is the command id, so a retry creates nothing twice.
    pub command_id: Option<String>,
}

/// The longest command id accepted.
pub const MAX_COMMAND_ID: usize = 60;

/// The earliest effective time accepted (the founding of the People's Republic).
pub const EARLIEST_EFFECTIVE: &str = "1949-10-01T00:00:00Z";
/// How far ahead an effective time may lie, in days.
pub const MAX_DAYS_AHEAD: i64 = 20 * 366;

impl CommandOptions {
    /// The reason and effective time, checked.
    pub fn when(&self) -> Result<When, AppError> {
        let effective_at = match self.effective_at {
            None => None,
            Some(at) => {
                let earliest = DateTime::parse_from_rfc3339(EARLIEST_EFFECTIVE)
                    .map(|d| d.with_timezone(&Utc))
                    .unwrap_or(DateTime::<Utc>::MIN_UTC);
                if at < earliest || at > Utc::now() + chrono::Duration::days(MAX_DAYS_AHEAD) {
                    return Err(AppError::bad_input(
                        "effectiveAt",
                        format!("must lie between {EARLIEST_EFFECTIVE} and 20 years from now"),
                    ));
                }
                Some(at)
            }
        };
        Ok(When {
            reason: self.reason()?,
            effective_at,
            command_id: self.command_id()?,
        })
    }

    /// The command id, checked.
    pub fn command_id(&self) -> Result<Option<String>, AppError> {
        match &self.command_id {
            None => Ok(None),
            Some(id) if id.len() > MAX_COMMAND_ID => Err(AppError::bad_input(
                "commandId",
                format!("at most {MAX_COMMAND_ID} characters"),
            )),
            Some(id) => parse_field("commandId", EntityId::parse(id)).map(|i| Some(i.to_string())),
        }
    }

    /// The id of an entity the command creates: the one given, else the command id (so that a
    /// retry names the same entity), else a new one.
    pub fn entity_or_new(&self, field: &str, id: &Option<ID>) -> Result<EntityId, AppError> {
        match (id, self.command_id()?) {
            (Some(id), _) => parse_field(field, EntityId::parse(id)),
            (None, Some(command_id)) => parse_field(field, EntityId::parse(&command_id)),
            (None, None) => parse_field(
                field,
                EntityId::parse(&uuid::Uuid::new_v4().simple().to_string()),
            ),
        }
    }

    /// The reason, checked (at most 2,000 characters, no control characters).
    pub fn reason(&self) -> Result<Option<String>, AppError> {
        match &self.reason {
            None => Ok(None),
            Some(r) => parse_field("reason", Text::parse_field("reason", r)).and_then(|t| {
                if t.as_str().chars().count() > 2000 {
                    Err(AppError::bad_input("reason", "at most 2000 characters"))
                } else {
                    Ok(Some(String::from(t)))
                }
            }),
        }
    }
}

/// The application state and the request context: the first line of every resolver.
pub fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a AppState, &'a RequestContext)> {
    Ok((ctx.data::<AppState>()?, ctx.data::<RequestContext>()?))
}

/// States what the resolver is about to do; the policy decides (`FORBIDDEN` if not allowed).
pub fn allow(ctx: &Context<'_>, access: Access<'_>) -> async_graphql::Result<()> {
    let (_, rc) = request(ctx)?;
    authorize(&rc.actor, access)?;
    Ok(())
}

/// Executes a command of aggregate `A` on the stream `id` through the application layer (which
/// asks the policy and runs the checks that span aggregates), with the options' reason and
/// effective time; `entity` is the id reported back (the entity created or changed).
pub async fn execute<A>(
    ctx: &Context<'_>,
    id: &str,
    entity: Option<EntityId>,
    command: <A as Aggregate>::Command,
    options: &CommandOptions,
) -> async_graphql::Result<Outcome>
where
    A: Executable,
    <A as Aggregate>::Command: Clone + std::fmt::Debug + Send + Sync,
    <A as Aggregate>::Error: Refusal,
{
    let (app, rc) = request(ctx)?;
    let when = options.when()?;
    execute_when::<A>(app, rc, id, entity, command, when).await
}

/// [`execute`] with the reason and effective time already checked.
pub async fn execute_when<A>(
    app: &AppState,
    rc: &RequestContext,
    id: &str,
    entity: Option<EntityId>,
    command: <A as Aggregate>::Command,
    when: When,
) -> async_graphql::Result<Outcome>
where
    A: Executable,
    <A as Aggregate>::Command: Clone + std::fmt::Debug + Send + Sync,
    <A as Aggregate>::Error: Refusal,
{
    let outcome = app.commands.execute::<A>(rc, id, command, when).await?;
    Ok(Outcome {
        id: entity,
        outcome,
    })
}

/// What every command returns (merged into each area's result type).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The entity created or changed, if the command names one.
    pub id: Option<EntityId>,
    /// What the command did.
    pub outcome: CommandOutcome,
}

/// What a command did.
#[Object]
impl Outcome {
    /// The id of the entity the command created or changed (server-assigned if the input had
    /// none).
    async fn id(&self) -> Option<ID> {
        self.id.as_ref().map(|i| ID(i.to_string()))
    }

    /// How many events were appended; 0 means the command changed nothing (e.g. setting a value
    /// already held).
    async fn events(&self) -> i32 {
        self.outcome.events as i32
    }

    /// The cursor of the command's last event in the global event order (null if none).
    async fn cursor(&self) -> Option<String> {
        self.outcome.cursor.map(|c| c.to_string())
    }

    /// When the command's events take effect (valid time), as stored (null if none).
    async fn effective_at(&self) -> Option<DateTime<Utc>> {
        self.outcome.effective_at
    }

    /// Whether the read models already show the command's effect (false only if the projector
    /// did not catch up within the server's wait).
    async fn projected(&self) -> bool {
        self.outcome.projected
    }
}
