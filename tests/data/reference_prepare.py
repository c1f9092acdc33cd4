"""Oracle for the data-preparation e2e test: the reference pipeline (spec §4-§6) restated
with Python's own modules (json, random, pickle, hashlib, PyYAML, Jinja2 configured as
transformers configures it) and token ids from the real HF tokenizers (node oracle).
Writes the expected files into OUT_DIR.

usage: reference_prepare.py CONFIG OUT_DIR NODE_ORACLE_SCRIPT
Run from the folder the config's relative paths are relative to."""
import hashlib
import json
import os
import pickle
import random
import re
import struct
import subprocess
import sys
import tempfile

import jinja2.sandbox
import yaml


def load_yaml(path):
    class Loader(yaml.SafeLoader):
        pass
    # OmegaConf's extra float rule: 1e-5 is a float.
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(\d[\d_]*)?\.?\d*[eE][-+]?\d+$"), list("-+0123456789."))
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=Loader)

    def lookup(path):
        node = data
        for part in path.split("."):
            node = node[part]
        return node

    def resolve(node):
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        if isinstance(node, str):
            m = re.fullmatch(r"\$\{([^}:]+)\}", node)
            if m:
                return resolve(lookup(m.group(1)))
        return node
    return resolve(data)


def render_env():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def vocab_id(tokenizer_json, token):
    for added in tokenizer_json.get("added_tokens", []):
        if added["content"] == token:
            return added["id"]
    return tokenizer_json["model"]["vocab"].get(token)


def main(config_path, out_dir, node_script):
    config = load_yaml(config_path)
    settings = config["settings"]
    with open(config_path, "rb") as f:
        hash7 = hashlib.sha256(f.read()).hexdigest()[:7]
    dst = settings["dst_path"]
    stem, suffix = os.path.splitext(os.path.basename(dst))
    weights = [settings["split_config"]["splitting"][p] for p in ("train", "val", "test")]
    random.seed(settings["split_config"]["seed"])
    template = render_env().from_string(config["jinja2_chat_template"].replace("}\n{", "}{"))
    roles = config["instruction_data_transformation"]["role_mapping"]
    parts = {p: [] for p, w in zip(("train", "val", "test"), weights) if w != 0}
    with open(settings["src_path"], encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            part = random.choices(("train", "val", "test"), weights=weights)[0]
            for turn in record[settings["messages_key"]]:
                for key in ("role", "from"):
                    if key in turn:
                        turn[key] = roles[turn[key]]
            record["chat"] = template.render(messages=record[settings["messages_key"]],
                                             chat_template_data=config["chat_template_data"])
            parts[part].append(json.dumps(record, ensure_ascii=False) + "\n")
    os.makedirs(out_dir, exist_ok=True)
    final_dir = os.path.join(os.path.dirname(dst), os.path.basename(os.path.splitext(settings["src_path"])[0]) + "_" + hash7)
    for part, lines in parts.items():
        name = f"{stem}_{part}.{hash7}"
        with open(os.path.join(out_dir, name + suffix), "w", encoding="utf-8") as f:
            f.writelines(lines)
        if not lines:
            continue
        index, offset = [], 0
        for line in lines:
            n = len(line.encode("utf-8")) - 1
            index.append((offset, n))
            offset += n + 1
        with open(os.path.join(out_dir, name + ".idx"), "wb") as f:
            f.write(pickle.dumps(index, protocol=4))
        pbin_config = load_yaml(settings["pbin_creation_config_file_path"])
        pbin_config["settings"]["src_path"] = os.path.join(final_dir, name + suffix)
        pbin_config["settings"]["index_path"] = os.path.join(final_dir, name + ".idx")
        pbin_config["settings"]["dst_path"] = os.path.join(final_dir, name + ".pbin")
        with open(os.path.join(out_dir, f"pbin_config_{part}.{hash7}.yaml"), "w", encoding="utf-8") as f:
            f.write(yaml.dump(pbin_config, allow_unicode=True))
        tok_cfg = pbin_config["tokenizer"]["config"]
        tok_path = os.path.join(tok_cfg["pretrained_model_name_or_path"], "tokenizer.json")
        with open(tok_path, encoding="utf-8") as f:
            tokenizer_json = json.load(f)
        specials = tok_cfg.get("special_tokens") or {}
        special_list = [v for k, v in specials.items() if k != "additional_special_tokens"]
        special_list += specials.get("additional_special_tokens", [])
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as corpus:
            for line in lines:
                corpus.write(json.dumps({"text": json.loads(line)["chat"]}) + "\n")
        result = subprocess.run(["node", node_script, tok_path, corpus.name, json.dumps(special_list)],
                                capture_output=True, text=True, check=True)
        os.unlink(corpus.name)
        encodings = [json.loads(l)["ids"] for l in result.stdout.split("\n") if l]
        max_length = tok_cfg.get("max_length")
        pad_id = vocab_id(tokenizer_json, specials["pad_token"]) if "pad_token" in specials else None
        eod = vocab_id(tokenizer_json, pbin_config["settings"]["eod_token"])
        vocab_size = len(tokenizer_json["model"]["vocab"])
        width = {1: 1, 2: 2, 3: 4, 4: 4}[max(1, ((vocab_size - 1).bit_length() + 7) // 8)]
        fmt = {1: "B", 2: "H", 4: "I"}[width]
        data, docs = b"", []
        for ids in encodings:
            if tok_cfg.get("truncation") and max_length is not None:
                ids = ids[:max_length]
            if tok_cfg.get("padding") == "max_length" and max_length is not None:
                ids = ids + [pad_id] * (max_length - len(ids))
            if ids[-1] != eod:
                ids = ids + [eod]
            blob = struct.pack("<%d%s" % (len(ids), fmt), *ids)
            docs.append((len(data), len(blob)))
            data += blob
        with open(os.path.join(out_dir, name + ".pbin"), "wb") as f:
            f.write(struct.pack("<QI", len(data), width) + data + pickle.dumps(docs, protocol=4))


if __name__ == "__main__":
    main(*sys.argv[1:4])
