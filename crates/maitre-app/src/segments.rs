//! Saving a segment: its name and rules checked against the business's contact fields (`maitre_domain::segments`),
//! then stored; the same path for the pages and the API.
use maitre_domain::SegmentId;
use maitre_domain::segments::{SegmentError, SegmentRules, check_name};
use maitre_store::{SEGMENT_NAME_TAKEN, Segment, StoreError, TenantStore};

#[derive(Debug, thiserror::Error)]
pub enum SegmentFailure {
    #[error(transparent)]
    Invalid(#[from] SegmentError),
    #[error("a segment with this name exists already")]
    NameTaken,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SegmentFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { constraint } if constraint == SEGMENT_NAME_TAKEN => SegmentFailure::NameTaken,
            e => SegmentFailure::Store(e),
        }
    }
}

/// Creates a segment (`id` None) or changes one; answers it as stored, with its rules in their checked form.
pub async fn save_segment(
    tenant: &TenantStore,
    id: Option<SegmentId>,
    name: &str,
    rules: SegmentRules,
) -> Result<Segment, SegmentFailure> {
    let name = check_name(name)?;
    let rules = rules.check(&tenant.contacts().contact_fields().await?)?;
    Ok(match id {
        None => tenant.segments().create(&name, &rules).await?,
        Some(id) => tenant.segments().update(id, &name, &rules).await?,
    })
}
