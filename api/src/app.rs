//! The application state shared by every request (the pool, the command service of
//! [`crate::service`], the event notifier) and the projections this build maintains.

use std::sync::Arc;
use std::time::Duration;

use cqrs_es::Aggregate;
use dutyledger_domain::boundary::BoundaryMatter;
use dutyledger_domain::calendar::Calendar;
use dutyledger_domain::complaint::{Complaint, KeySupervision};
use dutyledger_domain::department::Department;
use dutyledger_domain::finding::Finding;
use dutyledger_domain::performance::PerformanceRecord;
use dutyledger_domain::rectification::RectificationOrder;
use dutyledger_domain::round::SupervisionRound;
use dutyledger_domain::scheme::IndicatorScheme;
use dutyledger_domain::workflow::WorkflowChart;
use dutyledger_projections::boundary_list::BoundaryList;
use dutyledger_projections::cases::{self, Cases};
use dutyledger_projections::duty_list::DutyList;
use dutyledger_projections::event_log::{EventNotifier, EventStore};
use dutyledger_projections::performance::{self, Rollups};
use dutyledger_projections::projector::{Projection, ProjectionWatch, Projector};
use dutyledger_projections::workflow::WorkflowCharts;
use sqlx::PgPool;

pub use crate::service::{CommandOutcome, Commands, When};

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
        Arc::new(WorkflowCharts),
        Arc::new(Cases::live()),
    ]
}

/// The aggregate types this build writes (for diagnostics).
pub const AGGREGATE_TYPES: [&str; 12] = [
    Department::TYPE,
    BoundaryMatter::TYPE,
    PerformanceRecord::TYPE,
    WorkflowChart::TYPE,
    Calendar::TYPE,
    IndicatorScheme::TYPE,
    SupervisionRound::TYPE,
    Finding::TYPE,
    RectificationOrder::TYPE,
    Complaint::TYPE,
    KeySupervision::TYPE,
    dutyledger_domain::case::TYPE,
];

impl AppState {
    /// Builds the state: the event store, and a watch on the projector's progress. Does not
    /// start a projector (see [`AppState::spawn_projector`]).
    pub fn new(pool: PgPool, wait: Duration) -> Self {
        let names: Vec<&'static str> = projections().iter().map(|p| p.name()).collect();
        let only = |n: &str| {
            names
                .iter()
                .copied()
                .filter(|p| *p == n)
                .collect::<Vec<_>>()
        };
        let structure: Vec<&'static str> = names
            .iter()
            .copied()
            .filter(|p| *p != performance::NAME && *p != cases::NAME)
            .collect();
        let mut watches = ProjectionWatch::spawn_groups(
            pool.clone(),
            vec![structure, only(performance::NAME), only(cases::NAME)],
        )
        .into_iter();
        let (Some(watch), Some(records_watch), Some(cases_watch)) =
            (watches.next(), watches.next(), watches.next())
        else {
            unreachable!("one watch per group")
        };
        let commands = Commands::new(
            EventStore::new(pool.clone()),
            watch,
            records_watch,
            cases_watch,
            wait,
        );
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
