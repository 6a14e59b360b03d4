//! The one mapping of application errors to GraphQL errors: `extensions.code` (the error's
//! class), `extensions.rule` (the business rule, for refused commands), `extensions.field`
//! (the input to blame) and `extensions.breaks` (for `BREAKS_LATER_HISTORY`: the later event
//! that would break). Nothing here knows any aggregate.

use async_graphql::ErrorExtensions;

use crate::service::AppError;

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let code = e.code().as_str();
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = e.field() {
                ext.set("field", field);
            }
            if let Some(rule) = e.rule() {
                ext.set("rule", rule);
            }
            if let Some(later) = e.breaks() {
                let mut breaks = async_graphql::indexmap::IndexMap::new();
                breaks.insert(
                    async_graphql::Name::new("eventType"),
                    async_graphql::Value::from(later.event_type),
                );
                breaks.insert(
                    async_graphql::Name::new("effectiveAt"),
                    async_graphql::Value::from(later.effective_at.to_rfc3339()),
                );
                breaks.insert(
                    async_graphql::Name::new("rule"),
                    async_graphql::Value::from(later.rule),
                );
                ext.set("breaks", async_graphql::Value::Object(breaks));
            }
        })
    }
}
