//! Synthetic data sets for benchmarks: `sitedial generate`.
//!
//! The shapes follow a hosted-PBX platform. Sites of one enterprise reuse the same extension
//! ranges, and dialing codes mix lengths and include prefix pairs such as `1` and `10`. Some
//! extensions have DIDs, some tenants are standalone, and a few records are disabled. The output for a seed is
//! the same on every run of one build. It may change with the `rand` crate's major version, because
//! `StdRng` promises no stability across versions.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use time::macros::datetime;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::dataset::{DataSet, DATASET_FORMAT};
use crate::domain::records::{Did, Enterprise, Extension, IntersiteMode, Limit, Tenant};
use crate::domain::{
    AccessPrefix, CallerIdNumber, DialingCode, DidNumber, DomainName, EnterpriseCode,
    ExtensionNumber, FreeText, InvalidValue, Secret, VoicemailPin,
};

/// The size and seed of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Enterprises, each with `sites` sites.
    pub enterprises: u32,
    /// Sites per enterprise.
    pub sites: u32,
    /// Extensions per tenant, for sites and standalone tenants alike.
    pub extensions: u32,
    /// Tenants that belong to no enterprise.
    pub standalone: u32,
    pub seed: u64,
}

/// One DID for every this many extensions of a tenant (at least one DID per tenant).
const EXTENSIONS_PER_DID: u32 = 10;

/// The first extension number of a tenant's range. Sites pick from this list, so siblings often
/// share a range and the same number exists in several sites.
const RANGE_STARTS: [u32; 7] = [100, 1000, 1000, 2000, 3000, 4000, 10000];

/// Dialing-code plans. Each enterprise follows one, so that a data set mixes code lengths and
/// contains prefix pairs (`1` and `10`) where the longest-code rule decides.
const CODE_PLANS: [CodePlan; 3] = [CodePlan::Pairs, CodePlan::TwoDigit, CodePlan::ThreeDigit];

#[derive(Debug, Clone, Copy)]
enum CodePlan {
    /// `1`, `10`, `2`, `20`, ... then three-digit codes.
    Pairs,
    /// `10`, `11`, `12`, ...
    TwoDigit,
    /// `100`, `101`, ...
    ThreeDigit,
}

impl CodePlan {
    fn code(self, index: u32) -> String {
        match self {
            Self::Pairs if index < 18 => {
                let digit = index / 2 + 1;
                if index % 2 == 0 {
                    digit.to_string()
                } else {
                    format!("{digit}0")
                }
            }
            Self::Pairs => (100 + index).to_string(),
            Self::TwoDigit => (10 + index).to_string(),
            Self::ThreeDigit => (100 + index).to_string(),
        }
    }
}

const FIRST_NAMES: [&str; 16] = [
    "Alice", "Bob", "Carla", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kenji",
    "Lena", "Mateo", "Nadia", "Omar", "Priya",
];
const LAST_NAMES: [&str; 16] = [
    "Reyes", "Chen", "Diaz", "Ivanov", "Clarke", "Haddad", "Okafor", "Sato", "Moreau", "Wright",
    "Tanaka", "Novak", "Rossi", "Shah", "Berg", "Kowalski",
];

/// Builds a data set of `options.enterprises * options.sites + options.standalone` tenants with
/// `options.extensions` extensions each.
///
/// About 1 in 50 enterprises, 1 in 100 tenants and 1 in 50 extensions are disabled, and about 1 in 7
/// enterprises is in `disabled` inter-site mode, so that those paths are exercised too.
pub fn generate(options: &GenerateOptions) -> Result<DataSet, InvalidValue> {
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(options.seed),
        data: DataSet {
            format: DATASET_FORMAT,
            ..DataSet::default()
        },
        did_counter: 0,
    };
    let extension_count = u64::from(options.extensions)
        * (u64::from(options.enterprises) * u64::from(options.sites)
            + u64::from(options.standalone));
    generator.data.extensions.reserve(extension_count as usize);

    for e in 0..options.enterprises {
        generator.add_enterprise(e, options)?;
    }
    for s in 0..options.standalone {
        let domain = format!("t{s:05}.tenants.example");
        generator.add_tenant(&domain, None, None, options.extensions)?;
    }
    Ok(generator.data)
}

struct Generator {
    rng: StdRng,
    data: DataSet,
    did_counter: u64,
}

impl Generator {
    fn id(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid()
    }

    fn add_enterprise(
        &mut self,
        index: u32,
        options: &GenerateOptions,
    ) -> Result<(), InvalidValue> {
        let id = self.id();
        let code = format!("ent{index:05}");
        let intersite_mode = match self.rng.gen_range(0..7) {
            0 => IntersiteMode::Disabled,
            1..=3 => IntersiteMode::Prefix,
            _ => IntersiteMode::Direct,
        };
        let max_concurrent_calls = if self.rng.gen_bool(0.5) {
            Limit::new(self.rng.gen_range(5..200))
        } else {
            Limit::UNLIMITED
        };
        self.data.enterprises.push(Enterprise {
            id,
            code: EnterpriseCode::parse(&code)?,
            name: FreeText::parse(&format!("Enterprise {index}"))?,
            enabled: !self.rng.gen_ratio(1, 50),
            intersite_mode,
            access_prefix: AccessPrefix::parse(if self.rng.gen_bool(0.8) { "*88" } else { "*7" })?,
            max_sites: Limit::UNLIMITED,
            max_users: Limit::UNLIMITED,
            max_concurrent_calls,
            created_at: created_at(),
            updated_at: created_at(),
        });

        let plan = *CODE_PLANS
            .choose(&mut self.rng)
            .expect("plans are not empty");
        for site in 0..options.sites {
            let domain = format!("site{site}.{code}.example");
            let dialing_code = DialingCode::parse(&plan.code(site))?;
            self.add_tenant(&domain, Some(id), Some(dialing_code), options.extensions)?;
        }
        Ok(())
    }

    fn add_tenant(
        &mut self,
        domain: &str,
        enterprise_id: Option<Uuid>,
        dialing_code: Option<DialingCode>,
        extensions: u32,
    ) -> Result<(), InvalidValue> {
        let tenant_id = self.id();
        let domain = DomainName::parse(domain)?;
        let first_label = domain.as_str().split('.').next().unwrap_or("x").to_owned();
        self.data.tenants.push(Tenant {
            id: tenant_id,
            domain: domain.clone(),
            name: FreeText::parse(&format!("Tenant {domain}"))?,
            description: FreeText::empty(),
            location: FreeText::empty(),
            enabled: !self.rng.gen_ratio(1, 100),
            enterprise_id,
            dialing_code,
            max_extensions: Limit::UNLIMITED,
            max_dids: Limit::UNLIMITED,
            max_queues: Limit::UNLIMITED,
            max_external_calls: Limit::UNLIMITED,
            contact_center: false,
            ms_teams: false,
            tag: FreeText::empty(),
            created_at: created_at(),
            updated_at: created_at(),
        });

        let start = *RANGE_STARTS
            .choose(&mut self.rng)
            .expect("ranges are not empty");
        for offset in 1..=extensions {
            let number = ExtensionNumber::parse(&(start + offset).to_string())?;
            let has_did = offset % EXTENSIONS_PER_DID == 1;
            let did = if has_did {
                Some(self.next_did()?)
            } else {
                None
            };
            let voicemail_enabled = self.rng.gen_ratio(9, 10);
            let first = FIRST_NAMES
                .choose(&mut self.rng)
                .expect("names are not empty");
            let last = LAST_NAMES
                .choose(&mut self.rng)
                .expect("names are not empty");
            let extension = Extension {
                id: self.id(),
                tenant_id,
                number: number.clone(),
                display_name: FreeText::parse(&format!("{first} {last}"))?,
                sip_password: Secret::parse(&format!("{first_label}-{number}-pw"))?,
                voicemail_enabled,
                voicemail_pin: if voicemail_enabled {
                    Some(VoicemailPin::parse(&format!(
                        "{:04}",
                        self.rng.gen_range(0..10_000)
                    ))?)
                } else {
                    None
                },
                internal_caller_id_name: None,
                internal_caller_id_number: None,
                outbound_caller_id_name: None,
                outbound_caller_id_number: match &did {
                    Some(did) => Some(CallerIdNumber::parse(did.as_str())?),
                    None => None,
                },
                enabled: !self.rng.gen_ratio(1, 50),
                created_at: created_at(),
                updated_at: created_at(),
            };
            self.data.extensions.push(extension);
            if let Some(number_of_did) = did {
                let did_id = self.id();
                self.data.dids.push(Did {
                    id: did_id,
                    tenant_id,
                    number: number_of_did,
                    destination: number,
                    created_at: created_at(),
                    updated_at: created_at(),
                });
            }
        }
        Ok(())
    }

    /// Returns the next DID: North American numbers, and every third one a UK number, so that DIDs
    /// of different lengths share the map.
    fn next_did(&mut self) -> Result<DidNumber, InvalidValue> {
        self.did_counter += 1;
        let n = self.did_counter;
        let raw = if n % 3 == 0 {
            format!("+44{:010}", 2_000_000_000 + n)
        } else {
            format!("+1{:010}", 2_000_000_000 + n)
        };
        DidNumber::parse(&raw)
    }
}

fn created_at() -> OffsetDateTime {
    datetime!(2026-12-01 00:00:00 UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> GenerateOptions {
        GenerateOptions {
            enterprises: 12,
            sites: 5,
            extensions: 30,
            standalone: 7,
            seed: 42,
        }
    }

    #[test]
    fn generated_set_is_valid() {
        let data = generate(&small()).unwrap();
        data.validate().unwrap();
        assert_eq!(data.enterprises.len(), 12);
        assert_eq!(data.tenants.len(), 12 * 5 + 7);
        assert_eq!(data.extensions.len(), (12 * 5 + 7) * 30);
        assert_eq!(data.dids.len(), (12 * 5 + 7) * 3);
    }

    #[test]
    fn generate_is_deterministic_for_seed() {
        let first = generate(&small()).unwrap();
        let second = generate(&small()).unwrap();
        assert_eq!(first, second);
        let other = generate(&GenerateOptions {
            seed: 43,
            ..small()
        })
        .unwrap();
        assert_ne!(first, other);
    }

    #[test]
    fn pairs_plan_has_prefix_pair() {
        let codes: Vec<String> = (0..4).map(|i| CodePlan::Pairs.code(i)).collect();
        assert_eq!(codes, ["1", "10", "2", "20"]);
    }

    #[test]
    fn sibling_sites_share_extension_numbers() {
        let data = generate(&small()).unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut shared = 0;
        for extension in &data.extensions {
            let tenant = data
                .tenants
                .iter()
                .find(|t| t.id == extension.tenant_id)
                .unwrap();
            if let Some(enterprise) = tenant.enterprise_id {
                let key = (enterprise, extension.number.as_str().to_owned());
                if seen.insert(key, tenant.id).is_some() {
                    shared += 1;
                }
            }
        }
        assert!(shared > 0, "no extension number is shared between sites");
    }
}
