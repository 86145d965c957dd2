//! Search benchmark (not a test): index N generated Arabic-like articles of about 600 words,
//! print the indexing time, then run 1,000 queries from 8 threads and print p50/p99 latency
//! and the index size on disk.
//!
//!   cargo bench -p midad-search --bench search -- [N]
//!
//! With `SEARCH_BENCH_DIR=FOLDER` the index is kept there, and a later run with the same N
//! measures the queries again without indexing again. `SEARCH_BENCH_CONCURRENCY` changes
//! the number of threads sending queries (8).

use chrono::{TimeZone, Utc};
use midad_search::{Doc, Request, SearchIndex, Sort};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small deterministic generator, so every run indexes the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Zipf-like: small indexes are much more likely, as in real text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

const STEMS: &[&str] = &[
    "حكومة",
    "وزير",
    "برلمان",
    "انتخاب",
    "اقتصاد",
    "سوق",
    "نفط",
    "طاقة",
    "شمس",
    "رياح",
    "مياه",
    "زراعة",
    "قمح",
    "خبز",
    "سعر",
    "تضخم",
    "دينار",
    "مصرف",
    "استثمار",
    "شركة",
    "تجارة",
    "ميناء",
    "مطار",
    "طريق",
    "جسر",
    "مدرسة",
    "جامعة",
    "طالب",
    "معلم",
    "مستشفى",
    "طبيب",
    "دواء",
    "لقاح",
    "صحة",
    "رياضة",
    "منتخب",
    "ملعب",
    "مباراة",
    "هدف",
    "مدرب",
    "لاعب",
    "بطولة",
    "ثقافة",
    "كتاب",
    "معرض",
    "مسرح",
    "سينما",
    "فيلم",
    "موسيقى",
    "شاعر",
    "رواية",
    "تراث",
    "متحف",
    "مدينة",
    "قرية",
    "بلدية",
    "شارع",
    "سكان",
    "شباب",
    "امرأة",
    "طفل",
    "عائلة",
    "عمل",
    "بطالة",
    "أجر",
    "نقابة",
    "مجلس",
    "قانون",
    "محكمة",
    "قاض",
    "شرطة",
    "أمن",
    "حدود",
    "سفير",
    "وفد",
    "قمة",
    "اتفاق",
    "مفاوضات",
    "سلام",
    "مناخ",
    "مطر",
    "جفاف",
    "حرارة",
    "بيئة",
    "تلوث",
    "نفايات",
    "تقنية",
    "هاتف",
    "إنترنت",
    "منصة",
    "بيانات",
    "ذكاء",
    "روبوت",
    "فضاء",
    "قمر",
    "صاروخ",
    "علم",
    "بحث",
];
const PREFIXES: &[&str] = &["", "", "", "ال", "ال", "وال", "بال", "لل", "و"];
const SUFFIXES: &[&str] = &["", "", "", "ات", "ون", "ين", "ية", "ها"];

/// Root letters for made-up words: with the patterns below they give thousands of
/// distinct stems, as a news archive has (a hundred real stems alone would put every
/// stem in every article, which no real text does).
const ROOT_LETTERS: &[char] = &[
    'ب', 'ت', 'ج', 'ح', 'خ', 'د', 'ر', 'ز', 'س', 'ش', 'ص', 'ط', 'ع', 'غ', 'ف', 'ق', 'ك', 'ل', 'م',
    'ن', 'ه', 'و', 'ي',
];
/// Word patterns over a three-letter root (1, 2, 3 stand for the root letters).
const PATTERNS: &[&str] = &["123", "1a23", "m12a3", "t1a23", "m1a23", "1i2a3", "ist123"];

/// The real stems first (the most frequent words of the Zipf draw), then made-up ones.
fn vocabulary() -> Vec<String> {
    let fillers = [
        "في", "من", "على", "إلى", "عن", "أن", "قال", "الذي", "التي", "مع", "بعد", "خلال",
    ];
    let mut stems: Vec<String> = STEMS.iter().map(|s| s.to_string()).collect();
    let mut rng = Rng(0x9E3779B97F4A7C15);
    while stems.len() < 4000 {
        let root: Vec<char> = (0..3)
            .map(|_| ROOT_LETTERS[(rng.next() % ROOT_LETTERS.len() as u64) as usize])
            .collect();
        let pattern = PATTERNS[(rng.next() % PATTERNS.len() as u64) as usize];
        let word: String = pattern
            .chars()
            .map(|c| match c {
                '1' => root[0].to_string(),
                '2' => root[1].to_string(),
                '3' => root[2].to_string(),
                'a' => "ا".to_string(),
                'i' => "ي".to_string(),
                'm' => "م".to_string(),
                't' => "ت".to_string(),
                's' => "س".to_string(),
                other => other.to_string(),
            })
            .collect();
        stems.push(word);
    }
    let mut words: Vec<String> = fillers.iter().map(|s| s.to_string()).collect();
    // Each stem with a prefix and a suffix drawn for it: about 4,000 × 3 forms.
    for (i, s) in stems.iter().enumerate() {
        for k in 0..3 {
            let p = PREFIXES[(i + k * 3) % PREFIXES.len()];
            let x = SUFFIXES[(i * 7 + k) % SUFFIXES.len()];
            words.push(format!("{p}{s}{x}"));
        }
    }
    words
}

fn article(i: usize, vocab: &[String], rng: &mut Rng) -> Doc {
    let mut body = String::with_capacity(6000);
    for w in 0..600 {
        if w > 0 {
            body.push(if w % 60 == 0 { '\n' } else { ' ' });
        }
        body.push_str(&vocab[rng.zipf(vocab.len())]);
    }
    let title: Vec<&str> = (0..8)
        .map(|_| vocab[12 + rng.zipf(vocab.len() - 12)].as_str())
        .collect();
    Doc {
        id: i as i64 + 1,
        kind: "article".into(),
        title: title.join(" "),
        body,
        section_id: Some((i % 7) as i64 + 1),
        section: format!("قسم {}", i % 7),
        tags: vec![vocab[12 + (i % 200)].clone()],
        authors: vec![format!("كاتب {}", i % 40)],
        published_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::minutes(i as i64),
        ..Default::default()
    }
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

/// Indexes `n` generated articles in batches of 10,000 and prints the time and the size.
fn index_all(index: &SearchIndex, n: usize, vocab: &[String], rng: &mut Rng, path: &Path) {
    let start = Instant::now();
    let mut generated = Duration::ZERO;
    let batch = 10_000;
    let mut i = 0;
    while i < n {
        let t = Instant::now();
        let docs: Vec<Doc> = (i..(i + batch).min(n))
            .map(|k| article(k, vocab, rng))
            .collect();
        generated += t.elapsed();
        index.apply(&docs, &[], Some(i as i64)).expect("index");
        i += batch;
    }
    let merging = Instant::now();
    index.finish_bulk().expect("merge");
    let merging = merging.elapsed();
    let total = start.elapsed();
    let indexing = total - generated;
    println!(
        "indexed {n} articles (~600 words each) in {:.1} s, of which {:.1} s merging the segments into one ({:.1} s generating text, excluded)",
        indexing.as_secs_f64(),
        merging.as_secs_f64(),
        generated.as_secs_f64()
    );
    println!("index size on disk: {:.0} MB", dir_size(path) as f64 / 1e6);
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let vocab = vocabulary();
    // SEARCH_BENCH_DIR keeps the index between runs, to measure queries again without
    // indexing again; by default it lives in a temporary folder.
    let temp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("SEARCH_BENCH_DIR").map(PathBuf::from);
    let path = kept
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf())
        .join("search");
    let (index, needs_rebuild) = SearchIndex::open(&path).expect("open index");
    let last_batch = (n.max(1) - 1) / 10_000 * 10_000;
    if kept.is_some() && !needs_rebuild && index.indexed_seq() == Some(last_batch as i64) {
        println!(
            "index of {n} articles kept from an earlier run in {}",
            path.display()
        );
        println!("index size on disk: {:.0} MB", dir_size(&path) as f64 / 1e6);
    } else {
        index.clear().expect("clear");
        index_all(&index, n, &vocab, &mut Rng(0x2545F4914F6CDD1D), &path);
    }

    let index = Arc::new(index);
    // SEARCH_BENCH_CONCURRENCY=1 shows what each kind of query costs alone.
    let concurrency: usize = std::env::var("SEARCH_BENCH_CONCURRENCY")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|c| *c > 0)
        .unwrap_or(8);
    // The queries draw from their own sequence: the same whether the index was built now.
    let mut rng = Rng(0x9E3779B97F4A7C15);
    // Two mixes of 1,000 queries each (single words, pairs, phrases, exclusions, three
    // words; a quarter filtered by section, a tenth sorted by date): words drawn with the
    // text's own Zipf frequencies (mostly very common words: the hard case), and words drawn
    // uniformly from the vocabulary (closer to what readers search: names, specific terms).
    for (label, zipf) in [("common words", true), ("uniform words", false)] {
        let pick = |rng: &mut Rng| {
            let n = vocab.len() - 12;
            let i = if zipf {
                rng.zipf(n)
            } else {
                (rng.next() % n as u64) as usize
            };
            vocab[12 + i].clone()
        };
        let mut queries = Vec::new();
        for q in 0..1000 {
            let (a, b, c) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
            let (kind, text) = match q % 5 {
                0 => ("word", a),
                1 => ("two words", format!("{a} {b}")),
                2 => ("phrase", format!("\"{a} {b}\"")),
                3 => ("exclusion", format!("{a} -{b}")),
                _ => ("three words", format!("{a} {b} {c}")),
            };
            queries.push((
                kind,
                Request {
                    query: text,
                    page: 1,
                    per_page: 20,
                    section_id: (q % 4 == 0).then_some((q % 7) as i64 + 1),
                    sort: if q % 10 == 0 {
                        Sort::Newest
                    } else {
                        Sort::Relevance
                    },
                    ..Default::default()
                },
            ));
        }
        let queries = Arc::new(queries);
        let start = Instant::now();
        let threads: Vec<_> = (0..concurrency)
            .map(|t| {
                let index = index.clone();
                let queries = queries.clone();
                std::thread::spawn(move || {
                    let mut times = Vec::new();
                    for (i, (kind, q)) in queries.iter().enumerate().skip(t).step_by(concurrency) {
                        let s = Instant::now();
                        let _ = index.search(q);
                        times.push((*kind, s.elapsed(), i));
                    }
                    times
                })
            })
            .collect();
        let times: Vec<(&str, Duration, usize)> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap_or_default())
            .collect();
        let wall = start.elapsed();
        let summary = |filter: Option<&str>| {
            let mut d: Vec<Duration> = times
                .iter()
                .filter(|(k, _, _)| filter.is_none_or(|f| f == *k))
                .map(|(_, d, _)| *d)
                .collect();
            d.sort();
            let pct =
                |p: f64| d[((d.len() as f64 * p) as usize).min(d.len() - 1)].as_secs_f64() * 1e3;
            format!("p50 {:7.2} ms  p99 {:7.2} ms", pct(0.5), pct(0.99))
        };
        println!(
            "{label}: 1000 queries at concurrency {concurrency}: {:.0} queries/s, {}",
            1000.0 / wall.as_secs_f64(),
            summary(None)
        );
        for kind in ["word", "two words", "three words", "phrase", "exclusion"] {
            println!("    {kind:12} {}", summary(Some(kind)));
        }
        // The slowest queries, to see what the tail is made of.
        let mut slowest: Vec<&(&str, Duration, usize)> = times.iter().collect();
        slowest.sort_by_key(|(_, d, _)| std::cmp::Reverse(*d));
        for (_, d, i) in slowest.iter().take(3) {
            let q = &queries[*i].1;
            println!(
                "    slow: {:6.2} ms  {}{}{}",
                d.as_secs_f64() * 1e3,
                q.query,
                q.section_id
                    .map_or(String::new(), |s| format!("  (section {s})")),
                if q.sort == Sort::Newest {
                    "  (newest first)"
                } else {
                    ""
                }
            );
        }
    }
}
