//! The contact-import job: reads the uploaded file with the mapping staff chose, checks every row, and imports
//! the good ones (see `TenantStore::import_contacts`); rejected rows end up in the import's report.
use std::sync::Arc;

use maitre_domain::Platform;
use maitre_domain::contacts::import::{RowRules, Target, check_mapping, check_rows, read_csv};
use maitre_domain::jobs::ContactImportJob;
use maitre_jobs::JobError;
use maitre_store::{Job, StoreError};

use crate::{App, job_tenant, payload, retry};

pub async fn run(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: ContactImportJob = payload(&job)?;
    let id = p.import.as_str();
    let import = match tenant.contacts().contact_import(id).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    if !matches!(import.status.as_str(), "queued" | "running") {
        return Ok(());
    }
    let channel = import.channel_id.parse().map_err(|_| JobError::Permanent("bad channel id".into()))?;
    let channel = tenant.channels().channel(channel).await.map_err(retry)?;
    let (data, mapping) = tenant.contacts().import_source(id).await.map_err(retry)?;
    let fields = tenant.contacts().contact_fields().await.map_err(retry)?;
    let id_from_phone = channel.platform == Platform::WhatsApp;
    let country = tenant.account().await.map_err(retry)?.settings.country;
    // The mapping was checked when it was saved; fields may have been deleted since.
    let checked = read_csv(data.as_bytes()).map_err(|e| e.to_string()).and_then(|table| {
        let mapping = mapping.iter().map(|t| t.parse::<Target>()).collect::<Result<Vec<_>, _>>();
        let mapping = mapping.map_err(|e| e.to_string())?;
        check_mapping(&mapping, &fields, id_from_phone).map_err(|e| e.to_string())?;
        Ok(check_rows(&table, &mapping, RowRules { fields: &fields, id_from_phone, country: Some(&country) }))
    });
    let (rows, rejected) = match checked {
        Ok(checked) => checked,
        Err(reason) => return tenant.contacts().fail_import(id, &reason).await.map_err(retry),
    };
    match tenant.contacts().import_contacts(id, &rows, &rejected, &|_| {}).await {
        Ok(_) => Ok(()),
        Err(e) if job.attempts >= job.max_attempts => {
            tenant
                .contacts()
                .fail_import(id, "the import could not be stored; nothing of it was imported")
                .await
                .map_err(retry)?;
            Err(JobError::Permanent(e.to_string()))
        }
        Err(e) => Err(retry(e)),
    }
}
