#!/usr/bin/python3
"""Oracle for `instill tokenize_chat`: Python Jinja2 configured as transformers does, and the
mask rule of issue 16 written out independently in characters.

  chat_mask_oracle.py render TOKENIZER_DIR CONVERSATIONS.jsonl [TEMPLATE.jinja] [--generation-prompt]
      one line per conversation: {"text": render, "replies": [[b, e], ...],
      "last": [[b, e]]} (character offsets) or {"error": message}
  chat_mask_oracle.py mask TOKENIZER_DIR RENDERS.jsonl ENCODINGS.jsonl
      ENCODINGS: the HF tokenizers oracle's {"ids", "offsets"} of each render (no special tokens
      added); one line per conversation: {"assistant": {"ids", "trainable"},
      "last_assistant": {...}, "all": {...}} or {"error": message}

A reply's span: where the render differs from the render with that message replaced by
{"role": "assistant", "content": P} (P a private-use character found nowhere in the
conversation or template), bounded by the longest common prefix and suffix; or the
{% generation %} blocks when the template has them. A token is trainable when its first
character lies in a span; the first token starting at or after a span's end is trainable too
when it is a special token.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jinja"))
import jinja_oracle  # noqa: E402

import jinja2  # noqa: E402
from jinja2 import nodes  # noqa: E402
from jinja2.ext import Extension  # noqa: E402
from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

OPEN, CLOSE = "\U000F0000", "\U000F0001"  # plane-15 private use: generation block bounds


class RecordingGenerationTag(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_wrap"), [], [], body).set_lineno(lineno)

    def _wrap(self, caller):
        return OPEN + caller() + CLOSE


def environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=[RecordingGenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = jinja_oracle.tojson
    env.globals["raise_exception"] = jinja_oracle.raise_exception
    env.globals["strftime_now"] = jinja_oracle.strftime_now
    return env


def token_content(value):
    if isinstance(value, dict):
        return value.get("content")
    return value


def folder_settings(folder):
    """(template, special tokens map) with transformers' precedence."""
    special = {}
    config = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if name == "tokenizer_config.json":
                config = data
            for kind in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                         "cls_token", "mask_token"):
                if kind in data:
                    content = token_content(data[kind])
                    if content is None:
                        special.pop(kind, None)
                    else:
                        special[kind] = content
            if data.get("additional_special_tokens"):
                special["additional_special_tokens"] = [
                    token_content(t) for t in data["additional_special_tokens"]]
    template = config.get("chat_template")
    if isinstance(template, list):
        template = {t["name"]: t["template"] for t in template}.get("default")
    jinja_file = os.path.join(folder, "chat_template.jinja")
    if os.path.exists(jinja_file):
        with open(jinja_file, encoding="utf-8") as f:
            template = f.read()
    return template, special


def strip_generation_marks(text):
    spans, out, pos = [], [], 0
    for piece in re.split("(" + OPEN + "|" + CLOSE + ")", text):
        if piece == OPEN:
            spans.append([pos, None])
        elif piece == CLOSE:
            spans[-1][1] = pos
        else:
            out.append(piece)
            pos += len(piece)
    return "".join(out), spans


def differing_span(a, b):
    limit = min(len(a), len(b))
    prefix = 0
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    return [prefix, len(a) - suffix]


def placeholder_for(conversation, source):
    seen = json.dumps(conversation, ensure_ascii=False) + source
    for cp in range(0xE000, 0xF900):
        if chr(cp) not in seen:
            return chr(cp)
    raise RuntimeError("no placeholder left")


def render_one(template, source, special, conversation, generation_prompt):
    context = dict(special)
    context.update(conversation)
    context["add_generation_prompt"] = generation_prompt
    text, generation = strip_generation_marks(template.render(**context))
    if "generation" in re.findall(r"\{%-?\s*(generation)\s*-?%\}", source):
        replies = generation
    else:
        replies = []
        placeholder = placeholder_for(conversation, source)
        for i, message in enumerate(conversation["messages"]):
            if message.get("role") != "assistant":
                continue
            messages = list(conversation["messages"])
            messages[i] = {"role": "assistant", "content": placeholder}
            other, _ = strip_generation_marks(template.render(**dict(context, messages=messages)))
            replies.append(differing_span(text, other))
    return {"text": text, "replies": replies, "last": replies[-1:]}


def render(folder, conversations_path, template_path, generation_prompt):
    source, special = folder_settings(folder)
    if template_path:
        with open(template_path, encoding="utf-8") as f:
            source = f.read()
    template = environment().from_string(source)
    with open(conversations_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                result = render_one(template, source, special, json.loads(line),
                                    generation_prompt)
            except Exception as e:  # the template's own raise_exception, a missing key, ...
                result = {"error": str(e)}
            print(json.dumps(result, ensure_ascii=False))


def special_ids(folder):
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        ids = {t["id"] for t in json.load(f)["added_tokens"] if t.get("special")}
    config = os.path.join(folder, "tokenizer_config.json")
    if os.path.exists(config):
        with open(config, encoding="utf-8") as f:
            for key, token in json.load(f).get("added_tokens_decoder", {}).items():
                if token.get("special"):
                    ids.add(int(key))
    return ids


def trainable(ids, offsets, spans, special):
    starts = [o[0] for o in offsets]
    mask = [0] * len(ids)
    for begin, end in spans:
        inside = [k for k, s in enumerate(starts) if begin <= s < end]
        for k in inside:
            mask[k] = 1
        after = [k for k, s in enumerate(starts) if s >= end]
        if after and ids[after[0]] in special:
            mask[after[0]] = 1
    return mask


def mask(folder, renders_path, encodings_path):
    special = special_ids(folder)
    with open(renders_path, encoding="utf-8") as f:
        renders = [json.loads(line) for line in f if line.strip()]
    with open(encodings_path, encoding="utf-8") as f:
        encodings = [json.loads(line) for line in f if line.strip()]
    assert len(renders) == len(encodings), (len(renders), len(encodings))
    for render_result, encoding in zip(renders, encodings):
        if "error" in render_result:
            print(json.dumps(render_result))
            continue
        ids, offsets = encoding["ids"], encoding["offsets"]
        print(json.dumps({
            "assistant": {"ids": ids,
                          "trainable": trainable(ids, offsets, render_result["replies"], special)},
            "last_assistant": {"ids": ids,
                               "trainable": trainable(ids, offsets, render_result["last"],
                                                      special)},
            "all": {"ids": ids, "trainable": [1] * len(ids)},
        }))


def main(argv):
    if argv[1] == "render":
        rest = [a for a in argv[4:] if a != "--generation-prompt"]
        render(argv[2], argv[3], rest[0] if rest else None, "--generation-prompt" in argv)
    elif argv[1] == "mask":
        mask(argv[2], argv[3], argv[4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
