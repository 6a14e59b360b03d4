//! A department's state as a set of entities (key → JSON value), and the difference between two
//! states, computed by merge-joining the domain's sorted views without copying what did not
//! change.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use dutyledger_domain::department::{Department, TaskView};
use dutyledger_domain::power::PowerItemDetails;
use dutyledger_domain::values::{DayKind, Headcount};
use serde_json::{json, Value};

use super::project::enum_text;

/// The kinds of entity in the duty list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The department itself (profile and staffing).
    Department,
    /// A main duty.
    MainDuty,
    /// An internal unit.
    Unit,
    /// A unit duty.
    UnitDuty,
    /// A work task.
    Task,
    /// A post.
    Post,
    /// A post holding a task (`task_id/post_id`).
    Assignment,
    /// A power item (权责清单事项).
    PowerItem,
    /// A task carrying out a power item (`item_id/task_id`).
    PowerLink,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 9] = [
        Kind::Department,
        Kind::MainDuty,
        Kind::Unit,
        Kind::UnitDuty,
        Kind::Task,
        Kind::Post,
        Kind::Assignment,
        Kind::PowerItem,
        Kind::PowerLink,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Department => "department",
            Kind::MainDuty => "main_duty",
            Kind::Unit => "unit",
            Kind::UnitDuty => "unit_duty",
            Kind::Task => "task",
            Kind::Post => "post",
            Kind::Assignment => "assignment",
            Kind::PowerItem => "power_item",
            Kind::PowerLink => "power_link",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An entity's identity inside a department.
pub type Key = (Kind, String);

/// One entity's change between two states (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The entity.
    pub key: Key,
    /// Its value before.
    pub old: Option<Value>,
    /// Its value after.
    pub new: Option<Value>,
}

fn day_kind(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Working => "Working",
        DayKind::Calendar => "Calendar",
    }
}

fn department_value(d: &Department) -> Option<Value> {
    let p = d.profile()?;
    Some(json!({
        "name": p.name.as_str(),
        "divisionCode": p.division.as_str(),
        "level": enum_text(&p.level),
        "sector": p.sector.as_str(),
        "kind": enum_text(&p.kind),
        "staffing": d.staffing().map(Headcount::get),
    }))
}

fn task_value(t: &TaskView<'_>) -> Value {
    let d = t.details;
    json!({
        "unitDutyId": t.unit_duty_id.as_str(),
        "unitId": t.unit_id.as_str(),
        "name": d.name.as_str(),
        "scope": d.scope.as_ref().map(|x| x.as_str()),
        "procedure": d.procedure.as_ref().map(|x| x.as_str()),
        "timeLimitDays": d.time_limit.map(|t| t.days()),
        "timeLimitKind": d.time_limit.map(|t| day_kind(t.kind())),
        "standard": d.standard.as_ref().map(|x| x.as_str()),
        "strictPolicyStandard": d.risks.strict_policy_standard,
        "wideDiscretion": d.risks.wide_discretion,
        "integrityRisk": d.risks.integrity_risk,
    })
}

fn power_value(d: &PowerItemDetails) -> Value {
    let limit = |l: Option<dutyledger_domain::values::TimeLimit>| {
        l.map(|t| json!({ "days": t.days(), "kind": day_kind(t.kind()) }))
    };
    json!({
        "code": d.code.as_str(),
        "name": d.name.as_str(),
        "subItem": d.sub_item.as_ref().map(|s| s.as_str()),
        "kind": enum_text(&d.kind),
        "kindCode": d.kind.code(),
        "legalBasis": d.legal_basis.as_str(),
        "unitId": d.unit_id.as_str(),
        "level": enum_text(&d.level),
        "stages": d.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "accountability": d.accountability.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "statutoryLimit": limit(d.statutory_limit),
        "promisedLimit": limit(d.promised_limit),
    })
}

/// Merge-joins two iterators sorted by key; calls `f` for every key whose value differs.
fn merge<K: Ord, V: PartialEq>(
    old: impl Iterator<Item = (K, V)>,
    new: impl Iterator<Item = (K, V)>,
    mut f: impl FnMut(&K, Option<&V>, Option<&V>),
) {
    let mut old = old.peekable();
    let mut new = new.peekable();
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => return,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((a, _)), Some((b, _))) => a.cmp(b),
        };
        match order {
            Ordering::Less => {
                if let Some((k, v)) = old.next() {
                    f(&k, Some(&v), None);
                }
            }
            Ordering::Greater => {
                if let Some((k, v)) = new.next() {
                    f(&k, None, Some(&v));
                }
            }
            Ordering::Equal => {
                if let (Some((k, a)), Some((_, b))) = (old.next(), new.next()) {
                    if a != b {
                        f(&k, Some(&a), Some(&b));
                    }
                }
            }
        }
    }
}

/// The entities that differ between two states of one department.
pub fn diff(old: &Department, new: &Department) -> Vec<Change> {
    let mut out = Vec::new();
    let id = |k: &dutyledger_domain::values::EntityId| k.as_str().to_owned();

    let (a, b) = (department_value(old), department_value(new));
    if a != b {
        out.push(Change {
            key: (Kind::Department, String::new()),
            old: a,
            new: b,
        });
    }
    merge(old.main_duties(), new.main_duties(), |k, a, b| {
        out.push(Change {
            key: (Kind::MainDuty, id(k)),
            old: a.map(|t| json!({ "text": t.as_str() })),
            new: b.map(|t| json!({ "text": t.as_str() })),
        });
    });
    let units = |d: &Department| {
        d.units()
            .map(|(k, n, s)| (k.clone(), (n.clone(), s)))
            .collect::<Vec<_>>()
    };
    merge(units(old).into_iter(), units(new).into_iter(), |k, a, b| {
        let v = |(n, s): &(dutyledger_domain::values::Name, Option<Headcount>)| json!({ "name": n.as_str(), "staffing": s.map(Headcount::get) });
        out.push(Change {
            key: (Kind::Unit, id(k)),
            old: a.map(v),
            new: b.map(v),
        });
    });
    merge(
        old.unit_duties().map(|(k, m, u, t)| (k, (m, u, t))),
        new.unit_duties().map(|(k, m, u, t)| (k, (m, u, t))),
        |k, a, b| {
            let v = |(m, u, t): &(
                &dutyledger_domain::values::EntityId,
                &dutyledger_domain::values::EntityId,
                &dutyledger_domain::values::Text,
            )| {
                json!({ "mainDutyId": m.as_str(), "unitId": u.as_str(), "text": t.as_str() })
            };
            out.push(Change {
                key: (Kind::UnitDuty, id(k)),
                old: a.map(v),
                new: b.map(v),
            });
        },
    );
    merge(old.tasks(), new.tasks(), |k, a, b| {
        out.push(Change {
            key: (Kind::Task, id(k)),
            old: a.map(task_value),
            new: b.map(task_value),
        });
    });
    merge(
        old.posts().map(|(k, u, n)| (k, (u, n))),
        new.posts().map(|(k, u, n)| (k, (u, n))),
        |k, a, b| {
            let v = |(u, n): &(
                &dutyledger_domain::values::EntityId,
                &dutyledger_domain::values::Name,
            )| { json!({ "unitId": u.as_str(), "name": n.as_str() }) };
            out.push(Change {
                key: (Kind::Post, id(k)),
                old: a.map(v),
                new: b.map(v),
            });
        },
    );
    merge(old.power_items(), new.power_items(), |k, a, b| {
        out.push(Change {
            key: (Kind::PowerItem, id(k)),
            old: a.map(|d| power_value(d)),
            new: b.map(|d| power_value(d)),
        });
    });
    // Items iterate in id order and each item's tasks in id order: sorted by (item, task).
    merge(
        old.power_links().map(|k| (k, ())),
        new.power_links().map(|k| (k, ())),
        |(item, task), a, b| {
            let v = json!({ "itemId": item.as_str(), "taskId": task.as_str() });
            out.push(Change {
                key: (
                    Kind::PowerLink,
                    format!("{}/{}", item.as_str(), task.as_str()),
                ),
                old: a.map(|_| v.clone()),
                new: b.map(|_| v.clone()),
            });
        },
    );
    // Tasks iterate in id order and each task's posts in id order: sorted by (task, post).
    merge(
        old.assignments().map(|k| (k, ())),
        new.assignments().map(|k| (k, ())),
        |(t, p), a, b| {
            let v = json!({ "taskId": t.as_str(), "postId": p.as_str() });
            out.push(Change {
                key: (Kind::Assignment, format!("{}/{}", t.as_str(), p.as_str())),
                old: a.map(|_| v.clone()),
                new: b.map(|_| v.clone()),
            });
        },
    );
    out
}

/// Every entity of a state, as key → value.
pub fn entities(state: &Department) -> BTreeMap<Key, Value> {
    diff(&Department::default(), state)
        .into_iter()
        .filter_map(|c| c.new.map(|v| (c.key, v)))
        .collect()
}

/// The entities one event touched, given the state before and after it (in valid time): every
/// entity it changed, and the parents of each, before and after (a duty moved from one unit to
/// another touches both units). The audit trail (`history`, the events behind `changes`)
/// lists an event under exactly these.
pub fn touched_by(before: &Department, after: &Department) -> BTreeSet<Key> {
    let mut touched = BTreeSet::new();
    for Change { key, old, new } in diff(before, after) {
        for v in old.iter().chain(new.iter()) {
            touched.extend(parents(key.0, v));
        }
        touched.insert(key);
    }
    touched
}

/// The keys an entity's change also touches: its parents (a unit for its duties, tasks and
/// posts; a main duty for its unit duties; a unit duty for its tasks; a task and a post for an
/// assignment).
pub fn parents(kind: Kind, value: &Value) -> Vec<Key> {
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    let mut push = |k: Kind, f: &str| {
        if let Some(id) = field(f) {
            out.push((k, id));
        }
    };
    match kind {
        Kind::UnitDuty => {
            push(Kind::Unit, "unitId");
            push(Kind::MainDuty, "mainDutyId");
        }
        Kind::Task => {
            push(Kind::Unit, "unitId");
            push(Kind::UnitDuty, "unitDutyId");
        }
        Kind::Post => push(Kind::Unit, "unitId"),
        Kind::Assignment => {
            push(Kind::Task, "taskId");
            push(Kind::Post, "postId");
        }
        Kind::PowerItem => push(Kind::Unit, "unitId"),
        Kind::PowerLink => {
            push(Kind::PowerItem, "itemId");
            push(Kind::Task, "taskId");
        }
        Kind::Department | Kind::MainDuty | Kind::Unit => {}
    }
    out
}
