//! Saved insight runs on both backends: saved with their figures in one go, listed newest first a page at a time,
//! their figures read back as saved (a measure that had nothing to measure stays empty), deleted with their
//! figures, and each business's own.
use chrono::{NaiveDate, TimeDelta};
use maitre_domain::metrics::insight::Measure;
use maitre_domain::metrics::report::Period;
use maitre_store::{NewInsightRun, StoreError};

use super::{account, store};

fn run(name: &str, conversations: f64) -> NewInsightRun {
    let last = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    NewInsightRun {
        name: name.into(),
        period: Period { first: last - TimeDelta::days(29), last },
        preset: Some(30),
        channel: "platform:whatsapp".into(),
        figures: Measure::ALL
            .into_iter()
            .map(|m| (m, if m == Measure::NoShowRate { None } else { Some(conversations + 0.5) }))
            .collect(),
    }
}

#[tokio::test]
async fn runs_keep_their_figures_newest_first_and_stay_with_their_business() {
    let (store, clock, _db) = store().await;
    let (account_id, owner) = account(&store, "Trattoria", "owner@example.com").await;
    let (other_id, _) = account(&store, "Salon", "other@example.com").await;
    let tenant = store.tenant_for_operator(account_id).await.unwrap();
    let other = store.tenant_for_operator(other_id).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(tenant.insights().save(&run(&format!("  Run {n} "), f64::from(n)), Some(owner)).await.unwrap());
        clock.advance(TimeDelta::days(7));
    }
    assert_eq!(tenant.insights().count().await.unwrap(), 5);
    let page = tenant.insights().list(2, 0).await.unwrap();
    assert_eq!(page.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Run 4", "Run 3"], "trimmed, newest first");
    let next = tenant.insights().list(2, 2).await.unwrap();
    assert_eq!(next.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Run 2", "Run 1"]);
    let latest = &page[0];
    assert_eq!(latest.figures.len(), Measure::ALL.len());
    assert_eq!(latest.figures[0], (Measure::Conversations, Some(4.5)));
    assert!(latest.figures.contains(&(Measure::NoShowRate, None)), "nothing to measure stays empty");
    assert_eq!((latest.preset, latest.channel.as_str(), latest.saved_by), (Some(30), "platform:whatsapp", Some(owner)));
    assert_eq!(latest.period, run("", 0.0).period);

    // Another business sees none of them and cannot delete them.
    assert!(other.insights().list(10, 0).await.unwrap().is_empty());
    assert!(matches!(other.insights().delete(&ids[0]).await, Err(StoreError::NotFound)));
    tenant.insights().delete(&ids[0]).await.unwrap();
    assert!(matches!(tenant.insights().delete(&ids[0]).await, Err(StoreError::NotFound)), "gone once");
    assert_eq!(tenant.insights().count().await.unwrap(), 4);

    // A name that cannot be one is refused and nothing is saved.
    let refused = tenant.insights().save(&run(" ", 1.0), None).await;
    assert!(matches!(refused, Err(StoreError::Conflict { .. })), "{refused:?}");
    assert_eq!(tenant.insights().count().await.unwrap(), 4);
}
