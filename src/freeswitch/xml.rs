//! A small line-oriented XML writer for FreeSWITCH documents.
//!
//! FreeSWITCH runs every fetched document through its configuration preprocessor before parsing, line
//! by line: a line containing `<?`, `<include>` or `X-PRE-PROCESS` is deleted or executed, `<!--#`
//! starts a command, and `$${name}` is replaced by a global variable. So the writer puts one element
//! on each line and escapes every value: the five XML entities, `$` as `&#36;`, and the dash after an
//! `X` as `&#45;`, which keeps `X-PRE-PROCESS` out of the raw text. Control characters are dropped,
//! because XML 1.0 cannot carry them.

/// The XML declaration, alone on the first line as FreeSWITCH requires.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";

/// Appends `value` to `out`, escaped for an attribute value or text node.
pub fn escape_into(out: &mut String, value: &str) {
    escape_with(out, value, true);
}

/// Bytes that may start an escape or a dropped control character in [`escape_with`].
const MAY_NEED_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    let special = [b'&', b'<', b'>', b'"', b'\'', b'$', b'-', 0x7f, 0xc2];
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

fn escape_with(out: &mut String, value: &str, escape_dollar: bool) {
    // Works on bytes and copies runs of plain bytes at once, because most values (domains, numbers,
    // names) need no escape at all. Every byte that starts an escape or a control character is
    // ASCII or the lead byte 0xC2 of a C1 control, so a run never splits a UTF-8 sequence.
    let bytes = value.as_bytes();
    let mut plain_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A table lookup per byte skips plain bytes faster than the match below would.
        if !MAY_NEED_ESCAPE[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        let byte = bytes[i];
        let (replacement, width): (&str, usize) = match byte {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'$' if escape_dollar => ("&#36;", 1),
            // The previous character is `x` exactly when the previous byte is, because `x` is
            // ASCII and never a continuation byte. A dropped control character still counts as
            // the previous character, as in the char-by-char version this replaces.
            b'-' if i > 0 && matches!(bytes[i - 1], b'x' | b'X') => ("&#45;", 1),
            0x00..=0x1f | 0x7f => ("", 1),
            // U+0080 to U+009F, the C1 controls, are 0xC2 0x80 to 0xC2 0x9F.
            0xc2 if bytes
                .get(i + 1)
                .is_some_and(|next| (0x80..=0x9f).contains(next)) =>
            {
                ("", 2)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&value[plain_from..i]);
        out.push_str(replacement);
        i += width;
        plain_from = i;
    }
    out.push_str(&value[plain_from..]);
}

/// Returns `value` escaped as [`escape_into`] does.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    escape_into(&mut out, value);
    out
}

/// Builds a document line by line with two-space indentation.
pub struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    /// Starts a document with the declaration and `<document type="freeswitch/xml">`.
    pub fn document(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push_str(DECLARATION);
        out.push_str("<document type=\"freeswitch/xml\">\n");
        Self { out, depth: 1 }
    }

    /// Opens an element with attributes; `attrs` values are escaped.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
        self
    }

    /// Writes an empty element with attributes; `attrs` values are escaped.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
        self
    }

    /// Writes `<param name=".." value=".."/>` for a value built from sitedial's own template, whose
    /// `${...}` variables FreeSWITCH must expand at run time: every escape but the one of `$` applies.
    /// Never pass data from tenants or users here.
    pub fn template_param(&mut self, name: &str, value: &str) -> &mut Self {
        self.indent();
        self.out.push_str("<param name=\"");
        escape_into(&mut self.out, name);
        self.out.push_str("\" value=\"");
        escape_with(&mut self.out, value, false);
        self.out.push_str("\"/>\n");
        self
    }

    /// Closes the innermost open element, which must be `name`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// Closes `<document>` and returns the text.
    pub fn finish(mut self) -> String {
        while self.depth > 1 {
            // Every caller closes what it opens; this only guards against a missed close.
            self.depth -= 1;
        }
        self.out.push_str("</document>\n");
        self.out
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_entities_and_expansion() {
        assert_eq!(
            escape("O'Brien & Sons <Sales> ${x}"),
            "O&apos;Brien &amp; Sons &lt;Sales&gt; &#36;{x}"
        );
        assert_eq!(escape("a\"b"), "a&quot;b");
    }

    #[test]
    fn neutralises_preprocessor_words() {
        let escaped = escape("x-pre-process X-PRE-PROCESS");
        assert!(!escaped.to_ascii_lowercase().contains("x-pre-process"));
        assert_eq!(escape("acme-corp"), "acme-corp");
    }

    #[test]
    fn drops_control_characters() {
        assert_eq!(escape("a\nb\u{1}c\u{7f}"), "abc");
        assert_eq!(escape("a\u{85}b\u{9f}c\u{a0}d"), "abc\u{a0}d");
    }

    /// Escapes char by char, as the byte-wise escaper did before; kept to check that they agree.
    fn escape_by_char(value: &str, escape_dollar: bool) -> String {
        let mut out = String::new();
        let mut previous = '\0';
        for c in value.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '$' if escape_dollar => out.push_str("&#36;"),
                '-' if previous == 'x' || previous == 'X' => out.push_str("&#45;"),
                c if c.is_control() => {}
                c => out.push(c),
            }
            previous = c;
        }
        out
    }

    #[test]
    fn byte_escape_matches_char_escape() {
        let cases = [
            "",
            "plain.example",
            "00000000-0000-4000-8000-000000200001",
            "x-pre-process X-PRE-PROCESS xx--x",
            "x\u{1}-after-control x\u{85}-after-c1",
            "Zoë Ñúñez – 東京 x-ü",
            "${sofia_contact(*/${dialed_user}@hq.acme.example)}",
            "\u{c2}\u{a0}\u{7f}\u{80}\u{9f}\u{a0}&<>\"'$-",
            "trailing x",
            "x",
            "-",
        ];
        for case in cases {
            for escape_dollar in [true, false] {
                let mut fast = String::new();
                escape_with(&mut fast, case, escape_dollar);
                assert_eq!(fast, escape_by_char(case, escape_dollar), "input {case:?}");
            }
        }
        for code in 0u32..0x800 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            for text in [format!("{c}"), format!("x{c}-"), format!("a{c}x-b")] {
                let mut fast = String::new();
                escape_with(&mut fast, &text, true);
                assert_eq!(fast, escape_by_char(&text, true), "input {text:?}");
            }
        }
    }

    #[test]
    fn one_element_per_line() {
        let mut w = XmlWriter::document(256);
        w.open("section", &[("name", "result")])
            .empty("result", &[("status", "not found")])
            .close("section");
        let text = w.finish();
        assert!(text.starts_with(DECLARATION));
        for line in text.lines().skip(1) {
            assert_eq!(line.matches('<').count(), 1, "line {line:?}");
        }
    }
}
