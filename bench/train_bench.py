#!/usr/bin/env python3
"""Training throughput of `instill run` against a PyTorch eager loop, in one run.

Both train the same GPT-2-style model (the reference's gpt2 architecture) on the same random
tokens with AdamW, OneCycle, gradient clipping, fp32, the same number of threads, batch and
sequence length. instill's tokens/s comes from its metrics.jsonl (one event per step), PyTorch's
from timing each step; the median over steps after the first is reported, and the median of
those over runs. Also measures the machine's sgemm peak (a large fp32 matmul through the same
BLAS) for MFU, and the peak memory of the chunked vs the full-logits loss at a 151k vocabulary.

Usage: /usr/bin/python3 bench/train_bench.py BUILD_DIR [--quick]
"""
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
from torch_reference import GPT2  # noqa: E402  (the independent PyTorch model of the tests)

THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))


def write_pbin(path, docs, token_size):
    data = b"".join(bytes(d) for d in docs)
    index, off = [], 0
    for d in docs:
        index.append((off, len(d)))
        off += len(d)
    with open(path, "wb") as f:
        f.write(len(data).to_bytes(8, "little") + token_size.to_bytes(4, "little") + data)
        f.write(pickle.dumps(index, protocol=4))


def random_pbin(path, n_docs, seq, vocab, seed=0):
    g = torch.Generator().manual_seed(seed)
    size = 2 if vocab <= 65536 else 4
    dtype = torch.int16 if size == 2 else torch.int32
    docs = []
    for _ in range(n_docs):
        t = torch.randint(0, vocab, (seq,), generator=g).to(torch.int64)
        arr = t.to(torch.int32).numpy().astype("<u2" if size == 2 else "<u4")
        docs.append(arr.tobytes())
    write_pbin(path, docs, size)


def instill_config(m, seq, mbs, pbin, chunk_rows=0, log_every=1):
    base = yaml.safe_load(open(os.path.join(ROOT, "tests", "train", "configs", "tiny_train.yaml")))
    s = base["settings"]
    s["intervals"] = {"training_log_interval_in_steps": log_every, "checkpointing_interval_in_steps": 10**9,
                      "evaluation_interval_in_steps": 10**9}
    s["consistency_enforcement"] = {k: False for k in ("enforce_tokens_per_step_consistency",
                                    "enforce_last_step_logged", "enforce_last_step_evaluated",
                                    "enforce_last_step_checkpointed")}
    s["step_profile"]["gradient_accumulation_steps"] = 1
    s["step_profile"]["local_train_micro_batch_size"] = mbs
    s["step_profile"]["sequence_length"] = seq
    s["paths"]["train_dataset_path"] = pbin
    s["paths"]["test_dataset_path"] = pbin
    s["training_target"]["num_target_tokens"]["config"]["reuse_last_target"] = False
    base["train_dataset"]["config"]["reuse_last_target"] = False
    base["eval_dataloaders"] = []
    base["loss_fn"]["config"]["chunk_rows"] = chunk_rows
    mc = base["model_raw"]["config"]
    mc.update({"vocab_size": m["vocab_size"], "n_layer": m["n_layer"], "n_head_q": m["n_head_q"],
               "n_head_kv": m["n_head_kv"], "n_embd": m["n_embd"], "ffn_hidden": m["ffn_hidden"],
               "dropout": 0.0, "use_weight_tying": m["tying"], "bias": m["bias"],
               "activation_type": m["activation"], "attention_implementation": "manual",
               "poe_type": "ABSOLUTE" if m["absolute_positions"] else "NOPE"})
    if not m["rope"]:
        mc["attention_config"] = {"qkv_transforms": [{"type_hint": "IdentityTransform", "config": {}}]}
    for norm in ("attention_norm_config", "ffn_norm_config", "lm_head_norm_config"):
        mc[norm]["config"]["normalized_shape"] = m["n_embd"]
    return base


def run_instill(build, m, seq, mbs, steps, workdir, chunk_rows=0):
    pbin = os.path.join(workdir, f"bench_{m['vocab_size']}_{seq}.pbin")
    if not os.path.exists(pbin):
        random_pbin(pbin, steps * mbs, seq, m["vocab_size"])
    cfg = instill_config(m, seq, mbs, pbin, chunk_rows)
    path = os.path.join(workdir, "bench.yaml")
    yaml.safe_dump(cfg, open(path, "w"), sort_keys=False)
    exp = f"run{time.time_ns()}"
    subprocess.run([os.path.join(build, "instill"), "run", "--config_file_path", path, "--experiments_root_path",
                    workdir, "--experiment_id", exp, "--device", "cpu", "--threads", str(THREADS)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = [json.loads(l) for l in open(os.path.join(workdir, exp, "metrics.jsonl"))]
    tps = [e["train tokens/s"] for e in events if e["tag"] == "train"]
    return statistics.median(tps[1:]), max(e["peak memory rank 0 (MB)"] for e in events)


def run_torch(m, seq, mbs, steps):
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    model = GPT2(m)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=6e-4, total_steps=steps + 1, pct_start=0.5,
                                                cycle_momentum=False)
    times = []
    for _ in range(steps):
        x = torch.randint(0, m["vocab_size"], (mbs, seq + 1))
        t0 = time.perf_counter()
        logits = model(x[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    # instill's tokens/s counts `sequence_length` per sample (the nominal step size), as the reference.
    return statistics.median(mbs * seq / t for t in times[1:])


def sgemm_peak():
    torch.set_num_threads(THREADS)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        best = max(best, 2 * 2048**3 / (time.perf_counter() - t0))
    return best


def model(vocab, n_embd, n_layer, n_head, ffn, activation, absolute, rope, tying=True):
    return {"vocab_size": vocab, "n_embd": n_embd, "n_layer": n_layer, "n_head_q": n_head, "n_head_kv": n_head,
            "ffn_hidden": ffn, "sequence_length": 0, "bias": True, "rope": rope, "rope_base": 10000.0,
            "activation": activation, "absolute_positions": absolute, "tying": tying,
            "norm": {"type": "layer_norm", "eps": 1e-5, "bias": True}}


def flops_per_token(m, seq):
    torch.manual_seed(0)
    p = sum(x.numel() for x in GPT2(m).parameters())
    return 6 * p + 12 * m["n_layer"] * seq * m["n_embd"], p


def main():
    build = sys.argv[1]
    quick = "--quick" in sys.argv
    peak = sgemm_peak()
    print(f"threads {THREADS}, sgemm peak {peak / 1e9:.1f} GFLOP/s (2048^3 fp32 matmul, best of 5)")
    cases = [("demo model (tutorial config)", model(50304, 128, 2, 4, 384, "swiglu", False, True), 256, 4,
              8, 3 if not quick else 1),
             ("GPT-2-small-sized (124M)", model(50304, 768, 12, 12, 3072, "gelu", True, False), 256, 1,
              5, 1)]
    with tempfile.TemporaryDirectory() as work:
        for name, m, seq, mbs, steps, runs in cases:
            m["sequence_length"] = seq
            ours, theirs = [], []
            for _ in range(runs):
                ours.append(run_instill(build, m, seq, mbs, steps, work)[0])
                theirs.append(run_torch(m, seq, mbs, steps))
            o, t = statistics.median(ours), statistics.median(theirs)
            fpt, params = flops_per_token(m, seq)
            print(f"{name}: {params / 1e6:.1f}M params, seq {seq}, batch {mbs}, {steps} steps x {runs} runs: "
                  f"instill {o:.0f} tokens/s, PyTorch eager {t:.0f} tokens/s, ratio {o / t:.2f}x; "
                  f"MFU vs sgemm peak: instill {o * fpt / peak:.1%}, PyTorch {t * fpt / peak:.1%}")
        if not quick:
            m = model(151936, 128, 1, 4, 384, "swiglu", False, True)
            m["sequence_length"] = 2048
            for label, chunk in (("chunked loss (default)", 0), ("full logits", -1)):
                tps, mem = run_instill(build, m, 2048, 1, 3, work, chunk_rows=chunk)
                print(f"151,936-token vocabulary, seq 2048, batch 1: {label}: peak RSS {mem:.0f} MB, {tps:.0f} tokens/s")


if __name__ == "__main__":
    main()
