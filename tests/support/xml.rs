//! Parses sitedial's answers with a real XML parser and checks the rules FreeSWITCH depends on:
//! a `freeswitch/xml` document with one section, one element per line, no preprocessor triggers.

#![allow(dead_code)]

use std::collections::HashMap;

/// One action of a dialplan answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub application: String,
    pub data: String,
    pub inline: bool,
}

/// What an answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    NotFound,
    User {
        domain: String,
        id: String,
        params: HashMap<String, String>,
        variables: HashMap<String, String>,
    },
    Dialplan {
        context: String,
        expression: Option<String>,
        actions: Vec<Action>,
    },
}

impl Parsed {
    /// Returns the actions of a dialplan answer, panicking on any other answer.
    pub fn actions(&self) -> &[Action] {
        match self {
            Parsed::Dialplan { actions, .. } => actions,
            other => panic!("expected a dialplan answer, got {other:?}"),
        }
    }

    /// Returns the data of the only action running `application`, if any.
    pub fn action_data(&self, application: &str) -> Option<&str> {
        let mut found = self
            .actions()
            .iter()
            .filter(|a| a.application == application);
        let first = found.next()?;
        assert!(found.next().is_none(), "more than one {application} action");
        Some(&first.data)
    }
}

/// Parses an answer, asserting the document rules on the way.
pub fn parse(xml: &str) -> Parsed {
    assert!(!xml.is_empty(), "empty answer");
    assert!(xml.len() < 1024 * 1024, "answer over 1 MiB");
    let lowered = xml.to_ascii_lowercase();
    for forbidden in ["<include>", "</include>", "x-pre-process", "<!--#", "$${"] {
        assert!(
            !lowered.contains(forbidden),
            "answer contains {forbidden:?}:\n{xml}"
        );
    }
    for (number, line) in xml.lines().enumerate() {
        if number == 0 && line.starts_with("<?xml") {
            assert!(
                line.trim_end().ends_with("?>") && line.matches('<').count() == 1,
                "declaration not alone"
            );
            continue;
        }
        assert!(!line.contains("<?"), "line {number} contains <?: {line}");
        assert!(
            line.matches('<').count() <= 1,
            "line {number} holds more than one element: {line}"
        );
    }

    let doc =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("malformed XML ({e}):\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "document");
    assert_eq!(root.attribute("type"), Some("freeswitch/xml"));
    let sections: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(sections.len(), 1, "expected one section:\n{xml}");
    let section = sections[0];
    assert_eq!(section.tag_name().name(), "section");

    match section.attribute("name") {
        Some("result") => {
            let result = child(section, "result");
            assert_eq!(result.attribute("status"), Some("not found"));
            Parsed::NotFound
        }
        Some("directory") => parse_directory(section, xml),
        Some("dialplan") => parse_dialplan(section, xml),
        other => panic!("unexpected section {other:?}"),
    }
}

fn parse_directory(section: roxmltree::Node<'_, '_>, xml: &str) -> Parsed {
    let domains: Vec<_> = section
        .children()
        .filter(|n| n.has_tag_name("domain"))
        .collect();
    assert_eq!(domains.len(), 1, "expected one domain:\n{xml}");
    let domain = domains[0];
    let users: Vec<_> = domain
        .descendants()
        .filter(|n| n.has_tag_name("user"))
        .collect();
    assert_eq!(users.len(), 1, "expected exactly one user:\n{xml}");
    let user = users[0];
    if let Some(kind) = user.attribute("type") {
        assert_eq!(
            kind, "pointer",
            "a user type other than pointer matches every lookup"
        );
    }
    let mut params = HashMap::new();
    for p in domain.descendants().filter(|n| n.has_tag_name("param")) {
        // User params win over domain params, as FreeSWITCH merges them.
        let is_user_param = p.ancestors().any(|a| a == user);
        let name = p.attribute("name").unwrap().to_owned();
        if is_user_param || !params.contains_key(&name) {
            params.insert(name, p.attribute("value").unwrap().to_owned());
        }
    }
    let mut variables = HashMap::new();
    for v in user.descendants().filter(|n| n.has_tag_name("variable")) {
        variables.insert(
            v.attribute("name").unwrap().to_owned(),
            v.attribute("value").unwrap().to_owned(),
        );
    }
    Parsed::User {
        domain: domain.attribute("name").unwrap().to_owned(),
        id: user.attribute("id").unwrap().to_owned(),
        params,
        variables,
    }
}

fn parse_dialplan(section: roxmltree::Node<'_, '_>, xml: &str) -> Parsed {
    let contexts: Vec<_> = section
        .children()
        .filter(|n| n.has_tag_name("context"))
        .collect();
    assert_eq!(contexts.len(), 1, "expected one context:\n{xml}");
    let context = contexts[0];
    let extensions: Vec<_> = context
        .children()
        .filter(|n| n.has_tag_name("extension"))
        .collect();
    assert_eq!(extensions.len(), 1, "expected one extension:\n{xml}");
    let condition = child(extensions[0], "condition");
    let actions = condition
        .children()
        .filter(|n| n.has_tag_name("action"))
        .map(|a| Action {
            application: a.attribute("application").unwrap().to_owned(),
            data: a.attribute("data").unwrap_or("").to_owned(),
            inline: a.attribute("inline") == Some("true"),
        })
        .collect();
    Parsed::Dialplan {
        context: context.attribute("name").unwrap().to_owned(),
        expression: condition.attribute("expression").map(str::to_owned),
        actions,
    }
}

fn child<'a, 'input>(node: roxmltree::Node<'a, 'input>, name: &str) -> roxmltree::Node<'a, 'input> {
    let found: Vec<_> = node.children().filter(|n| n.has_tag_name(name)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0]
}
