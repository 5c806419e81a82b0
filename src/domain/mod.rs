//! Domain values and records: validated names and numbers, the stored records, and the JSON data set
//! used by `import`, `export` and the demo. Nothing here is async or knows about HTTP, SQL or XML.

pub mod dataset;
pub mod names;
pub mod records;

pub use names::{
    is_dialable, AccessPrefix, CallerIdNumber, DialingCode, DidNumber, DomainName, EnterpriseCode,
    ExtensionNumber, FreeText, InvalidValue, Secret, VoicemailPin,
};
pub use records::{now, Did, DirectoryEntry, Enterprise, Extension, IntersiteMode, Limit, Tenant};
