use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

/// Where "now" comes from. Production reads the system clock; tests move a manual one (expiry, throttling).
#[derive(Clone)]
pub struct Clock(Inner);

#[derive(Clone)]
enum Inner {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn system() -> Self {
        Clock(Inner::System)
    }
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock(Inner::Manual(Arc::new(Mutex::new(start))))
    }
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Inner::System => Utc::now(),
            Inner::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }
    /// Moves a manual clock forward; a system clock ignores it.
    pub fn advance(&self, by: TimeDelta) {
        if let Inner::Manual(t) = &self.0 {
            *t.lock().unwrap_or_else(|p| p.into_inner()) += by;
        }
    }
}

/// Times are stored as UTC milliseconds.
pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
