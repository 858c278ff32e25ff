//! When guests come: the guests of a period's visits by weekday and hour, against what the business can seat at
//! once. Definition (also in README): each visit due (confirmed, completed, no-show) counts its guests as present
//! from the hour it starts for the business's usual visit length (whole hours, at least one); a cell is the
//! guests present in that hour on an average such weekday of the period, and its share of the seats at once.
//! No I/O.
use chrono::{Datelike, NaiveDate, TimeDelta, Timelike, Weekday};

use super::report::Report;
use crate::booking::{BookingRules, Resource, ResourceKind, Week};

/// One weekday's hour.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    /// Guests present on an average such weekday of the period, one decimal.
    pub guests: f64,
    /// Of the seats at once, in percent (none when unknown).
    pub share: Option<f64>,
    /// The weekly hours have the business open in (part of) this hour.
    pub open: bool,
}

/// A period's demand: `rows` hours of the day (from the first to the last open or busy one), each with a cell
/// per weekday, Monday first.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub rows: Vec<(u32, [Cell; 7])>,
    /// Guests the business seats at once, when its settings say.
    pub seats: Option<u32>,
    /// The busiest cell's guests (0 when none came).
    pub busiest: f64,
}

/// What the business seats at once: its limit of guests at a time, else its tables', areas' and rooms' seats,
/// else its staff (one guest each); none when its settings say none of these.
pub fn seats_at_once(rules: &BookingRules, resources: &[Resource]) -> Option<u32> {
    if rules.covers_per_slot > 0 {
        return Some(rules.covers_per_slot);
    }
    let seats =
        |kinds: &[ResourceKind]| -> u32 { resources.iter().filter(|r| kinds.contains(&r.kind)).map(|r| r.seats).sum() };
    [seats(&[ResourceKind::Table, ResourceKind::Area, ResourceKind::Room]), seats(&[ResourceKind::Staff])]
        .into_iter()
        .find(|s| *s > 0)
}

/// The hours (weekday index, hour) the weekly hours are open in, at least partly.
fn open_hours(week: &Week) -> [[bool; 24]; 7] {
    let mut open = [[false; 24]; 7];
    // A week's Monday: every interval is placed on its weekday of this week; later hours wrap to its start.
    let monday = NaiveDate::from_isoywd_opt(2024, 1, Weekday::Mon).unwrap_or_default();
    for (day, weekday) in Week::DAYS.into_iter().enumerate() {
        for interval in week.day(weekday) {
            let (start, end) = interval.on(monday + TimeDelta::days(day as i64));
            let mut hour = start.with_minute(0).unwrap_or(start);
            while hour < end {
                let index = (hour.date() - monday).num_days().rem_euclid(7) as usize;
                open[index][hour.hour() as usize] = true;
                hour += TimeDelta::hours(1);
            }
        }
    }
    open
}

impl Demand {
    /// The demand of `report`'s days, the business's hours and usual visit length from `rules`.
    pub fn new(report: &Report, rules: &BookingRules, seats: Option<u32>) -> Demand {
        let stay = i64::from(rules.default_duration_minutes.div_ceil(60).max(1));
        let mut present = [[0i64; 24]; 7];
        for (day, summary) in &report.days {
            for (hour, guests) in &summary.arrivals {
                for h in *hour..*hour + stay {
                    let date = *day + TimeDelta::days(h.div_euclid(24));
                    present[date.weekday().num_days_from_monday() as usize][h.rem_euclid(24) as usize] += guests;
                }
            }
        }
        let mut weekdays = [0i64; 7];
        for (day, _) in &report.days {
            weekdays[day.weekday().num_days_from_monday() as usize] += 1;
        }
        let open = open_hours(&rules.hours);
        let cell = |w: usize, h: usize| {
            let guests = if weekdays[w] > 0 { present[w][h] as f64 / weekdays[w] as f64 } else { 0.0 };
            let guests = (guests * 10.0).round() / 10.0;
            let share = seats.filter(|s| *s > 0).map(|s| (guests * 100.0 / f64::from(s)).round());
            Cell { guests, share, open: open[w][h] }
        };
        let used = |h: usize| (0..7).any(|w| open[w][h] || present[w][h] > 0);
        let (first, last) = ((0..24).find(|h| used(*h)), (0..24).rev().find(|h| used(*h)));
        let rows: Vec<(u32, [Cell; 7])> = match (first, last) {
            (Some(first), Some(last)) => {
                (first..=last).map(|h| (h as u32, std::array::from_fn(|w| cell(w, h)))).collect()
            }
            _ => Vec::new(),
        };
        let busiest = rows.iter().flat_map(|(_, cells)| cells.iter().map(|c| c.guests)).fold(0.0, f64::max);
        Demand { rows, seats, busiest }
    }

    /// How busy a cell looks, 0 (nobody) to 5 (full or more): by its share of the seats, else next to the busiest.
    pub fn level(&self, cell: &Cell) -> u8 {
        let share = match cell.share {
            Some(share) => share,
            None if self.busiest > 0.0 => cell.guests * 100.0 / self.busiest,
            None => 0.0,
        };
        match share {
            s if s <= 0.0 => 0,
            s if s < 25.0 => 1,
            s if s < 50.0 => 2,
            s if s < 75.0 => 3,
            s if s < 100.0 => 4,
            _ => 5,
        }
    }
}

#[cfg(test)]
mod tests;
