#!/usr/bin/env python3
"""Writes N realistic articles in Midad's JSON Lines exchange format to stdout.

Shaped like a newsroom's archive moving to Midad: the dates run over twenty years, oldest
first (as an export lists them); sections are of unequal size; tags have a realistic skew
(five tags are each on about a tenth of the archive, the rest follow a long tail where most
tags are on a handful of articles). Each article has an Arabic title, ten paragraphs (about
300 words), one or two bylines, a source line and an external id. Deterministic: the same N
gives the same file.
"""
import bisect
import datetime
import json
import random
import sys

SECTIONS = ["سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "صحة", "منوعات"]
SECTION_WEIGHTS = [30, 20, 15, 12, 10, 8, 5]
SOURCES = ["وكالات", "خاص", "مراسلنا في بيروت", "وكالة الأنباء الرسمية"]
WORDS = ("الحكومة المجلس الوطني الاقتصاد الطاقة المدينة الشباب التعليم الصحة السوق "
         "الانتخابات البرلمان المنتخب الدوري الثقافة الكتاب المعرض المستشفى المناخ "
         "المياه الزراعة الاستثمار الشركات التقنية الذكاء الاصطناعي الطلاب الجامعة").split()
HOT_TAGS = 5
HOT_SHARE = 0.1
YEARS = 20


def paragraph(i, p):
    words = [WORDS[(i * 7 + p * 13 + k * 5) % len(WORDS)] for k in range(28)]
    return "<p>" + " ".join(words) + f" في الخبر رقم {i}.</p>"


def cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rng = random.Random(n)
    # The long tail: a tenth as many tags as articles (at least 200), Zipf-like weights.
    tail = max(200, n // 10)
    tail_cum = cumulative(1.0 / (k + 30) ** 1.2 for k in range(tail))
    section_cum = cumulative(SECTION_WEIGHTS)
    authors = max(40, n // 1000)
    start = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))
    start -= datetime.timedelta(days=365 * YEARS)
    step = YEARS * 365 * 86400 / max(n, 1)
    out = sys.stdout
    for i in range(n):
        tags = [f"وسم رئيسي {h}" for h in range(HOT_TAGS) if rng.random() < HOT_SHARE]
        while len(tags) < 3:
            k = bisect.bisect_left(tail_cum, rng.random() * tail_cum[-1])
            name = f"وسم {k}"
            if name not in tags:
                tags.append(name)
        section = SECTIONS[bisect.bisect_left(section_cum, rng.random() * section_cum[-1])]
        when = start + datetime.timedelta(seconds=int(i * step + rng.random() * step * 0.5))
        record = {
            "title": f"{WORDS[i % len(WORDS)]} {WORDS[(i * 3) % len(WORDS)]}: تقرير رقم {i}",
            "section": section,
            "tags": tags,
            "authors": [f"كاتب {i % authors}"] + ([f"كاتب {(i + 1) % authors}"] if i % 5 == 0 else []),
            "source": SOURCES[i % len(SOURCES)],
            "body_html": "".join(paragraph(i, p) for p in range(10)),
            "status": "published",
            "published_at": when.isoformat(timespec="seconds"),
            "external_id": f"bench-{i}",
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
