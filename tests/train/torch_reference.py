#!/usr/bin/env python3
"""PyTorch oracle for instill's training numerics (run with /usr/bin/python3, python3-torch).

The model below is written from the Modalities spec (section 8.8.2), independently of the C++
code; the optimizer, scheduler, clipping and loss are torch's own. Subcommands:
  randperm N SEED                    -> JSON list (torch.randperm with a seeded generator)
  onecycle JSON_ARGS STEPS           -> JSON list of lrs after construction and each step
  clip NORM MAX_NORM GRADS.safetensors -> JSON {"norm": ..., "grads": {name: [...]}} after clipping
  train JOB_DIR                      -> JOB_DIR/losses.json and JOB_DIR/final.safetensors
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32,
          "BF16": torch.bfloat16, "F16": torch.float16, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = bytearray(data[8 + n + b:8 + n + end])
        t = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- the reference's gpt2 model, from the spec -------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, dim, eps, bias):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x):
        y = (x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x)
        y = y * self.weight
        return y + self.bias if self.bias is not None else y


def make_norm(cfg, dim):
    if cfg["type"] == "layer_norm":
        return nn.LayerNorm(dim, eps=cfg["eps"])
    return RMSNorm(dim, cfg["eps"], cfg["bias"])


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        e, hq, hkv = c["n_embd"], c["n_head_q"], c["n_head_kv"]
        kv = e // (hq // hkv)
        self.q_attn = nn.Linear(e, e, bias=c["bias"])
        self.k_attn = nn.Linear(e, kv, bias=c["bias"])
        self.v_attn = nn.Linear(e, kv, bias=c["bias"])
        self.c_proj = nn.Linear(e, e, bias=c["bias"])

    def forward(self, x):
        c = self.c
        B, L, E = x.shape
        hq, hkv = c["n_head_q"], c["n_head_kv"]
        hd = E // hq
        q = self.q_attn(x).view(B, L, hq, hd).transpose(1, 2)
        k = self.k_attn(x).view(B, L, hkv, hd).transpose(1, 2)
        v = self.v_attn(x).view(B, L, hkv, hd).transpose(1, 2)
        if c["rope"]:
            inv_freq = 1.0 / (c["rope_base"] ** (torch.arange(0, hd, 2).float() / hd))
            t = torch.arange(L, dtype=inv_freq.dtype)
            freqs = torch.outer(t, inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            q = q * emb.cos() + rotate_half(q) * emb.sin()
            k = k * emb.cos() + rotate_half(k) * emb.sin()
        rep = hq // hkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        mask = torch.tril(torch.ones(L, L, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, L, E)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.swiglu = c["activation"] == "swiglu"
        e = c["n_embd"]
        if self.swiglu:
            h = int(2 * c["ffn_hidden"] / 3)
            h = (h + 255) // 256 * 256
            self.W = nn.Linear(e, h, bias=c["bias"])
            self.V = nn.Linear(e, h, bias=c["bias"])
            self.W_2 = nn.Linear(h, e, bias=c["bias"])
        else:
            self.c_fc = nn.Linear(e, c["ffn_hidden"], bias=c["bias"])
            self.c_proj = nn.Linear(c["ffn_hidden"], e, bias=c["bias"])

    def forward(self, x):
        if self.swiglu:
            return self.W_2(F.silu(self.W(x)) * self.V(x))
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention_norm = make_norm(c["norm"], c["n_embd"])
        self.attn = Attention(c)
        self.ffn_norm = make_norm(c["norm"], c["n_embd"])
        self.mlp = MLP(c)

    def forward(self, h):
        h = h + self.attn(self.attention_norm(h))
        return h + self.mlp(self.ffn_norm(h))


class GPT2(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c["n_embd"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], e),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            lm_head_norm=make_norm(c["norm"], e),
            lm_head=nn.Linear(e, c["vocab_size"], bias=False)))
        if c["absolute_positions"]:
            self.transformer["wpe"] = nn.Embedding(c["sequence_length"], e)
        if c["tying"]:
            self.transformer.lm_head.weight = self.transformer.wte.weight
        self.c = c

    def forward(self, ids):
        t = self.transformer
        h = t.wte(ids)
        if self.c["absolute_positions"]:
            h = h + t.wpe(torch.arange(ids.shape[1]))
        for block in t.h:
            h = block(h)
        return t.lm_head(t.lm_head_norm(h))


def param_groups(model, wd, excluded):
    groups = {"linear": [".attn", ".mlp", ".lm_head.weight"], "embedding": [".wte", ".wpe"],
              "layernorm": [".attention_norm", ".ffn_norm", ".lm_head_norm"]}
    named = list(model.named_parameters())  # tied weights appear once
    if wd == 0 or not excluded:
        return [{"params": [p for _, p in named], "weight_decay": wd}], [[n for n, _ in named]]
    import re
    decayed, not_decayed, dn, nn_ = [], [], [], []
    for name, p in named:
        for g, pats in groups.items():
            if any(re.search(pat, name) for pat in pats):
                (not_decayed if g in excluded else decayed).append(p)
                (nn_ if g in excluded else dn).append(name)
                break
    return [{"params": decayed, "weight_decay": wd}, {"params": not_decayed, "weight_decay": 0.0}], [dn, nn_]


def train(job):
    cfg = json.load(open(f"{job}/config.json"))
    torch.set_num_threads(1)
    model = GPT2(cfg["model"])
    init = load_safetensors(f"{job}/init.safetensors")
    state = model.state_dict()
    for name in state:
        if name in init:  # a tied lm_head shares wte's tensor
            state[name].copy_(init[name])
        elif not (cfg["model"]["tying"] and name == "transformer.lm_head.weight"):
            raise SystemExit(f"init weights lack {name}")
    o = cfg["optimizer"]
    groups, _ = param_groups(model, o["weight_decay"], o["excluded"])
    opt = torch.optim.AdamW(groups, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"])
    s = cfg["scheduler"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s["max_lr"], total_steps=s["total_steps"],
                                                pct_start=s["pct_start"], anneal_strategy="cos",
                                                cycle_momentum=False, div_factor=s["div_factor"],
                                                final_div_factor=s["final_div_factor"])
    batches = load_safetensors(f"{job}/batches.safetensors")
    gas = cfg["gradient_accumulation_steps"]
    losses, norms, micro = [], [], 0
    step_losses = []
    while f"input_ids.{micro}" in batches:
        ids, tgt = batches[f"input_ids.{micro}"], batches[f"targets.{micro}"]
        logits = model(ids)
        valid = (tgt != -100).sum()
        if valid == 0:
            loss = logits.sum() * 0.0
        else:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), tgt.reshape(-1), ignore_index=-100)
        (loss / gas).backward()
        step_losses.append(loss.item())
        micro += 1
        if micro % gas == 0:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["max_norm"], norm_type=2.0)
            norms.append(norm.item())
            opt.step()
            sched.step()
            opt.zero_grad()
            losses.append(sum(step_losses) / len(step_losses))
            step_losses = []
    json.dump({"losses": losses, "grad_norms": norms}, open(f"{job}/losses.json", "w"))
    save_safetensors(f"{job}/final.safetensors", dict(model.named_parameters()))


def main():
    cmd = sys.argv[1]
    if cmd == "randperm":
        g = torch.Generator().manual_seed(int(sys.argv[3]))
        print(json.dumps(torch.randperm(int(sys.argv[2]), generator=g).tolist()))
    elif cmd == "onecycle":
        args = json.loads(sys.argv[2])
        p = nn.Parameter(torch.zeros(1))
        opt = torch.optim.AdamW([p], lr=1.0)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, cycle_momentum=False, **args)
        lrs = [sched.get_last_lr()[0]]
        for _ in range(int(sys.argv[3])):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        print(json.dumps(lrs))
    elif cmd == "clip":
        grads = load_safetensors(sys.argv[4])
        params = []
        for name in sorted(grads):
            p = nn.Parameter(torch.zeros_like(grads[name]))
            p.grad = grads[name].clone()
            params.append((name, p))
        norm_type = float("inf") if sys.argv[2] == "inf" else float(sys.argv[2])
        norm = torch.nn.utils.clip_grad_norm_([p for _, p in params], float(sys.argv[3]), norm_type=norm_type)
        print(json.dumps({"norm": norm.item(), "grads": {n: p.grad.reshape(-1).tolist() for n, p in params}}))
    elif cmd == "train":
        train(sys.argv[2])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
