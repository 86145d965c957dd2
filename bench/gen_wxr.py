#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) of N posts to stdout, shaped like the one WordPress
6.1 writes (the fixture in tests/fixtures/wordpress/export.xml):

    bench/gen_wxr.py N [--images DIR] [--seed S] > export.xml

The site «صحيفة المنارة» (http://bench.localhost, time zone Asia/Beirut) has 5 authors,
13 categories (some nested, one of them «كاريكاتير»), 200 tags, 20 pages and N posts spread
over the six years before the export date: mostly published, some drafts, pending, private
and scheduled posts, half classic content and half block content (headings, lists, quotes,
YouTube embeds), links between posts, a few sticky posts and a few comments.

With --images DIR, 200 image attachments are added and their files (JPEGs of the fixture,
under new names, with the resized copies WordPress makes) are written below DIR in
YYYY/MM/ folders: DIR is the site's wp-content/uploads. About 10% of posts then have a
featured image, some show one in their text ([caption] or an image block), and some
caricatures are filed under «كاريكاتير».

The file is written as it is generated: what is kept per post is its id, date, status,
author and slug (about 50 MB for 50,000 posts), never the text. The output depends only on
N, the seed and the options. Python 3.11 standard library only.
"""
import argparse
import glob
import os
import random
import re
import shutil
import struct
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SITE = "http://bench.localhost"
SITE_TITLE = "صحيفة المنارة"
SITE_DESCRIPTION = "أخبار لبنان والمنطقة والعالم، من بيروت"
ZONE = ZoneInfo("Asia/Beirut")
# The moment of the export; posts go back six years from here, scheduled posts go past it.
EXPORTED = datetime(2026, 11, 28, 21, 40, 12, tzinfo=timezone.utc)
SPAN = timedelta(days=6 * 365 + 1)
FIXTURE_UPLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                               "fixtures", "wordpress", "uploads")
ATTACHMENTS = 200
SHORTCODES = True  # False with --no-shortcodes

# ----- words (written for this generator) -----

OPENERS = ("أعلن أكد قال أوضح أشار كشف لفت اعتبر رأى شدد نقل ذكر أفاد رجح طالب دعا حذر "
           "وأضاف وقال وأكد وأشار وتابع ولفت وختم").split()
SUBJECTS = ("الوزير الرئيس النائب المتحدث المدير الخبير المسؤول المحافظ السفير المدرب "
            "الباحث الطبيب المهندس القاضي رئيس_البلدية نقيب_المعلمين مصدر_مطلع "
            "مدير_المستشفى رئيس_الاتحاد الأمين_العام").split()
NOUNS = ("الحكومة الوزارة البرلمان المجلس الاقتصاد السوق الأسعار الليرة الدولار المصرف "
         "الموازنة الضرائب الطاقة الكهرباء النفط الغاز المياه الزراعة المحاصيل الطقس "
         "المناخ الأمطار الجامعة الطلاب المدارس التعليم الصحة المستشفى الأطباء الدواء "
         "اللقاح المنتخب الفريق اللاعب الملعب المباراة البطولة الدوري الجمهور المهرجان "
         "المعرض الكتاب الرواية الشاعر الفنان المسرح السينما الفيلم المتحف التراث المدينة "
         "القرية البلدية الطريق المرفأ المطار الحدود الجيش الأمن القضاء المحكمة القانون "
         "الدستور الانتخابات النواب الأحزاب المعارضة الحوار المفاوضات الاتفاق القمة "
         "المنظمة الوفد العاصمة اللاجئين المساعدات الإعمار الشركات المستثمرين الاستثمار "
         "المصانع الصادرات الواردات التجارة السياحة الفنادق المطاعم الشباب النساء "
         "الأطفال العائلات العمال النقابة الإضراب الرواتب المتقاعدين التكنولوجيا "
         "الإنترنت الهاتف المنصات البيانات الشبكة المشروع الخطة البرنامج التقرير الدراسة "
         "الأرقام النتائج المؤشرات الأزمة الحلول الإصلاحات القرار الاجتماع الجلسة "
         "المؤتمر الزيارة المبادرة الحملة المناقشات التحقيق الملف القضية الأسواق "
         "البورصة الذهب القمح الخبز الوقود المولدات الإيجارات القروض الودائع التضخم "
         "البطالة الهجرة المغتربين الجامعات المكتبة الصحافة الإعلام الجائزة الموسم "
         "الجولة الأهداف الحكم النادي الاتحاد الساحل الجبل الوادي الغابات الحرائق "
         "الزلزال الثلوج العاصفة السدود الشتاء الصيف الخريف الربيع").split()
ADJECTIVES = ("الجديد الجديدة الكبرى الوطني الوطنية الدولية العربية المحلية الأخيرة المقبل "
              "المقبلة الماضي الماضية الحالية الرسمية العامة الخاصة الاقتصادية السياسية "
              "الثقافية الرياضية الإقليمية الشمالية الجنوبية الساحلية الأولى الثانية "
              "الطويلة القصيرة الواسعة الحادة المفاجئة الحاسمة المشتركة الدائمة المؤقتة "
              "الرقمية البيئية الصحية التربوية الأمنية المالية النهائية التمهيدية").split()
VERBS = ("يعمل تستعد يواجه تسعى يطالب ترتفع تنخفض يشارك تستضيف يناقش تطلق يفتتح تعلن "
         "يبحث تبدأ ينتهي يستمر تتراجع يتوقع تتجه يدرس تقر يرفض توافق يستقبل تشهد يحقق "
         "تخسر يفوز تعود ينظم تدعم يحذر تكشف يراجع تعتمد ينفذ تواصل يستأنف تلغي يمدد").split()
PREPOSITIONS = "في من إلى على عن مع بعد قبل خلال أمام بين حول نحو منذ لدى عند وفق حتى دون".split()
LINKS = ("أن إن التي الذي الذين كما لكن بينما أيضا ما لا لم لن قد هذه هذا تلك ذلك كل "
         "بعض أكثر أقل وهو وهي حيث إذ ثم").split()
PLACES = ("بيروت طرابلس صيدا صور زحلة جبيل بعلبك النبطية جونية البقاع عكار الشوف دمشق "
          "عمان القاهرة بغداد الرياض الدوحة الكويت المنامة مسقط أبوظبي تونس الرباط "
          "الجزائر الخرطوم نواكشوط باريس جنيف بروكسل نيويورك لندن برلين مدريد روما "
          "إسطنبول أثينا").split()
TIMES = ("اليوم أمس غدا صباح_اليوم مساء_أمس الأسبوع_الماضي الشهر_المقبل نهاية_العام "
         "مطلع_الأسبوع خلال_الأيام_المقبلة منذ_أشهر في_الربع_الأخير").split()
FIRST_NAMES = ("أحمد محمد علي حسن خالد عمر يوسف سامي ربيع جورج إيلي طارق وليد زياد فادي "
               "نبيل مروان كريم هادي جاد فاطمة زينب مريم ليلى نادين ريم سلمى هالة دينا "
               "رشا منى سعاد جنى لمى ياسمين رنا هبة ميرا نور").split()
LAST_NAMES = ("الحسيني الأسمر حداد خوري صالح نصار عيسى الزين شمس مراد العلي قاسم بركات "
              "فرحات حمدان يونس سليمان عطية الخطيب الحلبي البزري منصور ضاهر شهاب رعد "
              "غانم سرور الأمين عواد جابر").split()
FOREIGN = ("OPEC IMF UNESCO FIFA Wi-Fi 5G GPS Netflix").split()

# Sentence shapes: O opener, S subject, N noun, A adjective, V verb, P preposition,
# L linking word, C place, T time, D a number, "،" a comma.
SHAPES = [
    "O S أن N A V P N P C T",
    "O N A P N P C ، L V N A P N",
    "V N P N A P C ، P N N A",
    "O S P N A أن N V P N A",
    "T ، V N A P N N P C",
    "L V N P N ، L O S أن N A V",
    "O N أن D P N A V P N T",
    "V S N A P N P C ، L N A V P N",
    "N A V P N ، L N A V P N A",
    "O S P C أن N V P D P N A T",
]
POOLS = {
    "O": OPENERS, "S": [w.replace("_", " ") for w in SUBJECTS], "N": NOUNS,
    "A": ADJECTIVES, "V": VERBS, "P": PREPOSITIONS, "L": LINKS, "C": PLACES,
    "T": [w.replace("_", " ") for w in TIMES],
}
# Each shape as (kind, word pool) pairs, parsed once; fixed words and "D" have no pool.
SHAPE_TOKENS = [[(t, POOLS.get(t)) for t in s.split()] for s in SHAPES]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# ----- the site -----

AUTHORS = [  # login, display name, first, last, email
    ("admin", "هيئة التحرير", "هيئة", "التحرير", "editor@almanara.example"),
    ("rana.khoury", "رنا الخوري", "رنا", "الخوري", "rana.khoury@almanara.example"),
    ("karim.saleh", "كريم صالح", "كريم", "صالح", "karim.saleh@almanara.example"),
    ("hiba.nasser", "هبة ناصر", "هبة", "ناصر", "hiba.nasser@almanara.example"),
    ("omar.darwish", "عمر درويش", "عمر", "درويش", "omar.darwish@almanara.example"),
]
AUTHOR_WEIGHTS = [1, 6, 5, 5, 3]

# term_id, name, parent term_id (0: top), description
CATEGORIES = [
    (1, "غير مصنف", 0, ""),
    (2, "سياسة", 0, "الأخبار السياسية في لبنان والمنطقة والعالم."),
    (3, "سياسة عربية", 2, "شؤون العالم العربي."),
    (4, "سياسة دولية", 2, "العلاقات الدولية والأحداث العالمية."),
    (5, "اقتصاد", 0, "الأسواق والمال والأعمال."),
    (6, "طاقة", 5, "النفط والغاز والكهرباء والطاقة المتجددة."),
    (7, "رياضة", 0, "البطولات المحلية والعربية والعالمية."),
    (8, "كرة القدم", 7, ""),
    (9, "الدوري اللبناني", 8, "مباريات الدوري اللبناني ونتائجه."),
    (10, "ثقافة", 0, "الكتب والفنون والمسرح والسينما."),
    (11, "تكنولوجيا", 0, "التقنية والإنترنت والذكاء الاصطناعي."),
    (12, "صحة", 0, ""),
    (13, "كاريكاتير", 0, "كاريكاتير اليوم."),
]
POST_CATEGORIES = [c for c in CATEGORIES if c[0] not in (1, 13)]
CATEGORY_WEIGHTS = [8, 5, 4, 7, 3, 6, 5, 2, 5, 4, 4]
CARICATURE = CATEGORIES[-1]

TAG_WORDS = ("الانتخابات البرلمان الحكومة الموازنة الكهرباء النفط الغاز الذهب البورصة "
             "المصارف التضخم الليرة الرواتب التعليم الجامعات الصحة اللقاحات المستشفيات "
             "المناخ الحرائق الأمطار الزراعة السياحة المطار المرفأ النقل الإنترنت "
             "الذكاء_الاصطناعي الهواتف الأمن_السيبراني كرة_القدم كرة_السلة كأس_العالم "
             "الألعاب_الأولمبية الدوري معرض_الكتاب المسرح السينما الموسيقى التراث "
             "حقوق_الإنسان اللاجئون الهجرة المغتربون الأمم_المتحدة الجامعة_العربية "
             "الاتحاد_الأوروبي البنك_الدولي صندوق_النقد القضاء الفساد البلديات النقابات "
             "الإضراب العمال المرأة الشباب الأطفال البيئة المياه النفايات الإسكان").split()
TAG_PLACES = ("لبنان سوريا الأردن العراق مصر فلسطين السعودية الإمارات قطر الكويت البحرين "
              "عمان اليمن تونس الجزائر المغرب ليبيا السودان موريتانيا تركيا إيران فرنسا "
              "ألمانيا بريطانيا الولايات_المتحدة روسيا الصين اليابان الهند البرازيل "
              "بيروت طرابلس صيدا صور زحلة جبيل بعلبك دمشق القاهرة بغداد").split()
TAG_NATIONS = ("اللبناني المصري العراقي السوري الأردني السعودي التونسي المغربي الجزائري "
               "الفرنسي").split()
TAG_TOPICS = ("الاقتصاد الدوري المنتخب الجيش الرئيس البرلمان القضاء التعليم الإعلام "
              "المسرح").split()

PAGES = [  # title, parent index (or None), shortcode
    ("من نحن", None, None),
    ("فريق التحرير", 0, None),
    ("ميثاق التحرير", 0, None),
    ("اتصل بنا", None, '[contact-form-7 id="12" title="نموذج الاتصال"]'),
    ("أعلن معنا", None, None),
    ("سياسة الخصوصية", None, None),
    ("شروط الاستخدام", None, None),
    ("حقوق النشر", 6, None),
    ("النشرة البريدية", None, None),
    ("وظائف شاغرة", None, None),
    ("تصحيحات", None, None),
    ("الأسئلة الشائعة", None, None),
    ("دليل القارئ", 11, None),
    ("تطبيق الهاتف", None, None),
    ("الأرشيف", None, None),
    ("مواعيد المباريات", None, None),
    ("أسعار العملات والمحروقات", None, None),
    ("حالة الطقس", None, None),
    ("تغطية خاصة: الانتخابات البلدية ٢٠٢٥", None, None),
    ("المراسلون", 1, None),
]

# ----- WordPress's own rules -----

# Removed from slugs entirely by sanitize_title_with_dashes() ('save' context).
STRIP_OCTETS = (
    "%c2%ad %c2%a1 %c2%bf %c2%ab %c2%bb %e2%80%b9 %e2%80%ba %e2%80%98 %e2%80%99 %e2%80%9c "
    "%e2%80%9d %e2%80%9a %e2%80%9b %e2%80%9e %e2%80%9f %e2%80%a2 %c2%a9 %c2%ae %c2%b0 "
    "%e2%80%a6 %e2%84%a2 %c2%b4 %cb%8a %cc%81 %cd%81 %cc%80 %cc%84 %cc%8c %e2%80%8b "
    "%e2%80%8c %e2%80%8d %e2%80%8e %e2%80%8f %e2%80%aa %e2%80%ab %e2%80%ac %e2%80%ad "
    "%e2%80%ae %ef%bb%bf").split()
NOT_SLUG = re.compile(r"[^%a-z0-9 _-]")
SPACES = re.compile(r"\s+")
DASHES = re.compile(r"-+")


def uri_encode(text, limit):
    """utf8_uri_encode(): non-ASCII characters as lower-case %xx octets, stopping before
    the character that would pass `limit` bytes."""
    out, used = [], 0
    for ch in text:
        if ord(ch) < 128:
            if used + 1 > limit:
                break
            out.append(ch)
            used += 1
        else:
            octets = ch.encode("utf-8")
            if used + 3 * len(octets) > limit:
                break
            out.append("".join("%%%02x" % b for b in octets))
            used += 3 * len(octets)
    return "".join(out)


def sanitize_title(title):
    """WordPress's sanitize_title_with_dashes($title, '', 'save') for the titles made here
    (no tags, entities or escaped octets in them)."""
    title = title.replace("%", "").lower()
    title = uri_encode(title, 200).lower()
    for dash in ("%c2%a0", "%e2%80%93", "%e2%80%94", "/"):
        title = title.replace(dash, "-")
    for octet in STRIP_OCTETS:
        title = title.replace(octet, "")
    title = title.replace("%c3%97", "x").replace(".", "-")
    title = NOT_SLUG.sub("", title)
    title = SPACES.sub("-", title)
    title = DASHES.sub("-", title)
    return title.strip("-")


def truncate_slug(slug, length):
    """_truncate_post_slug(): cut an encoded slug at `length` bytes on a character."""
    if len(slug) > length:
        raw = re.sub(r"%([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), slug)
        decoded = raw.encode("latin-1").decode("utf-8", "replace")
        slug = uri_encode(decoded, length)
    return slug.rstrip("-")


def php_serialize(value):
    """PHP's serialize() for the dicts, ints and strings of _wp_attachment_metadata."""
    if isinstance(value, dict):
        inner = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return "a:%d:{%s}" % (len(value), inner)
    if isinstance(value, bool):
        return "b:%d;" % int(value)
    if isinstance(value, int):
        return "i:%d;" % value
    text = str(value)
    return 's:%d:"%s";' % (len(text.encode("utf-8")), text)


def mysql(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def rfc822(dt_utc):
    return dt_utc.strftime("%a, %d %b %Y %H:%M:%S +0000")


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def local(dt_utc):
    return dt_utc.astimezone(ZONE)


# ----- text -----

class Writer:
    """Arabic news prose from one random source."""

    def __init__(self, rng):
        self.rng = rng

    def number(self):
        r = self.rng
        k = r.random()
        if k < 0.4:
            return str(r.randint(2, 950))
        if k < 0.6:
            return "%d.%d%%" % (r.randint(1, 40), r.randint(1, 9))
        if k < 0.8:
            return str(r.randint(2, 99)).translate(ARABIC_DIGITS)
        return str(r.choice((2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)))

    def sentence(self):
        rand = self.rng.random
        words = []
        for kind, pool in SHAPE_TOKENS[int(rand() * len(SHAPE_TOKENS))]:
            if pool is not None:
                words.append(pool[int(rand() * len(pool))])
                if kind == "N" and rand() < 0.25:
                    words.append(ADJECTIVES[int(rand() * len(ADJECTIVES))])
            elif kind == "D":
                words.append(self.number())
            elif kind == "،":
                if words:
                    words[-1] += "،"
            else:
                words.append(kind)
        if rand() < 0.03:
            words.insert(self.rng.randrange(1, len(words)), self.rng.choice(FOREIGN))
        return " ".join(words) + ("؟" if rand() < 0.04 else ".")

    def paragraph(self, sentences):
        return " ".join(self.sentence() for _ in range(sentences))

    def words(self, lo, hi):
        r = self.rng
        n = r.randint(lo, hi)
        pool = NOUNS + ADJECTIVES + PLACES
        return " ".join(r.choice(pool) for _ in range(n))

    def title(self):
        r = self.rng
        k = r.random()
        if k < 0.55:
            t = "%s %s %s %s %s" % (r.choice(NOUNS), r.choice(VERBS), r.choice(NOUNS),
                                     r.choice(ADJECTIVES), r.choice(PREPOSITIONS))
            t += " " + r.choice(PLACES)
            if r.random() < 0.5:
                t += " " + r.choice(POOLS["T"])
        elif k < 0.7:
            t = "%s: «%s %s» %s %s" % (r.choice(PLACES), r.choice(NOUNS), r.choice(ADJECTIVES),
                                       r.choice(VERBS), r.choice(NOUNS))
        elif k < 0.8:
            t = "%s %s %s %s؟" % (r.choice(("هل", "متى", "كيف", "لماذا")), r.choice(VERBS),
                                 r.choice(NOUNS), r.choice(ADJECTIVES))
        elif k < 0.9:
            t = "%s %s %s %s في %s" % (r.choice(NOUNS), r.choice(("ترتفع", "تنخفض", "تتراجع")),
                                       r.choice(("إلى", "بنسبة")), self.number(),
                                       r.choice(PLACES))
        else:
            # Long titles: their slug is cut at 200 bytes.
            t = " ".join(r.choice(POOLS[c]) for c in "NVNAPCLNVNAPNAT")
        return t

    def name(self):
        return "%s %s" % (self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES))


def youtube_id(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(11))


# ----- images -----

def jpeg_size(path):
    """(width, height) from a JPEG's first frame header."""
    with open(path, "rb") as f:
        data = f.read()
    i = 2
    while i < len(data):
        while data[i] == 0xFF:
            i += 1
        marker = data[i]
        i += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        length = struct.unpack(">H", data[i:i + 2])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3):
            height, width = struct.unpack(">HH", data[i + 3:i + 7])
            return width, height
        i += length
    raise ValueError(f"{path}: no frame header")


SIZE_NAMES = {150: "thumbnail", 300: "medium", 768: "medium_large", 1024: "large"}


def fixture_images():
    """The fixture's JPEG uploads: (path, width, height, [(size name, suffix, w, h, path)])."""
    found = []
    for path in sorted(glob.glob(os.path.join(FIXTURE_UPLOADS, "*", "*", "*.jpg"))):
        stem = path[:-4]
        if re.search(r"-\d+x\d+$", stem):
            continue
        width, height = jpeg_size(path)
        sizes = []
        for sized in sorted(glob.glob(glob.escape(stem) + "-*x*.jpg")):
            m = re.search(r"-(\d+)x(\d+)\.jpg$", sized)
            if not m or sized[:m.start()] != stem:
                continue
            w, h = int(m.group(1)), int(m.group(2))
            if w in SIZE_NAMES:
                sizes.append((SIZE_NAMES[w], "-%dx%d" % (w, h), w, h, sized))
        found.append((path, width, height, sizes))
    if not found:
        sys.exit(f"gen_wxr.py: no JPEG found in {FIXTURE_UPLOADS}")
    return found


ENGLISH_NAMES = ("parliament-session cabinet-meeting press-conference stadium market port "
                 "harbour festival book-fair protest summit flood snow-storm election-day "
                 "hospital school airport power-plant").split()
ARABIC_NAMES = ("مؤتمر-صحفي جلسة-البرلمان سوق-الخضار ملعب-المدينة مرفأ-بيروت معرض-الكتاب "
                "قصر-العدل الثلوج-في-الجبل").split()


class Attachment:
    __slots__ = ("id", "parent", "when", "file", "url", "title", "alt", "caption", "width",
                 "height", "meta", "source", "sizes", "author")


# ----- the plan: a few numbers per post -----

STATUS_ORDER = {"draft": 0, "future": 1, "pending": 2, "private": 3, "publish": 4}


def plan_posts(n, rng):
    """n posts in the order WordPress created them: [id, utc seconds, status, author], and
    the next free id. About 0.4% are scheduled: written lately, dated after the export."""
    scheduled = max(1, n // 250) if n >= 20 else 0
    start = (EXPORTED - SPAN).timestamp()
    span = SPAN.total_seconds()
    moments = sorted(start + rng.random() * span for _ in range(n - scheduled))
    moments += sorted(EXPORTED.timestamp() + rng.randint(3600, 60 * 86400)
                      for _ in range(scheduled))
    posts = []
    next_id = 100
    for k, t in enumerate(moments):
        r = rng.random()
        if k >= n - scheduled:
            status = "future"
        elif r < 0.025:
            status = "draft"
        elif r < 0.032:
            status = "pending"
        elif r < 0.034:
            status = "private"
        else:
            status = "publish"
        author = rng.choices(range(len(AUTHORS)), AUTHOR_WEIGHTS)[0]
        posts.append((next_id, t, status, author))
        next_id += rng.choice((1, 1, 2, 3))  # revisions and autosaves take ids too
    return posts, next_id


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=50000, help="number of posts")
    parser.add_argument("--images", metavar="DIR",
                        help="also write 200 image attachments, their files below DIR")
    parser.add_argument("--seed", type=int, default=20261129, help="another seed, another site")
    parser.add_argument("--no-shortcodes", action="store_true",
                        help="no [caption], [embed] or [contact-form-7]: classic posts show "
                             "images as a plain <img> and videos as a bare URL")
    args = parser.parse_args()
    global SHORTCODES
    SHORTCODES = not args.no_shortcodes

    rng = random.Random(args.seed)
    posts, next_id = plan_posts(args.n, rng)
    publish = [i for i, p in enumerate(posts) if p[2] == "publish"]
    # A few sticky posts among the newest.
    sticky = set(rng.sample(publish[-60:], min(5, len(publish))))

    # Attachments, each uploaded with a published post (its parent); caricatures own theirs.
    attachments = []
    caricatures = set()
    owned = {}
    if args.images:
        owners = sorted(rng.sample(publish, min(ATTACHMENTS, len(publish))))
        caricatures = set(owners[:: max(1, len(owners) // 40)][:40]) if owners else set()
        sources = fixture_images()
        extra = next_id + 10
        for k, i in enumerate(owners):
            a = Attachment()
            a.id = extra
            extra += 1
            a.parent = posts[i][0]
            a.author = posts[i][3]
            a.when = datetime.fromtimestamp(posts[i][1] - rng.randint(60, 1800), timezone.utc)
            loc = local(a.when)
            style = k % 10
            if style == 6:
                base = "DSC-%04d" % (1000 + k)
                a.title = base.replace("-", " ")
            elif style == 7:
                base = loc.strftime("IMG_%Y%m%d_%H%M%S")
                a.title = base
            elif style == 8:
                base = "%s-%d" % (ARABIC_NAMES[k % len(ARABIC_NAMES)], k)
                a.title = base.replace("-", " ")
            elif style == 9:
                base = "%s-%d" % (ENGLISH_NAMES[k % len(ENGLISH_NAMES)], k)
                a.title = base
            else:
                base = "photo-%04d" % k
                a.title = base
            a.source, a.width, a.height, a.sizes = sources[k % len(sources)]
            folder = loc.strftime("%Y/%m")
            a.file = "%s/%s.jpg" % (folder, base)
            a.url = "%s/wp-content/uploads/%s" % (SITE, a.file)
            w = Writer(rng)
            a.alt = w.words(3, 7) if rng.random() < 0.9 else ""
            a.caption = w.paragraph(1) if rng.random() < 0.5 else ""
            meta_sizes = {}
            for name, suffix, sw, sh, spath in a.sizes:
                meta_sizes[name] = {"file": base + suffix + ".jpg", "width": sw, "height": sh,
                                    "mime-type": "image/jpeg",
                                    "filesize": os.path.getsize(spath)}
            a.meta = php_serialize({
                "width": a.width, "height": a.height, "file": a.file,
                "filesize": os.path.getsize(a.source), "sizes": meta_sizes,
                "image_meta": {"aperture": "0", "credit": "", "camera": "", "caption": "",
                               "created_timestamp": "0", "copyright": "",
                               "focal_length": "0", "iso": "0", "shutter_speed": "0",
                               "title": "", "orientation": "0", "keywords": {}},
            })
            # The files, as WordPress left them in wp-content/uploads.
            target = os.path.join(args.images, folder)
            os.makedirs(target, exist_ok=True)
            shutil.copyfile(a.source, os.path.join(target, base + ".jpg"))
            for name, suffix, sw, sh, spath in a.sizes:
                shutil.copyfile(spath, os.path.join(target, base + suffix + ".jpg"))
            attachments.append(a)
            owned[a.parent] = a

    # Titles and slugs, in creation order (a repeated slug gets -2, -3 … as in WordPress).
    seen = {}
    slugs = {}  # post id -> slug, for those WordPress gave one

    for i, p in enumerate(posts):
        if p[2] not in ("publish", "future"):
            continue
        slug = sanitize_title(title_of(args.seed, p[0], i in caricatures))
        count = seen.get(slug, 0) + 1
        seen[slug] = count
        if count > 1:
            suffix = "-%d" % count
            slug = truncate_slug(slug, 200 - len(suffix)) + suffix
        slugs[p[0]] = slug
    del seen

    def permalink(p):
        if p[2] != "publish":
            return "%s/?p=%d" % (SITE, p[0])
        loc = local(datetime.fromtimestamp(p[1], timezone.utc))
        return "%s/%s/%s/" % (SITE, loc.strftime("%Y/%m/%d"), slugs[p[0]])

    by_id = {p[0]: p for p in posts}
    out = sys.stdout.buffer
    write = out.write

    # ----- header -----
    write(HEADER.format(
        created=EXPORTED.strftime("%Y-%m-%d %H:%M"), title=SITE_TITLE, site=SITE,
        description=SITE_DESCRIPTION, pubdate=rfc822(EXPORTED)).encode())
    lines = []
    for number, (login, display, first, last, email) in enumerate(AUTHORS, 1):
        lines.append(
            "\t<wp:author><wp:author_id>%d</wp:author_id><wp:author_login>%s</wp:author_login>"
            "<wp:author_email>%s</wp:author_email><wp:author_display_name>%s"
            "</wp:author_display_name><wp:author_first_name>%s</wp:author_first_name>"
            "<wp:author_last_name>%s</wp:author_last_name></wp:author>\n"
            % (number, cdata(login), cdata(email), cdata(display), cdata(first),
               cdata(last)))
    lines.append("\n")
    cat_slug = {c[0]: sanitize_title(c[1]) for c in CATEGORIES}
    for c in category_order():
        term_id, name, parent, description = c
        lines.append(
            "\t\t<wp:category>\n\t\t<wp:term_id>%d</wp:term_id>\n"
            "\t\t<wp:category_nicename>%s</wp:category_nicename>\n"
            "\t\t<wp:category_parent>%s</wp:category_parent>\n"
            "\t\t<wp:cat_name>%s</wp:cat_name>\n%s\t</wp:category>\n"
            % (term_id, cdata(cat_slug[term_id]), cdata(cat_slug[parent] if parent else ""),
               cdata(name), ("<wp:category_description>%s</wp:category_description>\n"
                             % cdata(description)) if description else ""))
    tags = make_tags()
    for term_id, name, slug in tags:
        lines.append(
            "\t\t<wp:tag>\n\t\t<wp:term_id>%d</wp:term_id>\n\t\t<wp:tag_slug>%s</wp:tag_slug>\n"
            "\t\t<wp:tag_name>%s</wp:tag_name>\n\t</wp:tag>\n" % (term_id, cdata(slug),
                                                                 cdata(name)))
    terms = [(c[0], "category", cat_slug[c[0]], cat_slug[c[2]] if c[2] else "", c[1], c[3])
             for c in category_order()]
    terms += [(t[0], "post_tag", t[2], "", t[1], "") for t in tags]
    for term_id, taxonomy, slug, parent, name, description in terms:
        lines.append(
            "\t\t<wp:term>\n\t\t<wp:term_id>%d</wp:term_id>\n"
            "\t\t<wp:term_taxonomy>%s</wp:term_taxonomy>\n\t\t<wp:term_slug>%s</wp:term_slug>\n"
            "\t\t<wp:term_parent>%s</wp:term_parent>\n\t\t<wp:term_name>%s</wp:term_name>\n"
            "%s\t</wp:term>\n"
            % (term_id, cdata(taxonomy), cdata(slug), cdata(parent), cdata(name),
               ("\t\t<wp:term_description>%s</wp:term_description>\n" % cdata(description))
               if description else ""))
    lines.append("\t\t\n\t<generator>https://wordpress.org/?v=6.1.9</generator>\n\n")
    write("".join(lines).encode())

    # ----- items, in WordPress's order: by type, status, date -----
    for a in sorted(attachments, key=lambda a: (a.when, a.id)):
        parent = by_id[a.parent]
        loc = local(a.when)
        meta = [("_wp_attached_file", a.file), ("_wp_attachment_metadata", a.meta)]
        if a.alt:
            meta.append(("_wp_attachment_image_alt", a.alt))
        write(item(
            title=a.title, link=permalink(parent) + sanitize_title(a.title) + "/",
            pubdate=rfc822(a.when), creator=AUTHORS[a.author][0],
            guid=a.url, content="", excerpt=a.caption, post_id=a.id,
            date=mysql(loc), date_gmt=mysql(a.when), modified=mysql(loc),
            modified_gmt=mysql(a.when), comment_status="open", ping_status="closed",
            name=sanitize_title(a.title), status="inherit", parent=a.parent,
            post_type="attachment", sticky=0, attachment_url=a.url, terms=(),
            meta=meta, comments="").encode())

    page_rng = random.Random(args.seed + 1)
    write_pages(write, page_rng)

    comment_ids = iter(range(1, 10 ** 9))
    recent = []  # permalinks of the last published posts written, to link to
    all_ids = [p[0] for p in posts]
    thumbs = attachments
    order = sorted(range(len(posts)), key=lambda i: (STATUS_ORDER[posts[i][2]], posts[i][1],
                                                     posts[i][0]))
    for i in order:
        post_id, t, status, author = posts[i]
        r = post_random(args.seed, post_id)
        w = Writer(r)
        is_caricature = i in caricatures
        title = w.title()  # the same draws as title_of()
        if is_caricature:
            title = "كاريكاتير اليوم"
        when = datetime.fromtimestamp(t, timezone.utc)
        loc = local(when)
        gmt_known = status in ("publish", "future", "private")
        modified = when
        if status == "publish" and r.random() < 0.1:
            modified = min(when + timedelta(seconds=r.randint(600, 5 * 86400)), EXPORTED)
        if status == "future":
            modified = EXPORTED

        own = owned.get(post_id)
        inline = own if own and r.random() < 0.8 else (
            r.choice(thumbs) if thumbs and r.random() < 0.05 else None)
        if is_caricature:
            inline = own
        body = caricature_body(w, own) if is_caricature else post_body(
            w, r, inline, recent, all_ids)

        # Terms: 1-2 categories, 0-4 tags, sorted by name as WordPress lists them.
        terms = []
        if is_caricature:
            terms.append(("category", cat_slug[CARICATURE[0]], CARICATURE[1]))
        else:
            cats = {c[0]: c for c in r.choices(POST_CATEGORIES, CATEGORY_WEIGHTS,
                                               k=1 if r.random() < 0.8 else 2)}
            terms += [("category", cat_slug[c[0]], c[1]) for c in cats.values()]
        for tag in {t[0]: t for t in r.sample(tags, r.choice((0, 1, 2, 2, 3, 3, 4)))}.values():
            terms.append(("post_tag", tag[2], tag[1]))
        terms.sort(key=lambda x: x[2])

        meta = []
        if status == "publish" and r.random() < 0.3:
            meta += [("_pingme", "1"), ("_encloseme", "1")]
        if thumbs and (is_caricature or (own and r.random() < 0.5) or r.random() < 0.09):
            thumb = own if own else r.choice(thumbs)
            meta.append(("_thumbnail_id", str(thumb.id)))
        if r.random() < 0.2:
            meta.append(("_edit_last", str(author + 1)))

        comments = ""
        if status == "publish" and r.random() < 0.015:
            comments = make_comments(r, w, when, author, comment_ids)

        link = permalink(posts[i])
        write(item(
            title=title, link=link, pubdate=rfc822(when) if gmt_known else "",
            creator=AUTHORS[author][0], guid="%s/?p=%d" % (SITE, post_id), content=body,
            excerpt=w.paragraph(1) if r.random() < 0.1 else "", post_id=post_id,
            date=mysql(loc), date_gmt=mysql(when) if gmt_known else "0000-00-00 00:00:00",
            modified=mysql(local(modified)), modified_gmt=mysql(modified),
            comment_status="open", ping_status="open", name=slugs.get(post_id, ""),
            status=status, parent=0, post_type="post", sticky=int(i in sticky),
            attachment_url=None, terms=terms, meta=meta, comments=comments).encode())
        if status == "publish":
            recent.append((link, title))
            if len(recent) > 50:
                del recent[:25]
    write(b"\t\t\t\t</channel>\n</rss>\n")
    out.flush()


def title_of(seed, post_id, is_caricature):
    """A post's title: the first draws of its own random source (see post_random)."""
    title = Writer(post_random(seed, post_id)).title()
    return "كاريكاتير اليوم" if is_caricature else title


def post_random(seed, post_id):
    return random.Random(seed * 7919 + post_id)


def category_order():
    """Categories by name, no child before its parent (as export_wp() orders them)."""
    pending = sorted(CATEGORIES, key=lambda c: c[1])
    done = {}
    while pending:
        c = pending.pop(0)
        if c[2] == 0 or c[2] in done:
            done[c[0]] = c
        else:
            pending.append(c)
    return list(done.values())


def make_tags():
    """About 200 tags: (term_id, name, slug), by name."""
    names = [w.replace("_", " ") for w in TAG_WORDS + TAG_PLACES]
    for topic in TAG_TOPICS:
        for nation in TAG_NATIONS:
            if len(names) >= 200:
                break
            names.append("%s %s" % (topic, nation))
    names = sorted(set(names))[:200]
    return [(100 + k, name, sanitize_title(name)) for k, name in enumerate(names)]


def image_html(a, classic, rng):
    """An image of attachment `a` as WordPress's editor writes it."""
    src, width, height = a.url, a.width, a.height
    if rng.random() < 0.15 and a.sizes:
        # Some editors picked a smaller size.
        name, suffix, width, height, _ = rng.choice(a.sizes)
        src = a.url[:-4] + suffix + ".jpg"
    if classic:
        img = ('<img class="size-full wp-image-%d" src="%s" alt="%s" width="%d" height="%d" />'
               % (a.id, src, a.alt, width, height))
        if a.caption and SHORTCODES:
            return ('[caption id="attachment_%d" align="aligncenter" width="%d"]%s %s[/caption]'
                    % (a.id, width, img, a.caption))
        return img
    caption = ('<figcaption class="wp-element-caption">%s</figcaption>' % a.caption
               if a.caption else "")
    return ('<!-- wp:image {"id":%d,"sizeSlug":"full","linkDestination":"none"} -->\n'
            '<figure class="wp-block-image size-full"><img src="%s" alt="%s" class="wp-image-%d"/>'
            '%s</figure>\n<!-- /wp:image -->' % (a.id, src, a.alt, a.id, caption))


def inline_markup(w, r, text, recent, all_ids):
    """Bold, a link to another post (pretty or ?p= form), now and then."""
    k = r.random()
    if k < 0.08:
        words = text.split(" ")
        if len(words) < 3:
            return text
        j = r.randrange(0, len(words) - 2)
        words[j] = "<strong>" + words[j]
        words[j + 1] = words[j + 1] + "</strong>"
        return " ".join(words)
    if k < 0.12 and recent:
        link, title = r.choice(recent)
        return text + ' <a href="%s">%s</a>' % (link, title)
    if k < 0.13:
        return text + ' (<a href="%s/?p=%d">%s</a>)' % (SITE, r.choice(all_ids), w.words(2, 3))
    return text


def post_body(w, r, image, recent, all_ids):
    """300-600 words of classic or block content."""
    target = r.randint(300, 600)
    classic = r.random() < 0.5
    parts = []
    count = 0
    image_at = r.randint(0, 2) if image else -1
    video_at = r.randint(1, 4) if r.random() < 0.06 else -1
    n = 0
    while count < target:
        text = w.paragraph(r.randint(2, 5))
        count += text.count(" ") + 1
        text = inline_markup(w, r, text, recent, all_ids)
        if classic:
            parts.append(text)
        else:
            parts.append("<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->" % text)
        if n == image_at:
            parts.append(image_html(image, classic, r))
        if n == video_at:
            url = "https://www.youtube.com/watch?v=" + youtube_id(r)
            if classic:
                bare = r.random() < 0.7 or not SHORTCODES
                parts.append(url if bare else "[embed]%s[/embed]" % url)
            else:
                parts.append(
                    '<!-- wp:embed {"url":"%s","type":"video","providerNameSlug":"youtube",'
                    '"responsive":true,"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"}'
                    ' -->\n<figure class="wp-block-embed is-type-video is-provider-youtube '
                    'wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio">'
                    '<div class="wp-block-embed__wrapper">\n%s\n</div></figure>\n'
                    '<!-- /wp:embed -->' % (url, url))
        k = r.random()
        if k < 0.08:
            heading = w.words(2, 5)
            if classic:
                parts.append("<h3>%s</h3>" % heading)
            elif r.random() < 0.5:
                parts.append("<!-- wp:heading -->\n<h2>%s</h2>\n<!-- /wp:heading -->" % heading)
            else:
                parts.append('<!-- wp:heading {"level":3} -->\n<h3>%s</h3>\n'
                             '<!-- /wp:heading -->' % heading)
        elif k < 0.12:
            items = "".join("<li>%s</li>" % w.words(2, 6) for _ in range(r.randint(3, 5)))
            ordered = r.random() < 0.3
            tag = "ol" if ordered else "ul"
            if classic:
                parts.append("<%s>\n%s\n</%s>" % (tag, items.replace("</li>", "</li>\n")
                                                  .rstrip("\n"), tag))
            else:
                parts.append("<!-- wp:list%s -->\n<%s>%s</%s>\n<!-- /wp:list -->"
                             % (' {"ordered":true}' if ordered else "", tag, items, tag))
        elif k < 0.14 and not classic:
            parts.append('<!-- wp:quote -->\n<blockquote class="wp-block-quote">'
                         '<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->'
                         '<cite>%s</cite></blockquote>\n<!-- /wp:quote -->'
                         % (w.sentence(), w.name()))
        n += 1
    return "\n\n".join(parts)


def caricature_body(w, a):
    return "%s\n\n%s" % (image_html(a, True, random.Random(a.id)), w.sentence())


def make_comments(r, w, when, author, comment_ids):
    out = []
    ids = []
    t = when
    for k in range(r.randint(1, 5)):
        t = min(t + timedelta(seconds=r.randint(300, 2 * 86400)), EXPORTED)
        cid = next(comment_ids)
        parent = r.choice(ids) if ids and r.random() < 0.3 else 0
        if r.random() < 0.1:
            login, display, _, _, email = AUTHORS[author]
            name, user_id, url = display, author + 1, SITE
        else:
            name, email, user_id = w.name(), "reader%d@example.net" % cid, 0
            url = "https://blog.example.org/%d" % cid if r.random() < 0.2 else ""
        out.append(
            "\t\t\t\t\t<wp:comment>\n"
            "\t\t\t<wp:comment_id>%d</wp:comment_id>\n"
            "\t\t\t<wp:comment_author>%s</wp:comment_author>\n"
            "\t\t\t<wp:comment_author_email>%s</wp:comment_author_email>\n"
            "\t\t\t<wp:comment_author_url>%s</wp:comment_author_url>\n"
            "\t\t\t<wp:comment_author_IP>%s</wp:comment_author_IP>\n"
            "\t\t\t<wp:comment_date>%s</wp:comment_date>\n"
            "\t\t\t<wp:comment_date_gmt>%s</wp:comment_date_gmt>\n"
            "\t\t\t<wp:comment_content>%s</wp:comment_content>\n"
            "\t\t\t<wp:comment_approved>%s</wp:comment_approved>\n"
            "\t\t\t<wp:comment_type>%s</wp:comment_type>\n"
            "\t\t\t<wp:comment_parent>%d</wp:comment_parent>\n"
            "\t\t\t<wp:comment_user_id>%d</wp:comment_user_id>\n"
            "\t\t\t\t\t\t\t</wp:comment>\n"
            % (cid, cdata(name), cdata(email), url,
               cdata("192.0.2.%d" % (cid % 250 + 1)), cdata(mysql(local(t))), cdata(mysql(t)),
               cdata(w.paragraph(r.randint(1, 2))), cdata("1" if r.random() < 0.9 else "0"),
               cdata("comment"), parent, user_id))
        ids.append(cid)
    return "".join(out)


def write_pages(write, r):
    w = Writer(r)
    start = EXPORTED - SPAN - timedelta(days=20)
    paths = []  # each page's address below the site, with its parents'
    for k, (title, parent, shortcode) in enumerate(PAGES):
        page_id = 2 + 2 * k
        when = start + timedelta(days=k * 17, seconds=r.randint(0, 86400))
        slug = sanitize_title(title)
        path = (paths[parent] if parent is not None else "") + slug + "/"
        paths.append(path)
        paragraphs = [w.paragraph(r.randint(2, 4)) for _ in range(r.randint(2, 6))]
        if shortcode and SHORTCODES:
            paragraphs.append(shortcode)
        if k % 2:
            body = "\n\n".join(paragraphs)
        else:
            body = "\n\n".join("<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->" % p
                               for p in paragraphs)
        loc = local(when)
        write(item(
            title=title, link="%s/%s" % (SITE, path), pubdate=rfc822(when), creator="admin",
            guid="%s/?page_id=%d" % (SITE, page_id), content=body, excerpt="", post_id=page_id,
            date=mysql(loc), date_gmt=mysql(when), modified=mysql(loc), modified_gmt=mysql(when),
            comment_status="closed", ping_status="closed", name=slug, status="publish",
            parent=2 + 2 * parent if parent is not None else 0, post_type="page", sticky=0,
            attachment_url=None, terms=(), meta=[], comments="", menu_order=k).encode())


def item(*, title, link, pubdate, creator, guid, content, excerpt, post_id, date, date_gmt,
         modified, modified_gmt, comment_status, ping_status, name, status, parent, post_type,
         sticky, attachment_url, terms, meta, comments, menu_order=0):
    parts = [
        "\t\t<item>\n",
        "\t\t<title>%s</title>\n" % cdata(title),
        "\t\t<link>%s</link>\n" % link,
        "\t\t<pubDate>%s</pubDate>\n" % pubdate,
        "\t\t<dc:creator>%s</dc:creator>\n" % cdata(creator),
        '\t\t<guid isPermaLink="false">%s</guid>\n' % guid,
        "\t\t<description></description>\n",
        "\t\t<content:encoded>%s</content:encoded>\n" % cdata(content),
        "\t\t<excerpt:encoded>%s</excerpt:encoded>\n" % cdata(excerpt),
        "\t\t<wp:post_id>%d</wp:post_id>\n" % post_id,
        "\t\t<wp:post_date>%s</wp:post_date>\n" % cdata(date),
        "\t\t<wp:post_date_gmt>%s</wp:post_date_gmt>\n" % cdata(date_gmt),
        "\t\t<wp:post_modified>%s</wp:post_modified>\n" % cdata(modified),
        "\t\t<wp:post_modified_gmt>%s</wp:post_modified_gmt>\n" % cdata(modified_gmt),
        "\t\t<wp:comment_status>%s</wp:comment_status>\n" % cdata(comment_status),
        "\t\t<wp:ping_status>%s</wp:ping_status>\n" % cdata(ping_status),
        "\t\t<wp:post_name>%s</wp:post_name>\n" % cdata(name),
        "\t\t<wp:status>%s</wp:status>\n" % cdata(status),
        "\t\t<wp:post_parent>%d</wp:post_parent>\n" % parent,
        "\t\t<wp:menu_order>%d</wp:menu_order>\n" % menu_order,
        "\t\t<wp:post_type>%s</wp:post_type>\n" % cdata(post_type),
        "\t\t<wp:post_password>%s</wp:post_password>\n" % cdata(""),
        "\t\t<wp:is_sticky>%d</wp:is_sticky>\n" % sticky,
    ]
    if attachment_url:
        parts.append("\t\t\t\t\t\t<wp:attachment_url>%s</wp:attachment_url>\n"
                     % cdata(attachment_url))
    for domain, nicename, term_name in terms:
        parts.append('\t\t<category domain="%s" nicename="%s">%s</category>\n'
                     % (domain, nicename, cdata(term_name)))
    for key, value in meta:
        parts.append("\t\t\t\t\t\t\t<wp:postmeta>\n\t\t<wp:meta_key>%s</wp:meta_key>\n"
                     "\t\t<wp:meta_value>%s</wp:meta_value>\n\t\t</wp:postmeta>\n"
                     % (cdata(key), cdata(value)))
    parts.append(comments)
    parts.append("\t\t\t\t\t</item>\n")
    return "".join(parts)


HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<!-- It contains information about your site's posts, pages, comments, categories, and other content. -->
<!-- You may use this file to transfer that content from one site to another. -->
<!-- This file is not intended to serve as a complete backup of your site. -->

<!-- To import this information into a WordPress site follow these steps: -->
<!-- 1. Log in to that site as an administrator. -->
<!-- 2. Go to Tools: Import in the WordPress admin panel. -->
<!-- 3. Install the "WordPress" importer from the list. -->
<!-- 4. Activate & Run Importer. -->
<!-- 5. Upload this file using the form provided on that page. -->
<!-- 6. You will first be asked to map the authors in this export file to users -->
<!--    on the site. For each author, you may choose to map to an -->
<!--    existing user on the site or to create a new user. -->
<!-- 7. WordPress will then import each of the posts, pages, comments, categories, etc. -->
<!--    contained in this file into your site. -->

\t<!-- generator="WordPress/6.1.9" created="{created}" -->
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>

<channel>
\t<title>{title}</title>
\t<link>{site}</link>
\t<description>{description}</description>
\t<pubDate>{pubdate}</pubDate>
\t<language>ar</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>{site}</wp:base_site_url>
\t<wp:base_blog_url>{site}</wp:base_blog_url>

\t"""

if __name__ == "__main__":
    main()
