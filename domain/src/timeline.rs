//! Valid time: deciding a command at a point in time within a stream's history.
//!
//! A stream's events are applied in order of `(effective_at, sequence)`: the state in force at
//! time `t` is the fold of the events effective at or before `t` (DESIGN.md, "Time-travel
//! semantics"). A command effective at `t` is decided against the state in force at `t`, and
//! accepted only if every event effective after `t` is still valid when replayed after it
//! ([`decide_at`]). Aggregates, read models and reference replays all fold with the same
//! `evolve`, in the same order.

use chrono::{DateTime, Utc};

/// An event with its place in valid time.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed<E> {
    /// When it holds in the world.
    pub effective_at: DateTime<Utc>,
    /// Its sequence in the stream (recording order); breaks ties in valid time.
    pub sequence: u64,
    /// The event.
    pub event: E,
}

impl<E> Timed<E> {
    /// The ordering key in valid time.
    pub fn key(&self) -> (DateTime<Utc>, u64) {
        (self.effective_at, self.sequence)
    }
}

/// A stream's decision logic, split so that the same rules check a new command and re-check
/// recorded events when history is replayed.
pub trait Decide: Default + Clone {
    /// Commands.
    type Command;
    /// Events.
    type Event: Clone;
    /// Refusals.
    type Error;

    /// The events a command causes in this state (rules checked), or why it is refused.
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// Whether an event may be applied to this state (its preconditions).
    fn validate(&self, event: &Self::Event) -> Result<(), Self::Error>;

    /// Applies an event (no checks).
    fn evolve(&mut self, event: Self::Event);

    /// The refusal for a command that would make a later recorded event invalid.
    fn breaks_later(later: &Timed<Self::Event>, cause: Self::Error) -> Self::Error;
}

/// Folds events in valid-time order (they must already be sorted by [`Timed::key`]).
pub fn fold<A: Decide>(events: impl IntoIterator<Item = Timed<A::Event>>) -> A {
    let mut state = A::default();
    for e in events {
        state.evolve(e.event);
    }
    state
}

/// Sorts events into valid-time order.
pub fn sort<E>(events: &mut [Timed<E>]) {
    events.sort_by_key(Timed::key);
}

/// Decides `command` effective at `at`, given the stream's whole `history` (any order). The new
/// events sort after every recorded event effective at or before `at`. Returns the new events
/// and the state after the whole new history (everything, including events effective later).
pub fn decide_at<A: Decide>(
    history: &[Timed<A::Event>],
    command: A::Command,
    at: DateTime<Utc>,
) -> Result<(Vec<A::Event>, A), A::Error> {
    let mut ordered: Vec<&Timed<A::Event>> = history.iter().collect();
    ordered.sort_by_key(|t| t.key());
    let split = ordered.partition_point(|t| t.effective_at <= at);
    let mut state = A::default();
    for t in &ordered[..split] {
        state.evolve(t.event.clone());
    }
    let events = state.decide(command)?;
    for e in &events {
        state.evolve(e.clone());
    }
    for later in &ordered[split..] {
        if !events.is_empty() {
            state
                .validate(&later.event)
                .map_err(|cause| A::breaks_later(later, cause))?;
        }
        state.evolve(later.event.clone());
    }
    Ok((events, state))
}

/// A state that remembers the latest effective time folded into it (kept by the event store,
/// which knows the times; `evolve` does not).
pub trait Temporal {
    /// The latest effective time folded in, if known.
    fn max_effective(&self) -> Option<DateTime<Utc>>;
    /// Records that an event effective at `at` has been folded in.
    fn note_effective(&mut self, at: DateTime<Utc>);
}

/// Implements cqrs-es's `Aggregate` and [`Temporal`] for an aggregate whose rules are its
/// [`Decide`] impl, the same way for every aggregate: `handle` decides and writes the events,
/// `apply` evolves, and the latest effective time folded in is kept in the aggregate's
/// `max_effective: Option<DateTime<Utc>>` field. `TYPE` is the stream type name, a stored
/// contract (never renamed).
#[macro_export]
macro_rules! event_sourced {
    ($aggregate:ty, $type_name:literal) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type_name;
            type Command = <$aggregate as $crate::timeline::Decide>::Command;
            type Event = <$aggregate as $crate::timeline::Decide>::Event;
            type Error = <$aggregate as $crate::timeline::Decide>::Error;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _service: &Self::Services,
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                let events = $crate::timeline::Decide::decide(self, command)?;
                for event in events {
                    sink.write(event, self).await;
                }
                Ok(())
            }

            fn apply(&mut self, event: Self::Event) {
                $crate::timeline::Decide::evolve(self, event);
            }
        }

        impl $crate::timeline::Temporal for $aggregate {
            fn max_effective(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.max_effective
            }

            fn note_effective(&mut self, at: chrono::DateTime<chrono::Utc>) {
                self.max_effective = Some(self.max_effective.map_or(at, |m| m.max(at)));
            }
        }
    };
}
