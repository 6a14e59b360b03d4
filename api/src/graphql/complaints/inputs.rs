//! The complaints area's inputs, parsed into domain values. The same fields (camelCase) are
//! the columns of a CSV file and the keys of an NDJSON line for `dutyledger import complaints`.

use async_graphql::InputObject;
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::complaint::FlagRule;
use dutyledger_domain::scheme::Hundredths;
use dutyledger_domain::values::CreditCode;

use crate::graphql::kit::CommandOptions;
use crate::service::complaints::TicketFields;
use crate::service::{parse_field, AppError};

/// A 12345 ticket.
#[derive(InputObject, Debug, Clone)]
pub struct ComplaintInput {
    /// The ticket number (1 to 64 of letters, digits, `.`, `_`, `:`, `-`).
    pub ticket: String,
    /// When the hotline received it.
    pub received_at: DateTime<Utc>,
    /// Its category (投诉, 求助, 咨询, ...).
    pub category: String,
    /// What the citizen said.
    pub text: String,
    /// Where (12-digit division code).
    pub region: String,
    /// The department it was assigned to.
    pub department_id: String,
    /// The task, where the dispatcher named one.
    pub task_id: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The citizen's satisfaction, 1 to 5.
    pub satisfaction: Option<i32>,
}

impl ComplaintInput {
    /// The ticket's fields, as every entry point reads them.
    pub fn fields(&self) -> TicketFields {
        TicketFields {
            ticket: self.ticket.clone(),
            received_at: self.received_at,
            category: self.category.clone(),
            text: self.text.clone(),
            region: self.region.clone(),
            department_id: self.department_id.clone(),
            task_id: self.task_id.clone(),
            resolved_at: self.resolved_at,
            satisfaction: self.satisfaction,
        }
    }
}

/// Flag departments for key supervision from their complaints of a period.
#[derive(InputObject, Debug, Clone)]
pub struct FlagKeySupervisionInput {
    /// The first day (Beijing time).
    pub period_from: NaiveDate,
    /// The last day.
    pub period_to: NaiveDate,
    /// The fewest tickets that flag (1 or more).
    pub min_complaints: i32,
    /// Flag when the resolution rate (percent) is below this.
    pub below_resolution_rate: Option<f64>,
    /// Flag when the mean satisfaction (1 to 5) is below this.
    pub below_satisfaction: Option<f64>,
    /// Only these departments (default: every department in force).
    pub department_ids: Option<Vec<String>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl FlagKeySupervisionInput {
    /// The rule and departments, parsed.
    pub fn parse(&self) -> Result<(FlagRule, Option<Vec<CreditCode>>), AppError> {
        let min = u32::try_from(self.min_complaints)
            .ok()
            .filter(|m| *m >= 1)
            .ok_or_else(|| AppError::bad_input("minComplaints", "1 or more"))?;
        let hundredths = |field: &str, v: Option<f64>, max: i64| {
            v.map(|x| {
                Hundredths::from_f64(x)
                    .filter(|h| (0..=max).contains(&h.0))
                    .ok_or_else(|| {
                        AppError::bad_input(field, format!("0 to {}, two decimals", max / 100))
                    })
            })
            .transpose()
        };
        Ok((
            FlagRule {
                min_complaints: min,
                below_resolution_rate: hundredths(
                    "belowResolutionRate",
                    self.below_resolution_rate,
                    10_000,
                )?,
                below_satisfaction: hundredths("belowSatisfaction", self.below_satisfaction, 500)?,
            },
            self.department_ids
                .as_ref()
                .map(|ds| {
                    ds.iter()
                        .map(|d| parse_field("departmentIds", CreditCode::parse(d)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
        ))
    }
}
