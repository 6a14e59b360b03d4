//! Commands of the indicator scheme aggregate.

use super::definition::SchemeDefinition;

/// A request to change a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeCommand {
    /// Publish a new version with this content (checked; identical to the latest version:
    /// nothing happens).
    Publish {
        /// The content.
        definition: SchemeDefinition,
    },
}
