//! Small helpers over scraper's tree, and the text utilities the body modules share.

use std::ops::Deref;

use scraper::{ElementRef, Node};

/// ego-tree's node handle. scraper hands these out without re-exporting ego-tree, so the type
/// is named through `ElementRef`, which dereferences to it.
pub(super) type NodeRef<'a> = <ElementRef<'a> as Deref>::Target;

/// Elements whose content is never shown to a reader: dropped with everything inside them.
pub(super) const HIDDEN_TAGS: &[&str] = &[
    "script", "style", "iframe", "noscript", "template", "textarea", "select", "object", "svg",
    "math", "title",
];

pub(super) enum Edge<'a> {
    Open(NodeRef<'a>),
    Close(NodeRef<'a>),
}

/// Depth-first walk over a subtree, root included, without recursion: pasted HTML can nest
/// thousands of levels deep.
pub(super) fn traverse(root: NodeRef<'_>) -> impl Iterator<Item = Edge<'_>> {
    let mut next = Some(Edge::Open(root));
    std::iter::from_fn(move || {
        let edge = next.take()?;
        next = match &edge {
            Edge::Open(node) => Some(match node.first_child() {
                Some(child) => Edge::Open(child),
                None => Edge::Close(*node),
            }),
            Edge::Close(node) if *node == root => None,
            Edge::Close(node) => match node.next_sibling() {
                Some(sibling) => Some(Edge::Open(sibling)),
                None => node.parent().map(Edge::Close),
            },
        };
        Some(edge)
    })
}

/// The text under `root`, leaving out hidden elements and every element `skip` selects.
pub(super) fn text_content(root: NodeRef<'_>, skip: impl Fn(ElementRef<'_>) -> bool) -> String {
    let mut text = String::new();
    let mut skipping = None;
    for edge in traverse(root) {
        match edge {
            Edge::Open(node) if skipping.is_none() => match node.value() {
                Node::Text(t) => text.push_str(t),
                Node::Element(element) => {
                    let hidden = HIDDEN_TAGS.contains(&element.name());
                    if hidden || ElementRef::wrap(node).is_some_and(&skip) {
                        skipping = Some(node);
                    }
                }
                _ => {}
            },
            Edge::Close(node) if skipping == Some(node) => skipping = None,
            _ => {}
        }
    }
    text
}

pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when a reader would see nothing: whitespace and invisible format characters only.
pub(super) fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
    })
}

/// Escapes for both text and double-quoted attribute values, so one function serves every
/// place the body modules write HTML.
pub(super) fn push_escaped(out: &mut String, text: &str) {
    crate::html::push_escaped_as(out, text, crate::html::Escape::Body);
}

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

pub(super) fn has_class(element: ElementRef<'_>, class: &str) -> bool {
    element.value().classes().any(|c| c == class)
}
