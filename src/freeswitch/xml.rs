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

fn escape_with(out: &mut String, value: &str, escape_dollar: bool) {
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
