//! The tenant's campaign options: the form of address (Sie or Du), the frequency cap across
//! all campaigns, the send throttle, and whether opens and clicks are measured.

use kartei_tenancy::db::TenantTx;
use kartei_tenancy::settings;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const SETTINGS_KEY: &str = "campaigns";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressForm {
    /// Formal ("Sehr geehrte Frau Müller").
    Sie,
    /// Informal ("Liebe Anna").
    Du,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignSettings {
    pub address_form: AddressForm,
    /// At most this many marketing touches (messages and manual steps) per contact ...
    pub cap_touches: u32,
    /// ... within this many days, across all campaigns.
    pub cap_days: u32,
    /// Emails per second for the whole tenant.
    pub throttle_per_second: u32,
    /// Open and click tracking (§25 TDDDG): off by default; when on, only for recipients with
    /// a tracking consent on record.
    pub tracking: bool,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        CampaignSettings {
            address_form: AddressForm::Sie,
            cap_touches: 3,
            cap_days: 7,
            throttle_per_second: 100,
            tracking: false,
        }
    }
}

impl CampaignSettings {
    pub async fn load(tx: &TenantTx) -> Result<Self> {
        match settings::get(tx, SETTINGS_KEY).await? {
            None => Ok(Self::default()),
            Some(s) => serde_json::from_value(s.value)
                .map_err(|e| Error::Conflict(format!("setting {SETTINGS_KEY} is malformed: {e}"))),
        }
    }

    pub async fn save(&self, tx: &TenantTx, actor: &str) -> Result<()> {
        if !(1..=1000).contains(&self.cap_touches) {
            return Err(Error::field("capTouches", "must be between 1 and 1000"));
        }
        if !(1..=365).contains(&self.cap_days) {
            return Err(Error::field("capDays", "must be between 1 and 365"));
        }
        if !(1..=10_000).contains(&self.throttle_per_second) {
            return Err(Error::field(
                "throttlePerSecond",
                "must be between 1 and 10000",
            ));
        }
        let value = serde_json::to_value(self)
            .map_err(|e| Error::Conflict(format!("cannot store the settings: {e}")))?;
        settings::put(tx, SETTINGS_KEY, value, actor).await?;
        Ok(())
    }
}
