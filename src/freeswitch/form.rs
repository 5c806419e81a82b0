//! Parsing of the `application/x-www-form-urlencoded` bodies that mod_xml_curl POSTs.
//!
//! FreeSWITCH 1.10 writes the five leading fields (`hostname`, `section`, `tag_name`, `key_name`,
//! `key_value`) without URL encoding, so their first occurrence is taken as is. Every other field is
//! percent-encoded, and some lookups repeat a field (a `number-alias` retry appends a second `key`,
//! `user` and `domain`), so for those the last occurrence wins. Only the fields sitedial reads are
//! decoded; a dialplan body carries every channel variable and is mostly skipped.

use std::borrow::Cow;

/// The fields of one request that sitedial reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FsForm<'a> {
    pub hostname: Option<&'a str>,
    pub section: Option<&'a str>,
    pub key_value: Option<&'a str>,
    pub purpose: Option<Cow<'a, str>>,
    pub action: Option<Cow<'a, str>>,
    pub calling_function: Option<Cow<'a, str>>,
    pub key: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    pub domain: Option<Cow<'a, str>>,
    pub sip_auth_realm: Option<Cow<'a, str>>,
    pub hunt_context: Option<Cow<'a, str>>,
    pub hunt_destination: Option<Cow<'a, str>>,
    pub caller_context: Option<Cow<'a, str>>,
    pub caller_destination: Option<Cow<'a, str>>,
    pub limit_applied: Option<Cow<'a, str>>,
    pub user_name: Option<Cow<'a, str>>,
    pub domain_name: Option<Cow<'a, str>>,
    /// How many fields the body held.
    pub field_count: usize,
}

impl<'a> FsForm<'a> {
    /// Parses a body. Any byte sequence is accepted: invalid UTF-8 is replaced, a truncated `%X`
    /// escape is kept literally, and a missing `=` gives an empty value.
    pub fn parse(body: &'a [u8]) -> Self {
        let mut form = FsForm::default();
        // A dialplan body carries every channel variable (6 KiB in 160 fields in the recordings).
        // memchr, which scans many bytes per step, finds both separators. Under callgrind it took
        // 40% of the instructions of a byte-by-byte split, and fewer than memchr2_iter or a plain
        // search for the `=`.
        let mut rest = body;
        while !rest.is_empty() {
            let (pair, next) = match memchr::memchr(b'&', rest) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            if pair.is_empty() {
                continue;
            }
            form.field_count += 1;
            let (name, value) = match memchr::memchr(b'=', pair) {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            form.set(name, value);
        }
        form
    }

    fn set(&mut self, name: &[u8], value: &'a [u8]) {
        let raw_slot = match name {
            b"hostname" => Some(&mut self.hostname),
            b"section" => Some(&mut self.section),
            b"key_value" => Some(&mut self.key_value),
            _ => None,
        };
        if let Some(slot) = raw_slot {
            if slot.is_none() {
                *slot = Some(std::str::from_utf8(value).unwrap_or(""));
            }
            return;
        }

        let slot = match name {
            b"purpose" => &mut self.purpose,
            b"action" => &mut self.action,
            b"Event-Calling-Function" => &mut self.calling_function,
            b"key" => &mut self.key,
            b"user" => &mut self.user,
            b"domain" => &mut self.domain,
            b"sip_auth_realm" => &mut self.sip_auth_realm,
            b"Hunt-Context" => &mut self.hunt_context,
            b"Hunt-Destination-Number" => &mut self.hunt_destination,
            b"Caller-Context" => &mut self.caller_context,
            b"Caller-Destination-Number" => &mut self.caller_destination,
            b"variable_sitedial_limit_applied" => &mut self.limit_applied,
            b"variable_user_name" => &mut self.user_name,
            b"variable_domain_name" => &mut self.domain_name,
            _ => return,
        };
        *slot = Some(decode(value));
    }
}

/// Decodes `%XX` escapes and `+` (a space in form encoding). Borrows when nothing needs decoding.
pub fn decode(value: &[u8]) -> Cow<'_, str> {
    if !value.iter().any(|&b| b == b'%' || b == b'+') {
        return String::from_utf8_lossy(value);
    }
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                value.get(i + 1).copied().and_then(hex),
                value.get(i + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_fields_stay_raw() {
        let form = FsForm::parse(b"hostname=fs1&section=directory&tag_name=domain&key_name=name&key_value=a%20b.example&user=1001");
        assert_eq!(form.section, Some("directory"));
        assert_eq!(form.key_value, Some("a%20b.example"));
        assert_eq!(form.user.as_deref(), Some("1001"));
    }

    #[test]
    fn first_section_wins() {
        let form = FsForm::parse(b"section=directory&key_value=x&section=dialplan");
        assert_eq!(form.section, Some("directory"));
    }

    #[test]
    fn later_fields_last_wins() {
        let form = FsForm::parse(b"section=directory&key=id&user=1001&domain=a.example&key=number-alias&user=1002&domain=b.example");
        assert_eq!(form.key.as_deref(), Some("number-alias"));
        assert_eq!(form.user.as_deref(), Some("1002"));
        assert_eq!(form.domain.as_deref(), Some("b.example"));
    }

    #[test]
    fn percent_and_plus_decoding() {
        assert_eq!(decode(b"%2B12125550100"), "+12125550100");
        assert_eq!(decode(b"Alice%20Reyes"), "Alice Reyes");
        assert_eq!(decode(b"a+b"), "a b");
        assert_eq!(decode(b"%2b"), "+");
        assert_eq!(decode(b"*88201001"), "*88201001");
    }

    #[test]
    fn truncated_escapes_are_literal() {
        assert_eq!(decode(b"abc%4"), "abc%4");
        assert_eq!(decode(b"abc%"), "abc%");
        assert_eq!(decode(b"%zz"), "%zz");
        let form = FsForm::parse(
            b"section=dialplan&Hunt-Context=hq.acme.example&Hunt-Destination-Number=10%",
        );
        assert_eq!(form.hunt_destination.as_deref(), Some("10%"));
    }

    #[test]
    fn truncated_body_keeps_what_arrived() {
        let form = FsForm::parse(b"hostname=fs1&section=directory&tag_na");
        assert_eq!(form.section, Some("directory"));
        assert_eq!(form.field_count, 3);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let form = FsForm::parse(b"section=directory&user=\xff\xfe&domain=%ff.example");
        assert_eq!(form.user.as_deref(), Some("\u{fffd}\u{fffd}"));
        assert_eq!(form.domain.as_deref(), Some("\u{fffd}.example"));
    }

    #[test]
    fn separators_at_edges_are_skipped() {
        let form = FsForm::parse(b"&&section=directory&&user=1001&");
        assert_eq!(form.section, Some("directory"));
        assert_eq!(form.user.as_deref(), Some("1001"));
        assert_eq!(form.field_count, 2);
    }

    #[test]
    fn field_without_value_is_empty() {
        let form = FsForm::parse(b"section=directory&user&domain=");
        assert_eq!(form.user.as_deref(), Some(""));
        assert_eq!(form.domain.as_deref(), Some(""));
        assert_eq!(form.field_count, 3);
    }

    /// Parses with a byte-by-byte split, as before memchr; kept to check that both agree.
    fn parse_by_split(body: &[u8]) -> FsForm<'_> {
        let mut form = FsForm::default();
        for pair in body.split(|&b| b == b'&') {
            if pair.is_empty() {
                continue;
            }
            form.field_count += 1;
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            form.set(name, value);
        }
        form
    }

    #[test]
    fn parse_matches_split_on_fixtures() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/freeswitch");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "form") {
                let body = std::fs::read(&path).unwrap();
                assert_eq!(
                    FsForm::parse(&body),
                    parse_by_split(&body),
                    "{}",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "no fixture was read");
        let odd: [&[u8]; 6] = [b"a==b&=c&d=", b"&", b"=", b"user=1=2&&user", b"x", b"=&="];
        for body in odd {
            assert_eq!(FsForm::parse(body), parse_by_split(body), "{body:?}");
        }
    }

    #[test]
    fn empty_body_has_no_fields() {
        let form = FsForm::parse(b"");
        assert_eq!(form, FsForm::default());
    }
}
