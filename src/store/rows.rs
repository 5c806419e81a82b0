//! Conversions from database rows to domain records. Every stored value is parsed again on the way
//! out, so a row edited by hand into an invalid state is reported instead of reaching FreeSWITCH.

use sqlx::any::AnyRow;
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;
use crate::domain::{
    AccessPrefix, CallerIdNumber, DialingCode, Did, DidNumber, DirectoryEntry, DomainName,
    Enterprise, EnterpriseCode, Extension, ExtensionNumber, FreeText, IntersiteMode, InvalidValue,
    Limit, Secret, Tenant, VoicemailPin,
};

/// Reads one column of one table, so that errors can name both.
pub struct Columns<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl<'r> Columns<'r> {
    pub fn new(row: &'r AnyRow, table: &'static str) -> Self {
        Self { row, table }
    }

    fn unreadable(&self, column: &'static str, reason: impl ToString) -> StoreError {
        StoreError::Unreadable {
            table: self.table,
            column,
            reason: reason.to_string(),
        }
    }

    pub fn string(&self, column: &'static str) -> Result<String, StoreError> {
        self.row
            .try_get::<String, _>(column)
            .map_err(|e| self.unreadable(column, e))
    }

    pub fn opt_string(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.row
            .try_get::<Option<String>, _>(column)
            .map_err(|e| self.unreadable(column, e))
    }

    /// Reads a boolean column selected as an integer (see [`select_list`]).
    pub fn bool(&self, column: &'static str) -> Result<bool, StoreError> {
        if let Ok(value) = self.row.try_get::<i64, _>(column) {
            return Ok(value != 0);
        }
        if let Ok(value) = self.row.try_get::<i32, _>(column) {
            return Ok(value != 0);
        }
        self.row
            .try_get::<bool, _>(column)
            .map_err(|e| self.unreadable(column, e))
    }

    pub fn opt_i64(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        self.row
            .try_get::<Option<i64>, _>(column)
            .map_err(|e| self.unreadable(column, e))
    }

    pub fn i64(&self, column: &'static str) -> Result<i64, StoreError> {
        self.row
            .try_get::<i64, _>(column)
            .map_err(|e| self.unreadable(column, e))
    }

    pub fn limit(&self, column: &'static str) -> Result<Limit, StoreError> {
        Ok(Limit::from_stored(self.opt_i64(column)?))
    }

    pub fn uuid(&self, column: &'static str) -> Result<Uuid, StoreError> {
        let raw = self.string(column)?;
        Uuid::parse_str(&raw).map_err(|e| self.unreadable(column, e))
    }

    pub fn opt_uuid(&self, column: &'static str) -> Result<Option<Uuid>, StoreError> {
        match self.opt_string(column)? {
            Some(raw) => Uuid::parse_str(&raw)
                .map(Some)
                .map_err(|e| self.unreadable(column, e)),
            None => Ok(None),
        }
    }

    pub fn time(&self, column: &'static str) -> Result<OffsetDateTime, StoreError> {
        let raw = self.string(column)?;
        OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
            .map_err(|e| self.unreadable(column, e))
    }

    pub fn opt_time(&self, column: &'static str) -> Result<Option<OffsetDateTime>, StoreError> {
        match self.opt_string(column)? {
            Some(raw) => {
                OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
                    .map(Some)
                    .map_err(|e| self.unreadable(column, e))
            }
            None => Ok(None),
        }
    }

    /// Reads a string column and parses it into a domain value.
    pub fn parsed<T>(
        &self,
        column: &'static str,
        parse: impl Fn(&str) -> Result<T, InvalidValue>,
    ) -> Result<T, StoreError> {
        let raw = self.string(column)?;
        parse(&raw).map_err(|source| StoreError::Corrupt {
            table: self.table,
            column,
            source,
        })
    }

    /// Reads a nullable string column and parses it when present.
    pub fn opt_parsed<T>(
        &self,
        column: &'static str,
        parse: impl Fn(&str) -> Result<T, InvalidValue>,
    ) -> Result<Option<T>, StoreError> {
        match self.opt_string(column)? {
            Some(raw) => parse(&raw).map(Some).map_err(|source| StoreError::Corrupt {
                table: self.table,
                column,
                source,
            }),
            None => Ok(None),
        }
    }
}

/// Returns a SELECT list of `columns` for the table alias `alias` (empty for none), with every
/// column in `booleans` cast to INTEGER: sqlx's `Any` driver cannot decode SQLite's BOOLEAN type,
/// and both backends cast a boolean to 0 or 1.
pub fn select_list(alias: &str, columns: &str, booleans: &[&str]) -> String {
    let prefix = if alias.is_empty() {
        String::new()
    } else {
        format!("{alias}.")
    };
    columns
        .split(',')
        .map(str::trim)
        .map(|column| {
            if booleans.contains(&column) {
                format!("CAST({prefix}{column} AS INTEGER) AS {column}")
            } else {
                format!("{prefix}{column}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The boolean columns of `enterprise`.
pub const ENTERPRISE_BOOLEANS: &[&str] = &["enabled"];
/// The boolean columns of `tenant`.
pub const TENANT_BOOLEANS: &[&str] = &["enabled", "contact_center", "ms_teams"];
/// The boolean columns of `extension`.
pub const EXTENSION_BOOLEANS: &[&str] = &["voicemail_enabled", "enabled"];

/// The columns of `enterprise`, in the order [`enterprise_from_row`] reads them.
pub const ENTERPRISE_COLUMNS: &str =
    "id, code, name, enabled, intersite_mode, access_prefix, max_sites, max_users, \
     max_concurrent_calls, created_at, updated_at";

/// Builds an [`Enterprise`] from a row with [`ENTERPRISE_COLUMNS`].
pub fn enterprise_from_row(row: &AnyRow) -> Result<Enterprise, StoreError> {
    let c = Columns::new(row, "enterprise");
    let mode = c.string("intersite_mode")?;
    Ok(Enterprise {
        id: c.uuid("id")?,
        code: c.parsed("code", EnterpriseCode::parse)?,
        name: c.parsed("name", FreeText::parse)?,
        enabled: c.bool("enabled")?,
        intersite_mode: IntersiteMode::parse(&mode)
            .ok_or_else(|| c.unreadable("intersite_mode", mode))?,
        access_prefix: c.parsed("access_prefix", AccessPrefix::parse)?,
        max_sites: c.limit("max_sites")?,
        max_users: c.limit("max_users")?,
        max_concurrent_calls: c.limit("max_concurrent_calls")?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

/// The columns of `tenant`, in the order [`tenant_from_row`] reads them.
pub const TENANT_COLUMNS: &str = "id, domain, name, description, location, enabled, enterprise_id, dialing_code, \
     max_extensions, max_dids, max_queues, max_external_calls, contact_center, ms_teams, tag, created_at, updated_at";

/// Builds a [`Tenant`] from a row with [`TENANT_COLUMNS`].
pub fn tenant_from_row(row: &AnyRow) -> Result<Tenant, StoreError> {
    let c = Columns::new(row, "tenant");
    Ok(Tenant {
        id: c.uuid("id")?,
        domain: c.parsed("domain", DomainName::parse)?,
        name: c.parsed("name", FreeText::parse)?,
        description: c.parsed("description", FreeText::parse)?,
        location: c.parsed("location", FreeText::parse)?,
        enabled: c.bool("enabled")?,
        enterprise_id: c.opt_uuid("enterprise_id")?,
        dialing_code: c.opt_parsed("dialing_code", DialingCode::parse)?,
        max_extensions: c.limit("max_extensions")?,
        max_dids: c.limit("max_dids")?,
        max_queues: c.limit("max_queues")?,
        max_external_calls: c.limit("max_external_calls")?,
        contact_center: c.bool("contact_center")?,
        ms_teams: c.bool("ms_teams")?,
        tag: c.parsed("tag", FreeText::parse)?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

/// The columns of `extension`, in the order [`extension_from_row`] reads them.
pub const EXTENSION_COLUMNS: &str =
    "id, tenant_id, number, display_name, sip_password, voicemail_enabled, \
     voicemail_pin, internal_caller_id_name, internal_caller_id_number, outbound_caller_id_name, \
     outbound_caller_id_number, enabled, created_at, updated_at";

/// Builds an [`Extension`] from a row with [`EXTENSION_COLUMNS`].
pub fn extension_from_row(row: &AnyRow) -> Result<Extension, StoreError> {
    let c = Columns::new(row, "extension");
    Ok(Extension {
        id: c.uuid("id")?,
        tenant_id: c.uuid("tenant_id")?,
        number: c.parsed("number", ExtensionNumber::parse)?,
        display_name: c.parsed("display_name", FreeText::parse)?,
        sip_password: c.parsed("sip_password", Secret::parse)?,
        voicemail_enabled: c.bool("voicemail_enabled")?,
        voicemail_pin: c.opt_parsed("voicemail_pin", VoicemailPin::parse)?,
        internal_caller_id_name: c.opt_parsed("internal_caller_id_name", FreeText::parse)?,
        internal_caller_id_number: c
            .opt_parsed("internal_caller_id_number", CallerIdNumber::parse)?,
        outbound_caller_id_name: c.opt_parsed("outbound_caller_id_name", FreeText::parse)?,
        outbound_caller_id_number: c
            .opt_parsed("outbound_caller_id_number", CallerIdNumber::parse)?,
        enabled: c.bool("enabled")?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

/// The columns of `did`, in the order [`did_from_row`] reads them.
pub const DID_COLUMNS: &str = "id, tenant_id, number, destination, created_at, updated_at";

/// Builds a [`Did`] from a row with [`DID_COLUMNS`].
pub fn did_from_row(row: &AnyRow) -> Result<Did, StoreError> {
    let c = Columns::new(row, "did");
    Ok(Did {
        id: c.uuid("id")?,
        tenant_id: c.uuid("tenant_id")?,
        number: c.parsed("number", DidNumber::parse)?,
        destination: c.parsed("destination", ExtensionNumber::parse)?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

/// The columns of `directory_entry`, in the order [`directory_entry_from_row`] reads them.
pub const DIRECTORY_ENTRY_COLUMNS: &str =
    "id, enterprise_id, name, number, site_tenant_id, department, email, created_at, updated_at";

/// Builds a [`DirectoryEntry`] from a row with [`DIRECTORY_ENTRY_COLUMNS`].
pub fn directory_entry_from_row(row: &AnyRow) -> Result<DirectoryEntry, StoreError> {
    let c = Columns::new(row, "directory_entry");
    Ok(DirectoryEntry {
        id: c.uuid("id")?,
        enterprise_id: c.uuid("enterprise_id")?,
        name: c.parsed("name", FreeText::parse)?,
        number: c.parsed("number", CallerIdNumber::parse)?,
        site_tenant_id: c.opt_uuid("site_tenant_id")?,
        department: c.parsed("department", FreeText::parse)?,
        email: c.parsed("email", FreeText::parse)?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}
