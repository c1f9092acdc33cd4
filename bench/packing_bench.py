#!/usr/bin/env python3
"""Packed SFT vs the reference's padded recipe: trainable tokens per second, one run.

Both recipes train the tutorial's model (examples/instruction_tuning/configs) with the same
threads. Two data sets:
  * tutorial-256: the demo conversations prepared as the tutorial does (padded to 256);
    the padded recipe is train_config.yaml, the packed one train_config_packed.yaml (both
    micro-batches of 4 rows), and the packed one once more with rows of one per micro-batch.
  * mix-2048: synthetic conversations whose lengths follow public chat data (log-normal, median
    about 300 tokens, a long tail up to the full 2048 context), written padded to 2048 as
    prepare_instruction_tuning_data would; both recipes at sequence length 2048, micro-batch 1.
Reported per recipe: the median of "train trainable tokens/s" over the logged intervals (the
first, with warm-up, left out), the padded run's padding share, the ideal speed-up
1 / (1 - padding share) beside the measured one, and the peak memory.

Usage: /usr/bin/python3 bench/packing_bench.py BUILD_DIR [--quick]
"""
import json
import math
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "examples", "instruction_tuning", "configs")
THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
TOKENIZER = os.environ.get("INSTILL_DEMO_TOKENIZER", os.path.join(ROOT, ".deps", "tokenizers", "gpt2"))


def sh(cmd, env=None):
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return r.stdout


def prepare_tutorial(binary, work):
    cfg = open(os.path.join(CONFIGS, "apply_chat_template_config.yaml")).read()
    cfg = cfg.replace("out_dir: out/demo/prepared_data", f"out_dir: {work}/prepared")
    with open(os.path.join(work, "apply.yaml"), "w") as f:
        f.write(cfg)
    with open(os.path.join(work, "packed_chat_dataset_config.yaml"), "w") as f:
        f.write(open(os.path.join(CONFIGS, "packed_chat_dataset_config.yaml")).read())
    sh([binary, "data", "prepare_instruction_tuning_data", "--quiet", "--config_file_path",
        os.path.join(work, "apply.yaml")])
    found = {}
    for d, _, files in os.walk(os.path.join(work, "prepared")):
        for n in files:
            if n.endswith(".pbin"):
                found["train" if "_train." in n else "test"] = os.path.join(d, n)
    return found["train"], found["test"]


def write_pbin(path, docs):
    data = bytearray()
    index = []
    for d in docs:
        index.append((len(data), 2 * len(d)))
        for t in d:
            data += t.to_bytes(2, "little")
    with open(path, "wb") as f:
        f.write(len(data).to_bytes(8, "little") + (2).to_bytes(4, "little") + bytes(data))
        f.write(pickle.dumps(index, protocol=4))


def length_mix_pbin(path, n, seq, seed=0):
    """Conversations: a user part, ^ reply $, EOD; padded with EOD to `seq` (GPT-2 ids)."""
    vocab = json.load(open(os.path.join(TOKENIZER, "vocab.json"), encoding="utf-8"))
    begin, end, eod = vocab["^"], vocab["$"], vocab["<|endoftext|>"]
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        length = min(seq, max(8, int(rng.lognormvariate(math.log(300), 1.0))))
        user = rng.randint(2, max(2, length // 3))
        reply = length - user - 3
        body = [rng.randint(300, 40000) for _ in range(user)] + [begin]
        body += [rng.randint(300, 40000) for _ in range(reply)] + [end, eod]
        docs.append(body + [eod] * (seq - len(body)))
    write_pbin(path, docs)


def config_variant(name, work, seq=None, mbs=None, log_every=None):
    text = open(os.path.join(CONFIGS, name)).read()
    if seq is not None:
        text = re.sub(r"(\n    sequence_length:) 256\n", rf"\1 {seq}\n", text)
    if mbs is not None:
        text = re.sub(r"local_train_micro_batch_size: \d+", f"local_train_micro_batch_size: {mbs}", text)
    if log_every is not None:
        text = re.sub(r"training_log_interval_in_steps: \d+", f"training_log_interval_in_steps: {log_every}", text)
        for key in ("checkpointing_interval_in_steps", "evaluation_interval_in_steps"):
            text = re.sub(rf"{key}: \d+", f"{key}: 1000000", text)
        text = text.replace("enforce_last_step_logged: true", "enforce_last_step_logged: false")
    out = os.path.join(work, f"{name}.{seq}.{mbs}.yaml")
    with open(out, "w") as f:
        f.write(text)
    return out


def train(binary, config, train_pbin, test_pbin, work, tag):
    env = dict(os.environ, INSTILL_TRAIN_PBIN=train_pbin, INSTILL_EVAL_PBIN=test_pbin,
               INSTILL_DEMO_TOKENIZER=TOKENIZER)
    sh([binary, "run", "--config_file_path", config, "--experiments_root_path", work,
        "--experiment_id", tag, "--device", "cpu", "--threads", str(THREADS)], env)
    rows = [json.loads(l) for l in open(os.path.join(work, tag, "metrics.jsonl"))]
    train_rows = [r for r in rows if r["tag"] == "train"]
    rates = [r["train trainable tokens/s"] for r in train_rows[1:]] or [train_rows[0]["train trainable tokens/s"]]
    return {"trainable_tokens_per_s": statistics.median(rates),
            "padding_share": statistics.median(r["train padding share"] for r in train_rows),
            "peak_memory_mb": max(r["peak memory rank 0 (MB)"] for r in train_rows),
            "steps": train_rows[-1]["step"]}


def compare(label, padded, packed):
    ideal = 1.0 / (1.0 - padded["padding_share"])
    measured = packed["trainable_tokens_per_s"] / padded["trainable_tokens_per_s"]
    print(f"| {label} | {padded['trainable_tokens_per_s']:.0f} | {packed['trainable_tokens_per_s']:.0f} "
          f"| **{measured:.2f}x** | {ideal:.2f}x | {padded['padding_share']:.3f} "
          f"| {padded['peak_memory_mb']:.0f} / {packed['peak_memory_mb']:.0f} "
          f"| {padded['steps']} / {packed['steps']} |")
    return measured


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    quick = "--quick" in sys.argv
    binary = os.path.join(build, "instill")
    print(f"threads {THREADS}; trainable tokens/s: median over logged intervals")
    print("| data | padded recipe | packed (bfd) | packed / padded | ideal 1/(1-pad) | padding share (padded) "
          "| peak MB padded / packed | steps padded / packed |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        train_pbin, test_pbin = prepare_tutorial(binary, work)
        padded = train(binary, config_variant("train_config.yaml", work, log_every=3), train_pbin,
                       test_pbin, work, "padded256")
        packed = train(binary, config_variant("train_config_packed.yaml", work, log_every=1),
                       train_pbin, test_pbin, work, "packed256")
        compare("tutorial, 256", padded, packed)
        # One packed row per optimizer step: 45 steps instead of 11, each with its fixed costs.
        packed1 = train(binary, config_variant("train_config_packed.yaml", work, None, 1, 3),
                        train_pbin, test_pbin, work, "packed256mbs1")
        compare("tutorial, 256, packed micro-batch 1", padded, packed1)
        mix = os.path.join(work, "mix.pbin")
        length_mix_pbin(mix, 40 if quick else 160, 2048)
        padded = train(binary, config_variant("train_config.yaml", work, 2048, 1, 4), mix, mix, work,
                       "padded2048")
        packed = train(binary, config_variant("train_config_packed.yaml", work, 2048, 1, 2), mix, mix,
                       work, "packed2048")
        compare("length mix, 2048", padded, packed)


if __name__ == "__main__":
    main()
