#!/usr/bin/env python3
"""Writes conformance_corpus.jsonl: hand-picked hard cases for tokenizer conformance plus
deterministic random mixes of them. Run from anywhere; rewrites the file next to it."""
import json
import os
import random

CASES = [
    "",
    " ",
    "  ",
    "Hello world",
    " Hello world",
    "Hello  world   with    spaces",
    "Hello, world! How are you today? I'm fine; thanks: (really) [yes] {no} <maybe>",
    "The quick brown fox jumps over the lazy dog.",
    # contractions in every case
    "it's they'll we've I'm he'd don't you're",
    "IT'S THEY'LL WE'VE I'M HE'D DON'T YOU'RE",
    "It'S They'Ll We'Ve I'M He'D Don'T You'Re 'S 'LL 'VE 'RE 'M 'D 'T",
    "'s's'S'll'LL''''' ' s 'x 'stop",
    "rock'n'roll o'clock y'all ma'am",
    # whitespace runs, tabs, newlines, CRLF
    "a\tb\t\tc\t \td",
    "line1\nline2\n\nline4\n\n\n\nline8",
    "windows\r\nline\r\n\r\nend\r\n",
    "trailing spaces   ",
    "   leading spaces",
    "\n\n\n",
    "mixed \t\n \r\n\t  whitespace \u00a0nbsp\u2003em\u3000ideographic",
    " \n x",
    "a \nb  \n  c",
    "tab\tthen letter\tX",
    "                                                                                end",
    # digits and numbers
    "1 12 123 1234 12345 123456 1234567890",
    "3.14159 2,718,281 -42 +7 1e10 0x1F 007",
    "phone: +1 (555) 123-4567, year 2024, 99.9%",
    "١٢٣٤٥ ۱۲۳ ४५६ 一二三 ⅠⅡⅢ ½ ²³",
    "12345678901234567890123456789012345678901234567890",
    # scripts
    "Привет, как дела? Всё хорошо.",
    "Γειά σου Κόσμε! Ελληνικά.",
    "שלום עולם! עברית",
    "مرحبا بالعالم! هذا نص عربي.",
    "नमस्ते दुनिया! हिन्दी पाठ।",
    "こんにちは世界！日本語のテキストです。カタカナ、ひらがな。",
    "你好，世界！这是中文文本。繁體中文測試。",
    "안녕하세요 세계! 한국어 텍스트입니다.",
    "สวัสดีชาวโลก ภาษาไทย",
    "Xin chào thế giới! Tiếng Việt có dấu.",
    "Ça va? Français: élève, où, çà, œuvre. Deutsch: Größe, Straße, Äpfel.",
    "Türkçe: İstanbul, ışık, İĞÜŞÖÇ. Polski: zażółć gęślą jaźń.",
    "ქართული ენა Հայերեն լեզու ᎠᏂᏴᏫᏯ ᚠᚢᚦᚨᚱᚲ",
    # emoji
    "I love 🍕 and 🎉! 😀😃😄",
    "family: 👨‍👩‍👧‍👦 couple: 👩‍❤️‍👨 flag: 🇩🇪🇺🇸 skin: 👍🏽👋🏿🧑🏻‍💻",
    "keycap 1️⃣ #️⃣ heart ❤️ vs ❤",
    # combining marks and NFD input
    "e\u0301cole cafe\u0301 nai\u0308ve A\u030angstro\u0308m",
    "\u1e9b\u0323 \u0041\u030a \u212b \u2126 ﬁ ﬀ ① ㈱ ｆｕｌｌｗｉｄｔｈ",
    "Zalgo: Z\u0351\u036b\u0343a\u0310\u0360l\u0352g\u0344o\u033e",
    # code
    "def foo(x):\n    return x ** 2  # square\n\nprint(foo(3))",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }  // C++",
    "<html><body class=\"main\">Hi &amp; bye</body></html>",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
    "const f = async () => { await fetch('/api?x=1&y=2'); };",
    "    indented\n        more\n\t\ttabs",
    "url: https://example.com/path?q=a+b#frag email: a.b@c.de",
    "{\"json\": [1, 2, {\"k\": null}], \"esc\": \"\\n\"}",
    # special token strings inside text
    "<|endoftext|>",
    "Hello<|endoftext|>world",
    "Hello <|endoftext|> world",
    "<|endoftext|><|endoftext|>  <|endoftext|>",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "<s>[INST] Hello [/INST] Hi </s><s>again</s>",
    "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
    "<unk> <pad> <mask> [CLS] [SEP]",
    "almost special: <|endoftext| <|im_start <s <bos",
    "User1: What is up?\nAssistant:^Hello! How can I help?\n°$User2: bye\n°$",
    "^$° ^ $ ° ^^$$°°",
    # very long words
    "a" * 300,
    "supercalifragilisticexpialidocious" * 8,
    "x" + "y" * 1000 + "z",
    "🎉" * 50,
    "ab" * 400,
    # misc symbols and punctuation
    "!!! ??? ... --- ___ *** ### @@@ ~~~ ``` |||",
    "“Smart quotes” ‘single’ «guillemets» „low“ — em – en … ellipsis",
    "Math: ∑ ∫ √ ∞ ≠ ≤ ≥ ± × ÷ ∂ ∇ ∈ ∉ ⊂ ⊃ ∀ ∃ α β γ",
    "Currency: $100 €50 £20 ¥1000 ₹500 ₿0.5",
    "\u200b zero\u200bwidth \u200c\u200d joiners \ufeff bom",
    "control chars: \u0001\u0002\u0007\u001b[0m",
    "soft\u00adhyphen and\u2028line sep\u2029para sep\u0085nel",
    "mongolian\u180evowel",
    "Ǆǅǆ ǈ ß ẞ ﬃ ſ 'ſ 'K",
    "private use \ue000\uf8ff and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𓀀",
    "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS !@#",
    "MiXeD cAsE wOrDs AnD iDeNtIfIeRs_like_this camelCaseToo",
]


def main():
    rng = random.Random(1234)
    lines = list(CASES)
    pieces = [c for c in CASES if c]
    for _ in range(120):
        k = rng.randint(2, 6)
        sep = rng.choice(["", " ", "\n", "  ", "\t", " \n"])
        lines.append(sep.join(rng.choice(pieces)[: rng.randint(1, 80)] for _ in range(k)))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "conformance_corpus.jsonl"), "w", encoding="utf-8") as f:
        for text in lines:
            f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
