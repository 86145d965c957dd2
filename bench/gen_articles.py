#!/usr/bin/env python3
"""Writes N realistic articles in Midad's JSON Lines exchange format to stdout.

Each article has an Arabic title, ten paragraphs (about 300 words), a section out of seven,
three tags out of two hundred, one or two bylines out of forty, a source line and an
external id, which is what a newsroom migrating a few years of archive would import.
"""
import json
import sys

SECTIONS = ["سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "صحة", "منوعات"]
SOURCES = ["وكالات", "خاص", "مراسلنا في بيروت", "وكالة الأنباء الرسمية"]
WORDS = ("الحكومة المجلس الوطني الاقتصاد الطاقة المدينة الشباب التعليم الصحة السوق "
         "الانتخابات البرلمان المنتخب الدوري الثقافة الكتاب المعرض المستشفى المناخ "
         "المياه الزراعة الاستثمار الشركات التقنية الذكاء الاصطناعي الطلاب الجامعة").split()


def paragraph(i, p):
    words = [WORDS[(i * 7 + p * 13 + k * 5) % len(WORDS)] for k in range(28)]
    return "<p>" + " ".join(words) + f" في الخبر رقم {i}.</p>"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    out = sys.stdout
    for i in range(n):
        record = {
            "title": f"{WORDS[i % len(WORDS)]} {WORDS[(i * 3) % len(WORDS)]}: تقرير رقم {i}",
            "section": SECTIONS[i % len(SECTIONS)],
            "tags": [f"وسم {(i + k * 67) % 200}" for k in range(3)],
            "authors": [f"كاتب {i % 40}"] + ([f"كاتب {(i + 1) % 40}"] if i % 5 == 0 else []),
            "source": SOURCES[i % len(SOURCES)],
            "body_html": "".join(paragraph(i, p) for p in range(10)),
            "status": "published",
            "published_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+03:00",
            "external_id": f"bench-{i}",
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
