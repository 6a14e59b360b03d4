//! The boundary matter's state, its rules (stated per event), and how events change it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{BoundaryCommand, MatterKind, Party, Role, Ruling};
use super::error::BoundaryError;
use super::event::BoundaryEvent;
use crate::timeline::{Decide, Timed};
use crate::values::{EntityId, Name, Text};

/// What a matter is, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Where duties meet.
    pub kind: MatterKind,
    /// Its field.
    pub field: Name,
    /// Its title.
    pub title: Name,
    /// What it is about.
    pub description: Option<Text>,
    /// The parties.
    pub parties: Vec<Party>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DisputeState {
    party_id: EntityId,
    reason: Text,
    ruling_no: u32,
    decision: Option<Text>,
}

/// A dispute as the read side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputeView<'a> {
    /// Its id.
    pub dispute_id: &'a EntityId,
    /// The party that raised it.
    pub party_id: &'a EntityId,
    /// Why.
    pub reason: &'a Text,
    /// The ruling disputed.
    pub ruling_no: u32,
    /// The decision, once decided.
    pub decision: Option<&'a Text>,
}

/// The boundary matter aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryMatter {
    registration: Option<Registration>,
    ruling: Option<(u32, Ruling)>,
    disputes: BTreeMap<EntityId, DisputeState>,
    retired: bool,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<BoundaryEvent>, BoundaryError>;

impl BoundaryMatter {
    /// The registration, once registered.
    pub fn registration(&self) -> Option<&Registration> {
        self.registration.as_ref()
    }

    /// The ruling in force and its number.
    pub fn ruling(&self) -> Option<(u32, &Ruling)> {
        self.ruling.as_ref().map(|(n, r)| (*n, r))
    }

    /// The disputes, open and decided.
    pub fn disputes(&self) -> impl Iterator<Item = DisputeView<'_>> {
        self.disputes.iter().map(|(id, d)| DisputeView {
            dispute_id: id,
            party_id: &d.party_id,
            reason: &d.reason,
            ruling_no: d.ruling_no,
            decision: d.decision.as_ref(),
        })
    }

    /// Whether the matter has been retired.
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    /// Decides a command against this state (the state in force at its time).
    pub fn decide(&self, command: BoundaryCommand) -> Decision {
        use BoundaryCommand as C;
        use BoundaryEvent as E;
        let current = self.ruling.as_ref().map_or(0, |(n, _)| *n);
        let events = match command {
            C::RegisterMatter {
                kind,
                field,
                title,
                description,
                parties,
            } => vec![E::MatterRegistered {
                kind,
                field,
                title,
                description,
                parties,
            }],
            C::RuleMatter { ruling } => vec![E::MatterRuled {
                ruling_no: 1,
                ruling,
            }],
            C::ReviseRuling { ruling } => {
                if !self.retired && self.ruling.as_ref().is_some_and(|(_, r)| *r == ruling) {
                    return Ok(vec![]);
                }
                vec![E::RulingRevised {
                    ruling_no: current + 1,
                    ruling,
                }]
            }
            C::RaiseDispute {
                dispute_id,
                party_id,
                reason,
            } => vec![E::DisputeRaised {
                dispute_id,
                party_id,
                reason,
                ruling_no: current,
            }],
            C::DecideDispute {
                dispute_id,
                decision,
                revised_ruling,
            } => {
                let mut events = vec![E::DisputeDecided {
                    dispute_id,
                    decision,
                }];
                if let Some(ruling) = revised_ruling {
                    events.push(E::RulingRevised {
                        ruling_no: current + 1,
                        ruling,
                    });
                }
                events
            }
            C::RetireMatter => vec![E::MatterRetired],
        };
        let mut scratch = self.clone();
        for e in &events {
            scratch.validate(e)?;
            scratch.evolve_event(e.clone());
        }
        Ok(events)
    }

    /// The rules: whether `event` may be applied to this state.
    pub fn validate(&self, event: &BoundaryEvent) -> Result<(), BoundaryError> {
        use BoundaryEvent as E;
        if let E::MatterRegistered { kind, parties, .. } = event {
            if self.registration.is_some() {
                return Err(BoundaryError::MatterAlreadyRegistered);
            }
            return check_parties(*kind, parties);
        }
        let registration = self
            .registration
            .as_ref()
            .ok_or(BoundaryError::MatterNotFound)?;
        if self.retired {
            return Err(BoundaryError::MatterRetired);
        }
        match event {
            E::MatterRegistered { .. } => Err(BoundaryError::MatterAlreadyRegistered),
            E::MatterRuled { ruling, .. } => {
                if self.ruling.is_some() {
                    return Err(BoundaryError::MatterAlreadyRuled);
                }
                check_ruling(ruling, &registration.parties)
            }
            E::RulingRevised { ruling, .. } => {
                if self.ruling.is_none() {
                    return Err(BoundaryError::MatterNotRuled);
                }
                check_ruling(ruling, &registration.parties)
            }
            E::DisputeRaised {
                dispute_id,
                party_id,
                ..
            } => {
                if self.ruling.is_none() {
                    return Err(BoundaryError::MatterNotRuled);
                }
                if !registration.parties.iter().any(|p| p.party_id == *party_id) {
                    return Err(BoundaryError::UnknownParty(party_id.clone()));
                }
                if self.disputes.contains_key(dispute_id) {
                    return Err(BoundaryError::DisputeAlreadyExists(dispute_id.clone()));
                }
                Ok(())
            }
            E::DisputeDecided { dispute_id, .. } => {
                let d = self
                    .disputes
                    .get(dispute_id)
                    .ok_or_else(|| BoundaryError::DisputeNotFound(dispute_id.clone()))?;
                if d.decision.is_some() {
                    return Err(BoundaryError::DisputeAlreadyDecided(dispute_id.clone()));
                }
                Ok(())
            }
            E::MatterRetired => {
                if self.disputes.values().any(|d| d.decision.is_none()) {
                    return Err(BoundaryError::DisputesOpen);
                }
                Ok(())
            }
        }
    }

    fn evolve_event(&mut self, event: BoundaryEvent) {
        use BoundaryEvent as E;
        match event {
            E::MatterRegistered {
                kind,
                field,
                title,
                description,
                parties,
            } => {
                self.registration = Some(Registration {
                    kind,
                    field,
                    title,
                    description,
                    parties,
                });
            }
            E::MatterRuled { ruling_no, ruling } | E::RulingRevised { ruling_no, ruling } => {
                self.ruling = Some((ruling_no, ruling));
            }
            E::DisputeRaised {
                dispute_id,
                party_id,
                reason,
                ruling_no,
            } => {
                self.disputes.insert(
                    dispute_id,
                    DisputeState {
                        party_id,
                        reason,
                        ruling_no,
                        decision: None,
                    },
                );
            }
            E::DisputeDecided {
                dispute_id,
                decision,
            } => {
                if let Some(d) = self.disputes.get_mut(&dispute_id) {
                    d.decision = Some(decision);
                }
            }
            E::MatterRetired => self.retired = true,
        }
    }
}

fn check_parties(kind: MatterKind, parties: &[Party]) -> Result<(), BoundaryError> {
    if parties.len() < 2 {
        return Err(BoundaryError::TooFewParties);
    }
    let mut ids = BTreeSet::new();
    let mut seats = BTreeSet::new();
    for p in parties {
        if !ids.insert(&p.party_id) {
            return Err(BoundaryError::DuplicateParty(p.party_id.to_string()));
        }
        if !seats.insert((&p.department_id, &p.unit_id)) {
            return Err(BoundaryError::DuplicateParty(match &p.unit_id {
                Some(u) => format!("{}/{u}", p.department_id),
                None => p.department_id.to_string(),
            }));
        }
    }
    let departments: BTreeSet<_> = parties.iter().map(|p| &p.department_id).collect();
    match kind {
        MatterKind::BetweenSections => {
            if departments.len() != 1 || parties.iter().any(|p| p.unit_id.is_none()) {
                return Err(BoundaryError::SectionsOfDifferentDepartments);
            }
        }
        MatterKind::BetweenDepartments | MatterKind::BetweenLevels => {
            if departments.len() < 2 {
                return Err(BoundaryError::SingleDepartment);
            }
        }
    }
    Ok(())
}

fn check_ruling(ruling: &Ruling, parties: &[Party]) -> Result<(), BoundaryError> {
    if ruling.stages.is_empty() {
        return Err(BoundaryError::NoStages);
    }
    if ruling.mechanisms.is_empty() {
        return Err(BoundaryError::NoMechanism);
    }
    let mut names = BTreeSet::new();
    for stage in &ruling.stages {
        let stage_name = stage.name.as_str().to_owned();
        if !names.insert(stage.name.as_str()) {
            return Err(BoundaryError::DuplicateStage(stage_name));
        }
        let mut seen = BTreeSet::new();
        for role in &stage.roles {
            if !parties.iter().any(|p| p.party_id == role.party_id) {
                return Err(BoundaryError::UnknownParty(role.party_id.clone()));
            }
            if !seen.insert(&role.party_id) {
                return Err(BoundaryError::PartyTwiceInStage(
                    stage_name,
                    role.party_id.clone(),
                ));
            }
        }
        match stage.roles.iter().filter(|r| r.role == Role::Lead).count() {
            0 => return Err(BoundaryError::NoLead(stage_name)),
            1 => {}
            _ => return Err(BoundaryError::SeveralLeads(stage_name)),
        }
    }
    Ok(())
}

impl Decide for BoundaryMatter {
    type Command = BoundaryCommand;
    type Event = BoundaryEvent;
    type Error = BoundaryError;

    fn decide(&self, command: BoundaryCommand) -> Decision {
        BoundaryMatter::decide(self, command)
    }

    fn validate(&self, event: &BoundaryEvent) -> Result<(), BoundaryError> {
        BoundaryMatter::validate(self, event)
    }

    fn evolve(&mut self, event: BoundaryEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<BoundaryEvent>, cause: BoundaryError) -> BoundaryError {
        BoundaryError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// Every event of a matter (its registration, rulings, revisions, disputes, retirement)
/// concerns every party's department, as registered.
impl crate::concerns::Concerns for BoundaryMatter {
    fn departments(&self) -> Vec<crate::values::CreditCode> {
        crate::concerns::distinct(
            self.registration
                .iter()
                .flat_map(|r| &r.parties)
                .map(|p| p.department_id.clone())
                .collect(),
        )
    }
}

crate::event_sourced!(BoundaryMatter, "boundary_matter");
