//! Properties of the content model that must hold for any input: normalising is stable,
//! the slug it derives is always safe in a URL, and the exchange parser never panics.

use midad_core::body::Block;
use midad_core::{ArticleData, ArticleKind, exchange, model};
use proptest::prelude::*;

fn article(title: String, slug: String) -> ArticleData {
    let mut a = ArticleData::new(ArticleKind::Article, title);
    a.slug = slug;
    a.body = vec![Block::Paragraph {
        html: "نص".into()
    }];
    a
}

proptest! {
    #[test]
    fn normalising_twice_changes_nothing(title in "\\PC{0,80}", slug in "\\PC{0,40}") {
        let now = model::now();
        let mut once = article(title, slug);
        once.normalize(now);
        let mut twice = once.clone();
        twice.normalize(now);
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn the_derived_slug_is_always_url_safe(title in "\\PC{1,120}") {
        let mut a = article(title, String::new());
        a.normalize(model::now());
        prop_assert!(!a.slug.is_empty());
        prop_assert!(!a.slug.contains(|c: char| c.is_whitespace() || "/?#%&".contains(c)));
        prop_assert!(!a.slug.starts_with('-') && !a.slug.ends_with('-'));
    }

    #[test]
    fn any_line_is_parsed_or_refused_without_panicking(line in "\\PC{0,300}") {
        let _ = exchange::parse_line(&line);
    }

    #[test]
    fn a_title_with_text_is_valid_after_normalising(title in "[\\p{Arabic}a-z0-9 ]{0,40}[\\p{Arabic}a-z]") {
        let mut a = article(title, String::new());
        a.normalize(model::now());
        prop_assert!(a.validate().is_ok(), "{:?}", a.validate());
    }
}
