//! The fixture export read once per test binary, sorted by kind.

#![allow(dead_code)]

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use midad_wordpress::{
    Attachments, Author, Channel, Entry, Item, Limits, Summary, Term, WxrReader,
};

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wordpress")
}

pub fn fixture_bytes() -> Vec<u8> {
    std::fs::read(fixture_dir().join("export.xml")).expect("the fixture export is readable")
}

#[derive(Default)]
pub struct Export {
    pub order: Vec<&'static str>,
    pub channel: Option<Channel>,
    pub authors: Vec<Author>,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
    pub terms: Vec<Term>,
    pub items: Vec<Item>,
    pub summary: Summary,
}

impl Export {
    pub fn item(&self, post_id: i64) -> &Item {
        self.items
            .iter()
            .find(|item| item.post_id == post_id)
            .unwrap_or_else(|| panic!("the fixture has no item {post_id}"))
    }

    pub fn of_type<'a>(&'a self, post_type: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |item| item.post_type == post_type)
    }

    pub fn attachments(&self) -> Attachments {
        let mut attachments = Attachments::new();
        for item in &self.items {
            attachments.insert(item);
        }
        attachments
    }

    pub fn site_url(&self) -> &str {
        &self.channel.as_ref().expect("a channel").base_site_url
    }
}

/// Reads the fixture file through a `BufReader`, as the importer will.
pub fn read_fixture() -> Export {
    let file = File::open(fixture_dir().join("export.xml")).expect("the fixture export opens");
    let mut reader = WxrReader::new(BufReader::new(file), Limits::default());
    let mut export = Export::default();
    while let Some(entry) = reader.next_entry().expect("the fixture export reads") {
        match entry {
            Entry::Channel(channel) => {
                export.order.push("channel");
                export.channel = Some(channel);
            }
            Entry::Author(author) => {
                export.order.push("author");
                export.authors.push(author);
            }
            Entry::Category(term) => {
                export.order.push("category");
                export.categories.push(term);
            }
            Entry::Tag(term) => {
                export.order.push("tag");
                export.tags.push(term);
            }
            Entry::Term(term) => {
                export.order.push("term");
                export.terms.push(term);
            }
            Entry::Item(item) => {
                export.order.push("item");
                export.items.push(*item);
            }
        }
    }
    export.summary = reader.into_summary();
    export
}
