//! The department's state, how commands are decided against it, and how events change it.

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::command::{DepartmentCommand, TaskDetails};
use super::error::DepartmentError;
use super::event::{Assignment, DepartmentEvent};
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
}

type Decision = Result<Vec<DepartmentEvent>, DepartmentError>;

impl Department {
    /// The profile, once established.
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    /// Decides a command against the current state: the events it causes, or the rule it
    /// breaks. Pure; every rule is checked before any event is produced. An empty list means
    /// the command changes nothing (e.g. setting the staffing it already has).
    pub fn decide(&self, command: DepartmentCommand) -> Decision {
        use DepartmentCommand as C;
        if let C::EstablishDepartment {
            id,
            name,
            division,
            level,
            sector,
            kind,
        } = command
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
            return Ok(vec![DepartmentEvent::DepartmentEstablished {
                id,
                name,
                division,
                level,
                sector,
                kind,
            }]);
        }
        if self.profile.is_none() {
            return Err(DepartmentError::DepartmentNotFound);
        }
        match command {
            C::EstablishDepartment { .. } => Err(DepartmentError::DepartmentAlreadyEstablished),
            C::DefineMainDuty { duty_id, text } => {
                if self.main_duties.contains_key(&duty_id) {
                    return Err(DepartmentError::MainDutyAlreadyExists(duty_id));
                }
                Ok(vec![DepartmentEvent::MainDutyDefined { duty_id, text }])
            }
            C::AmendMainDuty { duty_id, text } => {
                let duty = self.main_duty(&duty_id)?;
                if duty.text == text {
                    return Ok(vec![]);
                }
                Ok(vec![DepartmentEvent::MainDutyAmended { duty_id, text }])
            }
            C::RevokeMainDuty { duty_id } => {
                self.main_duty(&duty_id)?;
                if self
                    .active_unit_duties()
                    .any(|(_, d)| d.main_duty_id == duty_id)
                {
                    return Err(DepartmentError::MainDutyHasUnitDuties(duty_id));
                }
                Ok(vec![DepartmentEvent::MainDutyRevoked { duty_id }])
            }
            C::EstablishUnit { unit_id, name } => {
                if self.units.contains_key(&unit_id) {
                    return Err(DepartmentError::UnitAlreadyExists(unit_id));
                }
                self.check_unit_name_free(&name, None)?;
                Ok(vec![DepartmentEvent::UnitEstablished { unit_id, name }])
            }
            C::RenameUnit { unit_id, name } => {
                let unit = self.unit(&unit_id)?;
                if unit.name == name {
                    return Ok(vec![]);
                }
                self.check_unit_name_free(&name, Some(&unit_id))?;
                Ok(vec![DepartmentEvent::UnitRenamed { unit_id, name }])
            }
            C::MergeUnits {
                unit_id,
                into_unit_id,
            } => self.decide_merge(unit_id, into_unit_id),
            C::AbolishUnit { unit_id } => {
                self.unit(&unit_id)?;
                if self.active_unit_duties().any(|(_, d)| d.unit_id == unit_id) {
                    return Err(DepartmentError::UnitHoldsDuties(unit_id));
                }
                if self.active_posts().any(|(_, p)| p.unit_id == unit_id) {
                    return Err(DepartmentError::UnitHoldsPosts(unit_id));
                }
                Ok(vec![DepartmentEvent::UnitAbolished { unit_id }])
            }
            C::AssignUnitDuty {
                unit_duty_id,
                main_duty_id,
                unit_id,
                text,
            } => {
                if self.unit_duties.contains_key(&unit_duty_id) {
                    return Err(DepartmentError::UnitDutyAlreadyExists(unit_duty_id));
                }
                self.main_duty(&main_duty_id)?;
                self.unit(&unit_id)?;
                Ok(vec![DepartmentEvent::UnitDutyAssigned {
                    unit_duty_id,
                    main_duty_id,
                    unit_id,
                    text,
                }])
            }
            C::TransferUnitDuty {
                unit_duty_id,
                to_unit_id,
            } => {
                let duty = self.unit_duty(&unit_duty_id)?;
                self.unit(&to_unit_id)?;
                if duty.unit_id == to_unit_id {
                    return Err(DepartmentError::UnitDutyAlreadyInUnit(
                        unit_duty_id,
                        to_unit_id,
                    ));
                }
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
                Ok(vec![DepartmentEvent::UnitDutyTransferred {
                    from_unit_id: duty.unit_id.clone(),
                    unit_duty_id,
                    to_unit_id,
                    moved_tasks: tasks.into_iter().map(|(id, _)| id).collect(),
                    ended_assignments,
                }])
            }
            C::RevokeUnitDuty { unit_duty_id } => {
                self.unit_duty(&unit_duty_id)?;
                if self.active_tasks_of_duty(&unit_duty_id).next().is_some() {
                    return Err(DepartmentError::UnitDutyHasTasks(unit_duty_id));
                }
                Ok(vec![DepartmentEvent::UnitDutyRevoked { unit_duty_id }])
            }
            C::DefineTask {
                task_id,
                unit_duty_id,
                details,
            } => {
                if self.tasks.contains_key(&task_id) {
                    return Err(DepartmentError::TaskAlreadyExists(task_id));
                }
                let duty = self.unit_duty(&unit_duty_id)?;
                check_high_risk(&details)?;
                Ok(vec![DepartmentEvent::TaskDefined {
                    task_id,
                    unit_id: duty.unit_id.clone(),
                    unit_duty_id,
                    details,
                }])
            }
            C::AmendTask { task_id, details } => {
                let task = self.task(&task_id)?;
                check_high_risk(&details)?;
                if task.details == details {
                    return Ok(vec![]);
                }
                Ok(vec![DepartmentEvent::TaskAmended { task_id, details }])
            }
            C::RetireTask { task_id } => {
                let task = self.task(&task_id)?;
                Ok(vec![DepartmentEvent::TaskRetired {
                    ended_assignments: task.posts.iter().cloned().collect(),
                    task_id,
                }])
            }
            C::CreatePost {
                post_id,
                unit_id,
                name,
            } => {
                if self.posts.contains_key(&post_id) {
                    return Err(DepartmentError::PostAlreadyExists(post_id));
                }
                self.unit(&unit_id)?;
                Ok(vec![DepartmentEvent::PostCreated {
                    post_id,
                    unit_id,
                    name,
                }])
            }
            C::AbolishPost { post_id } => {
                self.post(&post_id)?;
                if self.active_tasks().any(|(_, t)| t.posts.contains(&post_id)) {
                    return Err(DepartmentError::PostHoldsTasks(post_id));
                }
                Ok(vec![DepartmentEvent::PostAbolished { post_id }])
            }
            C::AssignTaskToPost { task_id, post_id } => {
                let task = self.task(&task_id)?;
                let post = self.post(&post_id)?;
                let task_unit = self.unit_of_task(task);
                if post.unit_id != *task_unit {
                    return Err(DepartmentError::PostBelongsToAnotherUnit {
                        task_unit: task_unit.clone(),
                        post_unit: post.unit_id.clone(),
                        task_id,
                        post_id,
                    });
                }
                if task.posts.contains(&post_id) {
                    return Err(DepartmentError::TaskAlreadyAssigned(task_id, post_id));
                }
                Ok(vec![DepartmentEvent::TaskAssignedToPost {
                    task_id,
                    post_id,
                }])
            }
            C::UnassignTaskFromPost { task_id, post_id } => {
                let task = self.task(&task_id)?;
                self.post(&post_id)?;
                if !task.posts.contains(&post_id) {
                    return Err(DepartmentError::TaskNotAssigned(task_id, post_id));
                }
                Ok(vec![DepartmentEvent::TaskUnassignedFromPost {
                    task_id,
                    post_id,
                }])
            }
            C::SetDepartmentStaffing { headcount } => {
                if self.staffing == Some(headcount) {
                    return Ok(vec![]);
                }
                let units = self.unit_staffing_sum(None);
                if units > u64::from(headcount.get()) {
                    return Err(DepartmentError::StaffingExceedsDepartment {
                        units,
                        department: headcount.get(),
                    });
                }
                Ok(vec![DepartmentEvent::DepartmentStaffingSet { headcount }])
            }
            C::SetUnitStaffing { unit_id, headcount } => {
                let unit = self.unit(&unit_id)?;
                if unit.staffing == Some(headcount) {
                    return Ok(vec![]);
                }
                if let Some(department) = self.staffing {
                    let units = self.unit_staffing_sum(Some(&unit_id)) + u64::from(headcount.get());
                    if units > u64::from(department.get()) {
                        return Err(DepartmentError::StaffingExceedsDepartment {
                            units,
                            department: department.get(),
                        });
                    }
                }
                Ok(vec![DepartmentEvent::UnitStaffingSet {
                    unit_id,
                    headcount,
                }])
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
        duties_ok && tasks_ok && posts_ok
    }

    fn decide_merge(&self, unit_id: EntityId, into_unit_id: EntityId) -> Decision {
        let from = self.unit(&unit_id)?;
        let into = self.unit(&into_unit_id)?;
        if unit_id == into_unit_id {
            return Err(DepartmentError::MergeIntoSameUnit);
        }
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
        let into_staffing = match (from.staffing, into.staffing) {
            (None, None) => None,
            (a, b) => {
                let sum =
                    i64::from(a.map_or(0, Headcount::get)) + i64::from(b.map_or(0, Headcount::get));
                Some(Headcount::parse(sum).map_err(|_| {
                    DepartmentError::StaffingExceedsDepartment {
                        units: sum as u64,
                        department: self.staffing.map_or(Headcount::MAX, Headcount::get),
                    }
                })?)
            }
        };
        Ok(vec![DepartmentEvent::UnitMerged {
            unit_id,
            into_unit_id,
            moved_unit_duties,
            moved_tasks,
            moved_posts,
            into_staffing,
        }])
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

impl Aggregate for Department {
    const TYPE: &'static str = "department";
    type Command = DepartmentCommand;
    type Event = DepartmentEvent;
    type Error = DepartmentError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _service: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = self.decide(command)?;
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
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
                moved_unit_duties,
                moved_tasks: _,
                moved_posts,
                into_staffing,
            } => {
                for duty in moved_unit_duties {
                    if let Some(duty) = self.unit_duties.get_mut(&duty) {
                        duty.unit_id = into_unit_id.clone();
                    }
                }
                for post in moved_posts {
                    if let Some(post) = self.posts.get_mut(&post) {
                        post.unit_id = into_unit_id.clone();
                    }
                }
                if let Some(unit) = self.units.get_mut(&unit_id) {
                    unit.active = false;
                    unit.staffing = None;
                }
                if let Some(unit) = self.units.get_mut(&into_unit_id) {
                    unit.staffing = into_staffing;
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
                from_unit_id: _,
                to_unit_id,
                moved_tasks: _,
                ended_assignments,
            } => {
                if let Some(duty) = self.unit_duties.get_mut(&unit_duty_id) {
                    duty.unit_id = to_unit_id;
                }
                for Assignment { task_id, post_id } in ended_assignments {
                    if let Some(task) = self.tasks.get_mut(&task_id) {
                        task.posts.remove(&post_id);
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
                unit_id: _,
                details,
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
            E::TaskAmended { task_id, details } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.details = details;
                }
            }
            E::TaskRetired {
                task_id,
                ended_assignments: _,
            } => {
                if let Some(task) = self.tasks.get_mut(&task_id) {
                    task.active = false;
                    task.posts.clear();
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
