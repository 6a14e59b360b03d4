//! Case variants (the process-mining view of a chart's cases): per sequence of step runs, how
//! many cases ran exactly it. Read from the log below the horizon, as the exports are, so that
//! the variants a process-mining tool finds in an export equal these (issue 17).

use async_graphql::{Context, Object, SimpleObject};
use dutyledger_projections::cases::trail::{self, TrailFilter};

use super::inputs::{scoped_filter, CaseFilter};
use crate::graphql::kit::request;
use crate::service::AppError;

/// A variant: the steps a case ran, one per run in the order the runs started (a step
/// returned for correction and run again appears twice), and how many cases ran exactly that.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseVariant {
    /// The steps' names, one per run, in the order the runs started (empty: no step ran yet).
    pub steps: Vec<String>,
    /// The cases that ran exactly this sequence.
    pub cases: i64,
}

/// The variants query.
#[derive(Default, Debug)]
pub struct CaseVariantsQuery;

#[Object]
impl CaseVariantsQuery {
    /// The variants of the cases the filter selects (received in its range; a clerk sees only
    /// its own departments), most frequent first, from the log as it stands now.
    async fn case_variants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases count.")] filter: Option<CaseFilter>,
        #[graphql(desc = "Only cases on this chart version (with the filter's task).")]
        version: Option<i32>,
        #[graphql(desc = "How many variants (1 to 10,000, default 100).", default = 100)]
        first: i32,
    ) -> async_graphql::Result<Vec<CaseVariant>> {
        let (app, rc) = request(ctx)?;
        let f = scoped_filter(rc, filter)?;
        if !(1..=10_000).contains(&first) {
            return Err(AppError::bad_input("first", "from 1 to 10,000").into());
        }
        if version.is_some_and(|v| v < 1) {
            return Err(AppError::bad_input("version", "a chart version counts from 1").into());
        }
        let filter = TrailFilter {
            departments: f.departments,
            task: f.task,
            version,
            from: f.from,
            to: f.to,
            region_prefix: f.region_prefix,
            sector: f.sector,
            level: f.level,
        };
        let rows = trail::variants(&app.pool, &filter, i64::from(first))
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(rows
            .into_iter()
            .map(|v| CaseVariant {
                steps: v.steps,
                cases: v.cases,
            })
            .collect())
    }
}
