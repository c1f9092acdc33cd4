#!/usr/bin/env python3
"""Generates the tokenizer benchmark corpus (JSONL, {"text": ...} per line, ~SIZE_MB MB):
English prose from /usr/share/doc, C/C++ code from /usr/include, and synthetic sentences in
fourteen languages/scripts (word lists below) mixed with numbers, punctuation and emoji, plus
the conformance corpus. Deterministic for a given size.
usage: tokenizer_make_corpus.py OUT.jsonl [SIZE_MB=8]"""
import glob
import gzip
import json
import os
import random
import sys

WORDS = {
    "ru": "привет мир это тест текста который написан на русском языке мы любим читать книги и пить чай каждый день в большом городе жизнь быстрая но интересная",
    "zh": "你好 世界 这是 一个 中文 文本 测试 我们 喜欢 读书 喝茶 每天 在 大城市 生活 很快 但是 有趣 人工智能 机器学习 语言模型",
    "ja": "こんにちは 世界 これは 日本語 の テスト です 私たち は 本 を 読む の が 好き 毎日 お茶 を 飲みます 東京 カタカナ ひらがな",
    "ko": "안녕하세요 세계 이것은 한국어 텍스트 테스트입니다 우리는 책을 읽고 차를 마시는 것을 좋아합니다 서울 도시",
    "ar": "مرحبا بالعالم هذا نص عربي للاختبار نحن نحب قراءة الكتب وشرب الشاي كل يوم في المدينة الكبيرة",
    "hi": "नमस्ते दुनिया यह हिन्दी पाठ का परीक्षण है हम हर दिन किताबें पढ़ना और चाय पीना पसंद करते हैं",
    "el": "γειά σου κόσμε αυτό είναι ένα ελληνικό κείμενο δοκιμής μας αρέσει να διαβάζουμε βιβλία",
    "de": "Hallo Welt das ist ein deutscher Testtext wir lesen gerne Bücher und trinken jeden Tag Tee in der großen Stadt Straße Größe Äpfel Übermäßig",
    "fr": "bonjour le monde ceci est un texte français nous aimons lire des livres et boire du thé chaque jour à la ville élève où œuvre",
    "es": "hola mundo este es un texto en español nos gusta leer libros y beber té cada día en la gran ciudad año niño",
    "tr": "merhaba dünya bu bir Türkçe test metnidir her gün kitap okumayı ve çay içmeyi severiz İstanbul ışık",
    "vi": "xin chào thế giới đây là văn bản tiếng Việt chúng tôi thích đọc sách và uống trà mỗi ngày",
    "he": "שלום עולם זהו טקסט בדיקה בעברית אנחנו אוהבים לקרוא ספרים ולשתות תה כל יום",
    "th": "สวัสดี ชาวโลก นี่คือ ข้อความ ภาษาไทย ทดสอบ เรา ชอบ อ่าน หนังสือ ดื่ม ชา ทุกวัน",
}
EMOJI = ["😀", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪", "❤️", "🍕", "🚀"]
PUNCT = [".", ",", "!", "?", ";", ":", " -", " (", ")", "\"", "'"]


def synthetic_paragraph(rng):
    lang = rng.choice(list(WORDS))
    words = WORDS[lang].split()
    out = []
    for _ in range(rng.randint(20, 120)):
        out.append(rng.choice(words))
        r = rng.random()
        if r < 0.08:
            out.append(rng.choice(PUNCT))
        elif r < 0.11:
            out.append(str(rng.randint(0, 10 ** rng.randint(1, 8))))
        elif r < 0.12:
            out.append(rng.choice(EMOJI))
        elif r < 0.13:
            out.append("\n")
    sep = "" if lang in ("zh", "ja", "th") and rng.random() < 0.5 else " "
    return sep.join(out)


def read_text(path, limit):
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            return f.read(limit).decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return None


def chunks(text, rng):
    pos = 0
    while pos < len(text):
        n = rng.randint(500, 4000)
        yield text[pos:pos + n]
        pos += n


def main():
    out_path = sys.argv[1]
    size = int(float(sys.argv[2] if len(sys.argv) > 2 else 8) * 1024 * 1024)
    rng = random.Random(20261128)
    docs = sorted(glob.glob("/usr/share/doc/*/copyright") + glob.glob("/usr/share/doc/*/README*"))
    code = sorted(glob.glob("/usr/include/c++/12/bits/*.h") + glob.glob("/usr/include/*.h"))
    here = os.path.dirname(os.path.abspath(__file__))
    conf = os.path.join(here, "..", "tests", "tokenizer", "conformance_corpus.jsonl")
    with open(conf, encoding="utf-8") as f:
        conformance = [json.loads(l)["text"] for l in f if l.strip()]
    lines, total = [], 0
    sources = [("prose", docs), ("code", code)]
    doc_index = {"prose": 0, "code": 0}
    while total < size:
        kind = rng.random()
        if kind < 0.45:
            text = synthetic_paragraph(rng)
            pieces = [text]
        elif kind < 0.5:
            pieces = [rng.choice(conformance)]
        else:
            name, files = sources[0] if kind < 0.8 else sources[1]
            path = files[doc_index[name] % len(files)]
            doc_index[name] += 1
            text = read_text(path, 64 * 1024)
            if not text:
                continue
            pieces = list(chunks(text, rng))
        for p in pieces:
            if p:
                line = json.dumps({"text": p}, ensure_ascii=False)
                lines.append(line)
                total += len(line.encode("utf-8")) + 1
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
