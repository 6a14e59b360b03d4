//! Opaque cursors into the global order.

use std::fmt;
use std::str::FromStr;

use crate::StoreError;

/// A place in the global order: after the event written by transaction `transaction_id` at
/// `position`. Clients see it as an opaque string; only this server interprets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    transaction_id: i64,
    position: i64,
}

impl Cursor {
    /// Before the first event.
    pub const START: Cursor = Cursor {
        transaction_id: 0,
        position: 0,
    };

    /// A cursor at an event.
    pub fn new(transaction_id: i64, position: i64) -> Self {
        Self {
            transaction_id,
            position,
        }
    }

    /// The writing transaction's id.
    pub fn transaction_id(self) -> i64 {
        self.transaction_id
    }

    /// The global position.
    pub fn position(self) -> i64 {
        self.position
    }
}

const PREFIX: &str = "c1";

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}{:016x}{:016x}",
            self.transaction_id, self.position
        )
    }
}

impl FromStr for Cursor {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.strip_prefix(PREFIX).ok_or(StoreError::InvalidCursor)?;
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::InvalidCursor);
        }
        let parse = |h: &str| i64::from_str_radix(h, 16).map_err(|_| StoreError::InvalidCursor);
        let cursor = Cursor::new(parse(&hex[..16])?, parse(&hex[16..])?);
        if cursor.transaction_id < 0 || cursor.position < 0 {
            return Err(StoreError::InvalidCursor);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_order() {
        let a = Cursor::new(750, 12);
        let b = Cursor::new(751, 3);
        assert_eq!(a.to_string().parse::<Cursor>().ok(), Some(a));
        assert!(a < b);
        assert!(Cursor::START < a);
    }

    #[test]
    fn foreign_cursors_are_refused() {
        for bad in [
            "",
            "c1",
            "abc",
            "c1zz",
            &format!("c1{}", "f".repeat(32)),
            "c2000000000000000100000000000000001",
        ] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad}");
        }
    }
}
