//! The department's state, the rules an event must satisfy, how commands become events, and
//! how events change the state.
//!
//! Every rule lives in [`Department::validate`], stated for an event: a command is turned into
//! its event and the event validated; a replay of history (a backdated change) validates every
//! later event with the same function. [`Department::evolve`] derives cascades from the state
//! it is applied to (a merge moves whatever the unit holds at that moment; retiring a task or
//! transferring a duty ends whatever assignments exist then), so a fold in valid-time order is
//! always consistent. The lists carried in the events record what was decided when they were
//! recorded.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{DepartmentCommand, TaskDetails};
use super::error::DepartmentError;
use super::event::{Assignment, DepartmentEvent};
use crate::power::{promise_exceeds_statute, PowerItemDetails, PowerItemPatch};
use crate::timeline::{Decide, Timed};
use crate::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text,
};

/// Who the department is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Its credit code.
    pub id: CreditCode,
    /// Its official name.
    pub name: Name,
    /// The division it serves.
    pub division: DivisionCode,
    /// City, county or township.
    pub level: DepartmentLevel,
    /// Its sector.
    pub sector: Name,
    /// The kind of body.
    pub kind: BodyKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MainDutyState {
    text: Text,
    active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UnitState {
    name: Name,
    active: bool,
    staffing: Option<Headcount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UnitDutyState {
    main_duty_id: EntityId,
    unit_id: EntityId,
    text: Text,
    active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TaskState {
    unit_duty_id: EntityId,
    details: TaskDetails,
    active: bool,
    posts: BTreeSet<EntityId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PowerItemState {
    details: PowerItemDetails,
    active: bool,
    tasks: BTreeSet<EntityId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PostState {
    unit_id: EntityId,
    name: Name,
    active: bool,
}

/// The department aggregate. Ended entities stay in the state (inactive) so that their ids are
/// never reused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    profile: Option<Profile>,
    staffing: Option<Headcount>,
    main_duties: BTreeMap<EntityId, MainDutyState>,
    units: BTreeMap<EntityId, UnitState>,
    unit_duties: BTreeMap<EntityId, UnitDutyState>,
    tasks: BTreeMap<EntityId, TaskState>,
    posts: BTreeMap<EntityId, PostState>,
    #[serde(default)]
    power_items: BTreeMap<EntityId, PowerItemState>,
    /// The latest effective time of any event folded in (kept by the event store; `apply`
    /// does not know times).
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<DepartmentEvent>, DepartmentError>;

/// A task as the read side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskView<'a> {
    /// Its unit duty.
    pub unit_duty_id: &'a EntityId,
    /// The unit that holds it (its unit duty's unit).
    pub unit_id: &'a EntityId,
    /// What it says.
    pub details: &'a TaskDetails,
}

impl Department {
    /// The profile, once established.
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    /// The department's staffing headcount, if set.
    pub fn staffing(&self) -> Option<Headcount> {
        self.staffing
    }

    /// Active main duties: id and wording.
    pub fn main_duties(&self) -> impl Iterator<Item = (&EntityId, &Text)> {
        self.main_duties
            .iter()
            .filter(|(_, d)| d.active)
            .map(|(id, d)| (id, &d.text))
    }

    /// Active units: id, name, staffing.
    pub fn units(&self) -> impl Iterator<Item = (&EntityId, &Name, Option<Headcount>)> {
        self.units
            .iter()
            .filter(|(_, u)| u.active)
            .map(|(id, u)| (id, &u.name, u.staffing))
    }

    /// Active unit duties: id, main duty, unit, wording.
    pub fn unit_duties(&self) -> impl Iterator<Item = (&EntityId, &EntityId, &EntityId, &Text)> {
        self.active_unit_duties()
            .map(|(id, d)| (id, &d.main_duty_id, &d.unit_id, &d.text))
    }

    /// Active tasks.
    pub fn tasks(&self) -> impl Iterator<Item = (&EntityId, TaskView<'_>)> {
        self.active_tasks().map(|(id, t)| {
            (
                id,
                TaskView {
                    unit_duty_id: &t.unit_duty_id,
                    unit_id: self.unit_of_task(t),
                    details: &t.details,
                },
            )
        })
    }

    /// Active posts: id, unit, name.
    pub fn posts(&self) -> impl Iterator<Item = (&EntityId, &EntityId, &Name)> {
        self.active_posts().map(|(id, p)| (id, &p.unit_id, &p.name))
    }

    /// Which active post holds which active task: (task, post).
    pub fn assignments(&self) -> impl Iterator<Item = (&EntityId, &EntityId)> {
        self.active_tasks()
            .flat_map(|(id, t)| t.posts.iter().map(move |p| (id, p)))
    }

    /// Active power items: id and details.
    pub fn power_items(&self) -> impl Iterator<Item = (&EntityId, &PowerItemDetails)> {
        self.power_items
            .iter()
            .filter(|(_, p)| p.active)
            .map(|(id, p)| (id, &p.details))
    }

    /// Which task carries out which active power item: (item, task).
    pub fn power_links(&self) -> impl Iterator<Item = (&EntityId, &EntityId)> {
        self.power_items
            .iter()
            .filter(|(_, p)| p.active)
            .flat_map(|(id, p)| p.tasks.iter().map(move |t| (id, t)))
    }

    /// The latest effective time of the events folded in, if the event store recorded it.
    pub fn max_effective(&self) -> Option<DateTime<Utc>> {
        self.max_effective
    }

    /// Records that an event effective at `at` has been folded in.
    pub fn note_effective(&mut self, at: DateTime<Utc>) {
        self.max_effective = Some(self.max_effective.map_or(at, |m| m.max(at)));
    }

    /// Decides a command against this state, taken as the state in force at the command's
    /// effective time: the events it causes (none if it changes nothing, e.g. setting the
    /// staffing it already has), or the rule it breaks. Pure.
    pub fn decide(&self, command: DepartmentCommand) -> Decision {
        let event = self.event_for(command);
        if self.is_noop(&event) {
            return Ok(vec![]);
        }
        self.validate(&event)?;
        Ok(vec![event])
    }

    /// The event a command asks for, with the facts it records (what moves, what ends) taken
    /// from this state. Not yet validated.
    fn event_for(&self, command: DepartmentCommand) -> DepartmentEvent {
        use DepartmentCommand as C;
        use DepartmentEvent as E;
        match command {
            C::EstablishDepartment {
                id,
                name,
                division,
                level,
                sector,
                kind,
            } => E::DepartmentEstablished {
                id,
                name,
                division,
                level,
                sector,
                kind,
            },
            C::DefineMainDuty { duty_id, text } => E::MainDutyDefined { duty_id, text },
            C::AmendMainDuty { duty_id, text } => E::MainDutyAmended { duty_id, text },
            C::RevokeMainDuty { duty_id } => E::MainDutyRevoked { duty_id },
            C::EstablishUnit { unit_id, name } => E::UnitEstablished { unit_id, name },
            C::RenameUnit { unit_id, name } => E::UnitRenamed { unit_id, name },
            C::MergeUnits {
                unit_id,
                into_unit_id,
            } => {
                let moved_unit_duties: Vec<EntityId> = self
                    .active_unit_duties()
                    .filter(|(_, d)| d.unit_id == unit_id)
                    .map(|(id, _)| id.clone())
                    .collect();
                let moved_tasks = moved_unit_duties
                    .iter()
                    .flat_map(|duty| self.active_tasks_of_duty(duty).map(|(id, _)| id.clone()))
                    .collect();
                let moved_posts = self
                    .active_posts()
                    .filter(|(_, p)| p.unit_id == unit_id)
                    .map(|(id, _)| id.clone())
                    .collect();
                let into_staffing = self.merged_staffing(&unit_id, &into_unit_id);
                E::UnitMerged {
                    unit_id,
                    into_unit_id,
                    moved_unit_duties,
                    moved_tasks,
                    moved_posts,
                    into_staffing,
                }
            }
            C::AbolishUnit { unit_id } => E::UnitAbolished { unit_id },
            C::AssignUnitDuty {
                unit_duty_id,
                main_duty_id,
                unit_id,
                text,
            } => E::UnitDutyAssigned {
                unit_duty_id,
                main_duty_id,
                unit_id,
                text,
            },
            C::TransferUnitDuty {
                unit_duty_id,
                to_unit_id,
            } => {
                let tasks: Vec<(EntityId, &TaskState)> = self
                    .active_tasks_of_duty(&unit_duty_id)
                    .map(|(id, t)| (id.clone(), t))
                    .collect();
                let ended_assignments = tasks
                    .iter()
                    .flat_map(|(task_id, task)| {
                        task.posts.iter().map(|post_id| Assignment {
                            task_id: task_id.clone(),
                            post_id: post_id.clone(),
                        })
                    })
                    .collect();
                let from_unit_id = self
                    .unit_duties
                    .get(&unit_duty_id)
                    .map_or_else(|| to_unit_id.clone(), |d| d.unit_id.clone());
                E::UnitDutyTransferred {
                    unit_duty_id,
                    from_unit_id,
                    to_unit_id,
                    moved_tasks: tasks.into_iter().map(|(id, _)| id).collect(),
                    ended_assignments,
                }
            }
            C::RevokeUnitDuty { unit_duty_id } => E::UnitDutyRevoked { unit_duty_id },
            C::DefineTask {
                task_id,
                unit_duty_id,
                details,
            } => E::TaskDefined {
                unit_id: self
                    .unit_duties
                    .get(&unit_duty_id)
                    .map_or_else(|| unit_duty_id.clone(), |d| d.unit_id.clone()),
                task_id,
                unit_duty_id,
                details,
            },
            C::AmendTask { task_id, patch } => {
                // The event records the fields that change, as of the command's time.
                let changes = match self.task(&task_id) {
                    Ok(t) => patch.changes_from(&t.details),
                    Err(_) => patch,
                };
                E::TaskAmended { task_id, changes }
            }
            C::RetireTask { task_id } => E::TaskRetired {
                ended_assignments: self
                    .tasks
                    .get(&task_id)
                    .map(|t| t.posts.iter().cloned().collect())
                    .unwrap_or_default(),
                task_id,
            },
            C::CreatePost {
                post_id,
                unit_id,
                name,
            } => E::PostCreated {
                post_id,
                unit_id,
                name,
            },
            C::AbolishPost { post_id } => E::PostAbolished { post_id },
            C::AssignTaskToPost { task_id, post_id } => E::TaskAssignedToPost { task_id, post_id },
            C::UnassignTaskFromPost { task_id, post_id } => {
                E::TaskUnassignedFromPost { task_id, post_id }
            }
            C::ListPowerItem { item_id, details } => E::PowerItemListed {
                item_id,
                details: with_template(details),
            },
            C::AmendPowerItem { item_id, patch } => {
                // The event records the fields that change, as of the command's time.
                let changes = match self.power_item(&item_id) {
                    Ok(p) => {
                        PowerItemPatch::between(&p.details, &with_template(patch.apply(&p.details)))
                    }
                    Err(_) => patch,
                };
                E::PowerItemAmended { item_id, changes }
            }
            C::DelistPowerItem { item_id } => E::PowerItemDelisted {
                ended_links: self
                    .power_items
                    .get(&item_id)
                    .map(|p| p.tasks.iter().cloned().collect())
                    .unwrap_or_default(),
                item_id,
            },
            C::LinkTaskToPowerItem { item_id, task_id } => {
                E::TaskLinkedToPowerItem { item_id, task_id }
            }
            C::UnlinkTaskFromPowerItem { item_id, task_id } => {
                E::TaskUnlinkedFromPowerItem { item_id, task_id }
            }
            C::SetDepartmentStaffing { headcount } => E::DepartmentStaffingSet { headcount },
            C::SetUnitStaffing { unit_id, headcount } => E::UnitStaffingSet { unit_id, headcount },
        }
    }

    /// Whether an event would change nothing (a set or amend to the value already held).
    fn is_noop(&self, event: &DepartmentEvent) -> bool {
        use DepartmentEvent as E;
        match event {
            E::MainDutyAmended { duty_id, text } => {
                self.main_duty(duty_id).is_ok_and(|d| d.text == *text)
            }
            E::UnitRenamed { unit_id, name } => self.unit(unit_id).is_ok_and(|u| u.name == *name),
            E::TaskAmended { task_id, changes } => changes.is_empty() && self.task(task_id).is_ok(),
            E::PowerItemAmended { item_id, changes } => {
                changes.is_empty() && self.power_item(item_id).is_ok()
            }
            E::DepartmentStaffingSet { headcount } => {
                self.profile.is_some() && self.staffing == Some(*headcount)
            }
            E::UnitStaffingSet { unit_id, headcount } => self
                .unit(unit_id)
                .is_ok_and(|u| u.staffing == Some(*headcount)),
            _ => false,
        }
    }

    /// The rules: whether `event` may be applied to this state.
    pub fn validate(&self, event: &DepartmentEvent) -> Result<(), DepartmentError> {
        use DepartmentEvent as E;
        if let E::DepartmentEstablished {
            division, level, ..
        } = event
        {
            if self.profile.is_some() {
                return Err(DepartmentError::DepartmentAlreadyEstablished);
            }
            if division.level() != level.division_level() {
                return Err(DepartmentError::DivisionLevelMismatch {
                    expected: level.division_level(),
                    actual: division.level(),
                });
            }
            return Ok(());
        }
        if self.profile.is_none() {
            return Err(DepartmentError::DepartmentNotFound);
        }
        match event {
            E::DepartmentEstablished { .. } => Err(DepartmentError::DepartmentAlreadyEstablished),
            E::MainDutyDefined { duty_id, .. } => {
                if self.main_duties.contains_key(duty_id) {
                    return Err(DepartmentError::MainDutyAlreadyExists(duty_id.clone()));
                }
                Ok(())
            }
            E::MainDutyAmended { duty_id, .. } => self.main_duty(duty_id).map(drop),
            E::MainDutyRevoked { duty_id } => {
                self.main_duty(duty_id)?;
                if self
                    .active_unit_duties()
                    .any(|(_, d)| d.main_duty_id == *duty_id)
                {
                    return Err(DepartmentError::MainDutyHasUnitDuties(duty_id.clone()));
                }
                Ok(())
            }
            E::UnitEstablished { unit_id, name } => {
                if self.units.contains_key(unit_id) {
                    return Err(DepartmentError::UnitAlreadyExists(unit_id.clone()));
                }
                self.check_unit_name_free(name, None)
            }
            E::UnitRenamed { unit_id, name } => {
                self.unit(unit_id)?;
                self.check_unit_name_free(name, Some(unit_id))
            }
            E::UnitMerged {
                unit_id,
                into_unit_id,
                ..
            } => {
                self.unit(unit_id)?;
                self.unit(into_unit_id)?;
                if unit_id == into_unit_id {
                    return Err(DepartmentError::MergeIntoSameUnit);
                }
                self.check_merged_staffing(unit_id, into_unit_id)
            }
            E::UnitAbolished { unit_id } => {
                self.unit(unit_id)?;
                if self
                    .active_unit_duties()
                    .any(|(_, d)| d.unit_id == *unit_id)
                {
                    return Err(DepartmentError::UnitHoldsDuties(unit_id.clone()));
                }
                if self.active_posts().any(|(_, p)| p.unit_id == *unit_id) {
                    return Err(DepartmentError::UnitHoldsPosts(unit_id.clone()));
                }
                if self
                    .power_items
                    .values()
                    .any(|p| p.active && p.details.unit_id == *unit_id)
                {
                    return Err(DepartmentError::UnitImplementsPowerItems(unit_id.clone()));
                }
                Ok(())
            }
            E::UnitDutyAssigned {
                unit_duty_id,
                main_duty_id,
                unit_id,
                ..
            } => {
                if self.unit_duties.contains_key(unit_duty_id) {
                    return Err(DepartmentError::UnitDutyAlreadyExists(unit_duty_id.clone()));
                }
                self.main_duty(main_duty_id)?;
                self.unit(unit_id).map(drop)
            }
            E::UnitDutyTransferred {
                unit_duty_id,
                to_unit_id,
                ..
            } => {
                let duty = self.unit_duty(unit_duty_id)?;
                self.unit(to_unit_id)?;
                if duty.unit_id == *to_unit_id {
                    return Err(DepartmentError::UnitDutyAlreadyInUnit(
                        unit_duty_id.clone(),
                        to_unit_id.clone(),
                    ));
                }
                Ok(())
            }
            E::UnitDutyRevoked { unit_duty_id } => {
                self.unit_duty(unit_duty_id)?;
                if self.active_tasks_of_duty(unit_duty_id).next().is_some() {
                    return Err(DepartmentError::UnitDutyHasTasks(unit_duty_id.clone()));
                }
                Ok(())
            }
            E::TaskDefined {
                task_id,
                unit_duty_id,
                details,
                ..
            } => {
                if self.tasks.contains_key(task_id) {
                    return Err(DepartmentError::TaskAlreadyExists(task_id.clone()));
                }
                self.unit_duty(unit_duty_id)?;
                check_high_risk(details)
            }
            E::TaskAmended { task_id, changes } => {
                let task = self.task(task_id)?;
                check_high_risk(&changes.apply(&task.details))
            }
            E::TaskRetired { task_id, .. } => self.task(task_id).map(drop),
            E::PostCreated {
                post_id, unit_id, ..
            } => {
                if self.posts.contains_key(post_id) {
                    return Err(DepartmentError::PostAlreadyExists(post_id.clone()));
                }
                self.unit(unit_id).map(drop)
            }
            E::PostAbolished { post_id } => {
                self.post(post_id)?;
                if self.active_tasks().any(|(_, t)| t.posts.contains(post_id)) {
                    return Err(DepartmentError::PostHoldsTasks(post_id.clone()));
                }
                Ok(())
            }
            E::TaskAssignedToPost { task_id, post_id } => {
                let task = self.task(task_id)?;
                let post = self.post(post_id)?;
                let task_unit = self.unit_of_task(task);
                if post.unit_id != *task_unit {
                    return Err(DepartmentError::PostBelongsToAnotherUnit {
                        task_id: task_id.clone(),
                        task_unit: task_unit.clone(),
                        post_id: post_id.clone(),
                        post_unit: post.unit_id.clone(),
                    });
                }
                if task.posts.contains(post_id) {
                    return Err(DepartmentError::TaskAlreadyAssigned(
                        task_id.clone(),
                        post_id.clone(),
                    ));
                }
                Ok(())
            }
            E::TaskUnassignedFromPost { task_id, post_id } => {
                let task = self.task(task_id)?;
                self.post(post_id)?;
                if !task.posts.contains(post_id) {
                    return Err(DepartmentError::TaskNotAssigned(
                        task_id.clone(),
                        post_id.clone(),
                    ));
                }
                Ok(())
            }
            E::PowerItemListed { item_id, details } => {
                if self.power_items.contains_key(item_id) {
                    return Err(DepartmentError::PowerItemAlreadyExists(item_id.clone()));
                }
                self.check_power_details(details, None)
            }
            E::PowerItemAmended { item_id, changes } => {
                let item = self.power_item(item_id)?;
                self.check_power_details(&changes.apply(&item.details), Some(item_id))
            }
            E::PowerItemDelisted { item_id, .. } => self.power_item(item_id).map(drop),
            E::TaskLinkedToPowerItem { item_id, task_id } => {
                let item = self.power_item(item_id)?;
                self.task(task_id)?;
                if item.tasks.contains(task_id) {
                    return Err(DepartmentError::TaskAlreadyLinked(
                        item_id.clone(),
                        task_id.clone(),
                    ));
                }
                Ok(())
            }
            E::TaskUnlinkedFromPowerItem { item_id, task_id } => {
                let item = self.power_item(item_id)?;
                self.task(task_id)?;
                if !item.tasks.contains(task_id) {
                    return Err(DepartmentError::TaskNotLinked(
                        item_id.clone(),
                        task_id.clone(),
                    ));
                }
                Ok(())
            }
            E::DepartmentStaffingSet { headcount } => {
                let units = self.unit_staffing_sum(None);
                if units > u64::from(headcount.get()) {
                    return Err(DepartmentError::StaffingExceedsDepartment {
                        units,
                        department: headcount.get(),
                    });
                }
                Ok(())
            }
            E::UnitStaffingSet { unit_id, headcount } => {
                self.unit(unit_id)?;
                if let Some(department) = self.staffing {
                    let units = self.unit_staffing_sum(Some(unit_id)) + u64::from(headcount.get());
                    if units > u64::from(department.get()) {
                        return Err(DepartmentError::StaffingExceedsDepartment {
                            units,
                            department: department.get(),
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// Checks the structural invariants on the state itself (used by property tests).
    pub fn is_consistent(&self) -> bool {
        let duties_ok = self
            .active_unit_duties()
            .all(|(_, d)| self.unit(&d.unit_id).is_ok() && self.main_duty(&d.main_duty_id).is_ok());
        let tasks_ok = self.active_tasks().all(|(_, t)| {
            self.unit_duty(&t.unit_duty_id).is_ok()
                && t.posts.iter().all(|p| {
                    self.post(p)
                        .is_ok_and(|post| post.unit_id == *self.unit_of_task(t))
                })
        });
        let posts_ok = self
            .active_posts()
            .all(|(_, p)| self.unit(&p.unit_id).is_ok());
        let power_ok = self.power_items.values().filter(|p| p.active).all(|p| {
            self.unit(&p.details.unit_id).is_ok() && p.tasks.iter().all(|t| self.task(t).is_ok())
        });
        let staffing_ok = self
            .staffing
            .is_none_or(|d| self.unit_staffing_sum(None) <= u64::from(d.get()));
        duties_ok && tasks_ok && posts_ok && power_ok && staffing_ok
    }

    fn merged_staffing(&self, from: &EntityId, into: &EntityId) -> Option<Headcount> {
        let a = self.units.get(from).and_then(|u| u.staffing);
        let b = self.units.get(into).and_then(|u| u.staffing);
        match (a, b) {
            (None, None) => None,
            (a, b) => {
                let sum =
                    i64::from(a.map_or(0, Headcount::get)) + i64::from(b.map_or(0, Headcount::get));
                Some(
                    Headcount::parse(sum.min(i64::from(Headcount::MAX)))
                        .unwrap_or(Headcount::MAX_VALUE),
                )
            }
        }
    }

    fn check_merged_staffing(
        &self,
        from: &EntityId,
        into: &EntityId,
    ) -> Result<(), DepartmentError> {
        let a = self
            .units
            .get(from)
            .and_then(|u| u.staffing)
            .map_or(0, Headcount::get);
        let b = self
            .units
            .get(into)
            .and_then(|u| u.staffing)
            .map_or(0, Headcount::get);
        let sum = u64::from(a) + u64::from(b);
        if sum > u64::from(Headcount::MAX) {
            return Err(DepartmentError::StaffingExceedsDepartment {
                units: sum,
                department: self.staffing.map_or(Headcount::MAX, Headcount::get),
            });
        }
        Ok(())
    }

    fn power_item(&self, id: &EntityId) -> Result<&PowerItemState, DepartmentError> {
        self.power_items
            .get(id)
            .filter(|p| p.active)
            .ok_or_else(|| DepartmentError::PowerItemNotFound(id.clone()))
    }

    fn check_power_details(
        &self,
        details: &PowerItemDetails,
        except: Option<&EntityId>,
    ) -> Result<(), DepartmentError> {
        self.unit(&details.unit_id)?;
        let taken = self
            .power_items
            .iter()
            .any(|(id, p)| p.active && p.details.code == details.code && Some(id) != except);
        if taken {
            return Err(DepartmentError::PowerCodeTaken(
                details.code.as_str().to_owned(),
            ));
        }
        if let (Some(promised), Some(statutory)) = (details.promised_limit, details.statutory_limit)
        {
            if promise_exceeds_statute(promised, statutory) {
                let show = |l: crate::values::TimeLimit| {
                    format!(
                        "{} {} days",
                        l.days(),
                        match l.kind() {
                            crate::values::DayKind::Working => "working",
                            crate::values::DayKind::Calendar => "calendar",
                        }
                    )
                };
                return Err(DepartmentError::PromisedLimitExceedsStatutory {
                    promised: show(promised),
                    statutory: show(statutory),
                });
            }
        }
        Ok(())
    }

    fn main_duty(&self, id: &EntityId) -> Result<&MainDutyState, DepartmentError> {
        self.main_duties
            .get(id)
            .filter(|d| d.active)
            .ok_or_else(|| DepartmentError::MainDutyNotFound(id.clone()))
    }

    fn unit(&self, id: &EntityId) -> Result<&UnitState, DepartmentError> {
        self.units
            .get(id)
            .filter(|u| u.active)
            .ok_or_else(|| DepartmentError::UnitNotFound(id.clone()))
    }

    fn unit_duty(&self, id: &EntityId) -> Result<&UnitDutyState, DepartmentError> {
        self.unit_duties
            .get(id)
            .filter(|d| d.active)
            .ok_or_else(|| DepartmentError::UnitDutyNotFound(id.clone()))
    }

    fn task(&self, id: &EntityId) -> Result<&TaskState, DepartmentError> {
        self.tasks
            .get(id)
            .filter(|t| t.active)
            .ok_or_else(|| DepartmentError::TaskNotFound(id.clone()))
    }

    fn post(&self, id: &EntityId) -> Result<&PostState, DepartmentError> {
        self.posts
            .get(id)
            .filter(|p| p.active)
            .ok_or_else(|| DepartmentError::PostNotFound(id.clone()))
    }

    fn active_unit_duties(&self) -> impl Iterator<Item = (&EntityId, &UnitDutyState)> {
        self.unit_duties.iter().filter(|(_, d)| d.active)
    }

    fn active_tasks(&self) -> impl Iterator<Item = (&EntityId, &TaskState)> {
        self.tasks.iter().filter(|(_, t)| t.active)
    }

    fn active_posts(&self) -> impl Iterator<Item = (&EntityId, &PostState)> {
        self.posts.iter().filter(|(_, p)| p.active)
    }

    fn active_tasks_of_duty<'a>(
        &'a self,
        duty: &EntityId,
    ) -> impl Iterator<Item = (&'a EntityId, &'a TaskState)> + 'a {
        let duty = duty.clone();
        self.active_tasks()
            .filter(move |(_, t)| t.unit_duty_id == duty)
    }

    /// The unit that holds a task: the unit of its unit duty.
    fn unit_of_task<'a>(&'a self, task: &'a TaskState) -> &'a EntityId {
        self.unit_duties
            .get(&task.unit_duty_id)
            .map_or(&task.unit_duty_id, |d| &d.unit_id)
    }

    fn check_unit_name_free(
        &self,
        name: &Name,
        except: Option<&EntityId>,
    ) -> Result<(), DepartmentError> {
        let taken = self
            .units
            .iter()
            .any(|(id, u)| u.active && u.name == *name && Some(id) != except);
        if taken {
            return Err(DepartmentError::UnitNameTaken(name.as_str().to_owned()));
        }
        Ok(())
    }

    fn unit_staffing_sum(&self, except: Option<&EntityId>) -> u64 {
        self.units
            .iter()
            .filter(|(id, u)| u.active && Some(*id) != except)
            .filter_map(|(_, u)| u.staffing)
            .map(|h| u64::from(h.get()))
            .sum()
    }

    /// Applies an event. Cascades are derived from the state it is applied to.
    fn evolve_event(&mut self, event: DepartmentEvent) {
        use DepartmentEvent as E;
        match event {
            E::DepartmentEstablished {
                id,
                name,
                division,
                level,
                sector,
                kind,
            } => {
                self.profile = Some(Profile {
                    id,
                    name,
                    division,
                    level,
                    sector,
                    kind,
                });
            }
            E::MainDutyDefined { duty_id, text } => {
                self.main_duties
                    .insert(duty_id, MainDutyState { text, active: true });
            }
            E::MainDutyAmended { duty_id, text } => {
                if let Some(duty) = self.main_duties.get_mut(&duty_id) {
                    duty.text = text;
                }
            }
            E::MainDutyRevoked { duty_id } => {
                if let Some(duty) = self.main_duties.get_mut(&duty_id) {
                    duty.active = false;
                }
            }
            E::UnitEstablished { unit_id, name } => {
                self.units.insert(
                    unit_id,
                    UnitState {
                        name,
                        active: true,
                        staffing: None,
                    },
                );
            }
            E::UnitRenamed { unit_id, name } => {
                if let Some(unit) = self.units.get_mut(&unit_id) {
                    unit.name = name;
                }
            }
            E::UnitMerged {
                unit_id,
                into_unit_id,
                ..
            } => {
                let staffing = self.merged_staffing(&unit_id, &into_unit_id);
                for duty in self.unit_duties.values_mut() {
                    if duty.active && duty.unit_id == unit_id {
                        duty.unit_id = into_unit_id.clone();
                    }
                }
                for post in self.posts.values_mut() {
                    if post.active && post.unit_id == unit_id {
                        post.unit_id = into_unit_id.clone();
                    }
                }
                for item in self.power_items.values_mut() {
                    if item.active && item.details.unit_id == unit_id {
                        item.details.unit_id = into_unit_id.clone();
                    }
                }
                if let Some(unit) = self.units.get_mut(&unit_id) {
                    unit.active = false;
                    unit.staffing = None;
                }
                if let Some(unit) = self.units.get_mut(&into_unit_id) {
                    unit.staffing = staffing;
                }
            }
            E::UnitAbolished { unit_id } => {
                if let Some(unit) = self.units.get_mut(&unit_id) {
                    unit.active = false;
                    unit.staffing = None;
                }
            }
            E::UnitDutyAssigned {
                unit_duty_id,
                main_duty_id,
                unit_id,
                text,
            } => {
                self.unit_duties.insert(
                    unit_duty_id,
                    UnitDutyState {
                        main_duty_id,
                        unit_id,
                        text,
                        active: true,
                    },
                );
            }
            E::UnitDutyTransferred {
                unit_duty_id,
                to_unit_id,
                ..
            } => {
                if let Some(duty) = self.unit_duties.get_mut(&unit_duty_id) {
                    duty.unit_id = to_unit_id;
                }
                for task in self.tasks.values_mut() {
                    if task.unit_duty_id == unit_duty_id {
                        task.posts.clear();
                    }
                }
            }
            E::UnitDutyRevoked { unit_duty_id } => {
                if let Some(duty) = self.unit_duties.get_mut(&unit_duty_id) {
                    duty.active = false;
                }
            }
            E::TaskDefined {
                task_id,
                unit_duty_id,
                details,
                ..
            } => {
                self.tasks.insert(
                    task_id,
                    TaskState {
                        unit_duty_id,
                        details,
                        active: true,
                        posts: BTreeSet::new(),
                    },
                );
            }
            E::TaskAmended { task_id, changes } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.details = changes.apply(&task.details);
                }
            }
            E::TaskRetired { task_id, .. } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.active = false;
                    task.posts.clear();
                }
                for item in self.power_items.values_mut() {
                    item.tasks.remove(&task_id);
                }
            }
            E::PostCreated {
                post_id,
                unit_id,
                name,
            } => {
                self.posts.insert(
                    post_id,
                    PostState {
                        unit_id,
                        name,
                        active: true,
                    },
                );
            }
            E::PostAbolished { post_id } => {
                if let Some(post) = self.posts.get_mut(&post_id) {
                    post.active = false;
                }
            }
            E::TaskAssignedToPost { task_id, post_id } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.posts.insert(post_id);
                }
            }
            E::TaskUnassignedFromPost { task_id, post_id } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.posts.remove(&post_id);
                }
            }
            E::PowerItemListed { item_id, details } => {
                self.power_items.insert(
                    item_id,
                    PowerItemState {
                        details,
                        active: true,
                        tasks: BTreeSet::new(),
                    },
                );
            }
            E::PowerItemAmended { item_id, changes } => {
                if let Some(item) = self.power_items.get_mut(&item_id) {
                    item.details = changes.apply(&item.details);
                }
            }
            E::PowerItemDelisted { item_id, .. } => {
                if let Some(item) = self.power_items.get_mut(&item_id) {
                    item.active = false;
                    item.tasks.clear();
                }
            }
            E::TaskLinkedToPowerItem { item_id, task_id } => {
                if let Some(item) = self.power_items.get_mut(&item_id) {
                    item.tasks.insert(task_id);
                }
            }
            E::TaskUnlinkedFromPowerItem { item_id, task_id } => {
                if let Some(item) = self.power_items.get_mut(&item_id) {
                    item.tasks.remove(&task_id);
                }
            }
            E::DepartmentStaffingSet { headcount } => {
                self.staffing = Some(headcount);
            }
            E::UnitStaffingSet { unit_id, headcount } => {
                if let Some(unit) = self.units.get_mut(&unit_id) {
                    unit.staffing = Some(headcount);
                }
            }
        }
    }
}

/// A power item without responsibility stages gets its kind's standard template.
fn with_template(mut details: PowerItemDetails) -> PowerItemDetails {
    if details.stages.is_empty() {
        details.stages = details
            .kind
            .template_stages()
            .iter()
            .filter_map(|s| Name::parse(s).ok())
            .collect();
    }
    details
}

/// A task with any risk flag must state scope, procedure, time limit and standard.
fn check_high_risk(details: &TaskDetails) -> Result<(), DepartmentError> {
    if !details.risks.any() {
        return Ok(());
    }
    let missing: Vec<&str> = [
        ("scope", details.scope.is_none()),
        ("procedure", details.procedure.is_none()),
        ("timeLimit", details.time_limit.is_none()),
        ("standard", details.standard.is_none()),
    ]
    .into_iter()
    .filter_map(|(field, absent)| absent.then_some(field))
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DepartmentError::HighRiskTaskIncomplete(missing.join(", ")))
    }
}

impl Decide for Department {
    type Command = DepartmentCommand;
    type Event = DepartmentEvent;
    type Error = DepartmentError;

    fn decide(&self, command: DepartmentCommand) -> Decision {
        Department::decide(self, command)
    }

    fn validate(&self, event: &DepartmentEvent) -> Result<(), DepartmentError> {
        Department::validate(self, event)
    }

    fn evolve(&mut self, event: DepartmentEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<DepartmentEvent>, cause: DepartmentError) -> DepartmentError {
        DepartmentError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A department's events concern the department itself (its profile's code, which is the
/// stream's id).
impl crate::concerns::Concerns for Department {
    fn departments(&self) -> Vec<CreditCode> {
        self.profile.iter().map(|p| p.id.clone()).collect()
    }
}

crate::event_sourced!(Department, "department");
