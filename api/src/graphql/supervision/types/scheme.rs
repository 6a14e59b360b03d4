//! Indicator schemes and their indicators.

use std::sync::Arc;

use async_graphql::{Json, Object, SimpleObject};
use dutyledger_domain::scheme::SchemeDefinition;

use super::IndicatorKind;

/// A weight for a department class.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClassWeight {
    /// The class.
    pub department_class: String,
    /// The weight.
    pub weight: f64,
}

/// An indicator of a scheme.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Indicator")]
pub struct IndicatorView {
    /// Its id.
    pub id: String,
    /// Its parent (null at the top level).
    pub parent_id: Option<String>,
    /// Its depth (top level: 1).
    pub depth: i32,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: IndicatorKind,
    /// Its weight (for departments without a class weight of their own).
    pub weight: f64,
    /// Weights that differ per department class.
    pub class_weights: Vec<ClassWeight>,
    /// A leaf's rule, in words (null for a parent).
    pub rule: Option<String>,
    /// The data source a leaf's rule reads (null for manual and parents).
    pub source: Option<String>,
}

/// A version of an indicator scheme.
#[derive(Clone, Debug)]
pub struct SchemeView {
    /// The scheme's id.
    pub id: String,
    /// This version.
    pub version: u32,
    /// How many versions it has (as of the query).
    pub versions: u32,
    /// The content.
    pub definition: Arc<SchemeDefinition>,
}

/// A version of an indicator scheme (监管指标体系).
#[Object(name = "IndicatorScheme")]
impl SchemeView {
    /// Its id.
    async fn id(&self) -> &str {
        &self.id
    }

    /// This version's number (from 1).
    async fn version(&self) -> i32 {
        self.version as i32
    }

    /// How many versions were published (as of the query).
    async fn versions(&self) -> i32 {
        self.versions as i32
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.definition.name
    }

    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.definition.description.as_deref()
    }

    /// The points the core and corroborating top-level indicators sum to.
    async fn total(&self) -> f64 {
        self.definition.total.to_f64()
    }

    /// The department classes with weights of their own.
    async fn classes(&self) -> &[String] {
        &self.definition.classes
    }

    /// Every indicator, depth first.
    async fn indicators(&self) -> Vec<IndicatorView> {
        let mut depth: std::collections::HashMap<&str, i32> = Default::default();
        self.definition
            .walk()
            .into_iter()
            .map(|(parent, i)| {
                let d = parent.map_or(1, |p| depth.get(p.id.as_str()).copied().unwrap_or(0) + 1);
                depth.insert(&i.id, d);
                IndicatorView {
                    id: i.id.clone(),
                    parent_id: parent.map(|p| p.id.clone()),
                    depth: d,
                    name: i.name.clone(),
                    kind: i.kind.into(),
                    weight: i.weight.to_f64(),
                    class_weights: i
                        .class_weights
                        .iter()
                        .map(|(c, w)| ClassWeight {
                            department_class: c.clone(),
                            weight: w.to_f64(),
                        })
                        .collect(),
                    rule: i.rule.as_ref().map(|r| r.describe()),
                    source: i
                        .rule
                        .as_ref()
                        .and_then(|r| r.source_name())
                        .map(str::to_owned),
                }
            })
            .collect()
    }

    /// The content in the scheme file format (what `publishScheme` and `dutyledger scheme
    /// load` take).
    async fn definition(&self) -> Json<SchemeDefinition> {
        Json((*self.definition).clone())
    }
}
